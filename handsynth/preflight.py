"""Pre-flight of a run: every name resolved and every input checked before the first byte is written.

Orchestration layer (numpy, the core layers, lazily); never bpy, pyrender, ray or torch at import.

``config.check`` (standard library only) has already refused values out of range and names of constant
sets. What needs the numpy layers is resolved here, in two steps the pipeline runs before it writes:

1. ``resolve_run`` (cheap): the manifest (path made absolute, its content sha256 filled in or compared
   with the one the configuration pins; every object mesh fetched, checked against its sha256 and loaded
   as a closed solid of a sane size, selected or not), the object catalogue, ``scene.objects``,
   ``scene.subjects``, ``render.backend`` and, for Cycles, bpy and ``render.device``. It returns the
   configuration that is written to ``config.yaml``, so a resume compares manifests by content.
2. ``check_samples`` (seconds): the first specs of the run are sampled (a camera or grasp that cannot
   be drawn fails here, not after ``config.yaml`` exists) and one grasp is synthesized per external
   family, so an ungraspable user mesh is refused naming its family.

Core layers raise ``ValueError``/``KeyError``/``SamplingError``; this module turns those caused by the
user's configuration into ``UserError`` naming the config keys.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from handsynth.config import RunConfig
from handsynth.errors import SamplingError, UngraspableError, UserError

PREFLIGHT_SPECS = 4  # specs sampled before writing (their grasps stay in the bank for the run)
CAMERA_KEYS = "scene.camera.min_clearance_m, hand_fill, fov_deg, elevation_deg and presets"


@dataclass(frozen=True)
class ResolvedRun:
    """A run's configuration with every name resolved.

    Attributes:
        config: the configuration to write (manifest path absolute, its sha256 filled in).
        catalog: family name -> Family (procedural, then the manifest's).
        families: the family names ``scene.objects`` selects, in catalogue order.
        external: those of them that come from the manifest.
    """

    config: RunConfig
    catalog: dict
    families: tuple[str, ...]
    external: tuple[str, ...]


def manifest_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of the manifest file's bytes; UserError naming the file when it cannot be read."""
    from handsynth.assets.manifest import sha256_file

    try:
        return sha256_file(path)
    except OSError as err:
        raise UserError(f"cannot read asset manifest {path} (manifest.path): {err.strerror or err}") from None


def resolve_manifest(config: RunConfig) -> RunConfig:
    """``config`` with ``manifest.path`` absolute and ``manifest.sha256`` that of the file's content.

    Raises:
        UserError: the file cannot be read, or its content no longer has the sha256 the configuration
            pins (a run reproduced from its ``config.yaml`` after the manifest changed).
    """
    manifest = config.manifest
    if manifest.path is None:
        return config
    path = str(Path(manifest.path).expanduser().resolve())
    actual = manifest_sha256(path)
    if manifest.sha256 is not None and manifest.sha256 != actual:
        raise UserError(
            f"asset manifest {path} has changed: its sha256 is {actual}, the configuration "
            f"(manifest.sha256) pins {manifest.sha256}; restore it or render into a new folder"
        )
    return dataclasses.replace(config, manifest=dataclasses.replace(manifest, path=path, sha256=actual))


def _catalog(config: RunConfig, cache_dir: str | os.PathLike[str] | None) -> tuple[dict, tuple[str, ...]]:
    """(catalogue, external family names); every object mesh of the manifest fetched and verified."""
    from handsynth.objects.external import object_catalog
    from handsynth.objects.families import FAMILIES

    if config.manifest.path is None:
        return object_catalog(None), ()
    import numpy as np

    from handsynth.assets.manifest import fetch_asset, load_manifest
    from handsynth.objects.external import load_external_object

    manifest = load_manifest(config.manifest.path)
    catalog = object_catalog(manifest, cache_dir)
    for entry in manifest.objects():  # every mesh: its sha256, then a closed solid of a sane size
        path = fetch_asset(entry, cache_dir if cache_dir is not None else Path())
        load_external_object(entry, path, np.random.default_rng(0))  # kept in its cache (last 8 meshes)
    return catalog, tuple(name for name in catalog if name not in FAMILIES)


def check_subjects(subjects: tuple[str, ...], key: str = "scene.subjects") -> None:
    """UserError naming the first unknown subject id and the valid ones."""
    from handsynth.hand.subjects import SUBJECTS

    for subject in subjects:
        if subject not in SUBJECTS:
            raise UserError(f"unknown subject '{subject}' in {key}; valid: {', '.join(SUBJECTS)}")


def resolve_run(
    config: RunConfig,
    catalog: dict | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    renders: bool = True,
) -> ResolvedRun:
    """Resolve every name of ``config`` (see the module docstring, step 1).

    Args:
        config: a checked configuration.
        catalog: the object catalogue to use instead of the one ``config.manifest`` gives (tests).
        cache_dir: download folder of the manifest's http(s) meshes (not part of the configuration:
            meshes are verified by sha256 wherever they are cached).
        renders: whether the caller renders (then the backend must exist and its packages and device
            be present); ``handsynth grasp`` renders nothing.
    """
    from handsynth.objects.catalog import resolve_objects
    from handsynth.render import BACKENDS

    if renders and config.render.backend not in BACKENDS:
        raise UserError(
            f"unknown backend '{config.render.backend}' in render.backend; valid: {', '.join(BACKENDS)}"
        )
    if renders and config.render.backend == "cycles":
        from handsynth.render import render_info

        render_info(config)  # bpy present, and a GPU when render.device is gpu (UserError otherwise)
    check_subjects(config.scene.subjects)
    config = resolve_manifest(config)
    if catalog is None:
        catalog, external = _catalog(config, cache_dir)
    else:
        from handsynth.objects.families import FAMILIES

        external = tuple(name for name in catalog if name not in FAMILIES)
    families = resolve_objects(config.scene.objects, catalog)
    return ResolvedRun(config, catalog, families, tuple(f for f in families if f in external))


def ungraspable_message(error: UngraspableError) -> str:
    """The one line a user reads for an UngraspableError."""
    names = ", ".join(f"'{f}'" for f in error.families)
    families = f"object famil{'y' if len(error.families) == 1 else 'ies'} {names}"
    if error.rejected.get("grip", 0) > 0:
        return (
            f"no grasp of {families} held in the grip simulation (scene.stability=gate); set "
            "scene.stability=measure to keep grasps that do not hold (each records whether it does), or "
            "leave them out of --objects / scene.objects"
        )
    return (
        f"no grasp could be synthesized on {families}: every candidate on every object drawn was "
        "rejected; check the mesh's scale and shape, or leave it out of --objects / scene.objects"
    )


def check_samples(context, external: tuple[str, ...] = ()) -> None:
    """Decode every background photo, sample the first specs of the run and synthesize one grasp per
    external family (step 2).

    Args:
        context: the run's ``pipeline.RunContext`` (its grasp bank keeps what is synthesized here).
        external: manifest families selected by ``scene.objects``.
    """
    from handsynth.grasp import sample_grasp

    config = context.config
    scene = config.scene
    if context.backgrounds.folder is not None:
        context.backgrounds.folder.check_images()
    try:
        for name in external:
            sample_grasp(config.seed, 0, (name,), context.sampler.bank.catalog, scene.subjects or None)
        for index in range(min(config.n, PREFLIGHT_SPECS)):
            context.sampler.sample(index)
    except UngraspableError as err:
        raise UserError(ungraspable_message(err)) from None
    except SamplingError as err:
        raise UserError(f"cannot sample a scene for this configuration ({CAMERA_KEYS}): {err}") from None
