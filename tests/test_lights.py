"""Black-body colours and the sampled lamps (handsynth/scene/lights.py)."""

from __future__ import annotations

import numpy as np
import pytest

from handsynth.config import LightConfig
from handsynth.scene.lights import blackbody_rgb, sample_lights

REC709 = np.array([0.2126, 0.7152, 0.0722])


# --- black body ------------------------------------------------------------------------------------
TEMPERATURES = np.arange(2000.0, 10001.0, 250.0)


@pytest.mark.parametrize("temperature", TEMPERATURES[::4])
def test_blackbody_has_unit_luminance(temperature):
    rgb = blackbody_rgb(temperature)
    assert rgb.shape == (3,) and np.all(np.isfinite(rgb)) and np.all(rgb >= 0)
    assert rgb @ REC709 == pytest.approx(1.0, abs=1e-12)


def test_blackbody_6500k_is_near_white():
    rgb = blackbody_rgb(6500.0)
    assert rgb.max() / rgb.min() < 1.1
    assert np.all(np.abs(rgb - 1.0) < 0.1)


def test_blackbody_warmer_is_redder():
    rgb = np.array([blackbody_rgb(t) for t in TEMPERATURES])
    red_over_blue = rgb[:, 0] / rgb[:, 2]
    assert np.all(np.diff(red_over_blue) < 0)
    assert np.all(np.diff(rgb[:, 0]) < 0) and np.all(np.diff(rgb[:, 2]) > 0)
    assert red_over_blue[0] > 20 and red_over_blue[-1] < 0.7  # candle-orange to sky-blue


# --- lights ----------------------------------------------------------------------------------------
LIGHTS = LightConfig(
    count=5, distance_m=(0.4, 1.5), exposure=(0.3, 2.0), temperature_k=(2500.0, 7000.0), ambient=(0.05, 0.3)
)


def test_lights_follow_the_config():
    rng = np.random.default_rng(0)
    center = np.array([0.1, -0.2, 0.3])
    ambients = []
    for _ in range(100):
        lamps, ambient = sample_lights(rng, LIGHTS, center, center + rng.normal(size=3))
        assert len(lamps) == LIGHTS.count
        ambients.append(ambient)
        for lamp in lamps:
            distance = np.linalg.norm(lamp.position_world - center)
            assert LIGHTS.distance_m[0] <= distance <= LIGHTS.distance_m[1]
            exposure = lamp.power_w / (4.0 * np.pi**2 * distance**2)  # the module's power convention
            assert LIGHTS.exposure[0] - 1e-12 <= exposure <= LIGHTS.exposure[1] + 1e-12
            assert LIGHTS.temperature_k[0] <= lamp.temperature_k <= LIGHTS.temperature_k[1]
            np.testing.assert_array_equal(lamp.color, blackbody_rgb(lamp.temperature_k))
            assert lamp.intensity_w_sr == pytest.approx(lamp.power_w / (4.0 * np.pi), rel=1e-15)
            described = lamp.describe()
            assert described["type"] == "point" and len(described["position_world"]) == 3
    ambients = np.array(ambients)
    assert np.all((ambients >= LIGHTS.ambient[0]) & (ambients <= LIGHTS.ambient[1]))
    assert ambients.max() - ambients.min() > 0.5 * (LIGHTS.ambient[1] - LIGHTS.ambient[0])


def test_lights_power_matches_exposure_at_the_centre():
    """The radiance a white Lambertian patch facing a lamp reflects: E / pi with E = I / d^2."""
    config = LightConfig(count=1, distance_m=(1.0, 1.0), exposure=(0.8, 0.8))
    (lamp,), _ = sample_lights(np.random.default_rng(1), config, np.zeros(3), np.array([0.0, -1.0, 0.0]))
    irradiance = lamp.intensity_w_sr / 1.0**2
    assert irradiance / np.pi == pytest.approx(0.8, rel=1e-12)


def test_lights_ambient_off():
    config = LightConfig(count=2, ambient=(0.0, 0.0))
    lamps, ambient = sample_lights(np.random.default_rng(2), config, np.zeros(3), np.array([1.0, 0.0, 0.0]))
    assert len(lamps) == 2 and ambient == 0.0 and type(ambient) is float


def test_lights_are_mostly_above_and_on_the_camera_side():
    rng = np.random.default_rng(3)
    center, camera = np.zeros(3), np.array([1.0, 0.0, 0.0])
    lamps = [lamp for _ in range(100) for lamp in sample_lights(rng, LIGHTS, center, camera)[0]]
    directions = np.array([lamp.position_world - center for lamp in lamps])
    assert np.mean(directions[:, 0] > 0) > 0.85
    assert np.mean(directions[:, 2] > 0) > 0.7


def test_lights_are_deterministic():
    args = (LIGHTS, np.array([0.0, 0.1, 0.2]), np.array([0.5, 0.5, 0.5]))
    a_lamps, a_ambient = sample_lights(np.random.default_rng(7), *args)
    b_lamps, b_ambient = sample_lights(np.random.default_rng(7), *args)
    assert a_ambient == b_ambient
    for a, b in zip(a_lamps, b_lamps, strict=True):
        np.testing.assert_array_equal(a.position_world, b.position_world)
        assert (a.power_w, a.temperature_k) == (b.power_w, b.temperature_k)
    c_lamps, _ = sample_lights(np.random.default_rng(8), *args)
    assert not np.allclose(a_lamps[0].position_world, c_lamps[0].position_world)
