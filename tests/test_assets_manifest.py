"""Tests of the external-asset manifest: validation messages, file:// verification, http(s) download cache."""

import functools
import hashlib
import http.server
import pathlib
import socket
import subprocess
import sys
import threading

import pytest
import yaml

from handsynth.assets import (
    AssetEntry,
    Manifest,
    fetch_asset,
    load_manifest,
    sha256_file,
    verify_manifest,
)
from handsynth.errors import UserError

PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[1]
MESH_BYTES = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
IMAGE_BYTES = b"\x89PNG\r\n\x1a\n not really a png, only bytes to hash"
WRONG_SHA = "0" * 64


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_manifest(path: pathlib.Path, entries: list[dict]) -> pathlib.Path:
    path.write_text(yaml.safe_dump({"version": 1, "assets": entries}, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def local_assets(tmp_path: pathlib.Path) -> list[dict]:
    """Two file:// entries (a mesh and a background) whose files exist and whose sha256 match."""
    mesh = tmp_path / "files" / "mug ikea.obj"  # a space, to exercise percent-encoding in the URL
    mesh.parent.mkdir()
    mesh.write_bytes(MESH_BYTES)
    image = tmp_path / "files" / "kitchen.png"
    image.write_bytes(IMAGE_BYTES)
    return [
        {
            "id": "mug_ikea",
            "kind": "object_mesh",
            "category": "cylindrical",
            "family": "mug",
            "url": mesh.as_uri(),
            "sha256": _sha(MESH_BYTES),
            "license": "CC-BY-4.0",
            "scale": 0.001,
        },
        {
            "id": "kitchen",
            "kind": "background_image",
            "url": image.as_uri(),
            "sha256": _sha(IMAGE_BYTES),
            "license": "CC0-1.0",
        },
    ]


def test_shipped_manifest_loads_and_is_empty():
    manifest = load_manifest(PROJECT_ROOT / "assets_manifest.yaml")
    assert manifest == Manifest(entries=())
    assert manifest.objects() == ()


def test_commented_example_entries_in_shipped_manifest_are_valid(tmp_path):
    text = (PROJECT_ROOT / "assets_manifest.yaml").read_text(encoding="utf-8")
    example = text.split("# Example entries:\n", 1)[1].split("\n\n", 1)[0]
    entries = yaml.safe_load("\n".join(line.removeprefix("#") for line in example.splitlines()))
    manifest = load_manifest(_write_manifest(tmp_path / "example.yaml", entries))
    assert [e.kind for e in manifest.entries] == ["object_mesh", "background_image"]
    assert manifest.get("mug_ikea").scale_m_per_unit == 0.001


def test_import_stays_light():
    code = (
        "import sys, handsynth.assets; "
        "print(sorted(m for m in ('bpy', 'pyrender', 'ray', 'torch', 'tqdm') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_valid_file_manifest_loads_and_fetches_in_place(tmp_path, local_assets):
    manifest = load_manifest(_write_manifest(tmp_path / "assets_manifest.yaml", local_assets))
    assert [e.id for e in manifest.entries] == ["mug_ikea", "kitchen"]
    mug = manifest.get("mug_ikea")
    assert (mug.kind, mug.category, mug.family, mug.scale_m_per_unit) == (
        "object_mesh",
        "cylindrical",
        "mug",
        0.001,
    )
    assert (mug.format, mug.filename) == ("obj", "mug ikea.obj")
    assert manifest.get("kitchen").scale_m_per_unit == 1.0
    assert manifest.by_kind("background_image") == (manifest.get("kitchen"),)
    assert manifest.by_kind("hdri") == ()
    assert manifest.objects() == (mug,)
    assert manifest.objects("cylindrical") == (mug,)
    assert manifest.objects("spherical") == ()

    cache = tmp_path / "cache"
    assert fetch_asset(mug, cache) == tmp_path / "files" / "mug ikea.obj"
    assert not cache.exists()  # file:// assets are verified in place, never copied
    assert verify_manifest(manifest, cache) == [
        ("mug_ikea", True, str(tmp_path / "files" / "mug ikea.obj")),
        ("kitchen", True, str(tmp_path / "files" / "kitchen.png")),
    ]


def test_lookups_reject_unknown_names_listing_valid_ones(tmp_path, local_assets):
    manifest = load_manifest(_write_manifest(tmp_path / "m.yaml", local_assets))
    with pytest.raises(UserError, match=r"unknown asset 'cup'; valid: mug_ikea, kitchen"):
        manifest.get("cup")
    with pytest.raises(UserError, match=r"unknown kind 'mesh'; valid: object_mesh, background_image"):
        manifest.by_kind("mesh")
    with pytest.raises(UserError, match=r"unknown category 'round'; valid: cylindrical, slender"):
        manifest.objects("round")


def test_wrong_sha256_is_refused_with_both_hashes(tmp_path, local_assets):
    local_assets[0]["sha256"] = WRONG_SHA
    manifest = load_manifest(_write_manifest(tmp_path / "m.yaml", local_assets))
    with pytest.raises(UserError) as caught:
        fetch_asset(manifest.get("mug_ikea"), tmp_path / "cache")
    message = str(caught.value)
    assert "'mug_ikea'" in message and WRONG_SHA in message and _sha(MESH_BYTES) in message
    assert "\n" not in message
    results = verify_manifest(manifest, tmp_path / "cache")
    assert results[0] == ("mug_ikea", False, message)
    assert results[1][:2] == ("kitchen", True)


def test_scale_in_exponent_notation_is_read_as_a_number(tmp_path, local_assets):
    text = _write_manifest(tmp_path / "m.yaml", local_assets).read_text().replace("0.001", "1e-3")
    (tmp_path / "m.yaml").write_text(text)
    assert load_manifest(tmp_path / "m.yaml").get("mug_ikea").scale_m_per_unit == 0.001


def _set(index, key, value):
    def edit(entries):
        entries[index][key] = value

    return edit


def _drop(index, key):
    def edit(entries):
        del entries[index][key]

    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            _set(0, "kind", "mesh"),
            "entry 'mug_ikea' (#1): unknown kind 'mesh'; "
            "valid: object_mesh, background_image, hdri, hand_rig",
        ),
        (_drop(0, "category"), "entry 'mug_ikea' (#1): category is required for kind object_mesh"),
        (_set(0, "category", "round"), "entry 'mug_ikea' (#1): unknown category 'round'; valid: cylindrical"),
        (
            _set(1, "category", "cubical"),
            "entry 'kitchen' (#2): category is only allowed for kind object_mesh",
        ),
        (_set(1, "family", "table"), "entry 'kitchen' (#2): family 'table'"),
        (_set(0, "sha256", "abc123"), "entry 'mug_ikea' (#1): sha256 'abc123' must be 64"),
        (_set(0, "sha256", "g" * 64), "entry 'mug_ikea' (#1): sha256 'ggg"),
        (_set(0, "scale", 0), "entry 'mug_ikea' (#1): scale 0 must be a positive number"),
        (_set(0, "scale", -0.5), "entry 'mug_ikea' (#1): scale -0.5 must be a positive number"),
        (_set(0, "scale", "big"), "entry 'mug_ikea' (#1): scale 'big' must be a positive number"),
        (_set(0, "scale", True), "entry 'mug_ikea' (#1): scale True must be a positive number"),
        (
            _set(1, "scale", 2.0),
            "entry 'kitchen' (#2): scale is only allowed for kinds object_mesh and hand_rig",
        ),
        (
            _set(1, "colour", "red"),
            "entry 'kitchen' (#2): unknown key 'colour'; "
            "valid: id, kind, category, family, url, sha256, license, scale",
        ),
        (_set(1, "id", "mug_ikea"), "entry 'mug_ikea' (#2): duplicate id (first at #1)"),
        (_set(1, "id", "Kitchen!"), "entry 'Kitchen!' (#2): invalid id 'Kitchen!'"),
        (_drop(1, "license"), "entry 'kitchen' (#2): missing required field 'license'"),
        (_set(1, "license", " "), "entry 'kitchen' (#2): license ' ' must be a non-empty string"),
        (_drop(0, "id"), "entry #1: missing required field 'id'"),
        (
            _set(0, "url", "ftp://example.org/mug.obj"),
            "unsupported url scheme 'ftp' in 'ftp://example.org/mug.obj'",
        ),
        (_set(0, "url", "/data/mug.obj"), "entry 'mug_ikea' (#1): unsupported url scheme ''"),
        (_set(0, "url", "file://data/mug.obj"), "url 'file://data/mug.obj' must be an absolute file URL"),
        (
            _set(0, "url", "https://example.org/mug.fbx"),
            "entry 'mug_ikea' (#1): unsupported format 'fbx' (url suffix) for kind object_mesh; "
            "valid: obj, ply, glb, gltf, stl",
        ),
        (_set(1, "url", "https://example.org/kitchen"), "entry 'kitchen' (#2): unsupported format ''"),
    ],
)
def test_invalid_entry_is_refused_naming_file_entry_and_field(tmp_path, local_assets, edit, expected):
    edit(local_assets)
    path = _write_manifest(tmp_path / "assets_manifest.yaml", local_assets)
    with pytest.raises(UserError) as caught:
        load_manifest(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: entry ")
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 2\nassets: []\n", "unsupported version 2; valid: 1"),
        ("assets: []\n", "unsupported version None; valid: 1"),
        ("version: 1\nassets: []\nextra: 1\n", "unknown key 'extra'; valid: version, assets"),
        ("version: 1\nassets: {}\n", "'assets' must be a list"),
        ("version: 1\nassets: [3]\n", "entry #1: expected a mapping"),
        ("- just a list\n", "expected a mapping with keys version, assets"),
        ("version: [1\n", "not valid YAML"),
    ],
)
def test_invalid_manifest_file_is_refused(tmp_path, text, expected):
    path = tmp_path / "assets_manifest.yaml"
    path.write_text(text)
    with pytest.raises(UserError) as caught:
        load_manifest(path)
    assert str(caught.value).startswith(f"{path}: ") and expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_manifest_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="cannot read asset manifest"):
        load_manifest(tmp_path / "nope.yaml")


