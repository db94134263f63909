"""External-asset manifest: load, validate, fetch and verify; never imports bpy, pyrender, ray or torch.

`file://` assets are verified in place; `http(s)://` ones are cached as `<cache_dir>/<id>/<filename>`.
"""

import contextlib
import hashlib
import logging
import math
import os
import pathlib
import re
import tempfile
import types
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import yaml

from handsynth.errors import UserError
from handsynth.files import sha256_file

log = logging.getLogger(__name__)

KINDS = ("object_mesh", "background_image", "hdri", "hand_rig")
CATEGORIES = ("cylindrical", "slender", "cubical", "spherical")
URL_SCHEMES = ("file", "http", "https")
FORMATS = types.MappingProxyType(
    {
        "object_mesh": ("obj", "ply", "glb", "gltf", "stl"),
        "background_image": ("png", "jpg", "jpeg"),
        "hdri": ("hdr", "exr"),
        "hand_rig": ("blend", "fbx", "glb", "mhx2"),
    }
)
ENTRY_KEYS = ("id", "kind", "category", "family", "url", "sha256", "license", "scale")
REQUIRED_KEYS = ("id", "kind", "url", "sha256", "license")
_TOP_LEVEL_KEYS = ("version", "assets")
_ID_PATTERN = re.compile(r"[a-z0-9_-]+")
_SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
_EXPONENT_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")  # YAML 1.1 reads `1e-3` as a string
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, kw_only=True)
class AssetEntry:
    """One external asset; constructing it validates every field (UserError on a bad value)."""

    id: str
    """Unique name, `[a-z0-9_-]+`; also the cache sub-folder."""
    kind: str
    """One of `KINDS`."""
    url: str
    """`file:///absolute/path`, `http://…` or `https://…`; its suffix gives `format`."""
    sha256: str
    """Lower-case hex digest (64 characters) of the file's bytes."""
    license: str
    """License of the asset, e.g. an SPDX id such as `CC-BY-4.0`."""
    category: str | None = None
    """Object category (one of `CATEGORIES`): required for `object_mesh`, forbidden otherwise."""
    family: str | None = None
    """Optional object family (`mug`, `bottle`, …); only for `object_mesh`."""
    scale_m_per_unit: float = 1.0
    """YAML key `scale`: metres per file unit (0.001 for a mesh in millimetres); not for images."""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID_PATTERN.fullmatch(self.id):
            raise UserError(f"invalid id {self.id!r}; use lower-case letters, digits, '_' and '-'")
        if self.kind not in KINDS:
            raise UserError(f"unknown kind {self.kind!r}; valid: {', '.join(KINDS)}")
        scheme = urllib.parse.urlsplit(self.url).scheme if isinstance(self.url, str) else None
        if scheme not in URL_SCHEMES:
            valid = ", ".join(URL_SCHEMES)
            raise UserError(f"unsupported url scheme {scheme!r} in {self.url!r}; valid: {valid}")
        if scheme == "file" and urllib.parse.urlsplit(self.url).netloc not in ("", "localhost"):
            raise UserError(f"url {self.url!r} must be an absolute file URL such as file:///data/mug.obj")
        if self.format not in (valid := FORMATS[self.kind]):
            msg = f"unsupported format {self.format!r} (url suffix) for kind {self.kind}"
            raise UserError(f"{msg}; valid: {', '.join(valid)}")
        if not isinstance(self.sha256, str) or not _SHA256_PATTERN.fullmatch(self.sha256):
            raise UserError(f"sha256 {self.sha256!r} must be 64 lower-case hex characters")
        if not isinstance(self.license, str) or not self.license.strip():
            raise UserError(f"license {self.license!r} must be a non-empty string (e.g. CC-BY-4.0)")
        if self.kind == "object_mesh" and self.category is None:
            raise UserError(f"category is required for kind object_mesh; valid: {', '.join(CATEGORIES)}")
        if self.kind != "object_mesh" and self.category is not None:
            raise UserError(f"category is only allowed for kind object_mesh, not {self.kind}")
        if self.category is not None and self.category not in CATEGORIES:
            raise UserError(f"unknown category {self.category!r}; valid: {', '.join(CATEGORIES)}")
        if self.family is not None and (self.kind != "object_mesh" or not isinstance(self.family, str)):
            raise UserError(f"family {self.family!r} must be a string, and only for kind object_mesh")
        scale = self.scale_m_per_unit
        if type(scale) not in (int, float) or not (math.isfinite(scale) and scale > 0):
            raise UserError(f"scale {scale!r} must be a positive number (metres per file unit)")
        if scale != 1.0 and self.kind in ("background_image", "hdri"):
            raise UserError(f"scale is only allowed for kinds object_mesh and hand_rig, not {self.kind}")

    @property
    def filename(self) -> str:
        """Last segment of the URL path, percent-decoded (the cached file's name)."""
        return pathlib.PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(self.url).path)).name

    @property
    def format(self) -> str:
        """File format from the URL suffix, lower case without the dot (`obj`, `png`, …)."""
        return pathlib.PurePosixPath(self.filename).suffix.lower().lstrip(".")


