"""The hand template: an implicit hand meshed once at rest, with skinning weights, labels and UVs.

Pure numpy / scipy / scikit-image / trimesh; never imports bpy, pyrender, ray or torch.

The surface is a soft union of tapered, slightly flattened capsules (phalanges, metacarpal rays, thenar
and hypothenar pads, the carpus and a forearm stub) meshed by marching cubes on the reference skeleton
and smoothed. The heel of the hand is cut off at the wrist crease and the forearm stub is an elliptic cone
of a real wrist's section there, so the wrist is as narrow as ANSUR II's (``subjects.WRIST_*``; tested in
``tests/test_hand_wrist.py``). Every subject is this template deformed bone by bone (``rig.py``), so
vertex order, faces, labels and UVs are the same for every hand.

Skinning weights are built from the construction itself rather than from raw distances, so that a vertex
on the index finger never follows the middle finger: each vertex belongs softly to the part of the
implicit surface it came from (palm, thumb, one finger), and along each finger chain the weight passes
from parent to child bone over a short band around each joint.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from handsynth.geometry.transforms import frame_from_x_and_z_hint, make_transform
from handsynth.hand.sdf import round_cone, segment_distance, smooth_min, to_local
from handsynth.hand.shape import BONE_INDEX, BONE_NAMES, FINGER_BONES, HandShape, Skeleton, build_skeleton

# Per-vertex labels (renderers colour and segment by them).
LABEL_PALM = 0  # palmar skin of the hand and fingers
LABEL_BACK = 1  # dorsal skin of the hand and fingers
LABEL_NAIL = 2
LABEL_FOREARM = 3
LABEL_NAMES = {LABEL_PALM: "palm", LABEL_BACK: "back", LABEL_NAIL: "nail", LABEL_FOREARM: "forearm"}

PARTS = ("palm", "thumb", "index", "middle", "ring", "little")
FINGER_Z_SCALE = 0.86  # fingers are wider than thick
# The distal forearm is an elliptic cone, thickness / breadth 0.70 at the wrist crease (the stub's radii
# are set in ``shape.build_skeleton``); the carpus (a flattened capsule across the heel of the hand)
# sits distal to the wrist joint, so the crease is as narrow as a real wrist (``subjects.WRIST_*``).
FOREARM_Z_SCALE = 0.70
_CARPUS_X_M = 0.019
_HEEL_START_X_M = 0.004
GRID_SPACING_M = 0.0021
_PART_SOFTNESS_M = 0.0015
_WEIGHT_FLOOR = 0.01


@dataclass(frozen=True, eq=False)
class HandTemplate:
    """The reference hand mesh at rest with everything a rig needs.

    Attributes:
        skeleton: the reference skeleton (``build_skeleton(HandShape())``).
        vertices: (V, 3) float64 rest positions in the hand frame (m).
        faces: (F, 3) int64, counter-clockwise seen from outside (right hand).
        weights: (V, B) float64 skinning weights over ``BONE_NAMES``; rows sum to 1.
        labels: (V,) uint8, ``LABEL_*``.
        uvs: (V, 2) float64 in [0, 1].
        palmar: (V,) float64 in [0, 1], how much a vertex faces the palmar side (1 palm, 0 back), smooth
            across the sides of the fingers; renderers blend palm and back skin colours by it.
        tip_vertices: (5,) int64 vertex at each fingertip (thumb, index, middle, ring, little); each lies
            exactly on its distal bone's tail and is skinned rigidly to that bone.
    """

    skeleton: Skeleton
    vertices: np.ndarray
    faces: np.ndarray
    weights: np.ndarray
    labels: np.ndarray
    uvs: np.ndarray
    palmar: np.ndarray
    tip_vertices: np.ndarray


def _bone_cone(points: np.ndarray, sk: Skeleton, bone: str, z_scale: float, r_scale=(1.0, 1.0), end=None):
    i = BONE_INDEX[bone]
    r0, r1 = sk.radii[i] * np.asarray(r_scale)
    length = sk.lengths[i] if end is None else end
    return round_cone(to_local(points, sk.rest_transforms[i]), length, r0, r1, z_scale)


def part_distances(points: np.ndarray, sk: Skeleton) -> tuple[np.ndarray, np.ndarray]:
    """Signed distance of each part of the implicit hand, and of the whole hand.

    Args:
        points: (N, 3) float64 in the hand frame.
        sk: the skeleton the surface is built around.

    Returns:
        ``(parts, total)``: (N, 6) float64 signed distances of ``PARTS`` and (N,) of the whole surface
        (forearm included).
    """
    n = len(points)
    parts = np.empty((n, len(PARTS)))
    # Palm: the four metacarpal rays blended into a slab, the carpus and the hypothenar pad.
    palm = None
    for k in range(1, 5):
        ray = _bone_cone(points, sk, f"metacarpal{k}", 0.62, r_scale=(1.25, 1.10))
        palm = ray if palm is None else smooth_min(palm, ray, 0.016)
    heel = sk.palm_scale
    a = np.array([_CARPUS_X_M, -0.016, -0.003]) * heel
    b = np.array([_CARPUS_X_M, 0.013, -0.003]) * heel
    d_heel, _ = segment_distance(points * np.array([1.0, 1.0, 1.25]), a * [1, 1, 1.25], b * [1, 1, 1.25])
    palm = smooth_min(palm, d_heel / 1.25 - 0.0145 * heel[2], 0.016)
    hypo_t = make_transform(
        frame_from_x_and_z_hint(np.array([0.995, -0.1, 0.0]), np.array([0.0, 0.0, 1.0])),
        np.array([0.022, -0.023, -0.007]) * heel,
    )
    hypo = round_cone(to_local(points, hypo_t), 0.048 * heel[0], 0.0115 * heel[2], 0.0085 * heel[2], 0.7)
    parts[:, 0] = smooth_min(palm, hypo, 0.012)
    # Thumb: metacarpal inside the thenar pad, then the two phalanges.
    th = _bone_cone(points, sk, "finger1-1", 0.85)
    pad_t = sk.rest_transforms[BONE_INDEX["finger1-1"]].copy()
    pad_t[:3, 3] = pad_t[:3, 3] - 0.006 * pad_t[:3, 2] - 0.004 * pad_t[:3, 1]
    thenar = round_cone(
        to_local(points, pad_t),
        0.75 * sk.lengths[BONE_INDEX["finger1-1"]],
        0.0150 * heel[2],
        0.0120 * heel[2],
        0.8,
    )
    th = smooth_min(th, thenar, 0.010)
    for bone in FINGER_BONES["thumb"][1:]:
        th = smooth_min(th, _bone_cone(points, sk, bone, 0.86, end=_cone_end(sk, bone)), 0.004)
    parts[:, 1] = th
    for j, finger in enumerate(("index", "middle", "ring", "little"), start=2):
        d = None
        for bone in FINGER_BONES[finger]:
            c = _bone_cone(points, sk, bone, FINGER_Z_SCALE, end=_cone_end(sk, bone))
            d = c if d is None else smooth_min(d, c, 0.003)
        parts[:, j] = d
    hand = smooth_min(parts[:, 0], parts[:, 1], 0.014)
    hand = smooth_min(hand, parts[:, 2:].min(axis=1), 0.007)
    # The heel of the hand (carpus, thenar and hypothenar pads) ends at the wrist crease: the palm's
    # blended capsules are cut by a rounded plane there, and the forearm runs on through the crease.
    hand = -smooth_min(-hand, points[:, 0] - _HEEL_START_X_M * sk.palm_scale[0], 0.008)
    forearm = _bone_cone(points, sk, "lowerarm02", FOREARM_Z_SCALE)
    total = smooth_min(hand, forearm, 0.012)
    return parts, total


def _cone_end(sk: Skeleton, bone: str) -> float:
    """Axis length of a phalanx's cone: distal bones stop one tip radius short of the skin tip."""
    i = BONE_INDEX[bone]
    return sk.lengths[i] - sk.radii[i, 1] if bone.endswith("-3") else sk.lengths[i]


