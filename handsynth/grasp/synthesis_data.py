"""What grasp synthesis works on: per-rig hand data (vertex groups, cores, levers) and the object's signed
distance in the synthesis frame; numpy only (never scene, render, bpy, pyrender, ray or torch)."""

from __future__ import annotations

import numpy as np

from handsynth.grasp.cache import Lru
from handsynth.grasp.quality import PALM, bone_groups, core_radii, vertex_groups
from handsynth.grasp.taxonomy import FINGERS
from handsynth.hand.pose import DOF_KEYS, HandPose
from handsynth.hand.rig import HandRig
from handsynth.hand.shape import BONE_INDEX, FINGER_BONES
from handsynth.hand.template import LABEL_PALM
from handsynth.objects.model import ObjectModel

_DOF = {k: i for i, k in enumerate(DOF_KEYS)}
_CHAINS = np.array([[_DOF[f"{b}.flex"] for b in FINGER_BONES[f]] for f in FINGERS])  # (5, 3) flex DOFs
_ABDUCT = np.array([_DOF[f"{FINGER_BONES[f][0]}.abduct"] for f in FINGERS])


class HandCache:
    """Right-hand rigs and their synthesis data (``_Hand``), kept per hand shape for a caller that makes
    many grasps (``sample_grasp(..., hands=)``): building them costs about 16 ms a grasp otherwise.
    Bounded (the least recently used shape is dropped beyond ``size``); one per thread, since its
    bookkeeping is not locked. Either way the grasps are the same: the cached objects are never changed
    by synthesis."""

    def __init__(self, size: int = 12) -> None:
        self._items = Lru(size)

    def get(self, shape) -> _Hand:
        """The ``_Hand`` of a right-hand rig of ``shape`` (its rig is ``.rig``)."""
        return self._items.get(shape, lambda: _Hand(HandRig(shape, "right")))