def test_missing_local_file_is_a_user_error(tmp_path):
    entry = AssetEntry(
        id="gone", kind="hdri", url=(tmp_path / "gone.hdr").as_uri(), sha256=WRONG_SHA, license="CC0-1.0"
    )
    with pytest.raises(UserError, match=r"asset 'gone': file not found"):
        fetch_asset(entry, tmp_path / "cache")


def test_sha256_file_streams_large_files(tmp_path):
    data = bytes(range(256)) * 20_000  # 5 MB: several chunks
    (tmp_path / "big.bin").write_bytes(data)
    assert sha256_file(tmp_path / "big.bin") == _sha(data)


@pytest.fixture
def http_server(tmp_path):
    """HTTP server over `tmp_path/served` on 127.0.0.1; yields (base_url, served_dir, requested paths)."""
    served = tmp_path / "served"
    served.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, format, *args):  # keep test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=served))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served, requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert not thread.is_alive()


def _http_entry(base_url: str, sha256: str, name: str = "ball.ply") -> AssetEntry:
    return AssetEntry(
        id="ball",
        kind="object_mesh",
        category="spherical",
        url=f"{base_url}/meshes/{name}",
        sha256=sha256,
        license="CC-BY-4.0",
    )


def test_http_asset_is_downloaded_once_then_reused(tmp_path, http_server):
    base_url, served, requests = http_server
    (served / "meshes").mkdir()
    (served / "meshes" / "ball.ply").write_bytes(MESH_BYTES * 1000)
    entry = _http_entry(base_url, _sha(MESH_BYTES * 1000))
    cache = tmp_path / "cache"

    path = fetch_asset(entry, cache, timeout_s=10)
    assert path == cache / "ball" / "ball.ply"
    assert path.read_bytes() == MESH_BYTES * 1000
    assert sorted(p.name for p in (cache / "ball").iterdir()) == ["ball.ply"]  # no temporary file left
    assert requests == ["/meshes/ball.ply"]

    assert fetch_asset(entry, cache, timeout_s=10) == path
    assert requests == ["/meshes/ball.ply"]  # checksum matched: no second request

    path.write_bytes(b"corrupted")
    assert fetch_asset(entry, cache, timeout_s=10) == path
    assert path.read_bytes() == MESH_BYTES * 1000
    assert len(requests) == 2

    assert verify_manifest(Manifest(entries=(entry,)), cache) == [("ball", True, str(path))]
    assert len(requests) == 2


