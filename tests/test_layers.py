"""The design's layer rules and packaging, checked on the source tree."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "conventions.py": {"bpy", "pyrender", "OpenGL", "ray", "torch", "trimesh", "scipy"},
    "geometry": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "hand": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "objects": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "grasp": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "assets": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "viz": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "scene": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "annotate.py": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "render": {"ray", "torch"},
    "dataset": {"bpy", "pyrender", "OpenGL", "ray", "torch"},
    "pipeline.py": {"ray", "torch"},
    "files.py": {"numpy", "bpy", "pyrender", "OpenGL", "ray", "torch"},
}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_never_imports_forbidden_packages(layer):
    target = ROOT / "handsynth" / layer
    files = [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    assert files
    for path in files:
        bad = _imported_roots(path) & FORBIDDEN[layer]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "handsynth").rglob("__init__.py")}
    assert found | {"handsynth_train"} == listed


def test_cli_import_is_light():
    code = (
        "import sys, handsynth.cli; "
        "print(sorted(m for m in ('numpy', 'trimesh', 'scipy', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_only_the_raster_backend_imports_pyrender_or_opengl():
    users = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "handsynth").rglob("*.py")
        if _imported_roots(p) & {"pyrender", "OpenGL"}
    )
    assert users == ["handsynth/render/raster.py"]
