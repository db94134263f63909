"""The object model every other layer uses: mesh, exact distance, materials and grasp geometry."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from handsynth.conventions import OBJECT_CATEGORIES

__all__ = ["OBJECT_CATEGORIES", "PATTERNS", "GraspGeometry", "Material", "ObjectModel"]
_BOUND_SLACK_M = 1e-9  # a part's box this much farther than the distance so far cannot lower it
PATTERNS = (
    "plain",
    "label",
    "print",
    "wood",
    "speckle",
    "pages",
    "screen",
    "stripes",
    "keypad",
    "leather",
    "seam",
)


@dataclass(frozen=True)
class Material:
    """A physically based material a renderer can build (Principled BSDF / glTF metallic-roughness).

    Attributes:
        name: what it stands for (``"glass"``, ``"label"``, ``"peel"``…).
        base_color: linear RGB in [0, 1].
        roughness, metallic: in [0, 1].
        transmission: in [0, 1]; 1 for clear glass or plastic (renderers without refraction draw it as
            a lighter, glossy surface).
        pattern: one of ``PATTERNS``; a procedural texture drawn in the face UVs (``plain`` = none).
        pattern_color: linear RGB of the pattern's second colour.
        pattern_scale: repeats per UV unit.
        pattern_seed: seed of the pattern's noise, so every renderer draws the same one.
    """

    name: str
    base_color: tuple[float, float, float]
    roughness: float = 0.5
    metallic: float = 0.0
    transmission: float = 0.0
    pattern: str = "plain"
    pattern_color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    pattern_scale: float = 1.0
    pattern_seed: int = 0

    def __post_init__(self) -> None:
        if self.pattern not in PATTERNS:
            raise ValueError(f"unknown pattern {self.pattern!r}")
        for value in (
            *self.base_color,
            *self.pattern_color,
            self.roughness,
            self.metallic,
            self.transmission,
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"material {self.name!r}: values must lie in [0, 1]")

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "base_color": [round(c, 6) for c in self.base_color],
            "roughness": round(self.roughness, 6),
            "metallic": round(self.metallic, 6),
            "transmission": round(self.transmission, 6),
            "pattern": self.pattern,
            "pattern_color": [round(c, 6) for c in self.pattern_color],
            "pattern_scale": round(self.pattern_scale, 6),
            "pattern_seed": self.pattern_seed,
        }


@dataclass(frozen=True)
class GraspGeometry:
    """What grasp placement needs to know about an object, in the object frame.

    Attributes:
        kind: ``"axial"`` (a body of revolution or a stick along z: cylindrical, slender),
            ``"box"`` (cubical) or ``"round"`` (spherical).
        axis_range: (z0, z1) stretch of the z axis a hand may hold (axial), e.g. a mug's body, not its
            rim; a knife's handle, not its blade.
        radius: a representative radius there (axial, round), in metres.
        half_extents: (3,) half sizes along x, y, z (box).
        center: (3,) centre of the graspable part.
        top: z of the top face (axial), for grasps from above.
    """

    kind: str
    center: tuple[float, float, float]
    radius: float = 0.0
    axis_range: tuple[float, float] = (0.0, 0.0)
    half_extents: tuple[float, float, float] = (0.0, 0.0, 0.0)
    top: float = 0.0


@dataclass(frozen=True, eq=False)
class ObjectModel:
    """One object instance.

    Attributes:
        family, category: e.g. ``"mug"``, ``"cylindrical"``.
        dims: named dimensions in metres (``{"radius": 0.041, "height": 0.095, ...}``).
        parts: the closed primitives (``handsynth.objects.shapes``) whose union is the solid.
        materials: one per material slot; faces refer to them by index.
        grasp: where and how the object may be held.
        source: ``"procedural"`` or the manifest asset id.
    """

    family: str
    category: str
    dims: dict[str, float]
    parts: tuple
    materials: tuple[Material, ...]
    grasp: GraspGeometry
    source: str = "procedural"
    _mesh: dict = field(default_factory=dict, repr=False)
    _part_bounds: list = field(default_factory=list, repr=False, init=False)

    def sdf(self, points: np.ndarray) -> np.ndarray:
        """(N,) signed distance (m) from ``points`` (N, 3, object frame) to the solid; negative inside."""
        return self._union(np.asarray(points, dtype=np.float64), fast=False)

    def sdf_fast(self, points: np.ndarray) -> np.ndarray:
        """``sdf`` through the parts' fast paths (tabulated where a part has one; within ~0.02 mm of
        the exact distance near the surface). For search loops; measure with ``sdf``."""
        return self._union(np.asarray(points, dtype=np.float64), fast=True)

    def _union(self, points: np.ndarray, fast: bool) -> np.ndarray:
        """The minimum over the parts of their distances (their fast paths when ``fast``).

        A part whose ``sdf`` is the exact Euclidean distance (``EXACT_SDF``) is, at a point outside its
        bounding box, at least as far as that box (and positive). So it is queried only at the points
        inside its box or where the box is not farther than the parts before it (nor than the surface,
        for a point inside them): the minimum, and so every value, is the same as querying it everywhere."""
        if not self._part_bounds:
            self._part_bounds.extend(part.bounds() for part in self.parts)
        out = None
        for part, (lo, hi) in zip(self.parts, self._part_bounds, strict=True):
            tabled = fast and hasattr(part, "sdf_fast")
            query = part.sdf_fast if tabled else part.sdf
            if out is None:
                out = query(points)
                continue
            if not tabled and getattr(part, "EXACT_SDF", False):
                gap = np.maximum(np.maximum(lo - points, points - hi), 0.0)
                gap *= gap
                # Outside its box a part is at least that far; inside it (distance 0) it may be negative.
                maybe = np.sqrt(gap.sum(axis=1)) <= np.maximum(out, 0.0) + _BOUND_SLACK_M
                if not maybe.all():
                    if maybe.any():
                        out[maybe] = np.minimum(out[maybe], query(points[maybe]))
                    continue
            out = np.minimum(out, query(points))
        return out

    def normals(self, points: np.ndarray, eps: float = 2e-4) -> np.ndarray:
        """(N, 3) outward unit normals of the distance field at ``points`` (central differences)."""
        points = np.asarray(points, dtype=np.float64)
        offsets = np.eye(3) * eps
        grad = np.stack([self.sdf(points + o) - self.sdf(points - o) for o in offsets], axis=1)
        return grad / np.maximum(np.linalg.norm(grad, axis=1, keepdims=True), 1e-12)

    def bounds(self) -> np.ndarray:
        """(2, 3) axis-aligned bounds of the solid in the object frame."""
        b = np.stack([p.bounds() for p in self.parts])
        return np.stack([b[:, 0].min(axis=0), b[:, 1].max(axis=0)])

    def _arrays(self) -> dict:
        """The concatenated part meshes, built on first use."""
        if not self._mesh:
            meshes = [p.mesh() for p in self.parts]
            offsets = np.cumsum([0] + [len(m.vertices) for m in meshes])
            self._mesh["vertices"] = np.concatenate([m.vertices for m in meshes])
            self._mesh["faces"] = np.concatenate([m.faces + o for m, o in zip(meshes, offsets, strict=False)])
            self._mesh["face_uvs"] = np.concatenate([m.face_uvs for m in meshes])
            self._mesh["face_slots"] = np.concatenate([m.face_slots for m in meshes])
        return self._mesh

    vertices = property(
        lambda self: self._arrays()["vertices"],
        doc="(V, 3) float64 mesh vertices (object frame, m); built on first use.",
    )
    faces = property(
        lambda self: self._arrays()["faces"],
        doc="(F, 3) int64 outward-wound triangles; each part is a closed surface of its own.",
    )
    face_uvs = property(
        lambda self: self._arrays()["face_uvs"], doc="(F, 3, 2) float64 per-corner texture coordinates."
    )
    face_slots = property(
        lambda self: self._arrays()["face_slots"], doc="(F,) int64 material slot of each face."
    )

    def describe(self) -> dict:
        """The JSON-ready description stored with a grasp or a sample."""
        return {
            "family": self.family,
            "category": self.category,
            "source": self.source,
            "dims_m": {k: round(v, 6) for k, v in self.dims.items()},
            "materials": [m.to_dict() for m in self.materials],
        }