def _smoothstep(t: np.ndarray) -> np.ndarray:
    """0 for t <= -1, 1 for t >= 1, C1-smooth in between."""
    h = np.clip((t + 1.0) * 0.5, 0.0, 1.0)
    return h * h * (3.0 - 2.0 * h)


def skinning_weights(vertices: np.ndarray, sk: Skeleton) -> tuple[np.ndarray, np.ndarray]:
    """Skinning weights of rest vertices, and how far each vertex lies into its finger's distal bone.

    Returns:
        ``(weights, distal)``: (V, B) float64 rows summing to 1, and (V,) float64 in [0, 1], the share of
        the vertex that follows the distal phalanx of its finger (used for nail labels).
    """
    parts, _ = part_distances(vertices, sk)
    logits = -(parts - parts.min(axis=1, keepdims=True)) / _PART_SOFTNESS_M
    member = np.exp(logits)
    member /= member.sum(axis=1, keepdims=True)  # (V, 6) soft membership in PARTS
    w = np.zeros((len(vertices), len(BONE_NAMES)))
    palm_share = np.zeros(len(vertices))
    distal = np.zeros(len(vertices))
    heads, x_axes = sk.heads, sk.rest_transforms[:, :3, 0]
    # The palm part near the knuckles follows the nearest long finger past its MCP blend band, so no
    # sheet of palm skin is left behind when a finger flexes; elsewhere it stays with the palm.
    long_fingers = PARTS[2:]
    near_finger = np.stack(
        [
            segment_distance(vertices, heads[b], heads[b] + x_axes[b] * sk.lengths[b])[0]
            for b in (BONE_INDEX[FINGER_BONES[f][0]] for f in long_fingers)
        ],
        axis=1,
    )
    near_finger = np.exp(-(near_finger - near_finger.min(axis=1, keepdims=True)) / 0.004)
    near_finger /= near_finger.sum(axis=1, keepdims=True)
    for p, finger in enumerate(PARTS[1:], start=1):
        bones = [BONE_INDEX[b] for b in FINGER_BONES[finger]]
        steps = []
        for j, b in enumerate(bones):
            # The joint's blend plane bisects the parent and child bone directions.
            normal = x_axes[b] + (x_axes[b] if j == 0 else x_axes[bones[j - 1]])
            normal /= np.linalg.norm(normal)
            centre, band = heads[b], (0.55 if j == 0 else 0.42) * sk.radii[b, 0]
            if finger == "thumb" and j == 0:
                # The thenar pad spans carpus to thumb: it follows the metacarpal gradually along its length.
                centre, band = heads[b] + 0.5 * sk.lengths[b] * x_axes[b], 0.55 * sk.lengths[b]
            steps.append(_smoothstep((vertices - centre) @ normal / band))
        shares = [
            1.0 - steps[0],
            steps[0] * (1 - steps[1]),
            steps[0] * steps[1] * (1 - steps[2]),
            steps[0] * steps[1] * steps[2],
        ]
        owner = member[:, p]
        if finger in long_fingers:
            owner = owner + member[:, 0] * near_finger[:, long_fingers.index(finger)]
        palm_share += owner * shares[0]
        for b, share in zip(bones, shares[1:], strict=True):
            w[:, b] += owner * share
        distal += member[:, p] * shares[3]
    # The palm's share spreads smoothly over the metacarpals (the ring and little rays cup the palm).
    palm_bones = [BONE_INDEX[f"metacarpal{k}"] for k in range(1, 5)] + [BONE_INDEX["wrist"]]
    dists = np.stack(
        [segment_distance(vertices, heads[b], heads[b] + x_axes[b] * sk.lengths[b])[0] for b in palm_bones],
        axis=1,
    )
    near = np.exp(-(dists - dists.min(axis=1, keepdims=True)) / 0.005)
    near /= near.sum(axis=1, keepdims=True)
    w[:, palm_bones] += palm_share[:, None] * near
    # Forearm to hand across the wrist.
    hand = _smoothstep(vertices[:, 0] / 0.017)
    w *= hand[:, None]
    w[:, BONE_INDEX["lowerarm02"]] += 1.0 - hand
    w[w < _WEIGHT_FLOOR] = 0.0
    w /= w.sum(axis=1, keepdims=True)
    return w, distal * hand


