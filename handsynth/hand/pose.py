"""Hand articulation: degrees of freedom, anatomical limits, named poses and a random pose sampler;
numpy only.

Angles are in degrees at the interface (what people read and write) and radians inside. A pose is a
vector over ``DOFS``; each DOF rotates one bone about an axis of that bone's rest frame (x along the
bone, y the flexion axis, z its dorsal direction). Flexion is positive towards the palm, abduction is
positive towards the radial (thumb) side for the long fingers and away from the palm for the thumb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.hand.shape import THUMB_CMC_ABDUCT_AXIS, THUMB_CMC_FLEX_AXIS


@dataclass(frozen=True)
class Dof:
    """One rotational degree of freedom of the rig."""

    bone: str
    name: str
    axis: tuple[float, float, float]
    limits_deg: tuple[float, float]


_FLEX = (0.0, 1.0, 0.0)
_ABDUCT = (0.0, 0.0, 1.0)
# Ranges of motion from clinical goniometry (AAOS; Hume et al. 1990), kept slightly inside the extremes.
DOFS: tuple[Dof, ...] = (
    Dof("wrist", "flex", _FLEX, (-65.0, 75.0)),
    Dof("wrist", "abduct", _ABDUCT, (-30.0, 18.0)),
    Dof("metacarpal3", "flex", _FLEX, (0.0, 10.0)),
    Dof("metacarpal4", "flex", _FLEX, (0.0, 20.0)),
    Dof("finger1-1", "abduct", THUMB_CMC_ABDUCT_AXIS, (-10.0, 60.0)),
    Dof("finger1-1", "flex", THUMB_CMC_FLEX_AXIS, (-15.0, 50.0)),
    Dof("finger1-2", "flex", _FLEX, (-10.0, 60.0)),
    Dof("finger1-3", "flex", _FLEX, (-15.0, 80.0)),
    Dof("finger2-1", "abduct", _ABDUCT, (-18.0, 20.0)),
    Dof("finger2-1", "flex", _FLEX, (-25.0, 90.0)),
    Dof("finger2-2", "flex", _FLEX, (0.0, 105.0)),
    Dof("finger2-3", "flex", _FLEX, (-5.0, 80.0)),
    Dof("finger3-1", "abduct", _ABDUCT, (-15.0, 15.0)),
    Dof("finger3-1", "flex", _FLEX, (-25.0, 90.0)),
    Dof("finger3-2", "flex", _FLEX, (0.0, 105.0)),
    Dof("finger3-3", "flex", _FLEX, (-5.0, 80.0)),
    Dof("finger4-1", "abduct", _ABDUCT, (-15.0, 15.0)),
    Dof("finger4-1", "flex", _FLEX, (-25.0, 90.0)),
    Dof("finger4-2", "flex", _FLEX, (0.0, 105.0)),
    Dof("finger4-3", "flex", _FLEX, (-5.0, 80.0)),
    Dof("finger5-1", "abduct", _ABDUCT, (-25.0, 15.0)),
    Dof("finger5-1", "flex", _FLEX, (-25.0, 90.0)),
    Dof("finger5-2", "flex", _FLEX, (0.0, 105.0)),
    Dof("finger5-3", "flex", _FLEX, (-5.0, 80.0)),
)
NUM_DOFS = len(DOFS)
DOF_KEYS: tuple[str, ...] = tuple(f"{d.bone}.{d.name}" for d in DOFS)
LIMITS_RAD = np.radians(np.array([d.limits_deg for d in DOFS]))  # (D, 2)
LIMITS_RAD.flags.writeable = False
_LOWEST, _HIGHEST = LIMITS_RAD[:, 0] - 1e-9, LIMITS_RAD[:, 1] + 1e-9  # the limits a pose is held to
_LOWEST.flags.writeable = _HIGHEST.flags.writeable = False
_FINGER_DOF_BONES = {
    "thumb": "finger1",
    "index": "finger2",
    "middle": "finger3",
    "ring": "finger4",
    "little": "finger5",
}


@dataclass(frozen=True, eq=False)
class HandPose:
    """Joint angles of the hand rig: (D,) float64 radians over ``DOFS``, always within the limits.

    Construct with ``from_degrees`` / ``from_dict`` (which refuse out-of-limit angles unless asked to
    clamp) or take a named pose with ``named_pose``.
    """

    angles_rad: np.ndarray

    def __post_init__(self) -> None:
        a = np.asarray(self.angles_rad, dtype=np.float64).copy()
        if a.shape != (NUM_DOFS,):
            raise ValueError(f"HandPose needs ({NUM_DOFS},) angles, got {a.shape}")
        # One test for the common case (NaN fails both comparisons, an infinity one of them).
        if not ((a >= _LOWEST) & (a <= _HIGHEST)).all():
            i = np.flatnonzero(~np.isfinite(a) | (a < _LOWEST) | (a > _HIGHEST))[0]
            raise ValueError(
                f"hand pose: {DOF_KEYS[i]}={np.degrees(a[i]):.1f} deg is outside its limits "
                f"[{DOFS[i].limits_deg[0]}, {DOFS[i].limits_deg[1]}] deg"
            )
        a.flags.writeable = False
        object.__setattr__(self, "angles_rad", a)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HandPose) and bool(np.array_equal(self.angles_rad, other.angles_rad))

    @classmethod
    def zeros(cls) -> HandPose:
        """The rest (flat) pose."""
        return cls(np.zeros(NUM_DOFS))

    @classmethod
    def from_degrees(cls, angles_deg: dict[str, float], clamp: bool = False) -> HandPose:
        """Pose from ``{"finger2-1.flex": 30.0, ...}``; unlisted DOFs are 0, unknown keys are refused.

        Out-of-limit angles raise a ValueError, or are clamped into the limits when ``clamp`` is true.
        """
        unknown = sorted(set(angles_deg) - set(DOF_KEYS))
        if unknown:
            raise ValueError(f"hand pose: unknown DOF(s) {unknown}; valid: {', '.join(DOF_KEYS)}")
        a = np.radians([float(angles_deg.get(k, 0.0)) for k in DOF_KEYS])
        if clamp and np.all(np.isfinite(a)):
            a = clamp_angles(a)
        return cls(a)

    def to_degrees(self) -> dict[str, float]:
        """``{"bone.dof": degrees}`` for every DOF, rounded to 1e-6 deg (the form stored in annotations)."""
        return {k: round(float(np.degrees(v)), 6) for k, v in zip(DOF_KEYS, self.angles_rad, strict=True)}

    def angle(self, key: str) -> float:
        """One angle in radians by its ``bone.dof`` key."""
        return float(self.angles_rad[DOF_KEYS.index(key)])


def clamp_angles(angles_rad: np.ndarray) -> np.ndarray:
    """Clamp (..., D) radians into the anatomical limits."""
    return np.clip(angles_rad, LIMITS_RAD[:, 0], LIMITS_RAD[:, 1])


def _finger(flex_mcp: float, flex_pip: float, flex_dip: float, abduct: float = 0.0, bone: str = "") -> dict:
    return {
        f"{bone}-1.flex": flex_mcp,
        f"{bone}-2.flex": flex_pip,
        f"{bone}-3.flex": flex_dip,
        f"{bone}-1.abduct": abduct,
    }


def _pose(thumb: tuple, index: tuple, middle: tuple, ring: tuple, little: tuple, **extra: float) -> dict:
    """Degrees per finger: (mcp, pip, dip, abduct); thumb (cmc_flex, mcp, ip, cmc_abduct)."""
    out: dict[str, float] = {}
    for finger, values in zip(_FINGER_DOF_BONES, (thumb, index, middle, ring, little), strict=True):
        out.update(_finger(*values, bone=_FINGER_DOF_BONES[finger]))
    out.update({k.replace("__", "."): v for k, v in extra.items()})
    return out


# The thumbs (and index PIP/DIP) of pinch, ok and tripod were fitted so the thumb pad meets the index
# (and middle) pad, and fist and point so the thumb lies beside the curled fingers, with no finger passing
# through another (HandRig.self_penetration_m <= 2 mm) for every named subject.
NAMED_POSES: dict[str, dict[str, float]] = {
    "flat": {},
    "relaxed": _pose(
        (10, 10, 10, 15),
        (18, 25, 12, 2),
        (22, 30, 15, 0),
        (26, 34, 17, -2),
        (30, 38, 18, -4),
        metacarpal4__flex=5,
        wrist__flex=10,
    ),
    "fist": _pose(
        (-5, 45, 60, 0),
        (80, 90, 40, -4),
        (88, 98, 50, 0),
        (85, 95, 45, 3),
        (85, 92, 40, 6),
        metacarpal3__flex=8,
        metacarpal4__flex=18,
    ),
    "spread": _pose((-15, -5, -10, -10), (0, 0, 0, 18), (0, 0, 0, 0), (0, 0, 0, -12), (0, 0, 0, -22)),
    "pinch": _pose((15, 19, 19, 18), (40, 47, 12, 4), (25, 35, 15, 0), (28, 38, 18, -2), (32, 42, 20, -4)),
    "point": _pose(
        (25, 0, 0, 10), (0, 0, 0, 0), (85, 100, 60, 0), (85, 95, 45, 3), (85, 92, 40, 6), metacarpal4__flex=15
    ),
    # Pad-to-pad (pulp) pinch of the thumb and index: the thumb swung into palmar abduction with its MCP
    # and IP joints at their extension limits, as in a pulp pinch, the index curled so its pad faces the thumb
    # pad (pad normals ~120 deg apart; the rig has no thumb axial rotation to square them further) and
    # the thumb's flexion carries its pad straight at the index pad (fitted over the named subjects).
    "pad_pinch": _pose(
        (16, -10, -15, 45), (30, 65, 40, -5), (35, 50, 25, 0), (45, 60, 30, -2), (50, 65, 32, -4)
    ),
    # Palmar pinch of a flat object's edge: the fingers bent at the MCP and nearly straight beyond it,
    # the thumb in full palmar abduction, straight, its pad under the index pad; the thumb closes onto
    # the index pad from below and the index curls onto the thumb (fitted like pad_pinch).
    "palmar_pinch": _pose(
        (-4, 0, -15, 60), (69, 20, 5, -10), (70, 25, 10, 0), (70, 35, 15, 3), (70, 40, 20, 6)
    ),
    "ok": _pose((16, 31, 22, 18), (48, 48, 20, 4), (8, 10, 5, 0), (10, 12, 6, -4), (12, 14, 8, -10)),
    "tripod": _pose((5, 10, 1, 60), (45, 45, 12, 2), (42, 50, 15, -2), (55, 70, 35, -2), (60, 75, 40, -4)),
    # Lateral (key) pinch: the index curled, the thumb pad laid against the radial side of its middle
    # phalanx (fitted over the named subjects: pad 2-4 mm from that side, facing it).
    "lateral": _pose(
        (17, -10, 22, 19),
        (55, 70, 30, 0),
        (75, 90, 40, 0),
        (80, 92, 42, 3),
        (82, 90, 38, 6),
        metacarpal3__flex=8,
        metacarpal4__flex=15,
    ),
}


def named_pose(name: str) -> HandPose:
    """A pose by name (see ``NAMED_POSES``); unknown names are a KeyError listing the valid ones."""
    if name not in NAMED_POSES:
        raise KeyError(f"unknown pose '{name}'; valid: {', '.join(NAMED_POSES)}")
    return HandPose.from_degrees(NAMED_POSES[name])


def sample_pose(rng: np.random.Generator, closure: float | None = None) -> HandPose:
    """A random natural pose within the limits.

    Fingers flex together (one hand closure plus per-finger variation, neighbours correlated), the DIP
    follows the PIP (tendon coupling, DIP ~ 2/3 PIP) and spread shrinks as fingers close.

    Args:
        rng: the generator all randomness comes from.
        closure: overall closure in [0, 1]; drawn uniformly when None.
    """
    c = rng.uniform(0.0, 1.0) if closure is None else float(closure)
    drift = np.cumsum(rng.normal(0.0, 0.08, 4))  # neighbouring fingers close alike
    degrees: dict[str, float] = {}
    for k, bone in enumerate(("finger2", "finger3", "finger4", "finger5")):
        ck = float(np.clip(c + drift[k] + rng.normal(0.0, 0.07), 0.0, 1.0))
        pip = ck * rng.uniform(85.0, 105.0)
        degrees.update(
            _finger(
                ck * rng.uniform(60.0, 90.0),
                pip,
                pip * rng.uniform(0.5, 0.8),
                (1.0 - ck) * rng.normal(0.0, 7.0) + (4.0 * k - 5.0) * (1.0 - ck),
                bone,
            )
        )
    ct = float(np.clip(c + rng.normal(0.0, 0.2), 0.0, 1.0))
    degrees.update(
        {
            "finger1-1.flex": rng.uniform(-15.0, 40.0) * (0.3 + 0.7 * ct),
            "finger1-1.abduct": rng.uniform(-10.0, 40.0),
            "finger1-2.flex": ct * rng.uniform(0.0, 55.0),
            "finger1-3.flex": ct * rng.uniform(-10.0, 75.0) + (1.0 - ct) * rng.uniform(-10.0, 15.0),
            "wrist.flex": rng.normal(0.0, 20.0),
            "wrist.abduct": rng.normal(-5.0, 8.0),
            "metacarpal3.flex": c * rng.uniform(0.0, 10.0),
            "metacarpal4.flex": c * rng.uniform(0.0, 20.0),
        }
    )
    return HandPose.from_degrees(degrees, clamp=True)
