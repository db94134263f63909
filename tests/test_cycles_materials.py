"""Cycles materials: object materials from each Material (cached per content, patterns from the raster
backend's very textures) and the skin node group; the studio .blend script."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from handsynth.config import RenderConfig, SceneConfig  # noqa: E402
from handsynth.conventions import HAND_PARTS, PART_FOREARM, SEG_HAND, SEG_OBJECT  # noqa: E402
from handsynth.objects.model import Material  # noqa: E402
from handsynth.scene.spec import SceneSampler  # noqa: E402

SIZE = 96
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def specs():
    config = SceneConfig(width=SIZE, height=SIZE, renders_per_grasp=2)
    return [SceneSampler(11, config, ("can",)).sample(i) for i in (0, 2)]


@pytest.fixture(scope="module")
def renderer():
    from handsynth.render.cycles.renderer import CyclesRenderer

    with CyclesRenderer(SIZE, SIZE, RenderConfig(samples=8, denoise=False)) as cycles:
        yield cycles


def test_material_kinds():
    from handsynth.render.cycles.materials import material_kind

    assert material_kind(Material("glass", (0.9, 0.9, 0.9), 0.03, transmission=1.0)) == "glass"
    assert material_kind(Material("steel", (0.8, 0.8, 0.8), 0.2, metallic=1.0)) == "metal"
    assert material_kind(Material("peel", (0.9, 0.4, 0.1), 0.5, pattern="speckle")) == "fruit"
    assert material_kind(Material("skin", (0.6, 0.05, 0.03), 0.15), "tomato") == "fruit"
    assert material_kind(Material("wood", (0.5, 0.3, 0.1), 0.6, pattern="wood")) == "wood"
    assert material_kind(Material("label", (0.9, 0.9, 0.9), 0.6, pattern="label")) == "paper"
    assert material_kind(Material("cap", (0.1, 0.5, 0.9), 0.4)) == "plastic"


def test_object_materials_are_built_once_per_content_and_stay_bounded():
    from handsynth.render.cycles import materials

    label = Material("label", (0.8, 0.7, 0.5), 0.6, pattern="label", pattern_color=(0.1, 0.2, 0.6))
    first = materials.object_material(label, "bottle")
    assert materials.object_material(replace(label), "bottle") == first  # equal content: the same one
    images = [n.image for n in first.node_tree.nodes if n.type == "TEX_IMAGE"]
    assert len(images) == 1 and images[0].filepath == "" and images[0].is_float
    before = len(bpy.data.materials), len(bpy.data.images)
    for seed in range(3 * materials.CACHE_SIZE):  # a long run: every grasp draws new contents
        materials.object_material(replace(label, pattern_seed=seed), "bottle")
    assert materials.cached_materials() <= materials.CACHE_SIZE
    assert len(bpy.data.materials) - before[0] <= materials.CACHE_SIZE
    assert len(bpy.data.images) - before[1] <= materials.CACHE_SIZE


def test_pattern_image_is_the_raster_texture_bottom_up():
    from handsynth.objects.patterns import pattern_texture
    from handsynth.render.cycles.materials import pattern_image

    material = Material("print", (0.7, 0.2, 0.05), 0.4, pattern="print", pattern_color=(0.1, 0.1, 0.5))
    image = pattern_image(material, "probe")
    pixels = np.empty(len(image.pixels), np.float32)
    image.pixels.foreach_get(pixels)
    pixels = pixels.reshape(image.size[1], image.size[0], 4)
    np.testing.assert_allclose(pixels[::-1, :, :3], pattern_texture(material), atol=1e-6)
    bpy.data.images.remove(image)


def _object_pixels(frame):
    return frame.rgba[frame.seg == SEG_OBJECT, :3].astype(np.float64)


def test_a_printed_object_shows_its_pattern(specs, renderer):
    """The can's print: the Cycles object pixels follow the raster backend's (same texture, same UVs),
    and the same grasp with plain materials differs from it on the object, not on the hand."""
    from handsynth.render.raster import RasterRenderer

    spec = specs[0]
    obj = spec.grasp.grasp.object
    with RasterRenderer(SIZE, SIZE) as raster:
        reference = raster.render(spec)
    patterned = renderer.render(spec)
    # The same grasp with every pattern made plain (its base colour).
    obj_plain = replace(obj, materials=tuple(replace(m, pattern="plain") for m in obj.materials))
    grasp = replace(spec.grasp, grasp=replace(spec.grasp.grasp, object=obj_plain))
    plain = renderer.render(replace(spec, grasp=grasp))
    both = (reference.seg == SEG_OBJECT) & (patterned.seg == SEG_OBJECT) & (plain.seg == SEG_OBJECT)
    assert both.sum() > 200

    # Hue-like signal (red minus blue) of the object follows the raster backend's (same texture, UVs).
    a = reference.rgba[both, 0].astype(float) - reference.rgba[both, 2]
    b = patterned.rgba[both, 0].astype(float) - patterned.rgba[both, 2]
    assert np.corrcoef(a, b)[0, 1] > 0.5
    # Same seed, same scene but the pattern: many object pixels change colour, hand pixels hardly any.
    change = np.abs(patterned.rgba[..., :3].astype(int) - plain.rgba[..., :3]).sum(axis=-1) > 60
    hand = (patterned.seg == SEG_HAND) & (plain.seg == SEG_HAND)
    assert change[both].mean() > 0.15 and change[hand].mean() < 0.02, (
        change[both].mean(),
        change[hand].mean(),
    )


def test_one_skin_group_used_by_every_hand_material(specs, renderer):
    from handsynth.render.cycles.materials import SKIN_GROUP

    for spec in specs:
        renderer.render(spec)
    groups = [g for g in bpy.data.node_groups if g.name.startswith(SKIN_GROUP)]
    assert len(groups) == 1
    scene = renderer._scene
    visible = [o for o in scene.collection.all_objects if o.users_collection[0].name.startswith("visible")]
    hands = [
        o for o in visible if o.type == "MESH" and any(m.name.startswith("skin") for m in o.data.materials)
    ]
    assert len(hands) >= 1
    for obj in hands:  # one mesh per hand, one material slot per hand part (ids 1-7: forearm stub too)
        assert "skin_mask" in obj.data.color_attributes and "albedo" in obj.data.color_attributes
        slots = [PART_FOREARM] if obj.name.endswith("_arm") else [*HAND_PARTS, PART_FOREARM]
        assert [m.pass_index for m in obj.data.materials] == slots
        for material in obj.data.materials:
            used = [n.node_tree for n in material.node_tree.nodes if n.type == "GROUP"]
            assert used == [groups[0]], material.name


def test_hand_mask_marks_nails_flush_and_creases():
    from handsynth.hand.shape import BONE_INDEX, FINGER_BONES
    from handsynth.hand.template import LABEL_NAIL, hand_template
    from handsynth.render.cycles.skin import NAIL_CODE, PALM_CREASES_MM, T_OFF_FINGER, hand_mask

    template = hand_template()
    mask = hand_mask(len(template.labels))
    assert mask.shape == (len(template.labels), 3) and mask.dtype == np.float32
    palmar, code, signed = mask.T.astype(np.float64)
    assert palmar.min() >= 0 and palmar.max() <= 1 and signed.min() >= -1 and signed.max() <= 1
    nail = template.labels == LABEL_NAIL
    assert (code[nail] == NAIL_CODE).all()
    assert code[~nail].min() == T_OFF_FINGER and code[~nail].max() <= 4.5
    assert 0.02 < (signed > 0.3).mean() < 0.5  # flush: knuckles and fingertips, not the whole hand
    # The back of the palm is off every crease band.
    v, sk = template.vertices, template.skeleton
    back = (v[:, 0] > 0.01) & (v[:, 0] < 0.05) & (v[:, 1] < 0.015) & (palmar < 0.05)  # not the thumb
    assert back.sum() > 100 and (code[back] == T_OFF_FINGER).all()
    # Over each PIP (3) and DIP (4) on the back of a long finger, t is that integer (the wrinkles' middle).
    for finger in ("index", "middle", "ring", "little"):
        for k, bone in enumerate(FINGER_BONES[finger][1:], start=3):
            i = BONE_INDEX[bone]
            axis = sk.rest_transforms[i, :3, 0]
            s = (v - sk.heads[i]) @ axis
            r = np.linalg.norm(v - sk.heads[i] - s[:, None] * axis, axis=1)
            over = (np.abs(s) < 0.0007) & (template.palmar < 0.05) & (r < 1.3 * sk.radii[i, 0])
            assert over.sum() >= 5 and np.abs(code[over] - k).max() < 0.06, (finger, k, code[over])
    # Palm creases: the palmar vertices on the thenar crease are deep in it (B near -1).
    thenar = np.asarray(PALM_CREASES_MM[2][1:-1], dtype=np.float64) / 1000.0
    on = (np.linalg.norm(v[:, None, :2] - thenar[None], axis=2).min(axis=1) < 0.0006) & (
        template.palmar > 0.95
    )
    assert on.sum() >= 2 and (signed[on] < -0.6).all(), signed[on]
    # The shader thresholds t per shading point, so no edge may jump over a whole crease band.
    edges = np.concatenate([template.faces[:, [0, 1]], template.faces[:, [1, 2]], template.faces[:, [2, 0]]])
    lo, hi = np.sort(code[edges], axis=1).T
    for k in (2, 3, 4):
        assert not ((lo < k - 0.25) & (hi > k + 0.25) & (hi < NAIL_CODE)).any()


def test_studio_script_writes_a_blend_with_the_skin_group(tmp_path):
    out = tmp_path / "studio.blend"
    script = ROOT / "blender_scenes" / "build_studio.py"
    cmd = [sys.executable, str(script), "--out", str(out), "--size", "64"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    probe = (
        "import bpy, sys; bpy.ops.wm.open_mainfile(filepath=sys.argv[1]); "
        "skin = [m for m in bpy.data.materials if m.name == 'skin-01'][0]; "
        "print(list(bpy.data.node_groups.keys()), "
        "[n.node_tree.name for n in skin.node_tree.nodes if n.type == 'GROUP'], "
        "all(i.packed_file is not None for i in bpy.data.images if i.source == 'GENERATED'))"
    )
    check = subprocess.run(
        [sys.executable, "-c", probe, str(out)], capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stderr[-2000:]
    assert "['handsynth_skin'] ['handsynth_skin'] True" in check.stdout