def _palmar(normals: np.ndarray, weights: np.ndarray, sk: Skeleton) -> np.ndarray:
    """(V,) in [0, 1]: the weight-blended dorsal axis of the bones, against the vertex normal."""
    dorsal = weights @ sk.rest_transforms[:, :3, 2]  # (V, 3)
    normal_z = np.einsum("vi,vi->v", normals, dorsal) / np.linalg.norm(dorsal, axis=1)
    return 1.0 - _smoothstep(normal_z / 0.35)


def _labels(vertices, palmar, weights, distal, sk: Skeleton) -> np.ndarray:
    labels = np.full(len(vertices), LABEL_BACK, dtype=np.uint8)
    dominant = weights.argmax(axis=1)
    labels[palmar > 0.5] = LABEL_PALM
    for finger in PARTS[1:]:
        b = BONE_INDEX[FINGER_BONES[finger][2]]
        q = to_local(vertices, sk.rest_transforms[b])
        length, (r0, r1) = sk.lengths[b], sk.radii[b]
        r = r0 + (r1 - r0) * np.clip(q[:, 0] / length, 0.0, 1.0)
        on_nail = (
            (distal > 0.9)
            & (dominant == b)
            & (q[:, 2] > 0.30 * r)
            & (np.abs(q[:, 1]) < 0.72 * r)
            & (q[:, 0] > 0.38 * length)
            & (q[:, 0] < length - 0.30 * r1)
        )
        labels[on_nail] = LABEL_NAIL
    labels[weights[:, BONE_INDEX["lowerarm02"]] >= 0.5] = LABEL_FOREARM
    return labels


