"""The subject population (named HOP-like subjects and seeded random ones) and skin tones; numpy only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.conventions import srgb_to_linear
from handsynth.hand.shape import (
    BONE_INDEX,
    HAND_BREADTH_RANGE_M,
    HAND_LENGTH_RANGE_M,
    HandShape,
    build_skeleton,
)

# Monk Skin Tone scale swatches (sRGB, 1 = lightest .. 10 = darkest).
_MONK_SRGB = (
    np.array(
        [
            [246, 237, 228],
            [243, 231, 219],
            [247, 234, 208],
            [234, 218, 186],
            [215, 189, 150],
            [160, 126, 86],
            [130, 92, 67],
            [96, 65, 52],
            [58, 49, 42],
            [41, 36, 32],
        ]
    )
    / 255.0
)


@dataclass(frozen=True, kw_only=True)
class SkinTone:
    """Skin appearance parameters the renderers use."""

    monk: float = 4.0
    """Position on the Monk Skin Tone scale, 1 (lightest) .. 10 (darkest); fractional values interpolate."""
    redness: float = 0.0
    """-1 (olive/yellow) .. 1 (pink/red) undertone."""
    roughness: float = 0.55
    """Specular roughness of the skin (0 mirror .. 1 matte)."""

    def __post_init__(self) -> None:
        if not (1.0 <= self.monk <= 10.0 and -1.0 <= self.redness <= 1.0 and 0.0 <= self.roughness <= 1.0):
            raise ValueError(
                f"skin tone out of range: {self}; monk in [1, 10], redness in [-1, 1], roughness in [0, 1]"
            )

    def albedo_linear(self) -> dict[str, tuple[float, float, float]]:
        """Linear-RGB base colours of the back of the hand, the palm, the nails and the forearm."""
        t = self.monk - 1.0
        i = min(int(t), 8)
        back = srgb_to_linear(_MONK_SRGB[i] + (t - i) * (_MONK_SRGB[i + 1] - _MONK_SRGB[i]))
        back = back * np.array(
            [1.03 + 0.06 * self.redness, 1.0 - 0.03 * self.redness, 0.94 - 0.05 * self.redness]
        )
        back = np.clip(back * 0.8, 0.0, 1.0)  # swatches are lit skin; albedo is darker
        pink = srgb_to_linear(np.array([0.93, 0.72, 0.66]))
        # Palms are less pigmented than the back of the hand, markedly so on dark skin.
        palm = back + (pink * 0.8 - back) * (0.06 + 0.035 * t)
        nail = back + (pink - back) * 0.55
        forearm = back * 0.97
        return {
            k: tuple(float(x) for x in np.clip(v, 0.0, 1.0))
            for k, v in (("back", back), ("palm", palm), ("nail", nail), ("forearm", forearm))
        }

    def to_dict(self) -> dict[str, float]:
        """JSON-ready parameters."""
        return {"monk": float(self.monk), "redness": float(self.redness), "roughness": float(self.roughness)}


@dataclass(frozen=True, kw_only=True)
class Subject:
    """A person whose hand is rendered: id, hand shape and skin tone."""

    id: str
    shape: HandShape
    skin: SkinTone


def _s(id_: str, monk: float, redness: float, **shape: float) -> Subject:
    return Subject(id=id_, shape=HandShape(**shape), skin=SkinTone(monk=monk, redness=redness))


# Five women and five men as in HOP, spread over age, size, build and skin tone.
SUBJECTS: dict[str, Subject] = {
    s.id: s
    for s in (
        _s("f01", 2.0, 0.3, gender=0.0, age_years=24, weight=0.40, muscle=0.45, finger_length=0.3),
        _s(
            "f02",
            6.5,
            0.1,
            gender=0.05,
            age_years=35,
            weight=0.55,
            muscle=0.5,
            hand_scale=0.2,
            finger_diameter=0.2,
        ),
        _s("f03", 4.0, -0.3, gender=0.0, age_years=52, weight=0.65, muscle=0.4, finger_distance=0.3),
        _s(
            "f04",
            9.0,
            0.0,
            gender=0.1,
            age_years=29,
            weight=0.35,
            muscle=0.55,
            finger_length=0.5,
            hand_scale=0.4,
        ),
        _s(
            "f05",
            3.0,
            0.5,
            gender=0.0,
            age_years=68,
            weight=0.5,
            muscle=0.35,
            hand_scale=-0.5,
            finger_diameter=0.3,
        ),
        _s("m01", 3.5, 0.2, gender=1.0, age_years=31, weight=0.5, muscle=0.6),
        _s(
            "m02",
            7.5,
            -0.1,
            gender=0.95,
            age_years=45,
            weight=0.7,
            muscle=0.7,
            hand_scale=0.5,
            finger_diameter=0.4,
        ),
        _s(
            "m03",
            1.5,
            0.6,
            gender=1.0,
            age_years=22,
            weight=0.3,
            muscle=0.5,
            finger_length=0.4,
            finger_distance=-0.3,
        ),
        _s(
            "m04",
            5.0,
            -0.5,
            gender=0.9,
            age_years=60,
            weight=0.6,
            muscle=0.45,
            hand_scale=-0.3,
            finger_diameter=0.5,
        ),
        _s(
            "m05",
            9.5,
            0.0,
            gender=1.0,
            age_years=38,
            weight=0.45,
            muscle=0.8,
            finger_length=-0.3,
            finger_distance=0.4,
        ),
    )
}


def get_subject(subject_id: str) -> Subject:
    """A named subject; unknown ids are a KeyError listing the valid ones."""
    if subject_id not in SUBJECTS:
        raise KeyError(f"unknown subject '{subject_id}'; valid: {', '.join(SUBJECTS)} (or random-<n>)")
    return SUBJECTS[subject_id]


def hand_dimensions(shape: HandShape) -> tuple[float, float]:
    """(hand length, hand breadth) in metres of a shape, as anthropometry measures them.

    Length: wrist joint to the middle fingertip in the flat pose. Breadth: across the knuckles (index
    and little MCP centres plus their skin radii).
    """
    sk = build_skeleton(shape)
    middle_tip = sk.tails[BONE_INDEX["finger3-3"]]
    index, little = BONE_INDEX["finger2-1"], BONE_INDEX["finger5-1"]
    breadth = np.linalg.norm(sk.heads[index] - sk.heads[little]) + sk.radii[index, 0] + sk.radii[little, 0]
    return float(np.linalg.norm(middle_tip)), float(breadth)


def random_subject(rng: np.random.Generator, number: int) -> Subject:
    """A random adult subject ``random-<number>`` drawn from ``rng``, with an adult hand size.

    Shapes whose hand length or breadth fall outside the adult ranges are redrawn (never clipped), so
    the population keeps its natural spread.
    """
    for _ in range(100):
        shape = HandShape(
            gender=float(rng.choice([rng.uniform(0.0, 0.2), rng.uniform(0.8, 1.0)])),
            age_years=float(rng.uniform(18.0, 80.0)),
            weight=float(rng.beta(3, 3)),
            muscle=float(rng.beta(3, 3)),
            proportions=float(rng.uniform(0.2, 0.8)),
            hand_scale=float(np.clip(rng.normal(0, 0.4), -1, 1)),
            finger_length=float(np.clip(rng.normal(0, 0.4), -1, 1)),
            finger_diameter=float(np.clip(rng.normal(0, 0.4), -1, 1)),
            finger_distance=float(np.clip(rng.normal(0, 0.4), -1, 1)),
        )
        length, breadth = hand_dimensions(shape)
        if (
            HAND_LENGTH_RANGE_M[0] <= length <= HAND_LENGTH_RANGE_M[1]
            and HAND_BREADTH_RANGE_M[0] <= breadth <= HAND_BREADTH_RANGE_M[1]
        ):
            break
    else:  # pragma: no cover - the ranges hold most of the distribution
        raise RuntimeError("could not draw a subject within the adult hand-size ranges")
    skin = SkinTone(
        monk=float(rng.uniform(1.0, 10.0)),
        redness=float(rng.uniform(-0.6, 0.6)),
        roughness=float(rng.uniform(0.45, 0.7)),
    )
    return Subject(id=f"random-{number}", shape=shape, skin=skin)


def subject_from_seed(seed: int, number: int) -> Subject:
    """``random-<number>`` of a run with root ``seed``: the same pair always gives the same subject."""
    return random_subject(np.random.default_rng([seed, number]), number)


# Wrist circumference (mm) of US Army personnel, ANSUR II (Gordon et al. 2014, "2012 Anthropometric
# Survey of U.S. Army Personnel: Methods and Summary Statistics", NATICK/TR-15/007; figures computed
# from the public ANSUR II data, 1,986 women and 4,082 men): mean, SD, 5th / 50th / 95th percentiles,
# and its least-squares regression on hand length (wrist crease to the middle fingertip, mm) with the
# residual SD and the residuals' 5th / 95th percentiles. The survey measures the circumference at the
# level of the ulnar styloid, i.e. at the wrist crease; the tape follows the convex hull of the section.
WRIST_CIRCUMFERENCE_MM = {
    "female": {"mean": 154.8, "sd": 7.8, "p5": 142.2, "p50": 154.0, "p95": 168.0},
    "male": {"mean": 175.9, "sd": 9.0, "p5": 162.0, "p50": 176.0, "p95": 191.0},
}
WRIST_ON_HAND_LENGTH = {  # circumference = intercept + slope * hand length (mm)
    "female": {
        "intercept": 79.0,
        "slope": 0.418,
        "residual_sd": 6.60,
        "residual_p5": -9.8,
        "residual_p95": 11.2,
    },
    "male": {
        "intercept": 81.2,
        "slope": 0.490,
        "residual_sd": 7.51,
        "residual_p5": -12.2,
        "residual_p95": 12.7,
    },
}
# ANSUR II has no wrist breadth or thickness; they follow from the circumference for an elliptic section
# whose thickness / breadth lies in this range (a modelling assumption: the wrist at the styloids is a
# flattened oval, about two thirds as thick as it is broad), so their ranges are the breadths and
# thicknesses of the ellipses of the cited circumference range with an aspect ratio in it.
WRIST_ASPECT_RANGE = (0.60, 0.75)


def subject_sex(shape: HandShape) -> str:
    """``"female"`` or ``"male"``: which ANSUR II table a shape is measured against (its gender < 0.5)."""
    return "female" if shape.gender < 0.5 else "male"


def _ellipse_perimeter_per_breadth(aspect: float) -> float:
    """Perimeter / breadth (major axis) of an ellipse of thickness / breadth ``aspect`` (Ramanujan II)."""
    a, b = 0.5, 0.5 * aspect
    h = ((a - b) / (a + b)) ** 2
    return float(np.pi * (a + b) * (1.0 + 3.0 * h / (10.0 + np.sqrt(4.0 - 3.0 * h))))


def wrist_ranges_mm(sex: str, hand_length_mm: float) -> dict[str, tuple[float, float]]:
    """The 5th..95th percentile range of a wrist of that sex and hand length (mm): ``circumference``
    from the ANSUR II regression on hand length (prediction plus the residuals' 5th and 95th
    percentiles), and the ``breadth`` and ``thickness`` of ellipses of that circumference range with an
    aspect ratio in ``WRIST_ASPECT_RANGE``."""
    fit = WRIST_ON_HAND_LENGTH[sex]
    centre = fit["intercept"] + fit["slope"] * hand_length_mm
    lo, hi = centre + fit["residual_p5"], centre + fit["residual_p95"]
    thin, round_ = WRIST_ASPECT_RANGE
    return {
        "circumference": (lo, hi),
        "breadth": (lo / _ellipse_perimeter_per_breadth(round_), hi / _ellipse_perimeter_per_breadth(thin)),
        "thickness": (
            thin * lo / _ellipse_perimeter_per_breadth(thin),
            round_ * hi / _ellipse_perimeter_per_breadth(round_),
        ),
    }


def wrist_measurements_mm(rest_vertices: np.ndarray, band_m: float = 0.0015) -> dict[str, float]:
    """Breadth (radial-ulnar, y), thickness (dorso-palmar, z) and tape circumference (perimeter of the
    convex hull) in mm of a right-hand rest mesh's section at the wrist crease: the vertices within
    ``band_m`` of the wrist joint's plane (x = 0, where the heel of the hand meets the forearm)."""
    section = np.asarray(rest_vertices)[np.abs(rest_vertices[:, 0]) < band_m][:, 1:]
    hull = _convex_hull_2d(section)
    return {
        "breadth": 1e3 * float(np.ptp(section[:, 0])),
        "thickness": 1e3 * float(np.ptp(section[:, 1])),
        "circumference": 1e3 * float(np.linalg.norm(hull - np.roll(hull, 1, axis=0), axis=1).sum()),
    }


def _convex_hull_2d(points: np.ndarray) -> np.ndarray:
    """(H, 2) convex hull of (N, 2) points, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(map(tuple, np.unique(points, axis=0)))

    def half(seq):
        out: list[tuple[float, float]] = []
        for p in seq:
            while len(out) >= 2 and (
                (out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])
                <= 0.0
            ):
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(reversed(pts))
    return np.array(lower[:-1] + upper[:-1])
