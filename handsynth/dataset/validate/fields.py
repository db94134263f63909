"""The fields of an annotation line and their JSON types, and helpers that read numbers out of them;
numpy only."""

from __future__ import annotations

import numpy as np

RIGID_TOLERANCE = 1e-6
NUMBER = "number"
# Required annotation fields and their JSON types (dict: nested fields). Extra fields are allowed.
_FIELDS = {
    "id": int,
    "seed": int,
    "files": dict,
    "width": int,
    "height": int,
    "K": list,
    "T_cam_world": list,
    "hand": {
        "side": str,
        "subject": str,
        "joints_cam": list,
        "joints_uv": list,
        "joints_vis": list,
        "bbox": list,
        "shape": dict,
        "pose": dict,
    },
    "object": {"category": str, "family": str, "dims_m": dict, "T_cam_object": list, "bbox": list},
    "grasp": {"type": str, "penetration_mm": NUMBER, "intersection_cm3": NUMBER, "contact_fingers": list},
    "lights": list,
    "background": {"source": str, "id": int},
    "render": {"backend": str},
}


def type_ok(value, expected) -> bool:
    """Whether a JSON value has the expected type (``NUMBER``: int or float; bools are neither)."""
    if expected is NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def field_problems(annotation, spec=_FIELDS, prefix="") -> list[str]:
    """Missing or mistyped required fields of an annotation, as ``"hand.bbox: ..."`` messages."""
    if not isinstance(annotation, dict):
        return [f"{prefix or 'line'} is a {type(annotation).__name__}, not an object"]
    problems = []
    for key, expected in spec.items():
        name = prefix + key
        if key not in annotation:
            problems.append(f"{name} missing")
        elif isinstance(expected, dict):
            problems += field_problems(annotation[key], expected, name + ".")
        elif not type_ok(annotation[key], expected):
            problems.append(
                f"{name} is {type(annotation[key]).__name__}, not {getattr(expected, '__name__', expected)}"
            )
    if prefix == "" and not problems:
        if annotation["width"] < 1 or annotation["height"] < 1:
            problems.append(f"width x height {annotation['width']} x {annotation['height']} is empty")
        if annotation["hand"]["side"] not in ("left", "right"):
            problems.append(f"hand.side {annotation['hand']['side']!r} is not left or right")
        for part in ("hand", "object"):
            box = annotation[part]["bbox"]
            if len(box) != 4 or not all(type_ok(v, int) and v >= 0 for v in box):
                problems.append(f"{part}.bbox {box} is not 4 non-negative ints")
        for i, light in enumerate(annotation["lights"]):
            ok = isinstance(light, dict) and isinstance(light.get("type"), str)
            ok = ok and type_ok(light.get("power_w"), NUMBER)
            for key in ("position_world", "color"):
                value = light.get(key) if isinstance(light, dict) else None
                ok = (
                    ok
                    and isinstance(value, list)
                    and len(value) == 3
                    and all(type_ok(v, NUMBER) for v in value)
                )
            if not ok:
                problems.append(f"lights[{i}] needs type, position_world (3), power_w and color (3)")
    return problems


def as_array(value, shape) -> np.ndarray | None:
    """``value`` as a finite float64 array of ``shape``, or None."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array if array.shape == shape and np.isfinite(array).all() else None


def rigid_problem(T) -> str | None:
    """Why ``T`` is not a rigid 4x4 transform (to ``RIGID_TOLERANCE``), or None when it is."""
    T = as_array(T, (4, 4))
    if T is None:
        return "is not a finite 4x4 matrix"
    if not np.array_equal(T[3], [0.0, 0.0, 0.0, 1.0]):
        return f"last row is {T[3].tolist()}, not [0, 0, 0, 1]"
    R = T[:3, :3]
    if np.abs(R.T @ R - np.eye(3)).max() > RIGID_TOLERANCE or abs(np.linalg.det(R) - 1.0) > RIGID_TOLERANCE:
        return "rotation part is not orthonormal with determinant +1"
    return None


def pixel_list(mask: np.ndarray, limit: int = 3) -> str:
    """The set pixels of an (H, W) bool mask as a message: their count and the first ``limit``."""
    rows, cols = np.nonzero(mask)
    shown = ", ".join(f"({c}, {r})" for r, c in zip(rows[:limit], cols[:limit], strict=True))
    return f"{rows.size} px, e.g. (col, row) {shown}"