def _uvs(vertices: np.ndarray) -> np.ndarray:
    """Cylindrical UVs about the hand's long axis: u the angle about x, v the position along x."""
    u = np.arctan2(vertices[:, 2], vertices[:, 1]) / (2.0 * np.pi) + 0.5
    x = vertices[:, 0]
    v = (x - x.min()) / (x.max() - x.min())
    return np.stack([u, v], axis=1)


@functools.lru_cache(maxsize=1)
def hand_template() -> HandTemplate:
    """Build (once per process) the reference hand template; deterministic."""
    import trimesh
    from skimage.measure import marching_cubes

    sk = build_skeleton(HandShape())
    lo = np.minimum(sk.heads.min(axis=0), sk.tails.min(axis=0)) - 0.035
    hi = np.maximum(sk.heads.max(axis=0), sk.tails.max(axis=0)) + 0.035
    h = GRID_SPACING_M
    axes = [np.arange(lo[i], hi[i] + h, h) for i in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    _, total = part_distances(grid, sk)
    volume = total.reshape(len(axes[0]), len(axes[1]), len(axes[2]))
    verts, faces, _, _ = marching_cubes(volume, level=0.0, spacing=(h, h, h))
    verts = verts + lo
    mesh = trimesh.Trimesh(verts, faces, process=True)  # outward-facing for a field negative inside
    mesh.remove_unreferenced_vertices()
    trimesh.smoothing.filter_taubin(mesh, lamb=0.5, nu=-0.53, iterations=12)
    vertices = np.asarray(mesh.vertices, dtype=np.float64).copy()
    faces = np.asarray(mesh.faces, dtype=np.int64).copy()
    # Each fingertip joint is a vertex: snap the nearest vertex onto the distal bone's tail.
    tails = sk.tails
    tips = []
    for finger in PARTS[1:]:
        b = BONE_INDEX[FINGER_BONES[finger][2]]
        i = int(np.argmin(np.linalg.norm(vertices - tails[b], axis=1)))
        vertices[i] = tails[b]
        tips.append(i)
    weights, distal = skinning_weights(vertices, sk)
    normals = trimesh.Trimesh(vertices, faces, process=False).vertex_normals
    palmar = _palmar(normals, weights, sk)
    labels = _labels(vertices, palmar, weights, distal, sk)
    uvs = _uvs(vertices)
    for v in (vertices, faces, weights, labels, uvs, palmar):
        v.flags.writeable = False
    return HandTemplate(sk, vertices, faces, weights, labels, uvs, palmar, np.array(tips, dtype=np.int64))
