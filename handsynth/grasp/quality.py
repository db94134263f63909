"""Physical validity of a grasp, measured on the skinned hand mesh against the object's exact distance.

- Penetration depth (mm): the deepest hand skin vertex inside the object (the ObMan/GraspTTA
  definition), and - so that a thin blade passing between skin vertices cannot hide - how far the object
  reaches into the core of a finger or the palm (bone axis sampled, skin radius from the skeleton).
- Intersection volume (cm^3): the volume of hand inside the object, integrated over the skin that lies
  inside it (depth x vertex area; exact in the limit of shallow penetration, which is all an accepted
  grasp has).
- Contacts: skin vertices within 3 mm of the object surface, per finger and the palm; a finger touches
  when at least ``MIN_CONTACT_VERTICES`` of its phalanx vertices do (the thumb's metacarpal is the
  thenar, which counts as palm).
- Thumb opposition: minus the cosine between the object normal under the thumb's contact patch (the
  skin within 1 mm of its closest point) and the mean normal under what it squeezes against - the
  palm in a power grasp, the other touching fingers in a precision grasp (1 = straight against them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.grasp.taxonomy import FINGERS
from handsynth.hand.shape import BONE_INDEX, BONE_NAMES, FINGER_BONES

CONTACT_DISTANCE_M = 0.003
MIN_CONTACT_VERTICES = 3
PALM = 5  # group code of the palm (and thenar) in ``vertex_groups``
FOREARM = 6
_PALM_BONES = ("wrist", "metacarpal1", "metacarpal2", "metacarpal3", "metacarpal4")


@dataclass(frozen=True)
class Thresholds:
    """Acceptance gate of a grasp."""

    max_penetration_mm: float = 2.0
    max_intersection_cm3: float = 1.0
    min_thumb_opposition: float = 0.2
    max_self_penetration_mm: float = 2.0
    min_palm_contact_vertices: int = 5  # power grasps: the palm must touch too


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class GraspQuality:
    """Measured validity figures of one grasp (see the module docstring)."""

    penetration_mm: float
    intersection_cm3: float
    contact_fingers: tuple[str, ...]
    contact_vertices: dict[str, int]
    thumb_opposition: float
    self_penetration_mm: float
    stability: dict | None = None  # ``handsynth.grasp.stability.Stability.to_dict()`` when simulated

    def failures(self, power: bool, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[str, ...]:
        """Why this grasp is rejected (empty when it is accepted)."""
        out = []
        if self.penetration_mm > thresholds.max_penetration_mm:
            out.append("penetration")
        if self.intersection_cm3 > thresholds.max_intersection_cm3:
            out.append("intersection")
        if power:
            # The palm opposes the fingers; the thumb may rest on the object or on the fingers.
            if (
                len(self.contact_fingers) < 3
                or self.contact_vertices["palm"] < thresholds.min_palm_contact_vertices
            ):
                out.append("contacts")
        else:
            if "thumb" not in self.contact_fingers or len(self.contact_fingers) < 2:
                out.append("contacts")
            elif self.thumb_opposition < thresholds.min_thumb_opposition:
                out.append("opposition")
        if self.self_penetration_mm > thresholds.max_self_penetration_mm:
            out.append("self_penetration")
        return tuple(out)

    def to_dict(self) -> dict:
        out = {
            "penetration_mm": round(self.penetration_mm, 4),
            "intersection_cm3": round(self.intersection_cm3, 5),
            "contact_fingers": list(self.contact_fingers),
            "contact_vertices": dict(self.contact_vertices),
            "thumb_opposition": round(self.thumb_opposition, 4),
            "self_penetration_mm": round(self.self_penetration_mm, 4),
        }
        if self.stability is not None:
            out["stability"] = dict(self.stability)
        return out


def bone_groups() -> tuple[np.ndarray, np.ndarray]:
    """(B,) finger code (0 thumb .. 4 little, 5 palm, 6 forearm) and (B,) segment (0..2) of each bone."""
    finger = np.full(len(BONE_NAMES), PALM)
    segment = np.zeros(len(BONE_NAMES), dtype=np.int64)
    for f, name in enumerate(FINGERS):
        for s, bone in enumerate(FINGER_BONES[name]):
            finger[BONE_INDEX[bone]] = f
            segment[BONE_INDEX[bone]] = s
    finger[BONE_INDEX["lowerarm02"]] = FOREARM
    return finger, segment


def vertex_groups(weights: np.ndarray, dominant: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Finger code and segment of every skin vertex (by its dominant bone, ``weights.argmax(axis=1)``,
    passed as ``dominant`` when the caller has it); thenar (thumb segment 0) becomes palm for contact
    purposes."""
    finger, segment = bone_groups()
    dominant = weights.argmax(axis=1) if dominant is None else dominant
    return finger[dominant], segment[dominant]