def test_http_checksum_mismatch_leaves_nothing_in_cache(tmp_path, http_server):
    base_url, served, requests = http_server
    (served / "meshes").mkdir()
    (served / "meshes" / "ball.ply").write_bytes(MESH_BYTES)
    entry = _http_entry(base_url, WRONG_SHA)
    cache = tmp_path / "cache"
    with pytest.raises(UserError) as caught:
        fetch_asset(entry, cache, timeout_s=10)
    message = str(caught.value)
    assert "'ball'" in message and WRONG_SHA in message and _sha(MESH_BYTES) in message
    assert requests == ["/meshes/ball.ply"]
    assert list(cache.rglob("*")) == []

    # A stale cached file with the wrong content is not kept either.
    (cache / "ball").mkdir()
    (cache / "ball" / "ball.ply").write_bytes(b"stale")
    with pytest.raises(UserError, match="sha256 mismatch"):
        fetch_asset(entry, cache, timeout_s=10)
    assert list(cache.rglob("*")) == []


def test_http_not_found_is_one_line_user_error(tmp_path, http_server):
    base_url, _, _ = http_server
    with pytest.raises(
        UserError, match=r"asset 'ball': cannot download .*/meshes/nope.ply: HTTP 404"
    ) as caught:
        fetch_asset(_http_entry(base_url, WRONG_SHA, "nope.ply"), tmp_path / "cache", timeout_s=10)
    assert "\n" not in str(caught.value)
    assert list((tmp_path / "cache").rglob("*")) == []


def test_unreachable_url_is_one_line_user_error(tmp_path):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    entry = _http_entry(f"http://127.0.0.1:{port}", WRONG_SHA)
    with pytest.raises(UserError, match=r"asset 'ball': cannot download http://127\.0\.0\.1") as caught:
        fetch_asset(entry, tmp_path / "cache", timeout_s=5)
    assert "\n" not in str(caught.value)
    assert list((tmp_path / "cache").rglob("*")) == []
    assert verify_manifest(Manifest(entries=(entry,)), tmp_path / "cache")[0][:2] == ("ball", False)
