"""The fast renderer backend: pyrender over EGL (Mesa's llvmpipe on a CPU machine, the GPU driver elsewhere).

The only module that imports pyrender or OpenGL. It selects the EGL platform itself before the first
OpenGL import, and names the missing system package when EGL cannot be loaded. Never imports ray or torch.

Passes per sample (one OpenGL context per process, kept for its life):
1. colour: our own shader (``shaders/``; Lambert + GGX for point lamps, 4x multisampling), RGBA;
2. parts: flat part ids without multisampling, and the depth of the same fragments, so labels and depth
   agree pixel for pixel;
3. hand alone and 4. object alone, flat: the amodal masks. The hand pass draws the hand's skin
   (``render.base.amodal_hand_faces``: its parts and a 1 cm band of the forearm stub past the wrist)
   from both sides: without the rest of the stub the mesh is open, and with back faces culled a ray
   entering that opening drew nothing, leaving holes where the stub had covered the palm. pyrender culls
   back faces in every flat pass whatever the flags, so this pass draws its own mesh holding each of
   those triangles in both windings, shown in this pass only. The mask is then the union of the
   projected triangles: the whole hand's silhouette, with no change to what the other passes draw; the
   pixel of each hand joint is added (``render.base.with_joint_pixels``: a fingertip is a vertex on the
   silhouette's edge, and at low resolution a finger can be narrower than a pixel).

Caches are keyed on content, never on an index: the meshes of a grasp are rebuilt whenever the spec
holds another ``GraspScene`` object (see ``RasterRenderer._set_grasp``).
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from importlib import resources

import numpy as np

from handsynth.conventions import HAND_PARTS, PART_FOREARM, PART_OBJECT, invert_transform
from handsynth.errors import UserError
from handsynth.render.base import Frame, amodal_hand_faces, with_joint_pixels
from handsynth.scene.grasps import GraspScene

_GL_FROM_CV = np.diag([1.0, -1.0, -1.0, 1.0])  # OpenCV camera axes -> OpenGL camera axes
MAX_LIGHTS = 8
EGL_PACKAGES = "libegl1 libegl-mesa0 libgl1-mesa-dri"


def _import_pyrender():
    """Import pyrender on the EGL platform, or raise a UserError saying what to install."""
    current = os.environ.get("PYOPENGL_PLATFORM")
    if "OpenGL" in sys.modules and current not in (None, "egl"):
        raise UserError(
            f"the raster backend needs PyOpenGL's EGL platform, but OpenGL was already loaded "
            f"with PYOPENGL_PLATFORM={current}"
        )
    # PyOpenGL reads its platform from the environment when it is first imported; this is the one place
    # handsynth sets it, so users never have to.
    os.environ["PYOPENGL_PLATFORM"] = "egl"
    if ctypes.util.find_library("EGL") is None:
        raise UserError(
            f"the raster backend needs EGL; install the Debian packages {EGL_PACKAGES} "
            "(scripts/install_system_packages.sh)"
        )
    import logging

    logging.getLogger("OpenGL").setLevel(
        logging.WARNING
    )  # PyOpenGL logs a missing optional accelerator at INFO
    try:
        import pyrender
    except ImportError as error:
        raise UserError(
            f"the raster backend needs pyrender ({error}); install handsynth's dependencies: pip install -e ."
        ) from None
    return pyrender


def _shader_cache(pyrender, fallback):
    """A pyrender program cache that serves our colour shader and pyrender's own for every other pass."""
    from pyrender.shader_program import ShaderProgramCache

    shader_dir = str(resources.files("handsynth.render") / "shaders")

    class _Cache(ShaderProgramCache):
        def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
            if vertex_shader == "mesh.vert" and fragment_shader == "mesh.frag":
                return super().get_program(vertex_shader, fragment_shader, None, defines)
            return fallback.get_program(vertex_shader, fragment_shader, geometry_shader, defines)

        def clear(self):
            super().clear()
            fallback.clear()

    cache = _Cache(shader_dir=shader_dir)
    cache.fallback = fallback  # pyrender's own cache (benchmarks compare against its colour shader)
    return cache


