"""Slender utensils, +z up from z = 0 (fork, spoon, toothbrush): numpy only; never
scene/render/dataset/bpy/pyrender/ray/torch.

Flat parts are RoundedBoxes whose part x runs along the object's z (the utensil's length), part y
across its width and part z along object x (its thickness; the side a fork's tines and a spoon's bowl
face is +x), or Prisms of an outline in the (y, z) plane (cutlery handles tapering from a round end to
the neck, a fork's head widening to its tines).
"""

from __future__ import annotations

import numpy as np

from handsynth.objects.families.common import _BRIGHT, _lin, _pick
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import Lathe, Prism, RoundedBox

_ALONG_Z = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])  # part x -> object z (-), z -> x
_OUTLINE = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # part (x, y, z) -> object (y, z, x)


def _flat(outline: np.ndarray, half_thickness: float, x: float = 0.0) -> Prism:
    """A flat piece of a convex (y, z) outline (counter-clockwise), ``half_thickness`` either side of x."""
    return Prism(outline, half_thickness, center=(x, 0.0, 0.0), rotation=_OUTLINE)


def _handle_outline(length: float, end_half_width: float, neck_half_width: float) -> np.ndarray:
    """(K, 2) (y, z) outline of a cutlery handle: a round end at z = 0 tapering to the neck at ``length``."""
    # Along the round end from -y to +y, then up the +y side to the neck and back down the -y side.
    a = np.linspace(-np.pi / 2, np.pi / 2, 9)
    end = np.stack([end_half_width * np.sin(a), end_half_width * (1.0 - np.cos(a))], axis=1)
    return np.concatenate([end, [[neck_half_width, length], [-neck_half_width, length]]])


def _bar(z0: float, z1: float, half_width: float, half_thickness: float, x: float = 0.0, slot: int = 0):
    """A flat bar along z from z0 to z1, centred on (x, 0), corners rounded as far as it is thick."""
    return RoundedBox(
        ((z1 - z0) / 2, half_width, half_thickness),
        min(half_width, half_thickness) * 0.9,
        slot=slot,
        center=(x, 0.0, (z0 + z1) / 2),
        rotation=_ALONG_Z,
    )


def _neck(z0: float, z1: float, x0: float, x1: float, half_width: float, half_thickness: float) -> RoundedBox:
    """A flat bar from (x0, z0) to (x1, z1): the bend between a handle and a fork's or spoon's head."""
    d = np.array([x1 - x0, 0.0, z1 - z0])
    length = float(np.linalg.norm(d))
    d /= length
    rotation = np.column_stack([d, [0.0, 1.0, 0.0], np.cross(d, [0.0, 1.0, 0.0])])
    return RoundedBox(
        (length / 2 + 0.002, half_width, half_thickness),
        min(half_width, half_thickness) * 0.9,
        center=((x0 + x1) / 2, 0.0, (z0 + z1) / 2),
        rotation=rotation,
    )


def _steel(rng: np.random.Generator) -> Material:
    return Material("steel", _lin(np.array([0.8, 0.8, 0.81]) + rng.normal(0, 0.01, 3)), 0.18, metallic=1.0)


def _grasp(handle: float, half_width: float, half_thickness: float, top: float) -> GraspGeometry:
    return GraspGeometry(
        "axial",
        (0.0, 0.0, handle / 2),
        radius=(half_width + half_thickness) / 2,
        axis_range=(0.15 * handle, 0.9 * handle),
        top=top,
    )


def fork(rng: np.random.Generator) -> ObjectModel:
    """Stainless table fork, 165-200 mm long (table and dinner forks): a flat handle 10-14 mm
    wide and 2.5-3 mm thick, a narrow neck bent 4-7 mm up to the head, four tines 30-36 mm long on a
    head 22-26 mm wide."""
    handle = rng.uniform(0.1, 0.115)
    hw, ht = rng.uniform(0.005, 0.007), rng.uniform(0.00125, 0.0015)
    neck = rng.uniform(0.022, 0.028)
    rise = rng.uniform(0.004, 0.007)
    head_len = rng.uniform(0.014, 0.018)
    head_hw = rng.uniform(0.011, 0.013)
    tine_len = rng.uniform(0.03, 0.036)
    th = 0.0007
    z_head = handle + neck
    head = np.array(
        [
            [-0.0035, z_head - 0.004],
            [0.0035, z_head - 0.004],
            [head_hw, z_head + head_len],
            [-head_hw, z_head + head_len],
        ]
    )
    parts = [
        _flat(_handle_outline(handle, hw, 0.0035), ht),
        _neck(handle - 0.004, z_head + 0.002, 0.0, rise, 0.0028, 0.001),
        _flat(head, th, x=rise),
    ]
    tine_hw = 0.0011
    for y in np.linspace(-head_hw + tine_hw + 0.0003, head_hw - tine_hw - 0.0003, 4):
        bar = _bar(z_head + head_len - 0.003, z_head + head_len + tine_len, tine_hw, th, x=rise)
        parts.append(RoundedBox(bar.half_extents, 0.0006, center=(rise, y, bar.center[2]), rotation=_ALONG_Z))
    length = z_head + head_len + tine_len
    return ObjectModel(
        "fork",
        "slender",
        {"length": length, "handle_width": 2 * hw, "head_width": 2 * head_hw, "tine_length": tine_len},
        tuple(parts),
        (_steel(rng),),
        _grasp(handle, hw, ht, length),
    )


