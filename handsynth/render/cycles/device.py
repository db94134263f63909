"""Which device Cycles renders on: ``render.device`` (cpu, gpu, auto) -> cpu, optix, cuda or hip.

GPUs are looked up through the Cycles add-on's preferences in the order OptiX, CUDA, HIP; the first
kind with a device wins and every device of that kind is enabled. The answer is cached per process.
"""

from __future__ import annotations

import functools

import bpy

from handsynth.errors import UserError

GPU_KINDS = ("OPTIX", "CUDA", "HIP")


@functools.cache
def _gpu_kind() -> str | None:
    """The first GPU kind (OPTIX, CUDA, HIP) with a device here, its devices enabled; None if none."""
    prefs = bpy.context.preferences.addons["cycles"].preferences
    for kind in GPU_KINDS:
        try:
            prefs.compute_device_type = kind
        except TypeError:  # this build has no such backend
            continue
        prefs.refresh_devices()
        devices = [d for d in prefs.devices if d.type == kind]
        if devices:
            for d in prefs.devices:
                d.use = d.type == kind
            return kind
    prefs.compute_device_type = "NONE"
    return None


def resolve_device(requested: str) -> str:
    """The device ``requested`` (``render.device``) renders on: ``cpu``, ``optix``, ``cuda`` or ``hip``.

    Raises:
        UserError: ``gpu`` was asked for and this machine has no OptiX, CUDA or HIP device.
    """
    if requested == "cpu":
        return "cpu"
    kind = _gpu_kind()
    if kind is None:
        if requested == "gpu":
            raise UserError(
                "render.device is gpu but Cycles finds no OptiX, CUDA or HIP device on this machine; "
                "use --device cpu or auto"
            )
        return "cpu"
    bpy.context.preferences.addons["cycles"].preferences.compute_device_type = kind
    return kind.lower()