def _object_primitives(pyrender, grasp: GraspScene) -> list:
    """One pyrender primitive per material slot of the grasped object, textured with its pattern."""
    from handsynth.conventions import linear_to_srgb8 as texture_to_srgb8
    from handsynth.objects.patterns import pattern_texture

    obj = grasp.grasp.object
    corners = obj.vertices[obj.faces]  # (F, 3, 3) unwelded, so UV seams stay sharp
    normals = grasp.object_normals[obj.faces]
    primitives = []
    for slot, material in enumerate(obj.materials):
        faces = np.flatnonzero(obj.face_slots == slot)
        if len(faces) == 0:
            continue
        texture = None
        if material.pattern != "plain":
            texture = pyrender.Texture(
                source=texture_to_srgb8(pattern_texture(material)), source_channels="RGB"
            )
        # Refraction is beyond a rasterizer: clear materials are drawn as a lighter, glossier surface.
        color = (
            np.asarray(material.base_color) * (1.0 - 0.35 * material.transmission)
            + 0.3 * material.transmission
        )
        pm = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=[*np.clip(color, 0.0, 1.0), 1.0],
            metallicFactor=material.metallic,
            roughnessFactor=max(material.roughness, 0.08),
            baseColorTexture=texture,
            doubleSided=True,
        )
        primitives.append(
            pyrender.Primitive(
                positions=corners[faces].reshape(-1, 3).astype(np.float32),
                normals=normals[faces].reshape(-1, 3).astype(np.float32),
                texcoord_0=obj.face_uvs[faces].reshape(-1, 2).astype(np.float32)
                if texture is not None
                else None,
                material=pm,
                mode=4,
            )
        )
    return primitives


def _ordered_scene_class(pyrender):
    """A pyrender Scene that lists its mesh and light nodes in name order.

    pyrender keeps nodes in sets, so the draw order of meshes at equal distance and the order in which
    lamps are summed in the shader change from process to process (a pixel here and there then differs
    by one level). Naming nodes and listing them sorted makes every render byte-reproducible.
    """

    class _OrderedScene(pyrender.Scene):
        @property
        def mesh_nodes(self):
            return sorted(self._mesh_nodes, key=lambda n: n.name)

        @property
        def light_nodes(self):
            lights = self._point_light_nodes | self._spot_light_nodes | self._directional_light_nodes
            return sorted(lights, key=lambda n: n.name)

        @property
        def point_light_nodes(self):
            return sorted(self._point_light_nodes, key=lambda n: n.name)

    return _OrderedScene


