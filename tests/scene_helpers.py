"""Shared constants and helpers of the scene tests (test_camera, test_scene_grasps, test_scene_spec,
test_config): the seed and families of the shared grasp bank, and small geometry helpers."""

from __future__ import annotations

import numpy as np

from handsynth.conventions import transform_points

SEED = 3
FAMILIES = ("orange", "can")
N_SPECS = 200


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _world(spec, points_object):
    return transform_points(spec.T_world_object, points_object)


def _max_pairwise(points: np.ndarray) -> float:
    return float(np.max(np.linalg.norm(points[:, None] - points[None], axis=-1)))
