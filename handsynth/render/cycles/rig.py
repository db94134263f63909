"""Our hand rig as a Blender armature and skinned mesh, posed to match our skinning; imports bpy (only
``handsynth/render/cycles/`` may).

The armature's bones carry MakeHuman's names and hierarchy (``handsynth.hand.shape``) and rest on the
subject's skeleton; the mesh is the subject's rest skin with one vertex group per bone holding our
skinning weights, deformed by an Armature modifier (linear blend skinning). Posing sets each pose bone's
``matrix_basis`` so that every bone's deform matrix equals our skinning transform, which makes Blender's
evaluated mesh equal ``HandRig.pose(...).vertices`` (float32 round-off, well under a micrometre).

Our bones have +x from head to tail, +y the flexion axis, +z dorsal; a Blender bone points along its
local +y. Blender bones here have local +x = our flexion axis (+y), +y = along the bone (+x) and +z =
palmar (-z), so rotating a finger bone about its local x flexes it as in Blender's usual rigs.

Left hands: Blender bones are rotations, never reflections, so the armature and mesh are always the
right hand and the armature object carries the mirror (y -> -y, a negative scale) in its matrix_world.
The mesh keeps the right hand's winding; Blender (and Cycles) flip the winding of objects whose matrix
has a negative determinant, so in the world its faces wind as ``HandRig.faces`` of the left rig.

Nothing happens at import time; functions take and return Blender objects explicitly.
"""

from __future__ import annotations

import bpy
import numpy as np
from mathutils import Matrix

from handsynth.conventions import invert_transform
from handsynth.hand.pose import HandPose
from handsynth.hand.rig import HandRig
from handsynth.hand.shape import BONE_NAMES, BONE_PARENTS