class _GraspNodes:
    """The pyrender meshes of one grasp (built once, posed per sample)."""

    def __init__(self, pyrender, grasp: GraspScene) -> None:
        self.scene = grasp  # held, so its identity cannot be reused by another object while cached
        positions = grasp.hand_vertices.astype(np.float32)
        normals = grasp.hand_normals.astype(np.float32)
        colors = np.concatenate([grasp.hand_albedo, np.ones((len(positions), 1))], axis=1).astype(np.float32)
        self.skin = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=[1.0, 1.0, 1.0, 1.0], metallicFactor=0.0, roughnessFactor=0.55
        )
        self.meshes: dict[int, object] = {}
        for part in (*HAND_PARTS, PART_FOREARM):
            # Each part gets only its own vertices: llvmpipe shades every vertex in an index range, so
            # seven parts sharing the whole hand's arrays would cost seven times the vertex work.
            # Vertices on part borders are copied with their normals, so the skin shows no seam.
            used, faces = np.unique(grasp.hand_faces[grasp.hand_face_parts == part], return_inverse=True)
            prims = [
                pyrender.Primitive(
                    positions=positions[used],
                    normals=normals[used],
                    color_0=colors[used],
                    indices=faces.reshape(-1, 3).astype(np.uint32),
                    material=self.skin,
                    mode=4,
                )
            ]
            if part == PART_FOREARM:  # the extension: the same skin, its albedo continuing the stub's
                arm_colors = np.concatenate([grasp.arm_albedo, np.ones((len(grasp.arm_albedo), 1))], axis=1)
                prims.append(
                    pyrender.Primitive(
                        positions=grasp.arm_vertices.astype(np.float32),
                        normals=grasp.arm_normals.astype(np.float32),
                        color_0=arm_colors.astype(np.float32),
                        indices=grasp.arm_faces.astype(np.uint32),
                        material=self.skin,
                        mode=4,
                    )
                )
            self.meshes[part] = pyrender.Mesh(prims)
        self.meshes[PART_OBJECT] = pyrender.Mesh(_object_primitives(pyrender, grasp))
        skin = grasp.hand_faces[amodal_hand_faces(grasp)]
        used, faces = np.unique(np.concatenate([skin, skin[:, ::-1]]), return_inverse=True)
        self.amodal_hand = pyrender.Mesh(
            [
                pyrender.Primitive(
                    positions=positions[used],
                    indices=faces.reshape(-1, 3).astype(np.uint32),
                    material=self.skin,
                    mode=4,
                )
            ]
        )
        self.amodal_hand.is_visible = False  # drawn in the amodal hand pass only
        self.nodes: dict[int, object] = {}
        self.amodal_node = None

    def add_to(self, scene) -> None:
        self.nodes = {part: scene.add(mesh, name=f"part-{part:02d}") for part, mesh in self.meshes.items()}
        self.amodal_node = scene.add(self.amodal_hand, name="hand-amodal")

    def remove_from(self, scene) -> None:
        for node in (*self.nodes.values(), self.amodal_node):
            scene.remove_node(node)
        self.nodes, self.amodal_node = {}, None


