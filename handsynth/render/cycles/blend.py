"""Building blocks of the Cycles scene: meshes from numpy arrays and node materials; bpy only here and
in the rest of ``render/cycles/``. Never pyrender, ray or torch.

Geometry is written with ``foreach_set`` (``bpy.ops`` costs seconds per mesh), and every datablock made
here is removed explicitly by ``remove_object`` (orphans leak about 12 MB per grasp otherwise).
"""

from __future__ import annotations

import bpy
import numpy as np

from handsynth.render.cycles import materials

ALBEDO_ATTRIBUTE = "albedo"


def mesh_object(
    name: str,
    vertices: np.ndarray,
    faces: np.ndarray,
    normals: np.ndarray | None,
    collection,
    pass_index: int,
    albedo: np.ndarray | None = None,
    face_materials: np.ndarray | None = None,
    face_uvs: np.ndarray | None = None,
    attributes: dict | None = None,
):
    """A smooth-shaded triangle mesh object linked into ``collection``.

    Args:
        vertices: (V, 3) float, object frame; faces: (F, 3) int; normals: (V, 3) unit vertex normals
            set as custom normals (where a mesh is cut from a larger surface, so its border shows no
            seam), or None for Blender's own smooth normals (needed for a mesh a modifier deforms).
        pass_index: its Object Index pass value (our part id).
        albedo: (V, 3) linear RGB stored as the point colour attribute ``albedo``, or None.
        face_materials: (F,) int material slot of each face, or None.
        face_uvs: (F, 3, 2) per-corner texture coordinates stored as the UV map ``UVMap``, or None.
        attributes: {name: (V, 3) float} more point colour attributes (e.g. the hand's ``skin_mask``).
    """
    vertices = np.asarray(vertices, dtype=np.float32)
    faces = np.asarray(faces, dtype=np.int32)
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(len(vertices))
    mesh.vertices.foreach_set("co", vertices.ravel())
    mesh.loops.add(faces.size)
    mesh.loops.foreach_set("vertex_index", faces.ravel())
    mesh.polygons.add(len(faces))
    mesh.polygons.foreach_set("loop_start", np.arange(0, faces.size, 3, dtype=np.int32))
    if face_materials is not None:
        mesh.polygons.foreach_set("material_index", np.asarray(face_materials, dtype=np.int32))
    mesh.update()
    mesh.shade_smooth()
    if normals is not None:
        mesh.normals_split_custom_set_from_vertices(np.asarray(normals, dtype=np.float32))
    if albedo is not None:
        set_point_colors(mesh, ALBEDO_ATTRIBUTE, albedo)
    for attr_name, values in (attributes or {}).items():
        set_point_colors(mesh, attr_name, values)
    if face_uvs is not None:
        uv_layer = mesh.uv_layers.new(name=materials.UV_MAP)
        uv_layer.data.foreach_set("uv", np.asarray(face_uvs, dtype=np.float32).ravel())
    obj = bpy.data.objects.new(name, mesh)
    obj.pass_index = int(pass_index)
    collection.objects.link(obj)
    return obj


def set_point_colors(mesh, name: str, values: np.ndarray) -> None:
    """Store (V, 3) float ``values`` as the point colour attribute ``name`` of ``mesh`` (alpha 1)."""
    attribute = mesh.color_attributes.new(name, "FLOAT_COLOR", "POINT")
    rgba = np.concatenate([values, np.ones((len(values), 1))], axis=1).astype(np.float32)
    attribute.data.foreach_set("color", rgba.ravel())


def remove_object(obj) -> None:
    """Remove ``obj`` and its mesh (materials are owned and removed by their makers)."""
    mesh = obj.data
    bpy.data.objects.remove(obj, do_unlink=True)
    bpy.data.meshes.remove(mesh, do_unlink=True)


def principled_material(name: str, base_color, roughness: float, metallic=0.0, transmission=0.0):
    """A Principled BSDF material; returns (material, its BSDF node)."""
    material = bpy.data.materials.new(name)
    material.use_nodes = True
    bsdf = material.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*(float(c) for c in base_color), 1.0)
    bsdf.inputs["Roughness"].default_value = float(roughness)
    bsdf.inputs["Metallic"].default_value = float(metallic)
    bsdf.inputs["Transmission Weight"].default_value = float(transmission)
    return material, bsdf


def skin_material(name: str):
    """The hand's skin: an instance of the skin node group (``materials.skin_group``) fed the mesh's
    ``albedo`` attribute and a per-sample tint.

    Returns (material, tint node): set ``tint.outputs[0].default_value`` to ``(r, g, b, 1)``.
    """
    material, group = materials.skin_material(name, ALBEDO_ATTRIBUTE)
    tint = material.node_tree.nodes.new("ShaderNodeRGB")
    tint.outputs[0].default_value = (1.0, 1.0, 1.0, 1.0)
    material.node_tree.links.new(tint.outputs[0], group.inputs["Tint"])
    return material, tint


def hand_attributes(n_vertices: int) -> dict:
    """The extra point attributes of the hand mesh the skin group reads (``materials.hand_mask``)."""
    return {materials.MASK_ATTRIBUTE: _hand_mask(n_vertices)}


_MASKS: dict = {}


def _hand_mask(n_vertices: int) -> np.ndarray:
    if n_vertices not in _MASKS:
        _MASKS[n_vertices] = materials.hand_mask(n_vertices)
    return _MASKS[n_vertices]


def emission_material(name: str):
    """A flat white emitter: the amodal view layers' material override (no light sampling needed)."""
    material = bpy.data.materials.new(name)
    material.use_nodes = True
    nodes = material.node_tree.nodes
    nodes.remove(nodes["Principled BSDF"])
    emission = nodes.new("ShaderNodeEmission")
    material.node_tree.links.new(emission.outputs[0], nodes["Material Output"].inputs["Surface"])
    return material