# Blender bone axes (columns) in our bone frame: x = our y (flexion), y = our x (along), z = -our z.
_BLENDER_FROM_OURS_BONE = np.array(
    [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
)
_MIRROR_Y = np.diag([1.0, -1.0, 1.0, 1.0])
SIDE_PROPERTY = "handsynth_side"


def clear_scene(scene: bpy.types.Scene | None = None) -> bpy.types.Scene:
    """Remove every object, mesh and armature from Blender's data (for tests and fresh starts).

    Returns the scene (``bpy.context.scene`` by default) so callers can keep passing it explicitly.
    """
    for obj in list(bpy.data.objects):
        bpy.data.objects.remove(obj, do_unlink=True)
    for collection in (bpy.data.meshes, bpy.data.armatures):
        for block in list(collection):
            collection.remove(block, do_unlink=True)
    return bpy.context.scene if scene is None else scene


def _build_armature(rig: HandRig, name: str, scene: bpy.types.Scene, collection) -> bpy.types.Object:
    """Armature object with one bone per ``BONE_NAMES``, resting on the subject's skeleton."""
    armature = bpy.data.armatures.new(name)
    armature_object = bpy.data.objects.new(name, armature)
    collection.objects.link(armature_object)
    view_layer = scene.view_layers[0]
    previous_active = view_layer.objects.active
    view_layer.objects.active = armature_object
    with bpy.context.temp_override(scene=scene, view_layer=view_layer, active_object=armature_object):
        bpy.ops.object.mode_set(mode="EDIT")
        sk = rig.skeleton
        rest = sk.rest_transforms @ _BLENDER_FROM_OURS_BONE  # (B, 4, 4) Blender bone frames
        edit_bones = []
        for i, bone_name in enumerate(BONE_NAMES):
            eb = armature.edit_bones.new(bone_name)
            eb.head = sk.heads[i]
            eb.tail = sk.tails[i]
            eb.matrix = Matrix(rest[i])  # sets the roll; keeps head and length
            eb.use_connect = False  # pose bones may then translate (the forearm swings about the wrist)
            eb.use_deform = True
            if BONE_PARENTS[i] >= 0:
                eb.parent = edit_bones[BONE_PARENTS[i]]
            edit_bones.append(eb)
        bpy.ops.object.mode_set(mode="OBJECT")
    view_layer.objects.active = previous_active
    return armature_object


def _build_mesh(rig: HandRig, name: str, collection) -> bpy.types.Object:
    """The subject's right-hand rest skin with one vertex group per bone (all non-zero weights)."""
    vertices = rig.rest_vertices
    faces = rig.template.faces  # right-hand winding; see the module docstring for left hands
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(len(vertices))
    mesh.vertices.foreach_set("co", vertices.astype(np.float32).ravel())
    mesh.loops.add(faces.size)
    mesh.loops.foreach_set("vertex_index", faces.astype(np.int32).ravel())
    mesh.polygons.add(len(faces))
    mesh.polygons.foreach_set("loop_start", np.arange(0, faces.size, 3, dtype=np.int32))
    mesh.update(calc_edges=True)
    if mesh.validate(verbose=False):
        raise RuntimeError(f"hand mesh '{name}' was invalid and Blender had to correct it")
    mesh.shade_smooth()
    mesh_object = bpy.data.objects.new(name, mesh)
    collection.objects.link(mesh_object)
    weights = rig.template.weights  # (V, B)
    for b, bone_name in enumerate(BONE_NAMES):
        group = mesh_object.vertex_groups.new(name=bone_name)
        for v in np.flatnonzero(weights[:, b]):
            group.add([int(v)], float(weights[v, b]), "REPLACE")
    return mesh_object


def build_hand_rig(
    rig: HandRig, name: str = "hand", scene: bpy.types.Scene | None = None, collection=None
) -> tuple[bpy.types.Object, bpy.types.Object]:
    """Build the armature and skinned mesh of ``rig`` in ``scene`` (default ``bpy.context.scene``),
    linked into ``collection`` (default the scene's master collection; a collection of ``scene`` that its
    first view layer does not exclude, where the armature is edited).

    Returns:
        ``(armature_object, mesh_object)``: the armature (bones named ``BONE_NAMES``, parents
        ``BONE_PARENTS``, at rest on ``rig.skeleton``; placed at the hand frame, mirrored for a left
        rig) and the mesh (``rig.rest_vertices`` and the template's faces, vertex groups per bone), parented
        to the armature with an Armature modifier doing plain linear blend skinning.
    """
    scene = bpy.context.scene if scene is None else scene
    collection = scene.collection if collection is None else collection
    armature_object = _build_armature(rig, name, scene, collection)
    armature_object[SIDE_PROPERTY] = rig.side
    mesh_object = _build_mesh(rig, f"{name}_skin", collection)
    mesh_object.parent = armature_object
    mesh_object.matrix_parent_inverse = Matrix.Identity(4)
    modifier = mesh_object.modifiers.new("Armature", "ARMATURE")
    modifier.object = armature_object
    modifier.use_vertex_groups = True
    modifier.use_bone_envelopes = False
    modifier.use_deform_preserve_volume = False  # linear blend skinning, as ours
    modifier.use_multi_modifier = False
    place_hand_rig(armature_object, np.eye(4))
    return armature_object, mesh_object


def place_hand_rig(armature_object: bpy.types.Object, T_world_hand: np.ndarray) -> None:
    """Place the rig: (4, 4) rigid ``T_world_hand`` -> the armature object's matrix_world (for a left
    rig composed with the y -> -y mirror, as ``HandRig.pose(pose, T_world_hand)`` does).

    For a grasp, ``T_world_hand = T_world_object @ grasp.T_object_hand`` (``Grasp.posed_hand`` is
    ``rig.pose(grasp.pose, grasp.T_object_hand)``).
    """
    T = np.asarray(T_world_hand, dtype=np.float64)
    if armature_object[SIDE_PROPERTY] == "left":
        T = T @ _MIRROR_Y
    armature_object.matrix_world = Matrix(T)


def pose_hand_rig(armature_object: bpy.types.Object, rig: HandRig, pose: HandPose) -> None:
    """Pose the armature so that the skinned mesh equals ``rig.pose(pose).vertices`` (hand frame).

    Each bone's deform matrix (posed @ rest^-1, armature space) is set to our skinning transform
    ``S_b = rig.skinning_transforms(rig.bone_transforms(pose))[b]``; Blender evaluates a child's pose as
    ``P_b = P_p @ R_p^-1 @ R_b @ basis_b`` with rest matrices ``R``, so ``basis_b = R_b^-1 S_p^-1 S_b R_b``.
    Our pose transforms are rigid (no per-bone scale at pose time: ``_bone_scales`` only shapes the rest
    skin of a subject), so the bases are rotations and translations with unit scale.
    """
    bones = armature_object.data.bones
    rest = np.array([np.array(bones[n].matrix_local, dtype=np.float64) for n in BONE_NAMES])  # (B, 4, 4)
    if armature_object[SIDE_PROPERTY] != rig.side or np.abs(rest[:, :3, 3] - rig.skeleton.heads).max() > 1e-5:
        raise ValueError(
            f"armature '{armature_object.name}' was not built from this rig (another subject or side); "
            "build it with build_hand_rig(rig)"
        )
    S = rig.skinning_transforms(rig.bone_transforms(pose))  # (B, 4, 4)
    inv_rest = invert_transform(rest)
    inv_S = invert_transform(S)
    for b, bone_name in enumerate(BONE_NAMES):
        p = BONE_PARENTS[b]
        relative = S[b] if p < 0 else inv_S[p] @ S[b]
        basis = inv_rest[b] @ relative @ rest[b]
        armature_object.pose.bones[bone_name].matrix_basis = Matrix(basis)


def evaluated_mesh(
    mesh_object: bpy.types.Object, depsgraph: bpy.types.Depsgraph | None = None, world: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The deformed skin as Blender evaluates it.

    Args:
        mesh_object: the mesh object from ``build_hand_rig``.
        depsgraph: evaluated depsgraph (default ``bpy.context.evaluated_depsgraph_get()``, which updates).
        world: world coordinates (matrix_world applied; mirrored for a left rig) or the object's own.

    Returns:
        ``(vertices, faces, normals)``: (V, 3) float64 positions (m); (F, 3) int64 triangles as stored
        (the right hand's winding); (F, 3) float64 unit face normals, outward in the returned frame.
    """
    depsgraph = bpy.context.evaluated_depsgraph_get() if depsgraph is None else depsgraph
    evaluated = mesh_object.evaluated_get(depsgraph)
    mesh = evaluated.to_mesh()
    try:
        co = np.empty(3 * len(mesh.vertices), dtype=np.float32)
        mesh.vertices.foreach_get("co", co)
        loops = np.empty(len(mesh.loops), dtype=np.int32)
        mesh.loops.foreach_get("vertex_index", loops)
        normals = np.empty(3 * len(mesh.polygons), dtype=np.float32)
        mesh.polygons.foreach_get("normal", normals)
        matrix = np.array(evaluated.matrix_world, dtype=np.float64)
    finally:
        evaluated.to_mesh_clear()
    vertices = co.reshape(-1, 3).astype(np.float64)
    normals = normals.reshape(-1, 3).astype(np.float64)
    if world:
        vertices = vertices @ matrix[:3, :3].T + matrix[:3, 3]
        normals = normals @ np.linalg.inv(matrix[:3, :3])  # inverse transpose keeps normals outward
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return vertices, loops.reshape(-1, 3).astype(np.int64), normals