class RasterRenderer:
    """pyrender over EGL: ``render(spec) -> Frame`` at the configured resolution.

    One per process (re-creating EGL contexts leaks and eventually fails, pyrender #148); call
    ``close()`` at the end, or use it as a context manager.
    """

    name = "raster"

    def __init__(self, width: int, height: int) -> None:
        pyrender = _import_pyrender()
        self._pyrender = pyrender
        self.width, self.height = int(width), int(height)
        try:
            self._renderer = pyrender.OffscreenRenderer(self.width, self.height)
        except Exception as error:  # EGL/driver failures surface as many exception types
            raise UserError(
                f"cannot create an EGL context for the raster backend ({error}); is Mesa's EGL "
                f"driver installed (Debian packages {EGL_PACKAGES})?"
            ) from None
        inner = self._renderer._renderer
        inner._program_cache = _shader_cache(pyrender, inner._program_cache)
        self._scene = _ordered_scene_class(pyrender)(
            bg_color=[0.0, 0.0, 0.0, 0.0], ambient_light=[0.0, 0.0, 0.0]
        )
        self._camera_node = None
        self._light_nodes = []
        self._grasp: _GraspNodes | None = None

    @property
    def gl_renderer(self) -> str:
        """The OpenGL renderer string (``llvmpipe ...`` on a CPU machine)."""
        from OpenGL import GL

        return GL.glGetString(GL.GL_RENDERER).decode()

    def _set_grasp(self, grasp: GraspScene) -> _GraspNodes:
        # Keyed on the GraspScene object itself, never on its number: grasp 0 of one run and grasp 0 of
        # another are different hands. A GraspScene is immutable once built, and the cache holds a
        # reference to it, so the same object means the same content (no id reuse), at the cost of one
        # identity test per sample; a digest of its arrays would cost milliseconds per grasp and only
        # save a rebuild when two runs happen to build equal grasps.
        if self._grasp is None or self._grasp.scene is not grasp:
            if self._grasp is not None:
                self._grasp.remove_from(self._scene)
            self._grasp = _GraspNodes(self._pyrender, grasp)
            self._grasp.add_to(self._scene)
        return self._grasp

    def _set_camera(self, camera) -> None:
        K = camera.K
        # pyrender puts pixel (i, j)'s centre at (i + 0.5, j + 0.5) and counts rows from the bottom.
        cam = self._pyrender.IntrinsicsCamera(
            fx=K[0, 0], fy=K[1, 1], cx=K[0, 2] + 0.5, cy=self.height - K[1, 2] - 0.5, znear=0.01, zfar=50.0
        )
        T_world_cam = invert_transform(camera.T_cam_world) @ _GL_FROM_CV
        if self._camera_node is not None:
            self._scene.remove_node(self._camera_node)
        self._camera_node = self._scene.add(cam, pose=T_world_cam)

    def _set_lights(self, spec) -> None:
        for node in self._light_nodes:
            self._scene.remove_node(node)
        self._light_nodes = []
        if len(spec.lights) > MAX_LIGHTS:
            raise UserError(f"the raster backend draws at most {MAX_LIGHTS} lamps, got {len(spec.lights)}")
        for k, lamp in enumerate(spec.lights):
            pose = np.eye(4)
            pose[:3, 3] = lamp.position_world
            light = self._pyrender.PointLight(color=lamp.color, intensity=lamp.intensity_w_sr)
            self._light_nodes.append(self._scene.add(light, pose=pose, name=f"lamp-{k:02d}"))
        self._scene.ambient_light = np.full(3, spec.ambient)

    def render(self, spec) -> Frame:
        """Render ``spec`` (a ``handsynth.scene.SceneSpec``) into a Frame."""
        pyrender = self._pyrender
        if (spec.camera.width, spec.camera.height) != (self.width, self.height):
            raise ValueError(
                f"renderer is {self.width}x{self.height}, spec wants {spec.camera.width}x{spec.camera.height}"
            )
        nodes = self._set_grasp(spec.grasp)
        for node in (*nodes.nodes.values(), nodes.amodal_node):
            self._scene.set_pose(node, spec.T_world_object)
        tint = [*spec.skin_tint, 1.0]
        nodes.skin.baseColorFactor = tint
        self._set_camera(spec.camera)
        self._set_lights(spec)
        flags = pyrender.RenderFlags
        rgba, _ = self._renderer.render(self._scene, flags=flags.RGBA)
        part_colors = {node: (part, 0, 0) for part, node in nodes.nodes.items()}
        parts_rgb, depth = self._renderer.render(self._scene, flags=flags.SEG, seg_node_map=part_colors)
        nodes.amodal_hand.is_visible = True
        try:
            hand_only = {nodes.amodal_node: (255, 0, 0)}
            hand_rgb, _ = self._renderer.render(self._scene, flags=flags.SEG, seg_node_map=hand_only)
        finally:
            nodes.amodal_hand.is_visible = False
        object_only = {nodes.nodes[PART_OBJECT]: (255, 0, 0)}
        object_rgb, _ = self._renderer.render(self._scene, flags=flags.SEG, seg_node_map=object_only)
        parts = np.ascontiguousarray(parts_rgb[..., 0])
        depth = np.where(parts > 0, depth, 0.0).astype(np.float32)
        return Frame(
            rgba=np.ascontiguousarray(rgba),
            parts=parts,
            depth_m=depth,
            hand_amodal=with_joint_pixels(hand_rgb[..., 0] > 0, spec.joints_cam, spec.camera.K),
            object_amodal=object_rgb[..., 0] > 0,
        )

    def close(self) -> None:
        """Free the OpenGL context."""
        if self._renderer is not None:
            self._renderer.delete()
            self._renderer = None

    def __enter__(self) -> RasterRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
