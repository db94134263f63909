"""Objects from meshes listed in ``assets_manifest.yaml``: loading, checking, families and the catalogue.

Imports numpy at import time and trimesh and the manifest module inside functions; never bpy, pyrender,
ray or torch.

A manifest mesh becomes an ``ObjectModel`` with one part, a ``MeshPart`` (``mesh_part.py``): the closed
triangle mesh in the object frame of its category (the frames of ``families/``, fitted by
``mesh_frame.py``), with an exact signed distance (``handsynth.geometry.mesh_distance``).
"""

from __future__ import annotations

import colorsys
import functools
import os
import pathlib
import re
from typing import TYPE_CHECKING

import numpy as np

from handsynth.conventions import srgb_to_linear
from handsynth.errors import UserError
from handsynth.objects.mesh_frame import axial_frame, box_frame, grasp_geometry
from handsynth.objects.mesh_part import MeshPart
from handsynth.objects.model import Material, ObjectModel

if TYPE_CHECKING:
    from handsynth.assets.manifest import AssetEntry, Manifest
    from handsynth.objects.families import Family

__all__ = ["external_families", "load_external_object", "object_catalog"]

MIN_EXTENT_M, MAX_EXTENT_M = 0.01, 0.60
_FAMILY_NAME = re.compile(r"[a-z0-9_-]+")


# --- loading a manifest mesh ---------------------------------------------------------------------------
def _read_mesh(asset_id: str, path: pathlib.Path, scale: float):
    """Vertices (V, 3) in metres, faces (F, 3) and per-corner UVs (F, 3, 2) or None, welded by position."""
    import trimesh

    try:
        loaded = trimesh.load_mesh(path, process=False)
    except (ValueError, TypeError, KeyError, IndexError, OSError, EOFError, UnicodeDecodeError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise UserError(f"asset {asset_id!r}: cannot read mesh {path}: {reason}") from None
    vertices = np.asarray(loaded.vertices, dtype=np.float64) * scale
    faces = np.asarray(loaded.faces, dtype=np.int64).reshape(-1, 3)
    if not len(faces):
        raise UserError(f"asset {asset_id!r}: {path} holds no triangles")
    uv = getattr(loaded.visual, "uv", None)
    face_uvs = None
    if uv is not None and len(uv) == len(vertices):
        face_uvs = np.asarray(uv, dtype=np.float64)[faces]
    # Files split vertices at UV seams (and STL repeats them per face): weld by position so the
    # surface closes, keeping the UVs per corner.
    _, first, inverse = np.unique(vertices, axis=0, return_index=True, return_inverse=True)
    faces = inverse.reshape(-1)[faces]
    used, faces = np.unique(faces, return_inverse=True)
    faces = faces.reshape(-1, 3)
    vertices = vertices[first][used]
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 2] != faces[:, 0])
    return vertices, faces[keep], None if face_uvs is None else face_uvs[keep]


def _check_solid(asset_id: str, vertices: np.ndarray, faces: np.ndarray, scale: float):
    """The trimesh of a valid solid; UserError naming the asset otherwise."""
    import trimesh

    mesh = trimesh.Trimesh(vertices, faces, process=False)
    if not mesh.is_watertight:
        raise UserError(
            f"asset {asset_id!r}: the mesh is not watertight (it has open or non-manifold edges); "
            "handsynth needs a closed surface for distances and grasps"
        )
    if not mesh.is_winding_consistent or not mesh.volume > 0.0:
        raise UserError(
            f"asset {asset_id!r}: the mesh encloses no positive volume (inconsistent or inward "
            f"face winding); volume {mesh.volume:.3g} m^3"
        )
    largest = float((vertices.max(axis=0) - vertices.min(axis=0)).max())
    if not MIN_EXTENT_M <= largest <= MAX_EXTENT_M:
        raise UserError(
            f"asset {asset_id!r}: largest extent {largest:.4g} m is outside {MIN_EXTENT_M * 100:g} cm "
            f".. {MAX_EXTENT_M * 100:g} cm; check its scale ({scale:g} metres per file unit)"
        )
    return mesh


@functools.lru_cache(maxsize=8)
def _prepared_mesh(asset_id: str, path: str, sha256: str, scale: float, category: str):
    """The MeshPart in its object frame, its grasp geometry and dims; cached per file and checksum."""
    del sha256  # part of the cache key only: a changed file is a different entry
    vertices, faces, face_uvs = _read_mesh(asset_id, pathlib.Path(path), scale)
    mesh = _check_solid(asset_id, vertices, faces, scale)
    if category in ("cylindrical", "slender"):
        rotation, origin = axial_frame(mesh, category)
    elif category == "cubical":
        rotation, origin = box_frame(mesh)
    else:
        rotation, origin = np.eye(3), np.asarray(mesh.center_mass, dtype=np.float64)
    local = (vertices - origin) @ rotation
    extents = local.max(axis=0) - local.min(axis=0)
    dims = {"x": float(extents[0]), "y": float(extents[1]), "z": float(extents[2])}
    return MeshPart(local, faces, face_uvs), grasp_geometry(local, faces, category), dims


