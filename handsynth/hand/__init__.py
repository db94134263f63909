"""Procedural MakeHuman-style hand rig: shape, pose, skinning, subjects; never imports bpy, pyrender, ray
or torch."""

from handsynth.hand.pose import DOF_KEYS, DOFS, NAMED_POSES, HandPose, named_pose, sample_pose
from handsynth.hand.rig import SIDES, HandRig, PosedHand
from handsynth.hand.shape import BONE_NAMES, HandShape, build_skeleton
from handsynth.hand.subjects import (
    SUBJECTS,
    SkinTone,
    Subject,
    get_subject,
    hand_dimensions,
    subject_from_seed,
)
from handsynth.hand.template import LABEL_NAMES, hand_template

__all__ = [
    "BONE_NAMES",
    "DOFS",
    "DOF_KEYS",
    "LABEL_NAMES",
    "NAMED_POSES",
    "SIDES",
    "SUBJECTS",
    "HandPose",
    "HandRig",
    "HandShape",
    "PosedHand",
    "SkinTone",
    "Subject",
    "build_skeleton",
    "get_subject",
    "hand_dimensions",
    "hand_template",
    "named_pose",
    "sample_pose",
    "subject_from_seed",
]
