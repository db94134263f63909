"""Power grasps hold: a seeded power_wrap of a drinking glass (a Feix "large diameter" grasp) has the
thumb round the far side of the glass from the fingers, the palm pressed on it, and keeps the glass in the
grip protocol of the stability simulation; seeded edge and flat-box grips of a wallet and a phone hold."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pybullet")

from handsynth.grasp import synthesize  # noqa: E402
from handsynth.grasp.quality import PALM, vertex_groups  # noqa: E402
from handsynth.grasp.stability import Simulator, measure_stability  # noqa: E402
from handsynth.hand.rig import HandRig  # noqa: E402
from handsynth.hand.subjects import SUBJECTS  # noqa: E402
from handsynth.objects.families import FAMILIES  # noqa: E402

TOUCH_M = 0.0015  # skin this close to the glass touches it (the grip protocol's contact band)
# Seeds on which the old synthesis laid the thumb along the glass, left the palm 5-7 mm off it and the
# glass fell out of the grip.
SEEDS = (4, 7)


def _contact_angle(points: np.ndarray, distances: np.ndarray) -> float:
    """Angle (rad) about the glass's axis (z) of the centroid of the ``points`` that touch it."""
    touching = points[distances <= TOUCH_M]
    assert len(touching), "no contact"
    c = touching.mean(axis=0)
    return float(np.arctan2(c[1], c[0]))


@pytest.fixture(scope="module")
def sim():
    with Simulator() as s:
        yield s


@pytest.mark.parametrize("seed", SEEDS)
def test_glass_wrap_opposes_thumb_presses_palm_and_holds(seed, sim):
    rng = np.random.default_rng(seed)
    glass = FAMILIES["glass"].build(rng)
    assert 2 * glass.grasp.radius > 0.06  # a wide glass: a large-diameter wrap
    grasp, _ = synthesize(glass, SUBJECTS["f01"], rng, grasp_type="power_wrap")
    assert grasp is not None
    rig = HandRig(grasp.subject.shape, grasp.side)
    vertices = grasp.posed_hand(rig).vertices
    finger, segment = vertex_groups(rig.template.weights)
    distances = glass.sdf(vertices)

    # The palm itself is pressed on the glass, not merely within the 3 mm contact band.
    assert distances[finger == PALM].min() <= 0.0005

    # Around the glass's axis, measured from the palm's contact: the thumb's phalanges and the long
    # fingers touch on opposite sides, the thumb at least 50 degrees round.
    palm = _contact_angle(vertices[finger == PALM], distances[finger == PALM])
    thumb_mask = (finger == 0) & (segment >= 1)
    fingers_mask = (finger >= 1) & (finger <= 4)
    thumb = _contact_angle(vertices[thumb_mask], distances[thumb_mask]) - palm
    fingers = _contact_angle(vertices[fingers_mask], distances[fingers_mask]) - palm
    thumb, fingers = np.angle(np.exp(1j * thumb)), np.angle(np.exp(1j * fingers))  # wrapped to (-pi, pi]
    assert np.sign(thumb) == -np.sign(fingers)
    assert abs(thumb) >= np.radians(50.0)
    assert abs(fingers) >= np.radians(50.0)

    # And the grip holds the glass (settles, survives gravity along each direction and the shakes).
    assert measure_stability(grasp, sim).holds()


# Flat boxes: a wallet gripped by its edge (thumb on one broad face, fingers on the other) and a phone
# lying on the palm. On these seeds the old placement dropped both (edge: fingers alone on the far face,
# nothing opposing them; box: fingers square on the far end face pushing it towards the wrist).
@pytest.mark.parametrize(
    ("family", "grasp_type", "seed"),
    [("wallet", "power_edge", 1), ("wallet", "power_edge", 2), ("phone", "power_box", 3)],
)
def test_flat_box_power_grasps_hold(family, grasp_type, seed, sim):
    rng = np.random.default_rng(seed)
    obj = FAMILIES[family].build(rng)
    grasp, _ = synthesize(obj, SUBJECTS["m01"], rng, grasp_type=grasp_type)
    assert grasp is not None
    assert grasp.quality.penetration_mm <= 1.0
    assert measure_stability(grasp, sim).holds()
