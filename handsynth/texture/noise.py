"""Noise fields: value noise on a ``PixelGrid`` (backgrounds) and periodic Fourier noise (tileable object
textures); numpy only (never objects, scene, render or anything heavy)."""

import numpy as np

from handsynth.texture.grid import F32, PixelGrid, bspline_weights


def noise_grid(
    rng: np.random.Generator, cells_y: int, cells_x: int | None = None, octaves: int = 1, gain: float = 0.5
) -> np.ndarray:
    """(gy, gx) float32 fractal value-noise grid over the unit square; std about 1 once sampled.

    ``cells_*`` counts cells across the unit square in the coarsest octave. Octaves are summed on the finest
    grid, so any number of octaves costs one full-resolution sampling.
    """
    cells_x = cells_y if cells_x is None else cells_x
    ny, nx = cells_y * 2 ** (octaves - 1) + 1, cells_x * 2 ** (octaves - 1) + 1
    total, norm = np.zeros((ny, nx), F32), 0.0
    for o in range(octaves):
        g = rng.standard_normal((cells_y * 2**o + 1, cells_x * 2**o + 1)).astype(F32)
        if o < octaves - 1:
            g = (
                bspline_weights(np.linspace(0, 1, ny), g.shape[0])
                @ g
                @ bspline_weights(np.linspace(0, 1, nx), g.shape[1]).T
            )
        total += F32(gain**o) * g
        norm += gain ** (2 * o)
    return total * F32(1.45 / np.sqrt(norm))


def noise(
    rng: np.random.Generator,
    f: PixelGrid,
    cells_y: int,
    cells_x: int | None = None,
    octaves: int = 1,
    gain: float = 0.5,
) -> np.ndarray:
    """(H, W) float32 smooth value noise, mean 0 and std about 1 (see ``noise_grid``)."""
    return f.sample(noise_grid(rng, cells_y, cells_x, octaves, gain))


def relief(f: PixelGrid, height: np.ndarray, angle: float) -> np.ndarray:
    """(H, W) float32 slope of a height grid (gy, gx) towards a light at ``angle``: shades folds, creases."""
    gy, gx = np.gradient(height)
    ny, nx = height.shape
    return f.sample(gx * F32(np.cos(angle) * (nx - 1)) + gy * F32(np.sin(angle) * (ny - 1)))


def periodic_noise(rng: np.random.Generator, size: int, sigma_u: float, sigma_v: float, grid: int = 128):
    """(size, size) smooth periodic noise, mean 0 and std 1, correlation lengths ``sigma_u``, ``sigma_v``
    (UV units). White noise on a fixed ``grid`` is low-passed in Fourier space and resampled to ``size``
    band-limited, so the field is the same at every texture size and tiles seamlessly."""
    spectrum = np.fft.rfft2(rng.standard_normal((grid, grid)))
    kv = np.fft.fftfreq(grid, 1.0 / grid)[:, None]  # cycles per UV unit
    ku = np.fft.rfftfreq(grid, 1.0 / grid)[None, :]
    spectrum *= np.exp(-2.0 * np.pi**2 * ((ku * sigma_u) ** 2 + (kv * sigma_v) ** 2))
    spectrum[grid // 2, :] = 0.0  # drop the Nyquist row and column: they have no unique resampling
    spectrum[:, -1] = 0.0
    small = np.fft.irfft2(spectrum, s=(grid, grid))
    mean, std = small.mean(), max(small.std(), 1e-12)
    k = min(grid, size) // 2
    out = np.zeros((size, size // 2 + 1), dtype=complex)
    out[:k, :k] = spectrum[:k, :k]
    out[size - k + 1 :, :k] = spectrum[grid - k + 1 :, :k]
    # Sample at texel centres, (i + 0.5) / size, so every size samples one field at the same places.
    kv_out = np.fft.fftfreq(size, 1.0 / size)[:, None]
    ku_out = np.fft.rfftfreq(size, 1.0 / size)[None, :]
    out *= np.exp(1j * np.pi * (kv_out + ku_out) / size) * (size / grid) ** 2
    return (np.fft.irfft2(out, s=(size, size)) - mean) / std
