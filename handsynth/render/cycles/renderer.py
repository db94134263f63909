"""The Cycles backend: ``CyclesRenderer.render(spec) -> Frame`` with Blender as a Python module (bpy).

Only ``render/cycles/`` imports bpy; never pyrender, ray or torch. Pixels only: annotations come from
the spec.

One render call per sample writes every pass into one uncompressed multilayer OpenEXR file in a private
folder under /dev/shm (``exr.read_exr`` reads it back; bpy as a module gives no pixels of a render
result). Three view layers:
1. ``color`` (the run's samples, denoised if asked): Combined (linear, premultiplied alpha; turned into
   straight-alpha sRGB uint8 here, as the raster backend returns), Depth (Cycles' Z pass: planar camera
   z, 1e10 where no surface) and Object Index (one Blender object per part, ``pass_index`` = part id).
   Cycles writes Depth and Object Index from a pixel's first sample only, so they are not antialiased
   and always come from the same surface;
2. ``hand`` and 3. ``object`` (1 sample, no denoising, a flat emission override): the Object Index of
   the amodal hand's skin alone (``render.base.amodal_hand_faces``; Cycles culls no back faces, so the
   open stub needs no second winding) and of the object alone; the joint pixels are added as in the
   raster backend (``render.base.with_joint_pixels``).

Lamps: a Blender point lamp of power P watts with no radius has radiant intensity P / (4 pi) W/sr, as
``scene.lights.PointLamp.power_w`` means (the lit skin matches the raster backend's within a few
per cent; ``tests/test_render_cycles.py``); the ambient term is a uniform white world of that strength.
Clear glass is rendered with ``film_transparent_glass``, so the composited background shows through.

The static scene (engine, film, colour management, world, camera, view layers) is built once per
renderer; a sample changes the grasp's meshes (rebuilt only when the spec holds another ``GraspScene``
object), their placement, the skin tint, the arm's albedo, the camera and the lamps.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import weakref
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix

from handsynth.conventions import (
    PART_OBJECT,
    cam_opencv_to_blender,
    invert_transform,
)
from handsynth.render.base import Frame, amodal_hand_faces, with_joint_pixels
from handsynth.render.cycles import blend, materials
from handsynth.render.cycles.exr import read_passes
from handsynth.render.cycles.hand import HAND_SLOTS, HandCache
from handsynth.scene.grasps import GraspScene

SENSOR_WIDTH_MM = 36.0
LAYERS = ("color", "hand", "object")


@contextlib.contextmanager
def _stdout_silenced():
    """Send file descriptor 1 to /dev/null (Cycles prints about 44 lines per render from C code)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


class _GraspObjects:
    """The object and the amodal hand of one grasp, in the object frame (built once per grasp)."""

    def __init__(self, grasp: GraspScene, collections: dict) -> None:
        self.scene = grasp  # held, so its identity cannot be reused by another object while cached
        obj = grasp.grasp.object
        # Cached per Material content by ``materials`` (which owns and removes them).
        self.materials = [materials.object_material(m, obj.family) for m in obj.materials]
        thing = blend.mesh_object(
            "object",
            obj.vertices,
            obj.faces,
            grasp.object_normals,
            collections["object"],
            PART_OBJECT,
            face_materials=obj.face_slots,
            face_uvs=obj.face_uvs,
        )
        for material in self.materials:
            material.pass_index = PART_OBJECT  # the colour layer's part ids are material indices
            thing.data.materials.append(material)
        # The amodal hand is a mask only: the skinned vertices the annotations come from.
        skin_faces = grasp.hand_faces[amodal_hand_faces(grasp)]
        used, faces = np.unique(skin_faces, return_inverse=True)
        amodal = blend.mesh_object(
            "hand-amodal",
            grasp.hand_vertices[used],
            faces.reshape(-1, 3),
            grasp.hand_normals[used],
            collections["amodal_hand"],
            1,
        )
        self.objects = [thing, amodal]

    def remove(self) -> None:
        for obj in self.objects:
            blend.remove_object(obj)
        self.objects, self.materials = [], []