@dataclass(frozen=True, kw_only=True)
class Manifest:
    """A validated manifest: its entries in file order, ids unique."""

    entries: tuple[AssetEntry, ...] = ()
    """Every asset, in the order of the file."""

    def get(self, asset_id: str) -> AssetEntry:
        """The entry named `asset_id`; UserError listing the valid ids otherwise."""
        for entry in self.entries:
            if entry.id == asset_id:
                return entry
        valid = ", ".join(e.id for e in self.entries) or "(the manifest lists no assets)"
        raise UserError(f"unknown asset {asset_id!r}; valid: {valid}")

    def by_kind(self, kind: str) -> tuple[AssetEntry, ...]:
        """Entries of one kind (one of `KINDS`), in file order."""
        if kind not in KINDS:
            raise UserError(f"unknown kind {kind!r}; valid: {', '.join(KINDS)}")
        return tuple(e for e in self.entries if e.kind == kind)

    def objects(self, category: str | None = None) -> tuple[AssetEntry, ...]:
        """Object meshes, optionally only those of one category (one of `CATEGORIES`)."""
        if category is not None and category not in CATEGORIES:
            raise UserError(f"unknown category {category!r}; valid: {', '.join(CATEGORIES)}")
        return tuple(e for e in self.by_kind("object_mesh") if category is None or e.category == category)


