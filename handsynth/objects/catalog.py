"""Object names on the command line: categories, their aliases and family names -> families."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from handsynth.conventions import OBJECT_CATEGORIES
from handsynth.errors import UserError
from handsynth.objects.families import FAMILIES, Family

CATEGORY_ALIASES: dict[str, str] = {
    **{c: c for c in OBJECT_CATEGORIES},
    "cylinder": "cylindrical",
    "bar": "slender",
    "stick": "slender",
    "cube": "cubical",
    "box": "cubical",
    "sphere": "spherical",
}


def resolve_objects(
    spec: str | Iterable[str] | None, families: Mapping[str, Family] | None = None
) -> tuple[str, ...]:
    """Family names selected by a comma-separated list of categories, aliases and family names.

    Args:
        spec: e.g. ``"cylinder,sphere"``, ``"bottle,mug,orange"``; None or empty selects every family.
        families: the catalogue (default: the procedural ``FAMILIES``; external meshes add theirs).

    Returns:
        Family names in catalogue order, without repeats.

    Raises:
        UserError: an unknown name, listing the valid ones.
    """
    families = FAMILIES if families is None else families
    tokens = [
        t.strip().lower() for t in (spec.split(",") if isinstance(spec, str) else (spec or ())) if t.strip()
    ]
    if not tokens:
        return tuple(families)
    chosen: set[str] = set()
    for token in tokens:
        if token in CATEGORY_ALIASES:
            category = CATEGORY_ALIASES[token]
            members = [name for name, f in families.items() if f.category == category]
            if not members:
                raise UserError(f"no object families in category '{category}'")
            chosen.update(members)
        elif token in families:
            chosen.add(token)
        else:
            raise UserError(
                f"unknown object '{token}'; valid categories: {', '.join(sorted(CATEGORY_ALIASES))}; "
                f"families: {', '.join(families)}"
            )
    return tuple(name for name in families if name in chosen)
