"""The raster backend (pyrender over Mesa's EGL) against an independent numpy z-buffer of the same spec."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from handsynth.config import SceneConfig
from handsynth.conventions import HAND_PARTS, PART_FOREARM, PART_OBJECT, PART_TO_SEG, transform_points
from handsynth.scene.spec import SceneSampler
from handsynth.viz.software_raster import rasterize

WIDTH, HEIGHT = 320, 240  # not square, so a swapped cx/cy or a flipped row order shows


@pytest.fixture(scope="module")
def sampler():
    config = SceneConfig(width=WIDTH, height=HEIGHT, renders_per_grasp=3)
    return SceneSampler(5, config, ("can", "orange"))


@pytest.fixture(scope="module")
def renderer():
    from handsynth.render.raster import RasterRenderer

    r = RasterRenderer(WIDTH, HEIGHT)
    yield r
    r.close()


def _reference(spec):
    """Part map and depth of ``spec`` from the numpy rasterizer (pixel centres at integers, as in K)."""
    grasp = spec.grasp
    T = spec.T_cam_object
    meshes = [
        (grasp.hand_vertices, grasp.hand_faces, grasp.hand_face_parts),
        (grasp.arm_vertices, grasp.arm_faces, np.full(len(grasp.arm_faces), PART_FOREARM)),
        (
            grasp.grasp.object.vertices,
            grasp.grasp.object.faces,
            np.full(len(grasp.grasp.object.faces), PART_OBJECT),
        ),
    ]
    offset, vertices, faces, parts = 0, [], [], []
    for v, f, p in meshes:
        vertices.append(transform_points(T, v))
        faces.append(f + offset)
        parts.append(p)
        offset += len(v)
    depth, face_index, _ = rasterize(
        np.concatenate(vertices), np.concatenate(faces), spec.camera.K, WIDTH, HEIGHT
    )
    part_map = np.where(face_index >= 0, np.concatenate(parts)[np.maximum(face_index, 0)], 0).astype(np.uint8)
    return part_map, np.where(face_index >= 0, depth, 0.0)


def test_reports_an_opengl_renderer(renderer):
    """Mesa's llvmpipe on a machine without a GPU driver; the GPU's name where NVIDIA's driver is."""
    name = renderer.gl_renderer
    if Path("/dev/nvidiactl").exists():
        assert re.fullmatch(r"NVIDIA .+|llvmpipe \(LLVM \d+\.\d+\.\d+, \d+ bits\)", name), name
    else:
        assert re.fullmatch(r"llvmpipe \(LLVM \d+\.\d+\.\d+, \d+ bits\)", name), name


def _digest(frame) -> str:
    arrays = (frame.rgba, frame.parts, frame.depth_m, frame.hand_amodal, frame.object_amodal)
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()


