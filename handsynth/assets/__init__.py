"""Optional external assets (meshes, backgrounds, HDRIs, hand rigs) listed in `assets_manifest.yaml`."""

from handsynth.assets.manifest import (
    CATEGORIES,
    FORMATS,
    KINDS,
    AssetEntry,
    Manifest,
    fetch_asset,
    load_manifest,
    sha256_file,
    verify_manifest,
)

__all__ = [
    "CATEGORIES",
    "FORMATS",
    "KINDS",
    "AssetEntry",
    "Manifest",
    "fetch_asset",
    "load_manifest",
    "sha256_file",
    "verify_manifest",
]
