"""The skin colour model: per-vertex linear-RGB albedo of a subject's hand and forearm; numpy only
(never trimesh, bpy, pyrender, ray or torch)."""

from __future__ import annotations

import numpy as np

from handsynth.hand.shape import BONE_INDEX
from handsynth.hand.subjects import Subject
from handsynth.hand.template import LABEL_NAIL, HandTemplate


def vertex_albedo_linear(subject: Subject, template: HandTemplate) -> np.ndarray:
    """(V, 3) float64 linear-RGB skin albedo of the template's vertices for the subject's skin tone.

    Back and palm colours blend smoothly by ``template.palmar``; nails take the nail colour.
    """
    colour = blend_skin_albedo(subject, template.weights[:, BONE_INDEX["lowerarm02"]], template.palmar)
    colour[template.labels == LABEL_NAIL] = subject.skin.albedo_linear()["nail"]
    return colour


def blend_skin_albedo(subject: Subject, forearm: np.ndarray, palmar: np.ndarray) -> np.ndarray:
    """(N, 3) float64 linear skin albedo of N surface points from how much each belongs to the forearm
    (its ``lowerarm02`` skinning weight, (N,)) and how much it faces the palmar side ((N,) in [0, 1]):
    the back of the hand blends into the forearm, and the palmar side is lighter (the inner forearm only
    a little). The hand's vertices and the forearm extension beyond the rig's stub both take it, so the
    skin shows no seam where the stub ends."""
    albedo = {k: np.asarray(v) for k, v in subject.skin.albedo_linear().items()}
    forearm = np.asarray(forearm, dtype=np.float64)[:, None]
    back = albedo["back"] * (1.0 - forearm) + albedo["forearm"] * forearm
    palmar = np.asarray(palmar, dtype=np.float64)[:, None] * (1.0 - 0.6 * forearm)
    return back * (1.0 - palmar) + albedo["palm"] * palmar
