"""Grasps: a taxonomy per object category, automatic synthesis and measured physical validity.

numpy, scipy and trimesh only; never bpy, pyrender, ray or torch.
"""

from handsynth.grasp.quality import GraspQuality, Thresholds
from handsynth.grasp.synthesis import Grasp, SynthesisStats, applicable_types, sample_grasp, synthesize
from handsynth.grasp.synthesis_data import HandCache
from handsynth.grasp.taxonomy import FINGERS, TAXONOMY, GraspType, grasp_type, grasp_types

__all__ = [
    "FINGERS",
    "TAXONOMY",
    "Grasp",
    "GraspQuality",
    "GraspType",
    "HandCache",
    "SynthesisStats",
    "Thresholds",
    "applicable_types",
    "grasp_type",
    "grasp_types",
    "sample_grasp",
    "synthesize",
]
