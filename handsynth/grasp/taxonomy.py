"""Grasp taxonomy per object category (after Feix et al., "The GRASP Taxonomy of Human Grasp Types").

A grasp type says how the hand is placed against the object and which fingers close on it:

- ``placement="wrap"``: the palm is laid against the object's side (power grasps): the object axis
  runs across the palm, fingers and thumb wrap around it.
- ``placement="pinch"``: the object is put where the pads of the closing fingers meet in the type's
  reference pose (precision grasps); the palm stays clear.

``approach`` selects the object-side frame: ``side`` (axial objects held across their axis), ``top``
(from above the top face, fingers around the rim), ``edge`` (boxes pinched across a thin dimension near
an edge), ``face`` (a box lying on the palm, fingers curled round its far edge), ``rim`` (a flat box
gripped like a handle by one of its edges: the palm on the edge face, fingers and thumb on the two broad
faces), ``any`` (round objects, from any direction).

Every type also carries its class of the Feix taxonomy (number and name, Feix et al. 2016, Table of the
33 classes), so records can be filtered by a standard name; a power wrap is a "medium wrap" or a "large
diameter" grasp by the width held.
"""

from __future__ import annotations

from dataclasses import dataclass

from handsynth.conventions import OBJECT_CATEGORIES

FINGERS = ("thumb", "index", "middle", "ring", "little")

# The 33 classes of the GRASP taxonomy (Feix, Romero, Schmiedmayer, Dollar, Kragic, IEEE THMS 2016).
FEIX_CLASSES: dict[int, str] = {
    1: "large diameter",
    2: "small diameter",
    3: "medium wrap",
    4: "adducted thumb",
    5: "light tool",
    6: "prismatic 4 finger",
    7: "prismatic 3 finger",
    8: "prismatic 2 finger",
    9: "palmar pinch",
    10: "power disk",
    11: "power sphere",
    12: "precision disk",
    13: "precision sphere",
    14: "tripod",
    15: "fixed hook",
    16: "lateral",
    17: "index finger extension",
    18: "extension type",
    19: "distal type",
    20: "writing tripod",
    21: "tripod variation",
    22: "parallel extension",
    23: "adduction grip",
    24: "tip pinch",
    25: "lateral tripod",
    26: "sphere 4 finger",
    27: "quadpod",
    28: "sphere 3 finger",
    29: "stick",
    30: "palmar",
    31: "ring",
    32: "ventral",
    33: "inferior pincer",
}

# A support grasp's palm faces up within this angle of straight up, in the scenes and in the stability
# check alike: a book lying on the palm stays on it up to a tilt of atan(skin friction 0.8) = 39 degrees;
# 20 degrees keeps a margin for the friction and the object's slide on a curved palm.
SUPPORT_TILT_DEG = 20.0


@dataclass(frozen=True)
class GraspType:
    """One grasp of the taxonomy.

    Attributes:
        name: e.g. ``"power_wrap"``.
        power: power grasp (palm in contact; >= 3 fingers must touch) or precision (>= 2 fingers, the
            thumb among them).
        placement: ``"wrap"`` or ``"pinch"`` (see the module docstring).
        approach: ``"side"``, ``"top"``, ``"edge"``, ``"face"``, ``"rim"`` or ``"any"``.
        closing: the fingers that close until they touch the object; the others curl to ``reference``
            (a lateral pinch closes the thumb alone: the curled index is what it presses against).
        reference: named pose (``handsynth.hand.pose.NAMED_POSES``) the pinch point and idle fingers
            come from.
        max_width_m: widest object dimension across the grip this type can hold.
        min_width_m: narrowest.
        feix: Feix class numbers ``(narrow, wide)``: the class of a grip narrower than ``feix_wide_m``
            and of one at least that wide (the same number twice for most types).
        feix_wide_m: the width (m) from which the second class applies.
        support: the palm bears the object from below (Feix 30, "palmar": a book held flat on the palm):
            such a grasp is shown, and its stability checked, with the palm facing up within
            ``SUPPORT_TILT_DEG`` of straight up (a grasp that holds by gravity is never shown upside down).
    """

    name: str
    power: bool
    placement: str
    approach: str
    closing: tuple[str, ...]
    reference: str
    max_width_m: float
    min_width_m: float = 0.0
    feix: tuple[int, int] = (0, 0)
    feix_wide_m: float = float("inf")
    support: bool = False

    def __post_init__(self) -> None:
        if not all(n in FEIX_CLASSES for n in self.feix):
            raise ValueError(f"grasp type {self.name}: Feix classes {self.feix} not in 1..33")

    @property
    def min_contacts(self) -> int:
        return 3 if self.power else 2

    def feix_class(self, width_m: float | None = None) -> tuple[int, str]:
        """(number, name) of the Feix class of this type for a grip ``width_m`` wide (None: narrow)."""
        n = self.feix[1] if width_m is not None and width_m >= self.feix_wide_m else self.feix[0]
        return n, FEIX_CLASSES[n]