class _Hand:
    """Per-rig data the synthesis loop needs (a right-hand rig)."""

    def __init__(self, rig: HandRig, stride: int = 3) -> None:
        self.rig = rig
        template = rig.template
        dominant = template.weights.argmax(axis=1)
        self.finger, self.segment = vertex_groups(template.weights, dominant)
        group = np.where(
            self.finger < 5, self.finger * 3 + self.segment, np.where(self.finger == PALM, 15, 16)
        )
        sub = np.union1d(np.arange(0, len(template.vertices), stride), template.tip_vertices)
        order = np.argsort(group[sub], kind="stable")
        self.sub = sub[order]
        self.sub_group = group[self.sub]
        self.group_starts = np.searchsorted(self.sub_group, np.arange(17))
        self.present = np.diff(np.append(self.group_starts, len(self.sub))) > 0
        self.sub_weights = np.ascontiguousarray(template.weights[self.sub])
        self.sub_rest = np.ascontiguousarray(rig.rest_vertices[self.sub])
        sk = rig.skeleton
        lengths = np.array([[sk.lengths[BONE_INDEX[b]] for b in FINGER_BONES[f]] for f in FINGERS])
        self.lever = np.cumsum(lengths[:, ::-1], axis=1)[:, ::-1]  # joint k of finger f -> tip
        rest = rig.rest_vertices
        palmar = (self.finger == PALM) & (template.labels == LABEL_PALM)
        self.palm_points = rest[palmar]
        self.bone_finger, self.bone_segment = bone_groups()
        # Distal bones run to the skin of the tip: their core stops a tip radius short of it.
        self.core_lengths = sk.lengths.copy()
        distal = [BONE_INDEX[FINGER_BONES[f][2]] for f in FINGERS]
        self.core_lengths[distal] -= sk.radii[distal, 1]
        self.core_radii = core_radii(rest, template.weights, sk.rest_transforms, self.core_lengths, dominant)
        # Palm centre: middle of the palmar skin of the palm.
        self.palm_centre = np.median(self.palm_points, axis=0)
        mcp = sk.heads[[BONE_INDEX[f"finger{k}-1"] for k in range(2, 6)]]
        self.mcp_x = float(mcp[:, 0].mean())

    def skin_subset(self, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bones = self.rig.bone_transforms(HandPose(angles))
        return self.rig.skin_points(bones, self.sub_weights, self.sub_rest), bones

    def group_min(self, distances: np.ndarray) -> np.ndarray:
        out = np.full(17, np.inf)
        out[self.present] = np.minimum.reduceat(distances, self.group_starts[self.present])
        return out

    def finger_gaps(
        self, field: _Field, bones: np.ndarray, rotation, translation, fingers: np.ndarray
    ) -> np.ndarray:
        """``group_min`` of the object's distance to the skin subset, computed for the phalanx groups of
        ``fingers`` only (indices into ``FINGERS``; groups ``3 f .. 3 f + 2``) and inf elsewhere.

        Closing and opening read nothing else, and the subset is sorted by group, so the points of the
        fingers from the first to the last of ``fingers`` are one contiguous slice: only they are skinned
        and queried (the palm and forearm, two thirds of the subset, are skipped). Each point's value is
        computed exactly as in ``group_min(field.sdf(skin_subset(...)))``."""
        first, last = 3 * int(np.min(fingers)), 3 * int(np.max(fingers)) + 3
        lo, hi = self.group_starts[first], self.group_starts[last]
        points = self.rig.skin_points(bones, self.sub_weights[lo:hi], self.sub_rest[lo:hi])
        distances = field.sdf(points @ rotation.T + translation)
        out = np.full(17, np.inf)
        # The slice's non-empty groups are back to back: one reduceat gives each one's minimum.
        groups = np.arange(first, last)[self.present[first:last]]
        gmin = np.minimum.reduceat(distances, self.group_starts[groups] - lo)
        wanted = np.zeros(5, dtype=bool)
        wanted[fingers] = True
        keep = wanted[groups // 3]
        out[groups[keep]] = gmin[keep]
        return out

    def finger_gaps_reference(
        self, field: _Field, bones: np.ndarray, rotation, translation, fingers: np.ndarray
    ) -> np.ndarray:
        """``finger_gaps`` the long way (the whole subset skinned and queried, then masked): the reference
        its tests and ``benchmarks/synthesis_profile.py --compare`` hold it to."""
        points = self.rig.skin_points(bones, self.sub_weights, self.sub_rest)
        gmin = self.group_min(field.sdf(points @ rotation.T + translation))
        keep = np.zeros(17, dtype=bool)
        for f in np.atleast_1d(fingers):
            keep[3 * f : 3 * f + 3] = True
        return np.where(keep, gmin, np.inf)


class _Field:
    """The object's signed distance in the synthesis frame, with a cheap far-field bound."""

    def __init__(self, obj: ObjectModel, mirror: bool) -> None:
        self.obj = obj
        self.mirror = mirror
        self.flip = np.array([1.0, -1.0, 1.0]) if mirror else np.ones(3)  # (x 1.0 is exact: skipped)
        b = obj.bounds() * self.flip
        self.lo, self.hi = b.min(axis=0), b.max(axis=0)

    def sdf(self, points: np.ndarray, far: float = 0.02, exact: bool = False) -> np.ndarray:
        """Signed distance where it is below ``far``, a lower bound of it elsewhere (enough for
        conservative steps and contact tests); tabulated unless ``exact``."""
        points = np.asarray(points, dtype=np.float64)
        # The distance to the bounding box is a lower bound of the distance to the solid.
        gap = self.lo - points
        np.maximum(gap, points - self.hi, out=gap)
        np.maximum(gap, 0.0, out=gap)
        gap *= gap
        bound = np.sqrt(gap.sum(axis=1))  # np.linalg.norm(gap, axis=1), the same sums without its checks
        near = bound < far
        query = self.obj.sdf if exact else self.obj.sdf_fast
        if near.all():  # every part's distance is point by point: the same values as by the mask
            return query(points * self.flip if self.mirror else points)
        if near.any():
            near_points = points[near]
            bound[near] = query(near_points * self.flip if self.mirror else near_points)
        return bound

    def exact(self, points: np.ndarray) -> np.ndarray:
        return self.obj.sdf(np.asarray(points, dtype=np.float64) * self.flip)

    def normals(self, points: np.ndarray) -> np.ndarray:
        return self.obj.normals(np.asarray(points) * self.flip) * self.flip
