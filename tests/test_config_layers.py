"""The run configuration's layer rules and the backend registry of ``handsynth.render``."""

from __future__ import annotations

import ast
import subprocess
import sys
import types
from pathlib import Path

import pytest

from handsynth import render
from handsynth.config import RenderConfig, RunConfig, SceneConfig

ROOT = Path(__file__).resolve().parents[1]


def test_config_imports_only_the_standard_library():
    imported = set()
    for path in sorted((ROOT / "handsynth" / "config").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module)
    third_party = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names}
    own = {m for m in third_party if m.startswith("handsynth.config")}
    # PyYAML only inside the (de)serializing functions; the package's own modules import each other.
    assert third_party - own == {"handsynth.errors", "yaml"}
    assert own == {"handsynth.config.checks", "handsynth.config.schema", "handsynth.config.yaml_form"}


@pytest.mark.parametrize("module", ["handsynth.config", "handsynth.render", "handsynth.preflight"])
def test_import_is_light(module):
    heavy = "('numpy', 'pyrender', 'OpenGL', 'yaml')"
    code = f"import sys, {module}; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_render_info_comes_from_the_registry():
    assert RunConfig().render.backend == "cycles"  # the default
    raster = RunConfig(render=RenderConfig(backend="raster"))
    assert render.render_info(raster) == {"backend": "raster", "msaa": 4}
    assert list(render.BACKENDS) == ["raster", "cycles"]
    cycles = RunConfig(render=RenderConfig(backend="cycles", samples=16, denoise=False))
    info = render.render_info(cycles)
    assert info.pop("bpy").startswith("4.5.")
    from handsynth.config import QUALITY_PRESETS

    assert info.pop("device") == "cpu" and info.pop("threads") >= 1  # this machine: no GPU
    assert info == {
        "backend": "cycles",
        "quality": "standard",
        **QUALITY_PRESETS["standard"],
        "samples": 16,
        "denoise": False,
    }
    with pytest.raises(KeyError, match="unknown backend 'vulkan'; valid: raster, cycles"):
        render.render_info(RunConfig(render=RenderConfig(backend="vulkan")))


def test_a_second_backend_is_one_module_and_one_entry(monkeypatch):
    """What Cycles will do: a module with a renderer class, and one Backend entry."""
    module = types.ModuleType("fake_backend")

    class FakeRenderer:
        def __init__(self, width, height, render_config):
            self.args = (width, height, render_config)

    module.FakeRenderer = FakeRenderer
    monkeypatch.setitem(sys.modules, "fake_backend", module)
    entry = render.Backend(
        name="fake",
        renderer="fake_backend:FakeRenderer",
        describe=lambda rc: {"backend": "fake", "samples": rc.samples},
        summary="test double",
        takes_render_config=True,
    )
    monkeypatch.setitem(render.BACKENDS, "fake", entry)
    config = RunConfig(scene=SceneConfig(width=64, height=48), render=RenderConfig(backend="fake", samples=7))
    renderer = render.make_renderer(config)
    assert isinstance(renderer, FakeRenderer) and renderer.args == (64, 48, config.render)
    assert render.render_info(config) == {"backend": "fake", "samples": 7}
    from handsynth.preflight import resolve_run

    assert resolve_run(config).config == config  # the pre-flight accepts any registered backend
