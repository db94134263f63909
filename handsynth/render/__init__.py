"""Renderer backends: ``render(spec) -> Frame`` (pixels only, never annotations); pyrender only in
``raster.py``, bpy only in ``cycles/``; never ray or torch.

This package also chooses and describes the backend of a run (``make_renderer``, ``render_info``) from
its ``RunConfig``. Importing it stays light: a backend's module is imported only when one is made. A new
backend is one module with a renderer class and one ``Backend`` entry in ``BACKENDS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backend:
    """One renderer backend.

    Attributes:
        name: the value of ``render.backend``.
        renderer: ``"module:Class"`` of the renderer, built as ``Class(width, height)``, or as
            ``Class(width, height, render_config)`` when ``takes_render_config`` is true.
        describe: ``RenderConfig -> dict``, the ``render`` entry of every annotation of a run.
        summary: one line for ``--help`` and error messages.
    """

    name: str
    renderer: str
    describe: Callable[[object], dict]
    summary: str
    takes_render_config: bool = False


def _describe_raster(render_config) -> dict:
    return {"backend": "raster", "msaa": 4}  # RasterRenderer draws with 4x multisampling


def _describe_cycles(render_config) -> dict:
    """The effective settings (quality preset with explicit samples/denoise applied), the device actually
    used and the CPU threads; the same on one machine for one configuration."""
    from importlib.metadata import PackageNotFoundError, version

    from handsynth.config import quality_settings

    try:
        bpy_version = version("bpy")  # bpy's wheel version, read without importing Blender
    except PackageNotFoundError:
        bpy_version = None
    device = _import_backend_module(BACKENDS["cycles"], "handsynth.render.cycles.device")
    return {
        "backend": "cycles",
        "quality": render_config.quality,
        **quality_settings(render_config),
        "device": device.resolve_device(render_config.device),
        "threads": cpu_threads(render_config.threads),
        "bpy": bpy_version,
    }


def cpu_threads(threads: int) -> int:
    """``render.threads`` resolved: 0 means every core this process may use."""
    import os

    return int(threads) if threads > 0 else len(os.sched_getaffinity(0))


BACKENDS: dict[str, Backend] = {
    "raster": Backend(
        name="raster",
        renderer="handsynth.render.raster:RasterRenderer",
        describe=_describe_raster,
        summary="pyrender over EGL, fast",
    ),
    "cycles": Backend(
        name="cycles",
        renderer="handsynth.render.cycles.renderer:CyclesRenderer",
        describe=_describe_cycles,
        summary="Blender Cycles (bpy) on the CPU, path traced",
        takes_render_config=True,
    ),
}


# A backend's third-party package that may be missing -> how a user installs it.
MISSING_PACKAGE_FIX = {
    "bpy": "pip install 'bpy>=4.5,<4.6' (Blender 4.5 as a Python module; it needs Python 3.11), or use "
    "--backend raster",
    "pyrender": "pip install -e . (handsynth's dependencies include pyrender 0.1.45 and PyOpenGL 3.1.0)",
}


def backend(name: str) -> Backend:
    """The backend called ``name``; ``KeyError`` listing the valid names otherwise (the pre-flight
    turns it into a UserError before a run writes anything)."""
    if name not in BACKENDS:
        raise KeyError(f"unknown backend '{name}'; valid: {', '.join(BACKENDS)}")
    return BACKENDS[name]


def _import_backend_module(entry: Backend, module_name: str):
    """Import a module of backend ``entry``; a missing third-party package is a UserError naming the fix."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name not in MISSING_PACKAGE_FIX:
            raise
        from handsynth.errors import UserError

        raise UserError(
            f"the {entry.name} backend needs {error.name}, which is not installed: "
            f"{MISSING_PACKAGE_FIX[error.name]}"
        ) from None


def make_renderer(config):
    """The renderer of ``config.render.backend`` for images of ``config.scene`` size (a ``RunConfig``);
    created once per process, its caches keyed on content."""
    entry = backend(config.render.backend)
    module_name, _, class_name = entry.renderer.partition(":")
    module = _import_backend_module(entry, module_name)
    cls = getattr(module, class_name)
    if entry.takes_render_config:
        return cls(config.scene.width, config.scene.height, config.render)
    return cls(config.scene.width, config.scene.height)


def render_info(config) -> dict:
    """The ``render`` entry of every annotation of the run ``config`` (a ``RunConfig``)."""
    return backend(config.render.backend).describe(config.render)