def vertex_areas(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V,) one third of the area of the triangles around each vertex."""
    tri = vertices[faces]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    # bincount adds in index order, as np.add.at does (the same sums), without add.at's slow loop.
    return np.bincount(faces.reshape(-1), weights=np.repeat(area / 3.0, 3), minlength=len(vertices))


def core_radii(
    rest_vertices: np.ndarray,
    weights: np.ndarray,
    rest_bones: np.ndarray,
    lengths: np.ndarray,
    dominant: np.ndarray | None = None,
) -> np.ndarray:
    """(B,) radius of the core of each finger and palm bone that is surely inside the skin: 90 % of the
    smallest distance from the bone's axis to the skin vertices it dominates (0 for the wrist, forearm
    and bones without vertices). ``dominant``: ``weights.argmax(axis=1)`` when the caller has it."""
    dominant = weights.argmax(axis=1) if dominant is None else dominant
    # Vertices grouped by dominant bone, each group in vertex order (as a boolean mask would pick them).
    order = np.argsort(dominant, kind="stable")
    bounds = np.searchsorted(dominant[order], np.arange(len(BONE_NAMES) + 1))
    radii = np.zeros(len(BONE_NAMES))
    for b, name in enumerate(BONE_NAMES):
        if name in ("lowerarm02", "wrist"):
            continue
        v = rest_vertices[order[bounds[b] : bounds[b + 1]]]
        if len(v) == 0:
            continue
        head, axis = rest_bones[b, :3, 3], rest_bones[b, :3, 0]
        t = np.clip((v - head) @ axis, 0.0, lengths[b])
        radii[b] = 0.9 * np.percentile(np.linalg.norm(v - head - t[:, None] * axis, axis=1), 1.0)
    return radii


def core_penetration_m(
    sdf, bones_obj: np.ndarray, lengths: np.ndarray, radii: np.ndarray, samples: int = 7
) -> float:
    """How far the object reaches into the core of a finger bone or the palm (m, >= 0).

    Points along each bone axis (object frame) closer to the object surface than the bone's core
    radius (``core_radii``) mean the object is inside the finger at least that much, whatever the skin
    vertices say: a thin blade cannot slip between them unnoticed.
    """
    use = radii > 0.0
    t = np.linspace(0.0, 1.0, samples)
    heads = bones_obj[use, :3, 3]
    axes = bones_obj[use, :3, 0]
    pts = heads[:, None, :] + axes[:, None, :] * (lengths[use, None, None] * t[None, :, None])
    d = sdf(pts.reshape(-1, 3)).reshape(len(heads), samples)
    return float(max(0.0, (radii[use, None] - d).max()))


def measure(
    vertices: np.ndarray,
    faces: np.ndarray,
    finger: np.ndarray,
    segment: np.ndarray,
    distances: np.ndarray,
    normals_fn,
    core_penetration: float,
    self_penetration: float,
    power: bool,
) -> GraspQuality:
    """Quality figures from a posed hand (object frame) and its vertices' signed distances.

    Args:
        vertices, faces: the skinned hand mesh in the object frame.
        finger, segment: per-vertex groups (``vertex_groups``).
        distances: (V,) object signed distance at each vertex (m).
        normals_fn: points -> object outward normals.
        core_penetration: ``core_penetration_m`` of the pose (m).
        self_penetration: ``HandRig.self_penetration_m`` of the pose (m).
        power: a power grasp: the thumb opposes the palm; otherwise it opposes the other fingers.
    """
    inside = distances < 0.0
    penetration = max(float(-distances.min()) if inside.any() else 0.0, core_penetration)
    intersection = (
        float((-distances[inside] * vertex_areas(vertices, faces)[inside]).sum()) if inside.any() else 0.0
    )
    near = distances <= CONTACT_DISTANCE_M
    palm_like = (finger == PALM) | ((finger == 0) & (segment == 0))
    counts = {
        name: int(np.count_nonzero(near & (finger == f) & ~palm_like)) for f, name in enumerate(FINGERS)
    }
    counts["palm"] = int(np.count_nonzero(near & palm_like))
    touching = tuple(name for name in FINGERS if counts[name] >= MIN_CONTACT_VERTICES)
    opposition = -1.0
    if "thumb" in touching:
        # Each contact's direction is the object normal under its patch: the skin within 1 mm of that
        # finger's (or the palm's) closest point, not everything within the 3 mm contact band.
        def patch_normal(mask: np.ndarray) -> np.ndarray:
            d = distances[mask]
            n = normals_fn(vertices[mask][d <= d.min() + 0.001]).mean(axis=0)
            return n / max(np.linalg.norm(n), 1e-12)

        thumb_mask = near & (finger == 0) & ~palm_like
        if power and counts["palm"] >= MIN_CONTACT_VERTICES:
            others = [patch_normal(near & palm_like)]
        else:
            others = [
                patch_normal(near & (finger == f) & ~palm_like) for f in range(1, 5) if FINGERS[f] in touching
            ]
        if others:
            other_n = np.mean(others, axis=0)
            opposition = float(-(patch_normal(thumb_mask) @ other_n) / max(np.linalg.norm(other_n), 1e-12))
    return GraspQuality(
        penetration * 1e3, intersection * 1e6, touching, counts, opposition, max(0.0, self_penetration) * 1e3
    )
