"""MakeHuman-style hand shape parameters and the anthropometric rest skeleton they give; numpy only.

The hand frame (right hand): origin at the wrist joint centre, +x distal (towards the middle fingertip),
+y radial (towards the thumb), +z dorsal (out of the back of the hand). Left hands are the mirror image
(y -> -y) of the right hand with the same parameters; see ``rig.py``.

Rest pose is the flat hand: fingers straight and slightly spread, the thumb relaxed beside the palm.
Bone names are those of MakeHuman's default skeleton (without the ``.L``/``.R`` suffix).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.geometry.transforms import frame_from_x_and_z_hint, make_transform

# Bones in topological order (parents before children); MakeHuman default-rig names.
BONE_NAMES: tuple[str, ...] = (
    "lowerarm02",
    "wrist",
    "finger1-1",
    "finger1-2",
    "finger1-3",
    "metacarpal1",
    "finger2-1",
    "finger2-2",
    "finger2-3",
    "metacarpal2",
    "finger3-1",
    "finger3-2",
    "finger3-3",
    "metacarpal3",
    "finger4-1",
    "finger4-2",
    "finger4-3",
    "metacarpal4",
    "finger5-1",
    "finger5-2",
    "finger5-3",
)
BONE_INDEX = {name: i for i, name in enumerate(BONE_NAMES)}
BONE_PARENTS: tuple[int, ...] = tuple(
    -1
    if n == "lowerarm02"
    else BONE_INDEX["lowerarm02"]
    if n == "wrist"
    else BONE_INDEX["wrist"]
    if n.startswith("metacarpal") or n == "finger1-1"
    else BONE_INDEX[f"metacarpal{int(n[6]) - 1}"]
    if n.endswith("-1")
    else BONE_INDEX[n[:-1] + str(int(n[-1]) - 1)]
    for n in BONE_NAMES
)

# The bones of each finger chain, base to tip; the thumb's first bone is its metacarpal
# (MakeHuman's finger1-1).
FINGER_BONES: dict[str, tuple[str, str, str]] = {
    "thumb": ("finger1-1", "finger1-2", "finger1-3"),
    "index": ("finger2-1", "finger2-2", "finger2-3"),
    "middle": ("finger3-1", "finger3-2", "finger3-3"),
    "ring": ("finger4-1", "finger4-2", "finger4-3"),
    "little": ("finger5-1", "finger5-2", "finger5-3"),
}
# Standard joint k (see handsynth.conventions.JOINT_NAMES) is the head of JOINT_BONES[k]; fingertips
# (4, 8, 12, 16, 20) are the tails of the distal bones and lie on the skin.
JOINT_BONES: tuple[str, ...] = ("wrist",) + tuple(
    b for f in ("thumb", "index", "middle", "ring", "little") for b in FINGER_BONES[f] + (FINGER_BONES[f][2],)
)

# Reference adult hand (hand length ~18.5 cm, breadth ~8.3 cm), metres, hand frame. Proportions after
# Buryanov & Kotiuk (2010) phalanx/metacarpal ratios. The distal "length" runs from the DIP (IP) centre to
# the skin at the fingertip, so the tip joint lies on the skin.
_LONG_FINGERS = ("index", "middle", "ring", "little")
_REF_CMC = {
    "index": (0.025, 0.012, 0.0),
    "middle": (0.026, 0.002, 0.001),
    "ring": (0.024, -0.008, 0.0),
    "little": (0.021, -0.017, -0.002),
}
_REF_MCP = {
    "index": (0.086, 0.028, -0.002),
    "middle": (0.089, 0.0065, 0.0),
    "ring": (0.085, -0.014, -0.001),
    "little": (0.077, -0.033, -0.004),
}
_REF_PHALANX_M = {
    "thumb": (0.046, 0.032, 0.026),
    "index": (0.040, 0.023, 0.022),
    "middle": (0.045, 0.027, 0.024),
    "ring": (0.041, 0.027, 0.023),
    "little": (0.032, 0.019, 0.021),
}
# Skin radius at the base, middle joint, distal joint and tip cap of each finger (m).
_REF_RADIUS_M = {
    "thumb": (0.0125, 0.0105, 0.0098, 0.0082),
    "index": (0.0096, 0.0086, 0.0076, 0.0066),
    "middle": (0.0098, 0.0089, 0.0078, 0.0068),
    "ring": (0.0093, 0.0084, 0.0074, 0.0064),
    "little": (0.0083, 0.0075, 0.0066, 0.0058),
}
_REF_SPLAY_DEG = {"index": 6.0, "middle": 0.0, "ring": -6.0, "little": -13.0}
_REF_THUMB_CMC = (0.019, 0.021, -0.013)
_REF_THUMB_DIR = (38.0, -14.0)  # azimuth towards radial, elevation towards palmar (degrees)
_REF_THUMB_NAIL_HINT = (0.0, 0.70, 0.71)  # the thumbnail faces radially and dorsally


def _thumb_rest_rotation() -> np.ndarray:
    az, el = np.radians(_REF_THUMB_DIR)
    thumb_dir = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    return frame_from_x_and_z_hint(thumb_dir, np.array(_REF_THUMB_NAIL_HINT))


# The thumb's carpometacarpal axes, fixed in the hand and expressed in the thumb metacarpal's rest frame:
# palmar abduction lifts the thumb out of the palm plane (about the hand's -x), flexion swings it across
# the palm towards the little finger (about the palm normal, -z).
THUMB_CMC_ABDUCT_AXIS = tuple(_thumb_rest_rotation().T @ np.array([-1.0, 0.0, 0.0]))
THUMB_CMC_FLEX_AXIS = tuple(_thumb_rest_rotation().T @ np.array([0.0, 0.0, -1.0]))
_REF_HAND_LENGTH_M = 0.089 + 0.045 + 0.027 + 0.024
FOREARM_LENGTH_RATIO = 0.78  # forearm stub length / hand length (~14 cm for an average hand)
# Half-breadth of the forearm stub at its elbow end and at the wrist crease (reference hand, m); the
# crease gives a wrist of ANSUR II size (see ``subjects.WRIST_CIRCUMFERENCE_MM``).
FOREARM_RADII_M = (0.0330, 0.0285)

HAND_LENGTH_RANGE_M = (0.160, 0.210)
HAND_BREADTH_RANGE_M = (0.070, 0.095)


@dataclass(frozen=True, kw_only=True)
class HandShape:
    """MakeHuman-style macro and hand-modifier parameters of one hand.

    Macros follow MakeHuman's sliders (0..1, 0.5 average); hand modifiers follow its
    ``armslegs/*-hand-*`` targets (-1..1, 0 neutral).
    """

    gender: float = 0.5
    """0 female .. 1 male."""
    age_years: float = 35.0
    """Adult age, 18..90 years: older hands get slightly thicker knuckles."""
    weight: float = 0.5
    """Body mass, 0 thin .. 1 heavy: thickens palm and fingers."""
    muscle: float = 0.5
    """Muscle tone, 0..1: thickens the palm and the thenar pad."""
    proportions: float = 0.5
    """Body proportions, 0 uncommon .. 1 idealised: slightly longer fingers relative to the palm."""
    hand_scale: float = 0.0
    """MakeHuman 'hand scale', -1..1: scales the whole hand by about ±7 %."""
    finger_length: float = 0.0
    """MakeHuman 'fingers length', -1..1: finger bones ±9 %."""
    finger_diameter: float = 0.0
    """MakeHuman 'fingers diameter', -1..1: finger radii ±13 %."""
    finger_distance: float = 0.0
    """MakeHuman 'fingers distance', -1..1: knuckle spacing ±10 % and finger splay."""

    def __post_init__(self) -> None:
        for name, lo, hi in (
            ("gender", 0, 1),
            ("age_years", 18, 90),
            ("weight", 0, 1),
            ("muscle", 0, 1),
            ("proportions", 0, 1),
            ("hand_scale", -1, 1),
            ("finger_length", -1, 1),
            ("finger_diameter", -1, 1),
            ("finger_distance", -1, 1),
        ):
            value = getattr(self, name)
            if not lo <= value <= hi:
                raise ValueError(f"hand shape: {name}={value} is outside [{lo}, {hi}]")

    def to_dict(self) -> dict[str, float]:
        """The parameters as a JSON-ready dict (the form stored in annotations)."""
        return {k: float(getattr(self, k)) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, values: dict[str, float]) -> HandShape:
        """Inverse of ``to_dict``; unknown keys are a ValueError listing the valid ones."""
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(
                f"hand shape: unknown key(s) {unknown}; valid: {sorted(cls.__dataclass_fields__)}"
            )
        return cls(**{k: float(v) for k, v in values.items()})


@dataclass(frozen=True)
class ShapeFactors:
    """Dimensionless factors of a shape relative to the reference hand (1 = reference)."""

    overall: float
    finger_length: float
    palm_breadth: float
    splay: float
    finger_radius: float
    palm_thickness: float
    knuckle: float


def shape_factors(shape: HandShape) -> ShapeFactors:
    """Map MakeHuman-style parameters to anthropometric scale factors (see ``HandShape``)."""
    g = shape.gender - 0.5
    # Average adult hand length: ~17.5 cm women, ~19.2 cm men (the reference is 18.5 cm).
    overall = (
        (0.183 + 0.017 * g) / 0.183 * (1.0 + 0.07 * shape.hand_scale) * (1.0 + 0.02 * (shape.weight - 0.5))
    )
    finger_length = (1.0 + 0.09 * shape.finger_length) * (1.0 + 0.04 * (shape.proportions - 0.5))
    palm_breadth = (1.0 + 0.05 * g + 0.06 * (shape.weight - 0.5) + 0.04 * (shape.muscle - 0.5)) * (
        1.0 + 0.10 * shape.finger_distance
    )
    splay = 1.0 + 0.5 * shape.finger_distance
    finger_radius = (1.0 + 0.13 * shape.finger_diameter) * (
        1.0 + 0.03 * g + 0.10 * (shape.weight - 0.5) + 0.04 * (shape.muscle - 0.5)
    )
    palm_thickness = 1.0 + 0.04 * g + 0.18 * (shape.weight - 0.5) + 0.14 * (shape.muscle - 0.5)
    knuckle = 1.0 + 0.04 * max(0.0, (shape.age_years - 40.0) / 50.0)
    return ShapeFactors(overall, finger_length, palm_breadth, splay, finger_radius, palm_thickness, knuckle)


@dataclass(frozen=True)
class Skeleton:
    """Rest skeleton of one hand in the hand frame.

    Attributes:
        rest_transforms: (B, 4, 4) float64, ``T_hand_bone`` at rest; bone x axis from head to tail,
            y the flexion axis, z the dorsal direction of the bone.
        lengths: (B,) float64 head-to-tail length of each bone (m).
        radii: (B, 2) float64 skin radius at the head and tail of each bone (m), and for the palm bones
            a representative half-thickness.
        palm_scale: (3,) float64 (length, breadth, thickness) factors of the palm against the reference.
    """

    rest_transforms: np.ndarray
    lengths: np.ndarray
    radii: np.ndarray
    palm_scale: np.ndarray

    @property
    def heads(self) -> np.ndarray:
        """(B, 3) float64 bone heads at rest."""
        return self.rest_transforms[:, :3, 3]

    @property
    def tails(self) -> np.ndarray:
        """(B, 3) float64 bone tails at rest."""
        return self.heads + self.rest_transforms[:, :3, 0] * self.lengths[:, None]


def _splay_frame(splay_deg: float) -> np.ndarray:
    a = np.radians(splay_deg)
    return frame_from_x_and_z_hint(np.array([np.cos(a), np.sin(a), 0.0]), np.array([0.0, 0.0, 1.0]))


def build_skeleton(shape: HandShape) -> Skeleton:
    """Rest skeleton (bones, lengths, skin radii) of a hand of the given shape, in the hand frame."""
    f = shape_factors(shape)
    s = f.overall
    palm = np.array([s, s * f.palm_breadth, s * f.palm_thickness])
    n = len(BONE_NAMES)
    transforms = np.zeros((n, 4, 4))
    lengths = np.zeros(n)
    radii = np.zeros((n, 2))

    def put(name: str, head: np.ndarray, rot: np.ndarray, length: float, r0: float, r1: float) -> None:
        i = BONE_INDEX[name]
        transforms[i] = make_transform(rot, head)
        lengths[i] = length
        radii[i] = (r0, r1)

    forearm_len = FOREARM_LENGTH_RATIO * _REF_HAND_LENGTH_M * s
    put(
        "lowerarm02",
        np.array([-forearm_len, 0.0, 0.0]),
        np.eye(3),
        forearm_len,
        FOREARM_RADII_M[0] * palm[2],
        FOREARM_RADII_M[1] * palm[2],
    )
    put("wrist", np.zeros(3), np.eye(3), 0.022 * s, 0.018 * palm[2], 0.016 * palm[2])
    for k, finger in enumerate(_LONG_FINGERS, start=1):
        cmc = np.array(_REF_CMC[finger]) * palm
        mcp = np.array(_REF_MCP[finger]) * palm
        meta_rot = frame_from_x_and_z_hint(mcp - cmc, np.array([0.0, 0.0, 1.0]))
        r = np.array(_REF_RADIUS_M[finger]) * s * f.finger_radius
        put(
            f"metacarpal{k}",
            cmc,
            meta_rot,
            float(np.linalg.norm(mcp - cmc)),
            0.012 * palm[2],
            r[0] * f.knuckle,
        )
        rot = _splay_frame(_REF_SPLAY_DEG[finger] * f.splay)
        head = mcp
        for j, bone in enumerate(FINGER_BONES[finger]):
            length = _REF_PHALANX_M[finger][j] * s * f.finger_length
            r_head = r[j] * (f.knuckle if j < 2 else 1.0)
            put(bone, head, rot, length, r_head, r[j + 1])
            head = head + rot[:, 0] * length
    rot = _thumb_rest_rotation()
    head = np.array(_REF_THUMB_CMC) * palm
    r = np.array(_REF_RADIUS_M["thumb"]) * s * f.finger_radius
    for j, bone in enumerate(FINGER_BONES["thumb"]):
        length = _REF_PHALANX_M["thumb"][j] * s * (f.finger_length if j > 0 else 1.0)
        r_head = r[j] * (f.palm_thickness if j == 0 else f.knuckle)
        put(bone, head, rot, length, r_head, r[j + 1])
        head = head + rot[:, 0] * length
    return Skeleton(transforms, lengths, radii, palm)