def _surface_colour(rng: np.random.Generator) -> tuple[float, float, float]:
    """A plausible everyday surface colour as linear RGB."""
    srgb = np.array(colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.15, 0.8), rng.uniform(0.3, 0.9)))
    return tuple(float(c) for c in srgb_to_linear(srgb))


def load_external_object(entry: AssetEntry, path: pathlib.Path, rng: np.random.Generator) -> ObjectModel:
    """An ObjectModel from a manifest mesh already fetched to ``path``.

    The mesh is scaled by ``entry.scale_m_per_unit`` and put in its category's object frame:
    cylindrical and slender objects stand along +z from z = 0, centred on their axis; cubical ones are
    centred with their oriented box's extents x >= y >= z; spherical ones are centred on their centroid.
    Loading is cached per file and checksum; ``rng`` draws only the colour.

    Raises:
        UserError: the file is unreadable, not a closed outward-wound solid, or its largest extent is
            outside 1 cm .. 60 cm (a wrong scale).
    """
    part, grasp, dims = _prepared_mesh(
        entry.id,
        str(pathlib.Path(path).resolve()),
        entry.sha256,
        float(entry.scale_m_per_unit),
        entry.category,
    )
    material = Material("surface", _surface_colour(rng), roughness=0.5)
    return ObjectModel(
        entry.family or entry.id, entry.category, dict(dims), (part,), (material,), grasp, source=entry.id
    )


# --- families and the catalogue ------------------------------------------------------------------------
def _family_builder(entries: tuple[AssetEntry, ...], cache_dir: pathlib.Path | None):
    """The ``build(rng)`` of a family of manifest meshes: draws an entry, fetches it once, loads it."""
    paths: dict[str, pathlib.Path] = {}  # fetched (and checksum-verified) once per family

    def build(rng: np.random.Generator) -> ObjectModel:
        from handsynth.assets.manifest import fetch_asset

        entry = entries[int(rng.integers(len(entries)))]
        if entry.id not in paths:
            # Without a cache folder every entry is a file:// one, which is verified in place.
            paths[entry.id] = fetch_asset(entry, cache_dir if cache_dir is not None else pathlib.Path())
        return load_external_object(entry, paths[entry.id], rng)

    return build


def external_families(
    manifest: Manifest, cache_dir: str | os.PathLike[str] | None = None
) -> dict[str, Family]:
    """One Family per family name of the manifest's object meshes (an entry without one is its own).

    Entries sharing a family are drawn at random by each ``build(rng)``, which fetches (checksum
    verified) and loads its mesh on first use.

    Args:
        manifest: a loaded manifest (``handsynth.assets.load_manifest``).
        cache_dir: download folder of http(s) assets; needed only when the manifest has any.

    Raises:
        UserError: a family name that is not ``[a-z0-9_-]+``, entries of one family in different
            categories, or a remote asset without ``cache_dir``.
    """
    from handsynth.objects.families import Family

    groups: dict[str, list[AssetEntry]] = {}
    for entry in manifest.objects():
        name = entry.family or entry.id
        if not _FAMILY_NAME.fullmatch(name):
            raise UserError(
                f"asset {entry.id!r}: family {name!r} must use lower-case letters, digits, '_' and '-'"
            )
        if cache_dir is None and not entry.url.startswith("file:"):
            raise UserError(f"asset {entry.id!r} is downloaded from {entry.url}; give a cache folder for it")
        groups.setdefault(name, []).append(entry)
    families: dict[str, Family] = {}
    for name, entries in groups.items():
        categories = sorted({e.category for e in entries})
        if len(categories) > 1:
            ids = ", ".join(f"{e.id} ({e.category})" for e in entries)
            raise UserError(f"object family {name!r} mixes categories: {ids}; give them different families")
        description = f"external mesh{'es' if len(entries) > 1 else ''} {', '.join(e.id for e in entries)}"
        build = _family_builder(tuple(entries), None if cache_dir is None else pathlib.Path(cache_dir))
        families[name] = Family(name, categories[0], build, description)
    return families


def object_catalog(
    manifest: Manifest | str | os.PathLike[str] | None = None, cache_dir: str | os.PathLike[str] | None = None
) -> dict[str, Family]:
    """Every object family: the procedural ``FAMILIES`` followed by the manifest's meshes.

    Args:
        manifest: a loaded manifest, a path to one, or None for the procedural families only.
        cache_dir: download folder of http(s) assets.

    Raises:
        UserError: an external family named like a procedural family or a category alias, or any
            manifest error.
    """
    from handsynth.objects.catalog import CATEGORY_ALIASES
    from handsynth.objects.families import FAMILIES

    catalog = dict(FAMILIES)
    if manifest is None:
        return catalog
    if isinstance(manifest, (str, os.PathLike)):
        from handsynth.assets.manifest import load_manifest

        manifest = load_manifest(manifest)
    for name, family in external_families(manifest, cache_dir).items():
        if name in FAMILIES or name in CATEGORY_ALIASES:
            kind = "procedural family" if name in FAMILIES else "category name"
            raise UserError(
                f"external object family {name!r} clashes with the {kind} {name!r}; "
                "set another family in the manifest"
            )
        catalog[name] = family
    return catalog