def test_one_renderer_over_two_runs_draws_each_runs_own_grasp(renderer):
    """Grasp 0 of run A, then grasp 0 of run B (another seed): B's frame is exactly a fresh renderer's.
    (A renderer that remembered grasps by their number drew A's hand under B's labels.)"""
    config = SceneConfig(width=WIDTH, height=HEIGHT, renders_per_grasp=3)
    run_a, run_b = SceneSampler(5, config, ("can", "orange")), SceneSampler(6, config, ("can", "orange"))
    spec_a, spec_b = run_a.sample(0), run_b.sample(1)
    assert spec_a.grasp.index == spec_b.grasp.index == 0
    frame_a = renderer.render(spec_a)
    frame_b = renderer.render(spec_b)
    assert not np.array_equal(frame_a.parts, frame_b.parts)
    code = (
        "import hashlib, numpy as np; from handsynth.config import SceneConfig; "
        "from handsynth.scene.spec import SceneSampler; from handsynth.render.raster import RasterRenderer; "
        f"s = SceneSampler(6, SceneConfig(width={WIDTH}, height={HEIGHT}, renders_per_grasp=3), "
        "('can', 'orange')); "
        f"f = RasterRenderer({WIDTH}, {HEIGHT}).render(s.sample(1)); "
        "a = (f.rgba, f.parts, f.depth_m, f.hand_amodal, f.object_amodal); "
        "print(hashlib.sha256(b''.join(np.ascontiguousarray(x).tobytes() for x in a)).hexdigest())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == _digest(frame_b)
    # The same GraspScene object again reuses the cached meshes and gives the same frame.
    assert _digest(renderer.render(spec_b)) == _digest(frame_b)


@pytest.mark.parametrize("index", [0, 4, 8])
def test_part_map_and_depth_match_an_independent_rasterizer(sampler, renderer, index):
    spec = sampler.sample(index)
    frame = renderer.render(spec)
    ref_parts, ref_depth = _reference(spec)
    assert frame.parts.shape == (HEIGHT, WIDTH) and frame.depth_m.shape == (HEIGHT, WIDTH)
    covered = ref_parts > 0
    assert covered.sum() > 2000  # the hand and object are in the picture
    # Coverage differs only where a pixel centre lies within rounding of a triangle edge.
    assert np.mean(frame.parts != ref_parts) < 0.003
    both = (frame.parts == ref_parts) & covered
    assert np.percentile(np.abs(frame.depth_m[both] - ref_depth[both]), 99) < 2e-4
    # A half-pixel convention slip would move every mask by 0.5 px; the centroids agree to 0.05 px.
    for part_set in (list(HAND_PARTS), [PART_OBJECT]):
        ours, ref = np.isin(frame.parts, part_set), np.isin(ref_parts, part_set)
        if ref.sum() > 200:
            c_ours = np.argwhere(ours).mean(axis=0)
            c_ref = np.argwhere(ref).mean(axis=0)
            assert np.abs(c_ours - c_ref).max() < 0.05, (c_ours, c_ref)


@pytest.mark.parametrize("index", [1, 5])
def test_labels_depth_and_amodal_masks_are_consistent(sampler, renderer, index):
    frame = renderer.render(sampler.sample(index))
    seg = frame.seg
    assert np.array_equal(frame.depth_m > 0, frame.parts > 0)
    assert set(np.unique(frame.parts)) <= set(range(9))
    assert not np.any((seg == 1) & ~frame.hand_amodal)
    assert not np.any((seg == 2) & ~frame.object_amodal)
    assert np.array_equal(seg, PART_TO_SEG[frame.parts])
    # The colour pass covers what the part pass covers: alpha is full inside (a sub-pixel gap between
    # fingers may show through a few multisamples) and partial only at edges.
    neighbours = [np.roll(frame.parts, s, a) for s in (1, -1) for a in (0, 1)]
    inside = (frame.parts > 0) & (np.minimum.reduce(neighbours) > 0)
    assert np.mean(frame.rgba[..., 3][inside] == 255) > 0.999
    assert np.all(frame.rgba[..., 3][frame.parts == 0] < 255)


def test_rendering_is_deterministic_within_and_across_processes(sampler, renderer):
    spec = sampler.sample(2)
    first = renderer.render(spec)
    renderer.render(sampler.sample(7))  # another grasp in between
    again = renderer.render(spec)
    for name in ("rgba", "parts", "depth_m", "hand_amodal", "object_amodal"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    digest = hashlib.sha256(first.rgba.tobytes() + first.depth_m.tobytes()).hexdigest()
    code = (
        "import hashlib; from handsynth.config import SceneConfig; "
        "from handsynth.scene.spec import SceneSampler; from handsynth.render.raster import RasterRenderer; "
        f"s = SceneSampler(5, SceneConfig(width={WIDTH}, height={HEIGHT}, renders_per_grasp=3), "
        "('can', 'orange')); "
        f"f = RasterRenderer({WIDTH}, {HEIGHT}).render(s.sample(2)); "
        "print(hashlib.sha256(f.rgba.tobytes() + f.depth_m.tobytes()).hexdigest())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == digest


def test_brighter_lamps_give_a_brighter_image(sampler, renderer):
    import dataclasses

    spec = sampler.sample(3)
    dim = renderer.render(spec)
    lamps = tuple(dataclasses.replace(lamp, power_w=lamp.power_w * 2.0) for lamp in spec.lights)
    bright = renderer.render(dataclasses.replace(spec, lights=lamps))
    fg = dim.parts > 0
    assert bright.rgba[..., :3][fg].astype(float).mean() > dim.rgba[..., :3][fg].astype(float).mean() + 5
    assert np.array_equal(bright.parts, dim.parts)


def test_missing_egl_is_one_clear_error():
    code = (
        "import ctypes.util; ctypes.util.find_library = lambda name: None\n"
        "from handsynth.errors import UserError\n"
        "from handsynth.render.raster import RasterRenderer\n"
        "try:\n    RasterRenderer(8, 8)\nexcept UserError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "libegl1" in out and "libegl-mesa0" in out and "libgl1-mesa-dri" in out
