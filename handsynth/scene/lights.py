"""Point lamps of a sample (two by default, as in HOP): positions, powers and colour temperatures; numpy only.

Power is in watts of an ideal isotropic point lamp (radiant intensity ``power_w / (4 pi)`` W/sr), so a
white diffuse surface facing it at distance ``d`` reflects radiance ``power_w / (4 pi^2 d^2)``; the
sampler picks that radiance at the scene's centre (``LightConfig.exposure``) and derives the power.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.config import LightConfig

_UP = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class PointLamp:
    """An isotropic point lamp.

    Attributes:
        position_world: (3,) metres.
        power_w: radiant power (watts).
        color: (3,) linear RGB with Rec. 709 luminance 1.
        temperature_k: the colour temperature ``color`` was made from.
    """

    position_world: np.ndarray
    power_w: float
    color: np.ndarray
    temperature_k: float

    @property
    def intensity_w_sr(self) -> float:
        """Radiant intensity (W/sr)."""
        return self.power_w / (4.0 * np.pi)

    def describe(self) -> dict:
        """JSON-ready form (the dataset format's ``lights`` entries)."""
        return {
            "type": "point",
            "position_world": [round(float(x), 6) for x in self.position_world],
            "power_w": round(self.power_w, 4),
            "color": [round(float(c), 6) for c in self.color],
            "temperature_k": round(self.temperature_k, 2),
        }


def blackbody_rgb(temperature_k: float) -> np.ndarray:
    """(3,) linear Rec. 709 RGB of a black body, scaled to luminance 1.

    Planck's law integrated against Gaussian fits of the CIE 1931 colour matching functions
    (Wyman, Sloan and Shirley 2013), then XYZ -> linear sRGB, clipped at 0.
    """
    lam = np.linspace(380e-9, 780e-9, 81)
    h, c, k = 6.62607015e-34, 2.99792458e8, 1.380649e-23
    spectrum = 1.0 / (lam**5 * (np.exp(h * c / (lam * k * temperature_k)) - 1.0))
    nm = lam * 1e9

    def g(x, mu, s1, s2):
        return np.exp(-0.5 * ((x - mu) / np.where(x < mu, s1, s2)) ** 2)

    xbar = (
        1.056 * g(nm, 599.8, 37.9, 31.0) + 0.362 * g(nm, 442.0, 16.0, 26.7) - 0.065 * g(nm, 501.1, 20.4, 26.2)
    )
    ybar = 0.821 * g(nm, 568.8, 46.9, 40.5) + 0.286 * g(nm, 530.9, 16.3, 31.1)
    zbar = 1.217 * g(nm, 437.0, 11.8, 36.0) + 0.681 * g(nm, 459.0, 26.0, 13.8)
    xyz = np.array([np.sum(spectrum * xbar), np.sum(spectrum * ybar), np.sum(spectrum * zbar)])
    xyz_to_rgb = np.array(
        [
            [3.2404542, -1.5371385, -0.4985314],
            [-0.9692660, 1.8760108, 0.0415560],
            [0.0556434, -0.2040259, 1.0572252],
        ]
    )
    rgb = np.clip(xyz_to_rgb @ (xyz / xyz[1]), 0.0, None)
    return rgb / (rgb @ np.array([0.2126, 0.7152, 0.0722]))


def sample_lights(
    rng: np.random.Generator, config: LightConfig, center: np.ndarray, camera_position: np.ndarray
) -> tuple[tuple[PointLamp, ...], float]:
    """``config.count`` lamps around ``center`` (world frame) and an ambient strength.

    Lamps are mostly above and on the camera's side, as in a room or a photo booth: each direction is a
    uniform one pulled towards the camera and up, so the visible side is usually lit and sometimes
    back-lit.
    """
    to_camera = camera_position - center
    to_camera = to_camera / np.linalg.norm(to_camera)
    lamps = []
    for _ in range(config.count):
        direction = rng.normal(size=3)
        direction = direction / np.linalg.norm(direction) + 0.8 * to_camera + 0.6 * _UP
        direction /= np.linalg.norm(direction)
        distance = rng.uniform(*config.distance_m)
        radiance = rng.uniform(*config.exposure)
        temperature = rng.uniform(*config.temperature_k)
        power = radiance * 4.0 * np.pi**2 * distance**2
        lamps.append(
            PointLamp(
                position_world=center + distance * direction,
                power_w=float(power),
                color=blackbody_rgb(temperature),
                temperature_k=float(temperature),
            )
        )
    ambient = float(rng.uniform(*config.ambient)) if config.ambient[1] > 0 else 0.0
    return tuple(lamps), ambient
