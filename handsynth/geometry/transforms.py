"""Rigid-transform and rotation helpers on numpy arrays; never imports bpy, pyrender, ray or torch."""

from __future__ import annotations

import numpy as np


def rotation_about_axis(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rodrigues rotation.

    Args:
        axis: (3,) float64, need not be unit length (must be non-zero).
        angle_rad: right-handed angle about ``axis``.

    Returns:
        (3, 3) float64 rotation matrix.
    """
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    k = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    return np.eye(3) + np.sin(angle_rad) * k + (1.0 - np.cos(angle_rad)) * (k @ k)


def frame_from_x_and_z_hint(x_dir: np.ndarray, z_hint: np.ndarray) -> np.ndarray:
    """Right-handed orthonormal frame whose x axis is ``x_dir`` and whose z axis is nearest ``z_hint``.

    Args:
        x_dir: (3,) direction of the new x axis.
        z_hint: (3,) direction the new z axis should lean towards (not parallel to ``x_dir``).

    Returns:
        (3, 3) float64 rotation whose columns are the new x, y, z axes.
    """
    x = np.asarray(x_dir, dtype=np.float64)
    x = x / np.linalg.norm(x)
    z = np.asarray(z_hint, dtype=np.float64)
    z = z - np.dot(z, x) * x
    z = z / np.linalg.norm(z)
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=1)


def make_transform(rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    """(3, 3) rotation and (3,) translation -> (4, 4) float64 homogeneous transform."""
    t = np.eye(4)
    t[:3, :3] = rotation
    t[:3, 3] = translation
    return t


def perpendicular(v: np.ndarray) -> np.ndarray:
    """A unit vector square to unit ``v``: ``v`` crossed with the x axis, or with y when ``v`` is
    nearly along x."""
    p = np.cross(v, [1.0, 0.0, 0.0] if abs(v[0]) < 0.9 else [0.0, 1.0, 0.0])
    return p / np.linalg.norm(p)