TAXONOMY: dict[str, tuple[GraspType, ...]] = {
    "cylindrical": (
        GraspType("power_wrap", True, "wrap", "side", FINGERS, "fist", 0.095, 0.03, (3, 1), 0.06),
        GraspType(
            "precision_disk",
            False,
            "pinch",
            "top",
            ("thumb", "index", "middle", "ring"),
            "tripod",
            0.095,
            0.03,
            (12, 12),
        ),
    ),
    "slender": (
        GraspType("power_grip", True, "wrap", "side", FINGERS, "fist", 0.04, 0.0, (2, 2)),
        GraspType(
            "precision_pinch", False, "pinch", "side", ("thumb", "index"), "pad_pinch", 0.03, 0.0, (8, 8)
        ),
        GraspType(
            "tripod", False, "pinch", "side", ("thumb", "index", "middle"), "tripod", 0.03, 0.0, (14, 14)
        ),
        GraspType("lateral_pinch", False, "pinch", "side", ("thumb",), "lateral", 0.03, 0.0, (16, 16)),
    ),
    "cubical": (
        GraspType("power_box", True, "wrap", "face", FINGERS, "fist", 0.06, 0.0, (30, 30), support=True),
        GraspType("power_edge", True, "wrap", "rim", FINGERS, "fist", 0.04, 0.0, (2, 3), 0.025),
        GraspType(
            "palmar_pinch", False, "pinch", "edge", ("thumb", "index"), "palmar_pinch", 0.05, 0.0, (9, 9)
        ),
        GraspType(
            "tripod", False, "pinch", "edge", ("thumb", "index", "middle"), "tripod", 0.075, 0.0, (14, 14)
        ),
        GraspType("lateral_pinch", False, "pinch", "edge", ("thumb",), "lateral", 0.03, 0.0, (16, 16)),
    ),
    "spherical": (
        GraspType("spherical_power", True, "wrap", "any", FINGERS, "fist", 0.11, 0.05, (11, 11)),
        GraspType(
            "tripod", False, "pinch", "any", ("thumb", "index", "middle"), "tripod", 0.1, 0.0, (14, 14)
        ),
    ),
}
assert set(TAXONOMY) == set(OBJECT_CATEGORIES)


def grasp_types(category: str) -> tuple[GraspType, ...]:
    """The grasp types of a category."""
    if category not in TAXONOMY:
        raise KeyError(f"unknown category '{category}'; valid: {', '.join(TAXONOMY)}")
    return TAXONOMY[category]


def grasp_type(category: str, name: str) -> GraspType:
    """One grasp type by category and name (KeyError listing the valid names)."""
    for t in grasp_types(category):
        if t.name == name:
            return t
    raise KeyError(
        f"no grasp type '{name}' for {category} objects; valid: "
        f"{', '.join(t.name for t in grasp_types(category))}"
    )
