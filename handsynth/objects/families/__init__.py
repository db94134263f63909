"""The family registry (FAMILIES, Family): numpy only; never scene/render/dataset/bpy/pyrender/ray/torch.

Parametric families of everyday objects at real sizes, eight per category: one module per category
(``cylindrical``, ``slender``, ``cubical``, ``spherical``), ``packaging`` (more cylindrical ones) and
``utensils`` (more slender ones), and ``common`` for their shared palettes, colour picks, pattern seeds
and filleted lathe. Each family's docstring names where its sizes come from.

Each family draws its dimensions and materials from a ``numpy.random.Generator`` and returns an
``ObjectModel``. Sizes follow real products (a 330 ml can is 66 mm across and 115-122 mm tall; a pencil
is 7-8 mm across and 15-19 cm long; a tennis ball 65-69 mm; …). Object frames: cylindrical and slender
objects stand along +z from z = 0; cubical objects are centred boxes with x >= y >= z; spherical objects
are centred on their middle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from handsynth.objects.families.cubical import (
    block,
    book,
    carton,
    cutting_board,
    phone,
    remote_control,
    sponge,
    wallet,
)
from handsynth.objects.families.cylindrical import bottle, can, glass, jar, mug
from handsynth.objects.families.packaging import coffee_cup, milk_carton, spray_can
from handsynth.objects.families.slender import chopstick, knife, marker, pencil, screwdriver
from handsynth.objects.families.spherical import apple, ball, egg, kiwi, lemon, orange, tennis_ball, tomato
from handsynth.objects.families.utensils import fork, spoon, toothbrush
from handsynth.objects.model import ObjectModel


@dataclass(frozen=True)
class Family:
    """A parametric object family."""

    name: str
    category: str
    build: Callable[[np.random.Generator], ObjectModel]
    description: str


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("bottle", "cylindrical", bottle, "plastic water/soda bottle, 19-26 cm, with label and cap"),
        Family("can", "cylindrical", can, "aluminium drinks can, 330 ml standard or slim"),
        Family("mug", "cylindrical", mug, "ceramic mug with a handle"),
        Family("glass", "cylindrical", glass, "drinking glass (tumbler), tapered"),
        Family("jar", "cylindrical", jar, "glass jar with label and lid"),
        Family("spray_can", "cylindrical", spray_can, "aerosol spray can with a cap or actuator"),
        Family("coffee_cup", "cylindrical", coffee_cup, "takeaway paper cup with a plastic lid"),
        Family("milk_carton", "cylindrical", milk_carton, "gable-top milk carton, 1 L or 0.5 L"),
        Family("pencil", "slender", pencil, "wooden pencil with ferrule and eraser"),
        Family("marker", "slender", marker, "felt-tip marker with cap"),
        Family("chopstick", "slender", chopstick, "tapered wooden chopstick"),
        Family("knife", "slender", knife, "table knife: handle and steel blade"),
        Family("screwdriver", "slender", screwdriver, "screwdriver: steel shaft and plastic grip"),
        Family("fork", "slender", fork, "stainless table fork"),
        Family("spoon", "slender", spoon, "stainless spoon with a round bowl"),
        Family("toothbrush", "slender", toothbrush, "manual toothbrush"),
        Family("book", "cubical", book, "paperback or hardback book"),
        Family("phone", "cubical", phone, "smartphone"),
        Family("carton", "cubical", carton, "small printed cardboard box (tea, medicine)"),
        Family("block", "cubical", block, "toy block or puzzle cube"),
        Family("cutting_board", "cubical", cutting_board, "wooden cutting board"),
        Family("remote_control", "cubical", remote_control, "TV remote control"),
        Family("wallet", "cubical", wallet, "folded leather wallet"),
        Family("sponge", "cubical", sponge, "kitchen sponge with a scouring pad"),
        Family("ball", "spherical", ball, "ball from tennis to softball size"),
        Family("orange", "spherical", orange, "orange"),
        Family("apple", "spherical", apple, "apple"),
        Family("tomato", "spherical", tomato, "tomato"),
        Family("tennis_ball", "spherical", tennis_ball, "tennis ball"),
        Family("lemon", "spherical", lemon, "lemon"),
        Family("egg", "spherical", egg, "hen's egg"),
        Family("kiwi", "spherical", kiwi, "kiwifruit"),
    )
}