def load_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read and validate a manifest file; the first problem is a UserError naming file, entry and field."""
    path = pathlib.Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise UserError(f"{path}: cannot read asset manifest ({err.strerror or err})") from None
    except UnicodeDecodeError as err:
        raise UserError(
            f"{path}: the asset manifest is not UTF-8 text (byte {err.start}); give a YAML file"
        ) from None
    except yaml.YAMLError as err:
        raise UserError(f"{path}: not valid YAML ({' '.join(str(err).split())})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping with keys {', '.join(_TOP_LEVEL_KEYS)}")
    if unknown := [key for key in data if key not in _TOP_LEVEL_KEYS]:
        raise UserError(f"{path}: unknown key {unknown[0]!r}; valid: {', '.join(_TOP_LEVEL_KEYS)}")
    if data.get("version") != 1:
        raise UserError(f"{path}: unsupported version {data.get('version')!r}; valid: 1")
    raw_entries = [] if data.get("assets") is None else data["assets"]
    if not isinstance(raw_entries, list):
        raise UserError(f"{path}: 'assets' must be a list of entries")
    entries: list[AssetEntry] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_entries, start=1):
        entry = _parse_entry(raw, f"{path}: entry", index)
        if entry.id in first_index:
            first = first_index[entry.id]
            raise UserError(f"{path}: entry {entry.id!r} (#{index}): duplicate id (first at #{first})")
        first_index[entry.id] = index
        entries.append(entry)
    log.debug("loaded %d asset entries from %s", len(entries), path)
    return Manifest(entries=tuple(entries))


def _parse_entry(raw: object, prefix: str, index: int) -> AssetEntry:
    """One YAML mapping -> AssetEntry; errors are prefixed with `<file>: entry '<id>' (#<index>)`."""
    if not isinstance(raw, dict):
        raise UserError(f"{prefix} #{index}: expected a mapping with keys {', '.join(ENTRY_KEYS)}")
    raw_id = raw.get("id")
    where = f"{prefix} {raw_id!r} (#{index})" if isinstance(raw_id, str) else f"{prefix} #{index}"
    for key in raw:
        if key not in ENTRY_KEYS:
            raise UserError(f"{where}: unknown key {key!r}; valid: {', '.join(ENTRY_KEYS)}")
    for key in REQUIRED_KEYS:
        if raw.get(key) is None:
            raise UserError(f"{where}: missing required field {key!r}")
    fields = dict(raw)
    scale = fields.pop("scale", None)
    if isinstance(scale, str) and _EXPONENT_FLOAT.fullmatch(scale):
        scale = float(scale)
    if isinstance(fields["sha256"], str):
        fields["sha256"] = fields["sha256"].lower()
    try:
        return AssetEntry(**fields, scale_m_per_unit=1.0 if scale is None else scale)
    except UserError as err:
        raise UserError(f"{where}: {err}") from None


def _checksum_error(entry: AssetEntry, actual: str, where: str) -> UserError:
    message = f"sha256 mismatch for {where}: expected {entry.sha256}, got {actual}"
    return UserError(f"asset {entry.id!r}: {message}")


def fetch_asset(
    entry: AssetEntry, cache_dir: str | os.PathLike[str], *, timeout_s: float = 60.0
) -> pathlib.Path:
    """Local path of a verified asset: file:// in place, http(s) downloaded into `cache_dir/<id>/`."""
    parts = urllib.parse.urlsplit(entry.url)
    if parts.scheme == "file":
        local = pathlib.Path(urllib.request.url2pathname(parts.path))
        if not local.is_file():
            raise UserError(f"asset {entry.id!r}: file not found: {local}")
        actual = sha256_file(local)
        if actual != entry.sha256:
            raise _checksum_error(entry, actual, str(local))
        return local
    target_dir = pathlib.Path(cache_dir) / entry.id
    target = target_dir / entry.filename
    if target.is_file():
        actual = sha256_file(target)
        if actual == entry.sha256:
            log.debug("asset %s: re-using cached %s", entry.id, target)
            return target
        log.warning("asset %s: cached %s has sha256 %s; downloading again", entry.id, target, actual)
        target.unlink()
    target_dir.mkdir(parents=True, exist_ok=True)
    try:
        actual = _download(entry, target, timeout_s)
    finally:
        with contextlib.suppress(OSError):  # rmdir removes the folder only if the download left it empty
            target_dir.rmdir()
    if actual != entry.sha256:
        raise _checksum_error(entry, actual, entry.url)
    log.info("asset %s: downloaded %s", entry.id, target)
    return target


def _download(entry: AssetEntry, target: pathlib.Path, timeout_s: float) -> str:
    """Stream `entry.url` to a temporary file beside `target`; rename it only if the sha256 matches."""
    from tqdm import tqdm  # lazy: keeps `import handsynth` fast

    digest = hashlib.sha256()
    handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = pathlib.Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(entry.url, timeout=timeout_s) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            bar = tqdm(total=total, unit="B", unit_scale=True, desc=entry.id, disable=None, leave=False)
            with bar:
                while chunk := response.read(_CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
        if digest.hexdigest() == entry.sha256:
            os.replace(tmp, target)
    except (urllib.error.URLError, OSError) as err:  # HTTPError, refused, DNS, timeout, reset
        code = f"HTTP {err.code} " if isinstance(err, urllib.error.HTTPError) else ""
        reason = f"{code}{getattr(err, 'reason', None) or err}"
        raise UserError(f"asset {entry.id!r}: cannot download {entry.url}: {reason}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest()


def verify_manifest(manifest: Manifest, cache_dir: str | os.PathLike[str]) -> list[tuple[str, bool, str]]:
    """Fetch and check every entry: `(id, ok, message)`, message = the verified path or the problem."""
    results: list[tuple[str, bool, str]] = []
    for entry in manifest.entries:
        try:
            results.append((entry.id, True, str(fetch_asset(entry, cache_dir))))
        except UserError as err:
            results.append((entry.id, False, str(err)))
    return results
