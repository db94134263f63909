"""A subject's hand rig: forward kinematics, linear blend skinning, left/right; numpy only.

The hand frame is attached to the palm (the ``wrist`` bone): whatever the pose, the palm stays put and
the forearm swings about the wrist joint. ``T_world_hand`` places the hand in a scene.
Left hands are the mirror image (y -> -y) of the right hand with the same shape and pose, with the
triangle winding reversed so normals still point out of the skin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.conventions import invert_transform
from handsynth.geometry.mesh import segment_distances
from handsynth.hand.pose import DOFS, HandPose, sample_pose
from handsynth.hand.shape import (
    BONE_INDEX,
    BONE_NAMES,
    BONE_PARENTS,
    JOINT_BONES,
    HandShape,
    Skeleton,
    build_skeleton,
)
from handsynth.hand.template import HandTemplate, hand_template

SIDES = ("right", "left")
MIRROR = np.diag([1.0, -1.0, 1.0])
_JOINT_BONE_INDEX = np.array([BONE_INDEX[b] for b in JOINT_BONES])
_TIP_JOINTS = np.array([4, 8, 12, 16, 20])
_DOF_BONE_INDEX = np.array([BONE_INDEX[d.bone] for d in DOFS])


def _cross_matrices(axes: np.ndarray) -> np.ndarray:
    a = axes / np.linalg.norm(axes, axis=1, keepdims=True)
    z = np.zeros(len(a))
    return np.stack(
        [
            np.stack([z, -a[:, 2], a[:, 1]], 1),
            np.stack([a[:, 2], z, -a[:, 0]], 1),
            np.stack([-a[:, 1], a[:, 0], z], 1),
        ],
        axis=1,
    )


_DOF_CROSS = _cross_matrices(np.array([d.axis for d in DOFS], dtype=np.float64))
_DOF_CROSS2 = _DOF_CROSS @ _DOF_CROSS  # the Rodrigues k @ k term, constant per DOF
_IDENTITIES = np.tile(np.eye(4), (len(BONE_NAMES), 1, 1))  # copied per pose, never written to
_DOF_CROSS.flags.writeable = _DOF_CROSS2.flags.writeable = _IDENTITIES.flags.writeable = False


def _dof_ranks() -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """``(bones, dofs)`` per rank: the r-th DOF (in DOFS order) of every bone that has one."""
    seen: dict[int, int] = {}
    ranks: list[tuple[list[int], list[int]]] = []
    for d, bone in enumerate(_DOF_BONE_INDEX.tolist()):
        r = seen[bone] = seen.get(bone, -1) + 1
        if r == len(ranks):
            ranks.append(([], []))
        ranks[r][0].append(bone)
        ranks[r][1].append(d)
    return tuple((np.array(b), np.array(d)) for b, d in ranks)


def _levels() -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """``(bones, parents)`` of each depth of the bone tree below the root, root side first."""
    depth = []
    for parent in BONE_PARENTS:
        depth.append(0 if parent < 0 else depth[parent] + 1)
    depth = np.array(depth)
    parents = np.array(BONE_PARENTS)
    return tuple((np.flatnonzero(depth == k), parents[depth == k]) for k in range(1, int(depth.max()) + 1))


_DOF_RANKS = _dof_ranks()
_LEVELS = _levels()
_BLAS_SERIAL_MADDS = 250_000  # OpenBLAS threads a gemm from 65536 x 4 multiply-adds up
MAX_SELF_PENETRATION_M = 0.002  # skin compresses a little where fingers press on each other
_FINGER_OF_BONE = {b: name[6] for b, name in enumerate(BONE_NAMES) if name.startswith("finger")}


def _collision_pairs() -> np.ndarray:
    """(P, 2) bone pairs whose capsules must not overlap: bones of different fingers (the thumb's
    metacarpal included), and the middle and distal phalanges of every finger against the palm rays."""
    pairs = [
        (a, b)
        for a in _FINGER_OF_BONE
        for b in _FINGER_OF_BONE
        if a < b and _FINGER_OF_BONE[a] != _FINGER_OF_BONE[b]
    ]
    palm = [BONE_INDEX[f"metacarpal{k}"] for k in range(1, 5)]
    for finger in "12345":
        for segment in ("2", "3"):
            pairs += [(BONE_INDEX[f"finger{finger}-{segment}"], p) for p in palm]
    return np.array(pairs)


_COLLISION_PAIRS = _collision_pairs()


@dataclass(frozen=True)
class PosedHand:
    """A posed hand in the frame the caller asked for.

    Attributes:
        vertices: (V, 3) float64 skin vertices (m).
        faces: (F, 3) int64, outward winding for this side.
        joints: (21, 3) float64 in the standard joint order (handsynth.conventions.JOINT_NAMES).
        bone_transforms: (B, 4, 4) float64 posed ``T_frame_bone`` of every bone (for a left hand, the
            mirrored right-hand frames; they are reflections, not rotations).
    """

    vertices: np.ndarray
    faces: np.ndarray
    joints: np.ndarray
    bone_transforms: np.ndarray


def _bone_scales(sk: Skeleton, ref: Skeleton) -> np.ndarray:
    """(B, 3) per-bone scale (along, across, dorsal) taking the reference skeleton to ``sk``."""
    scales = np.ones((len(BONE_NAMES), 3))
    length_ratio = sk.lengths / ref.lengths
    radius_ratio = sk.radii.mean(axis=1) / ref.radii.mean(axis=1)
    for name, i in BONE_INDEX.items():
        if name == "wrist":
            scales[i] = sk.palm_scale / ref.palm_scale
        elif name.startswith("metacarpal") or name == "lowerarm02":
            p = sk.palm_scale / ref.palm_scale
            scales[i] = (length_ratio[i], p[1], p[2])
        else:
            scales[i] = (length_ratio[i], radius_ratio[i], radius_ratio[i])
    return scales


def _blend(weights: np.ndarray, transforms: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Linear blend skinning: (V, B) weights, (B, 4, 4) transforms, (V, 3) points -> (V, 3).

    The blended (V, 3, 4) matrices are BLAS products of the flattened transforms with the weights,
    applied row by row: the same sums as ``_blend_reference`` in another order (equal to ~1e-16 m), and
    several times faster (skinning was the largest cost of grasp synthesis). The vertices go in chunks
    of under ``_BLAS_SERIAL_MADDS`` multiply-adds per product, which OpenBLAS runs on the calling thread:
    on a busy machine (several workers per core) handing a product this small to a second thread cost
    up to ten times the product itself."""
    flat = transforms[:, :3, :].reshape(len(transforms), 12).T  # row 4 i + j is M[i, j]
    chunk = max(64, _BLAS_SERIAL_MADDS // (12 * len(transforms)))
    if len(points) <= chunk:
        m = flat @ weights.T  # (12, n)
    else:
        m = np.empty((12, len(points)))
        for start in range(0, len(points), chunk):
            part = slice(start, start + chunk)
            m[:, part] = flat @ weights[part].T
    # The products chunk by chunk, the multiply-adds once over all points (element by element alike).
    out = np.empty((len(points), 3))
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    for i in range(3):
        out[:, i] = m[4 * i] * x + m[4 * i + 1] * y + m[4 * i + 2] * z + m[4 * i + 3]
    return out


def _blend_reference(weights: np.ndarray, transforms: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The straightforward einsum form of ``_blend`` (kept as the reference its tests compare against)."""
    per_vertex = np.einsum("vb,bij->vij", weights, transforms[:, :3, :])  # (V, 3, 4)
    return np.einsum("vij,vj->vi", per_vertex[:, :, :3], points) + per_vertex[:, :, 3]


class HandRig:
    """The hand of one subject (shape) and side, ready to pose.

    Build with ``HandRig(shape, side)``; ``pose(...)`` returns the skinned mesh and joints.
    """

    def __init__(self, shape: HandShape, side: str = "right", template: HandTemplate | None = None) -> None:
        if side not in SIDES:
            raise ValueError(f"unknown side '{side}'; valid: {', '.join(SIDES)}")
        self.shape = shape
        self.side = side
        self.template = hand_template() if template is None else template
        self.skeleton = build_skeleton(shape)
        ref = self.template.skeleton
        # Template -> subject: each bone carries its vertices from the reference rest frame into the
        # subject's, scaled along and across the bone.
        scale = np.zeros((len(BONE_NAMES), 4, 4))
        scale[:, [0, 1, 2, 3], [0, 1, 2, 3]] = np.concatenate(
            [_bone_scales(self.skeleton, ref), np.ones((len(BONE_NAMES), 1))], axis=1
        )
        to_subject = self.skeleton.rest_transforms @ scale @ invert_transform(ref.rest_transforms)
        rest = _blend(self.template.weights, to_subject, self.template.vertices)
        self.rest_vertices = rest  # (V, 3) right-hand rest mesh of this subject
        self._inv_rest = invert_transform(self.skeleton.rest_transforms)
        parents = np.array(BONE_PARENTS)
        self._local_rest = self.skeleton.rest_transforms.copy()
        has_parent = parents >= 0
        self._local_rest[has_parent] = (
            self._inv_rest[parents[has_parent]] @ self.skeleton.rest_transforms[has_parent]
        )
        self._capsule_radius, self._capsule_length = self._capsules()

    def _capsules(self) -> tuple[np.ndarray, np.ndarray]:
        """(B,) radius and (B,) axis length of every bone's collision capsule (``collision_gaps``)."""
        sk = self.skeleton
        radius = sk.radii.mean(axis=1) * 0.93  # fingers are slightly flatter than round
        meta = [BONE_INDEX[f"metacarpal{k}"] for k in range(1, 5)]
        # Palm half thickness; the ring and little rays also stand for the hypothenar pad.
        radius[meta] = (
            np.array([0.0095, 0.0095, 0.0115, 0.0115])
            * sk.palm_scale[2]
            / self.template.skeleton.palm_scale[2]
        )
        radius[BONE_INDEX["finger1-1"]] *= 1.25  # the thenar pad around the thumb's metacarpal
        length = sk.lengths.copy()
        distal = [BONE_INDEX[f"finger{k}-3"] for k in range(1, 6)]
        length[distal] -= sk.radii[distal, 1]  # the tip cap is part of the radius
        return radius, length

    @property
    def faces(self) -> np.ndarray:
        """(F, 3) int64 triangles with outward winding for this rig's side."""
        faces = self.template.faces
        return faces[:, ::-1].copy() if self.side == "left" else faces

    def bone_transforms(self, pose: HandPose) -> np.ndarray:
        """Forward kinematics: (B, 4, 4) float64 posed ``T_hand_bone`` (right-hand frame, palm fixed)."""
        angles = pose.angles_rad
        # Rodrigues for every DOF at once, then each bone's DOF rotations in DOFS order.
        s, c = np.sin(angles)[:, None, None], np.cos(angles)[:, None, None]
        dof_rot = np.eye(3) + s * _DOF_CROSS + (1.0 - c) * _DOF_CROSS2
        # Each bone's DOF rotations in DOFS order: its first DOFs, then its second ones (a zero angle's
        # rotation is exactly the identity, so no DOF needs skipping).
        rotations = _IDENTITIES.copy()
        for bones, dofs in _DOF_RANKS:
            rotations[bones, :3, :3] = rotations[bones, :3, :3] @ dof_rot[dofs]
        posed = self._local_rest @ rotations
        # Down the tree one level at a time (every parent is on the level above).
        for bones, parents in _LEVELS:
            posed[bones] = posed[parents] @ posed[bones]
        # Re-anchor on the palm: the wrist bone keeps its rest transform.
        w = BONE_INDEX["wrist"]
        return (self.skeleton.rest_transforms[w] @ invert_transform(posed[w])) @ posed

    def skinning_transforms(self, bones: np.ndarray) -> np.ndarray:
        """(B, 4, 4) transforms taking rest-pose skin to the pose of ``bones`` (from ``bone_transforms``)."""
        return bones @ self._inv_rest

    def skin(self, bones: np.ndarray, indices: np.ndarray | None = None) -> np.ndarray:
        """Right-hand-frame skinned positions of all vertices, or of ``indices`` only, for ``bones``."""
        skinning = self.skinning_transforms(bones)
        if indices is None:
            return _blend(self.template.weights, skinning, self.rest_vertices)
        return _blend(self.template.weights[indices], skinning, self.rest_vertices[indices])

    def skin_points(self, bones: np.ndarray, weights: np.ndarray, rest: np.ndarray) -> np.ndarray:
        """``skin`` of points given by their (N, B) weights and (N, 3) rest positions (e.g. a vertex subset
        sliced once by the caller, rather than on every call)."""
        return _blend(weights, self.skinning_transforms(bones), rest)

    def self_penetration_m(self, pose: HandPose) -> float:
        """Deepest overlap (m) between the bone capsules of ``_COLLISION_PAIRS``; <= 0 when none touch.

        Fingers are capsules of their skin radius around the bone axis, the palm rays capsules of the
        palm's half thickness, so this measures fingers passing through fingers or into the palm.
        """
        return float(-self.collision_gaps(self.bone_transforms(pose))[1].min())

    def collision_gaps(self, bones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(pairs, gaps)``: (P, 2) bone index pairs that must not overlap and (P,) the gap (m) between
        their capsules for the posed ``bones`` (from ``bone_transforms``); negative where they overlap.
        The capsules' radii and lengths depend on the rig only (``_capsules``, made once)."""
        radius, length = self._capsule_radius, self._capsule_length
        heads = bones[:, :3, 3]
        tails = heads + bones[:, :3, 0] * length[:, None]
        a, b = _COLLISION_PAIRS[:, 0], _COLLISION_PAIRS[:, 1]
        gap = segment_distances(heads[a], tails[a], heads[b], tails[b]) - radius[a] - radius[b]
        return _COLLISION_PAIRS, gap

    def sample_pose(
        self, rng: np.random.Generator, closure: float | None = None, max_tries: int = 200
    ) -> HandPose:
        """A random natural pose (``handsynth.hand.pose.sample_pose``) in which no finger passes through
        another finger or the palm of this hand (``self_penetration_m`` <= 2 mm)."""
        for _ in range(max_tries):
            pose = sample_pose(rng, closure)
            if self.self_penetration_m(pose) <= MAX_SELF_PENETRATION_M:
                return pose
        raise RuntimeError(f"no collision-free pose in {max_tries} draws (closure={closure})")

    def pose(self, pose: HandPose, T_frame_hand: np.ndarray | None = None) -> PosedHand:
        """Skin the mesh and place joints for ``pose``.

        Args:
            pose: joint angles (within limits by construction).
            T_frame_hand: (4, 4) rigid transform from the hand frame to the output frame (default identity).
                For a left hand it is applied after mirroring.

        Returns:
            PosedHand with vertices, faces, the 21 standard joints and the bone transforms.
        """
        bones = self.bone_transforms(pose)
        vertices = _blend(self.template.weights, bones @ self._inv_rest, self.rest_vertices)
        heads = bones[:, :3, 3]
        joints = heads[_JOINT_BONE_INDEX].copy()
        tip_bones = _JOINT_BONE_INDEX[_TIP_JOINTS]
        joints[_TIP_JOINTS] = (
            heads[tip_bones] + bones[tip_bones, :3, 0] * self.skeleton.lengths[tip_bones, None]
        )
        if self.side == "left":
            vertices, joints = vertices @ MIRROR, joints @ MIRROR
            bones = np.einsum("ij,bjk->bik", np.diag([1.0, -1.0, 1.0, 1.0]), bones)
        if T_frame_hand is not None:
            r, t = T_frame_hand[:3, :3], T_frame_hand[:3, 3]
            vertices, joints = vertices @ r.T + t, joints @ r.T + t
            bones = np.einsum("ij,bjk->bik", T_frame_hand, bones)
        return PosedHand(vertices, self.faces, joints, bones)
