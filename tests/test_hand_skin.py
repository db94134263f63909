"""The skin colour model (handsynth.hand.skin): per-vertex linear-RGB albedo of a subject's hand."""

import dataclasses

import numpy as np
import pytest

from handsynth.conventions import srgb_to_linear
from handsynth.hand import HandRig
from handsynth.hand.shape import BONE_INDEX
from handsynth.hand.skin import vertex_albedo_linear
from handsynth.hand.subjects import SUBJECTS, SkinTone
from handsynth.hand.template import LABEL_NAIL


@pytest.fixture(scope="module")
def template():
    return HandRig(SUBJECTS["f01"].shape, "right").template


def test_albedo_blends_back_palm_forearm_and_sets_the_nails(template):
    subject = SUBJECTS["f01"]
    albedo = vertex_albedo_linear(subject, template)
    assert albedo.shape == (len(template.vertices), 3) and albedo.dtype == np.float64
    assert albedo.min() >= 0.0 and albedo.max() <= 1.0
    tone = {k: np.asarray(v) for k, v in subject.skin.albedo_linear().items()}
    nail = template.labels == LABEL_NAIL
    assert nail.any()
    np.testing.assert_array_equal(albedo[nail], np.broadcast_to(tone["nail"], (nail.sum(), 3)))
    forearm = template.weights[:, BONE_INDEX["lowerarm02"]]
    hand_back = ~nail & (forearm == 0.0) & (template.palmar == 0.0)
    hand_palm = ~nail & (forearm == 0.0) & (template.palmar == 1.0)
    assert hand_back.any() and hand_palm.any()
    np.testing.assert_allclose(albedo[hand_back], np.broadcast_to(tone["back"], (hand_back.sum(), 3)))
    np.testing.assert_allclose(albedo[hand_palm], np.broadcast_to(tone["palm"], (hand_palm.sum(), 3)))
    # Every colour lies in the box spanned by the four tones (convex blends of them).
    stack = np.stack(list(tone.values()))
    assert np.all(albedo >= stack.min(axis=0) - 1e-12) and np.all(albedo <= stack.max(axis=0) + 1e-12)


def test_darker_monk_tone_gives_darker_skin(template):
    subject = SUBJECTS["f01"]
    luminance = [
        float(
            (
                vertex_albedo_linear(dataclasses.replace(subject, skin=SkinTone(monk=m)), template)
                @ [0.2126, 0.7152, 0.0722]
            ).mean()
        )
        for m in (1.0, 3.0, 5.0, 7.0, 10.0)
    ]
    assert all(a > b for a, b in zip(luminance, luminance[1:], strict=False))


def test_tone_swatches_decode_through_the_one_srgb_curve():
    back = SkinTone(monk=1.0, redness=0.0).albedo_linear()["back"]
    swatch = np.array([246, 237, 228]) / 255.0  # Monk 1
    np.testing.assert_allclose(
        back, np.clip(srgb_to_linear(swatch) * [1.03, 1.0, 0.94] * 0.8, 0, 1), atol=1e-12
    )