class CyclesRenderer:
    """Cycles on the CPU or a GPU: ``render(spec) -> Frame`` at the configured resolution.

    Each renderer owns a Blender scene of its own in the process's one Blender session, so several may
    coexist (they render one at a time: bpy is not thread-safe); call ``close()`` at the end, or use it
    as a context manager.

    Args:
        width, height: image size in pixels.
        render_config: a ``handsynth.config.RenderConfig`` (quality preset, ``samples``/``denoise``
            overrides, ``device``, ``threads``); None for its defaults.
    """

    name = "cycles"

    def __init__(self, width: int, height: int, render_config=None) -> None:
        from handsynth.config import RenderConfig, quality_settings
        from handsynth.render import cpu_threads
        from handsynth.render.cycles.device import resolve_device

        config = render_config if render_config is not None else RenderConfig()
        self.width, self.height = int(width), int(height)
        self.settings = quality_settings(config)
        self.device = resolve_device(config.device)
        self.threads = cpu_threads(config.threads)
        self._tmp = Path(tempfile.mkdtemp(prefix="handsynth-cycles-", dir=_tmp_root()))
        self._exr = self._tmp / "frame.exr"
        # Removed by close(), or when the renderer is collected or the interpreter exits without it.
        self._tmp_finalizer = weakref.finalize(self, shutil.rmtree, self._tmp, ignore_errors=True)
        # A scene of its own (not a factory reset, which would wipe another renderer's scene in this
        # Blender session), rendered by name.
        self._scene = bpy.data.scenes.new("handsynth")
        self._configure_scene()
        self._collections = {}
        for name in ("visible", "object", "amodal_hand"):
            collection = bpy.data.collections.new(name)
            self._scene.collection.children.link(collection)
            self._collections[name] = collection
        self._configure_layers()
        # One skin material per hand part (its pass_index the part id), all instancing the skin group.
        self._skins, self._tints = [], []
        for part in HAND_SLOTS:
            material, tint = blend.skin_material(f"skin-{part:02d}")
            material.pass_index = part
            self._skins.append(material)
            self._tints.append(tint)
        self._hands = HandCache(self._scene, self._collections["visible"], self._skins)
        self._camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
        self._scene.collection.objects.link(self._camera)
        self._scene.camera = self._camera
        self._lamps: list = []
        self._grasp: _GraspObjects | None = None

    @property
    def scene(self):
        """This renderer's Blender scene (``bpy.types.Scene``)."""
        return self._scene

    def _configure_scene(self) -> None:
        scene = self._scene
        scene.render.engine = "CYCLES"
        # resolve_device has set the Cycles preferences' compute_device_type (OptiX, CUDA or HIP).
        scene.cycles.device = "CPU" if self.device == "cpu" else "GPU"
        settings = self.settings
        scene.cycles.samples = settings["samples"]
        scene.cycles.use_adaptive_sampling = settings["adaptive_threshold"] > 0
        scene.cycles.adaptive_threshold = settings["adaptive_threshold"]
        scene.cycles.adaptive_min_samples = 0  # Cycles' automatic minimum for the threshold
        scene.cycles.use_denoising = settings["denoise"]
        scene.cycles.denoiser = "OPENIMAGEDENOISE"
        # Blender's default prefilter (ACCURATE) denoises the albedo and normal guides too: +0.9 s per
        # 320x320 image on 2 cores, against +0.06 s for FAST (guides of opaque surfaces are clean).
        scene.cycles.denoising_prefilter = settings["denoise_prefilter"]
        bounces = settings["bounces"]
        scene.cycles.max_bounces = bounces["total"]
        scene.cycles.diffuse_bounces = bounces["diffuse"]
        scene.cycles.glossy_bounces = bounces["glossy"]
        scene.cycles.transmission_bounces = bounces["transmission"]
        scene.cycles.transparent_max_bounces = bounces["transparent"]
        scene.cycles.volume_bounces = 0
        scene.cycles.sample_clamp_direct = settings["clamp_direct"]
        scene.cycles.sample_clamp_indirect = settings["clamp_indirect"]
        scene.cycles.caustics_reflective = scene.cycles.caustics_refractive = False  # firefly sources
        scene.cycles.seed = 0
        scene.cycles.use_animated_seed = False
        scene.cycles.use_light_tree = False  # a few point lamps: the tree only costs time
        scene.render.threads_mode = "FIXED"
        scene.render.threads = self.threads
        scene.render.resolution_x, scene.render.resolution_y = self.width, self.height
        scene.render.resolution_percentage = 100
        scene.render.film_transparent = True
        # Clear glass lets the composited background through (alpha < 1), as a photograph would show it.
        scene.cycles.film_transparent_glass = True
        scene.render.dither_intensity = 0.0
        scene.render.use_compositing = False
        scene.render.use_sequencer = False
        scene.view_settings.view_transform = "Standard"
        scene.view_settings.look = "None"
        scene.view_settings.exposure = 0.0
        scene.view_settings.gamma = 1.0
        settings = scene.render.image_settings
        settings.file_format = "OPEN_EXR_MULTILAYER"
        settings.color_depth = "32"
        settings.exr_codec = "NONE"
        scene.render.filepath = str(self._exr)
        scene.render.use_file_extension = False
        world = bpy.data.worlds.new("ambient")
        world.use_nodes = True
        self._background = world.node_tree.nodes["Background"]
        self._background.inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
        scene.world = world
        self._world = world

    def _configure_layers(self) -> None:
        scene = self._scene
        color = scene.view_layers[0]
        color.name = "color"
        layers = {"color": color}
        for name in ("hand", "object"):
            layers[name] = scene.view_layers.new(name)
        self._flat = blend.emission_material("flat")
        shown = {"color": ("visible", "object"), "hand": ("amodal_hand",), "object": ("object",)}
        for name, layer in layers.items():
            layer.use_pass_combined = name == "color"
            layer.use_pass_z = name == "color"
            layer.use_pass_material_index = name == "color"  # part ids (see hand.py)
            layer.use_pass_object_index = name != "color"  # the amodal masks
            # By the collections' real names: Blender renames a second renderer's "visible.001".
            kept = {self._collections[key].name for key in shown[name]}
            for child in layer.layer_collection.children:
                child.exclude = child.name not in kept
            if name != "color":
                layer.samples = 1
                layer.cycles.use_denoising = False
                layer.material_override = self._flat

    def _set_grasp(self, grasp: GraspScene) -> _GraspObjects:
        # Keyed on the GraspScene object itself, never on its number (see RasterRenderer._set_grasp).
        if self._grasp is None or self._grasp.scene is not grasp:
            if self._grasp is not None:
                self._grasp.remove()
            self._grasp = _GraspObjects(grasp, self._collections)
        self._hands.get(grasp)
        return self._grasp

    def _set_camera(self, camera, T_object_world: np.ndarray) -> None:
        K = np.asarray(camera.K, dtype=np.float64)
        if not np.isclose(K[0, 0], K[1, 1]):
            raise ValueError(f"the cycles backend needs square pixels, got fx={K[0, 0]}, fy={K[1, 1]}")
        data = self._camera.data
        data.sensor_fit = "HORIZONTAL"
        data.sensor_width = SENSOR_WIDTH_MM
        data.lens = K[0, 0] * SENSOR_WIDTH_MM / self.width
        # Blender's principal point is the image centre (W/2, H/2 with pixel centres at i + 0.5) moved by
        # shift * W; ours is (cx, cy) with pixel centres at integers, y down.
        data.shift_x = (self.width / 2.0 - (K[0, 2] + 0.5)) / self.width
        data.shift_y = ((K[1, 2] + 0.5) - self.height / 2.0) / self.width
        data.clip_start, data.clip_end = 0.01, 50.0
        T_object_cam = cam_opencv_to_blender(T_object_world @ invert_transform(camera.T_cam_world))
        self._camera.matrix_world = Matrix(T_object_cam.tolist())

    def _set_lights(self, spec, T_object_world: np.ndarray) -> None:
        while len(self._lamps) < len(spec.lights):
            light = bpy.data.lights.new(f"lamp-{len(self._lamps):02d}", "POINT")
            light.shadow_soft_size = 0.0  # an ideal point lamp, as the spec says
            light.use_soft_falloff = False
            obj = bpy.data.objects.new(light.name, light)
            self._scene.collection.objects.link(obj)
            self._lamps.append(obj)
        for k, obj in enumerate(self._lamps):
            obj.hide_render = k >= len(spec.lights)
            if k >= len(spec.lights):
                continue
            lamp = spec.lights[k]
            color = np.asarray(lamp.color, dtype=np.float64)
            peak = float(color.max())
            # Blender's point lamp power is radiant watts too (see the module docstring); the colour
            # (luminance 1, a channel may exceed 1) is scaled into [0, 1] and the rest goes into the power.
            obj.data.energy = float(lamp.power_w) * peak
            obj.data.color = tuple(color / peak)
            position = T_object_world[:3, :3] @ np.asarray(lamp.position_world) + T_object_world[:3, 3]
            obj.location = tuple(float(x) for x in position)
        self._background.inputs["Strength"].default_value = float(spec.ambient)

    def set_sample(self, spec) -> None:
        """Put ``spec``'s grasp, skin, camera, lamps and noise seed into the scene (``render`` does this;
        ``save.save_blend`` too, to save the scene of one sample)."""
        if (spec.camera.width, spec.camera.height) != (self.width, self.height):
            raise ValueError(
                f"renderer is {self.width}x{self.height}, spec wants {spec.camera.width}x{spec.camera.height}"
            )
        self._set_grasp(spec.grasp)
        for tint in self._tints:
            tint.outputs[0].default_value = (*(float(c) for c in spec.skin_tint), 1.0)
        # Blender's world is the object frame: a sample moves only the camera and the lamps, so the
        # meshes of a grasp are synced into Cycles once, not once per sample.
        T_object_world = invert_transform(spec.T_world_object)
        self._set_camera(spec.camera, T_object_world)
        self._set_lights(spec, T_object_world)
        # Each sample its own noise pattern, and the same one whenever it is rendered again.
        self._scene.cycles.seed = int(spec.seed) % 2**31

    def render(self, spec) -> Frame:
        """Render ``spec`` (a ``handsynth.scene.SceneSpec``) into a Frame."""
        self.set_sample(spec)
        with _stdout_silenced():
            bpy.ops.render.render(write_still=True, scene=self._scene.name)
        passes = read_passes(self._exr)
        return Frame(
            rgba=passes["rgba"],
            parts=passes["parts"],
            depth_m=passes["depth_m"],
            hand_amodal=with_joint_pixels(passes["hand"], spec.joints_cam, spec.camera.K),
            object_amodal=passes["object"],
        )

    def hand_geometry(self, spec) -> dict[str, np.ndarray]:
        """Blender's evaluated hand for ``spec``, in the object frame: ``skin`` (V, 3) and ``arm``
        (N, 3) vertex positions as Cycles receives them (for tests: they must equal the spec's own
        ``grasp.hand_vertices`` and ``grasp.arm_vertices``, which the annotations come from)."""
        from handsynth.render.cycles.rig import evaluated_mesh

        self._set_grasp(spec.grasp)
        depsgraph = self._scene.view_layers["color"].depsgraph
        depsgraph.update()
        hand = self._hands.get(spec.grasp)
        return {
            "skin": evaluated_mesh(hand.skin, depsgraph)[0],
            "arm": evaluated_mesh(hand.arm, depsgraph)[0],
        }

    def close(self) -> None:
        """Remove this renderer's scene, its datablocks and the temporary folder."""
        if self._scene is None:
            return
        if self._grasp is not None:
            self._grasp.remove()
            self._grasp = None
        self._hands.clear()
        for obj in (self._camera, *self._lamps):
            data = obj.data
            bpy.data.objects.remove(obj, do_unlink=True)
            (bpy.data.cameras if data.id_type == "CAMERA" else bpy.data.lights).remove(data)
        for material in (*self._skins, self._flat):
            bpy.data.materials.remove(material)
        for collection in self._collections.values():
            bpy.data.collections.remove(collection)
        bpy.data.scenes.remove(self._scene)
        bpy.data.worlds.remove(self._world)
        self._scene = None
        self._tmp_finalizer()

    def __enter__(self) -> CyclesRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _tmp_root() -> str | None:
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
