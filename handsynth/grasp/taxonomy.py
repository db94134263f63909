"""Grasp taxonomy per object category (after Feix et al., "The GRASP Taxonomy of Human Grasp Types").

A grasp type says how the hand is placed against the object and which fingers close on it:

- ``placement="wrap"``: the palm is laid against the object's side (power grasps): the object axis
  runs across the palm, fingers and thumb wrap around it.
- ``placement="pinch"``: the object is put where the pads of the closing fingers meet in the type's
  reference pose (precision grasps); the palm stays clear.

``approach`` selects the object-side frame: ``side`` (axial objects held across their axis), ``top``
(from above the top face, fingers around the rim), ``edge`` (boxes pinched across a thin dimension near
an edge), ``face`` (a box lying on the palm, fingers curled round its far edge), ``any`` (round objects,
from any direction).
"""

from __future__ import annotations

from dataclasses import dataclass

from handsynth.conventions import OBJECT_CATEGORIES

FINGERS = ("thumb", "index", "middle", "ring", "little")


@dataclass(frozen=True)
class GraspType:
    """One grasp of the taxonomy.

    Attributes:
        name: e.g. ``"power_wrap"``.
        power: power grasp (palm in contact; >= 3 fingers must touch) or precision (>= 2 fingers, the
            thumb among them).
        placement: ``"wrap"`` or ``"pinch"`` (see the module docstring).
        approach: ``"side"``, ``"top"``, ``"edge"`` or ``"any"``.
        closing: the fingers that close until they touch the object; the others curl to ``reference``.
        reference: named pose (``handsynth.hand.pose.NAMED_POSES``) the pinch point and idle fingers
            come from.
        max_width_m: widest object dimension across the grip this type can hold.
        min_width_m: narrowest.
    """

    name: str
    power: bool
    placement: str
    approach: str
    closing: tuple[str, ...]
    reference: str
    max_width_m: float
    min_width_m: float = 0.0

    @property
    def min_contacts(self) -> int:
        return 3 if self.power else 2


TAXONOMY: dict[str, tuple[GraspType, ...]] = {
    "cylindrical": (
        GraspType("power_wrap", True, "wrap", "side", FINGERS, "fist", 0.095, 0.03),
        GraspType(
            "precision_disk",
            False,
            "pinch",
            "top",
            ("thumb", "index", "middle", "ring"),
            "tripod",
            0.095,
            0.03,
        ),
    ),
    "slender": (
        GraspType("power_grip", True, "wrap", "side", FINGERS, "fist", 0.04),
        GraspType("precision_pinch", False, "pinch", "side", ("thumb", "index"), "pinch", 0.03),
        GraspType("tripod", False, "pinch", "side", ("thumb", "index", "middle"), "tripod", 0.03),
    ),
    "cubical": (
        GraspType("power_box", True, "wrap", "face", FINGERS, "fist", 0.06),
        GraspType("palmar_pinch", False, "pinch", "edge", ("thumb", "index"), "pinch", 0.05),
        GraspType("tripod", False, "pinch", "edge", ("thumb", "index", "middle"), "tripod", 0.075),
    ),
    "spherical": (
        GraspType("spherical_power", True, "wrap", "any", FINGERS, "fist", 0.11, 0.05),
        GraspType("tripod", False, "pinch", "any", ("thumb", "index", "middle"), "tripod", 0.1),
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