def _bowl(radius: float, depth: float, wall: float, n: int = 12) -> np.ndarray:
    """(r, z) profile of a spoon's bowl: a spherical cap shell ``depth`` deep, open towards +z."""
    sphere = (radius**2 + depth**2) / (2 * depth)
    t = np.linspace(0.0, np.arcsin(radius / sphere), n + 1)
    r, z = sphere * np.sin(t), sphere * (1.0 - np.cos(t))
    outer = np.stack([r, z], axis=1)
    inner = np.stack([r[::-1], z[::-1] + wall], axis=1)
    return np.concatenate([outer, inner])


def spoon(rng: np.random.Generator) -> ObjectModel:
    """Stainless dessert spoon, 160-190 mm long: a flat handle 10-13 mm wide and 2.5-3 mm
    thick, a neck, and a round bowl 38-44 mm across and 6-8 mm deep (a round soup spoon's)."""
    handle = rng.uniform(0.105, 0.12)
    hw, ht = rng.uniform(0.005, 0.0065), rng.uniform(0.00125, 0.0015)
    neck = rng.uniform(0.018, 0.024)
    a = rng.uniform(0.019, 0.022)
    depth = rng.uniform(0.006, 0.008)
    wall = 0.0012
    rim_x = ht * 0.5  # the bowl's rim sits in the handle's plane, the bowl below it (-x)
    z_bowl = handle + neck + a  # the bowl's centre along the length
    profile = _bowl(a, depth, wall)  # a lathe about object x: its open side faces +x
    bowl = Lathe(profile, 0, segments=48, center=(rim_x - depth - wall, 0.0, z_bowl), rotation=_ALONG_Z)
    parts = (
        _flat(_handle_outline(handle, hw, 0.0035), ht),
        _neck(handle - 0.004, z_bowl - a + 0.003, 0.0, rim_x - 0.0004 - ht * 0.5, 0.0032, 0.0011),
        bowl,
    )
    length = z_bowl + a
    return ObjectModel(
        "spoon",
        "slender",
        {"length": length, "handle_width": 2 * hw, "bowl_width": 2 * a, "bowl_depth": depth},
        parts,
        (_steel(rng),),
        _grasp(handle, hw, ht, length),
    )


def toothbrush(rng: np.random.Generator) -> ObjectModel:
    """Manual toothbrush, 175-200 mm long (the usual adult size): a handle 12-15 mm wide and 9-11 mm
    thick, a neck about 5 mm across, a head 25-30 mm long with a bristle block 10-11 mm high."""
    handle = rng.uniform(0.11, 0.12)
    hw, ht = rng.uniform(0.006, 0.0075), rng.uniform(0.0045, 0.0055)
    neck = rng.uniform(0.04, 0.05)
    head_len, head_hw, head_ht = rng.uniform(0.025, 0.03), rng.uniform(0.0055, 0.0065), 0.0025
    bristle_h = rng.uniform(0.010, 0.011)
    z_head = handle + neck
    length = z_head + head_len
    bristles = RoundedBox(
        (head_len / 2 - 0.0015, head_hw - 0.001, bristle_h / 2 + 0.001),
        0.0012,
        slot=1,
        center=(head_ht + bristle_h / 2 - 0.001, 0.0, z_head + head_len / 2),
        rotation=_ALONG_Z,
    )
    parts = (
        _bar(0.0, handle, hw, ht),
        _bar(handle - 0.01, z_head + 0.005, 0.0028, 0.0024),
        _bar(z_head, length, head_hw, head_ht),
        bristles,
    )
    plastic = Material("handle", _pick(rng, _BRIGHT), 0.3)
    tufts = Material("bristles", _pick(rng, [(245, 245, 245), (120, 190, 235), (240, 240, 240)], 0.02), 0.7)
    return ObjectModel(
        "toothbrush",
        "slender",
        {"length": length, "handle_width": 2 * hw, "handle_thickness": 2 * ht, "bristle_height": bristle_h},
        parts,
        (plastic, tufts),
        _grasp(handle, hw, ht, length),
    )
