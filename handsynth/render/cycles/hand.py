"""The rendered hand: our rig as a Blender armature deforming one skin mesh and the forearm extension;
bpy only here and in the rest of ``render/cycles/``.

One mesh for the whole visible hand (palm, fingers and the forearm stub), so random-walk subsurface
scattering travels across part borders as light does in skin (Cycles' random walk never leaves the
object it entered: one object per part drew dark seams at the wrist and at every part border). The
part ids come from the Material Index pass instead of the Object Index: the mesh has one material
slot per part (``PART_NAMES`` ids 1-7), each an instance of the same skin node group whose
``pass_index`` is the part id.

The forearm extension (``scene.grasps.forearm_extension``) is a second mesh, deformed by the same
armature with all its weight on ``lowerarm02``, so it follows the forearm when a user poses the hand
in a saved ``.blend``: at rest it is the extension of the rest skeleton, and linear blend skinning with
one bone carries it exactly onto the extension of the posed skeleton that the raster backend draws.

A hand is built once per subject and side (an armature costs an edit-mode round trip) and posed per
grasp; ``HandCache`` keeps the last few.
"""

from __future__ import annotations

from collections import OrderedDict

import bpy
import numpy as np

from handsynth.conventions import PART_FOREARM
from handsynth.hand.rig import HandRig
from handsynth.hand.skin import vertex_albedo_linear
from handsynth.render.cycles import blend, materials, rig
from handsynth.scene.grasps import GraspScene, face_parts, forearm_extension, forearm_extension_albedo

HAND_SLOTS = tuple(range(1, PART_FOREARM + 1))  # part id of material slot k is HAND_SLOTS[k]
ARM_BONE = "lowerarm02"


class BlenderHand:
    """One subject's hand in a renderer's scene: armature, skin mesh and forearm extension.

    Args:
        hand_rig: the subject's rig (shape and side).
        name: base name of its datablocks.
        scene: the renderer's scene; collection: one of its collections, where the visible meshes are
            linked (the armature goes there too; it renders nothing).
        skin_materials: one material per ``HAND_SLOTS`` entry, in that order (the extension takes the
            forearm's, with its own per-vertex albedo continuing the stub's).
        subject: the rig's ``Subject`` (its skin tone gives the per-vertex albedo).
    """

    def __init__(self, hand_rig: HandRig, name: str, scene, collection, skin_materials, subject) -> None:
        self.rig = hand_rig
        self.armature, self.skin = rig.build_hand_rig(hand_rig, name, scene, collection)
        mesh = self.skin.data
        blend.set_point_colors(mesh, blend.ALBEDO_ATTRIBUTE, vertex_albedo_linear(subject, hand_rig.template))
        for attribute, values in blend.hand_attributes(len(hand_rig.rest_vertices)).items():
            blend.set_point_colors(mesh, attribute, values)
        for material in skin_materials:
            mesh.materials.append(material)
        parts = face_parts(hand_rig)
        slots = np.searchsorted(HAND_SLOTS, parts)
        if not np.array_equal(np.asarray(HAND_SLOTS)[slots], parts):
            raise ValueError(f"hand faces carry part ids outside {HAND_SLOTS}")
        mesh.polygons.foreach_set("material_index", slots.astype(np.int32))
        self.skin.pass_index = HAND_SLOTS[0]
        rest = hand_rig.skeleton.rest_transforms
        arm_vertices, arm_faces = forearm_extension(hand_rig, rest)
        self.arm = blend.mesh_object(
            f"{name}_arm",
            arm_vertices,
            arm_faces,
            None,
            collection,
            PART_FOREARM,
            albedo=forearm_extension_albedo(subject, hand_rig),
            attributes={materials.MASK_ATTRIBUTE: np.zeros((len(arm_vertices), 3))},
        )
        self.arm.data.materials.append(skin_materials[HAND_SLOTS.index(PART_FOREARM)])
        group = self.arm.vertex_groups.new(name=ARM_BONE)
        group.add(list(range(len(arm_vertices))), 1.0, "REPLACE")
        self.arm.parent = self.armature
        modifier = self.arm.modifiers.new("Armature", "ARMATURE")
        modifier.object = self.armature
        modifier.use_vertex_groups = True
        modifier.use_bone_envelopes = False
        modifier.use_deform_preserve_volume = False

    def pose(self, grasp: GraspScene) -> None:
        """Pose the hand as ``grasp`` holds its object and place it in the object frame (Blender's world)."""
        rig.pose_hand_rig(self.armature, self.rig, grasp.grasp.pose)
        rig.place_hand_rig(self.armature, grasp.grasp.T_object_hand)

    def remove(self) -> None:
        for obj in (self.arm, self.skin):
            blend.remove_object(obj)
        armature = self.armature.data
        bpy.data.objects.remove(self.armature, do_unlink=True)
        bpy.data.armatures.remove(armature, do_unlink=True)


class HandCache:
    """The hands of the last ``capacity`` (subject, side) pairs a renderer drew, built on first use."""

    def __init__(self, scene, collection, skin_materials, capacity: int = 2) -> None:
        self._scene, self._collection = scene, collection
        self._skin_materials = skin_materials
        self._capacity = capacity
        self._hands: OrderedDict[tuple, BlenderHand] = OrderedDict()
        self._built = 0

    def get(self, grasp: GraspScene) -> BlenderHand:
        """The posed hand of ``grasp`` (the others stay in the cache, hidden)."""
        subject, side = grasp.grasp.subject, grasp.grasp.side
        key = (subject.id, subject.shape, side)
        hand = self._hands.get(key)
        if hand is None:
            self._built += 1
            hand = BlenderHand(
                HandRig(subject.shape, side),
                f"hand-{self._built:04d}",
                self._scene,
                self._collection,
                self._skin_materials,
                subject,
            )
            self._hands[key] = hand
            while len(self._hands) > self._capacity:
                _, old = self._hands.popitem(last=False)
                old.remove()
        self._hands.move_to_end(key)
        for other in self._hands.values():
            for obj in (other.skin, other.arm):
                obj.hide_render = other is not hand
        hand.pose(grasp)
        return hand

    def clear(self) -> None:
        for hand in self._hands.values():
            hand.remove()
        self._hands.clear()
