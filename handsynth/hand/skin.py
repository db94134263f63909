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
    albedo = {k: np.asarray(v) for k, v in subject.skin.albedo_linear().items()}
    forearm = template.weights[:, BONE_INDEX["lowerarm02"], None]
    back = albedo["back"] * (1.0 - forearm) + albedo["forearm"] * forearm
    palmar = template.palmar[:, None] * (1.0 - 0.6 * forearm)  # the inner forearm is only a little lighter
    colour = back * (1.0 - palmar) + albedo["palm"] * palmar
    colour[template.labels == LABEL_NAIL] = albedo["nail"]
    return colour
