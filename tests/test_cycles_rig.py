"""The hand rig in Blender (handsynth.render.cycles.rig): MakeHuman bone names and hierarchy, our skinning
weights in vertex groups, and Blender's evaluated skin equal to our linear blend skinning on both sides.

Measured on bpy 4.5.15 over every case below (4 named + 3 sampled poses per subject and side): max
|Blender - ours| = 0.45 µm (f01 right, flat), 0.04-0.45 µm per case: float32 round-off of Blender's
matrices and weights. The tolerance, 0.1 mm, is 200x that.
"""

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

from handsynth.conventions import invert_transform  # noqa: E402
from handsynth.hand import HandRig, get_subject, named_pose, sample_pose, subject_from_seed  # noqa: E402
from handsynth.hand.shape import BONE_NAMES, BONE_PARENTS  # noqa: E402
from handsynth.render.cycles import rig as blender_rig  # noqa: E402

MAX_VERTEX_ERROR_M = 1e-4
NAMED = ("flat", "fist", "pinch", "tripod")
N_SAMPLED = 3
# (subject id or random-<n>, side): named subjects of both genders and random subjects, both sides.
CASES = [("f01", "right"), ("m03", "left"), ("random-1", "right"), ("random-2", "left")]
RANDOM_ROOT_SEED = 4_242


def _subject(subject_id):
    if subject_id.startswith("random-"):
        return subject_from_seed(RANDOM_ROOT_SEED, int(subject_id.removeprefix("random-")))
    return get_subject(subject_id)


def _poses(seed):
    rng = np.random.default_rng(seed)
    return [(name, named_pose(name)) for name in NAMED] + [
        (f"sampled-{k}", sample_pose(rng)) for k in range(N_SAMPLED)
    ]


def _rotation(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def built(request):
    subject_id, side = request.param
    blender_rig.clear_scene()
    rig = HandRig(_subject(subject_id).shape, side)
    armature_object, mesh_object = blender_rig.build_hand_rig(rig, name=f"{subject_id}_{side}")
    yield rig, armature_object, mesh_object
    blender_rig.clear_scene()


def test_bones_carry_makehuman_names_and_hierarchy(built):
    rig, armature_object, _ = built
    bones = armature_object.data.bones
    assert [b.name for b in bones] == list(BONE_NAMES)
    parents = [bones[b.parent.name] if b.parent else None for b in bones]
    assert [BONE_NAMES.index(p.name) if p else -1 for p in parents] == list(BONE_PARENTS)
    # Rest pose = the subject's skeleton: heads, tails, and bone y = our bone x (the bone direction).
    rest = np.array([np.array(b.matrix_local) for b in bones])
    assert np.abs(rest[:, :3, 3] - rig.skeleton.heads).max() < 1e-6
    assert np.abs(np.array([b.tail_local for b in bones]) - rig.skeleton.tails).max() < 1e-6
    assert np.abs(rest[:, :3, 1] - rig.skeleton.rest_transforms[:, :3, 0]).max() < 1e-6
    assert np.abs(rest[:, :3, 0] - rig.skeleton.rest_transforms[:, :3, 1]).max() < 1e-6  # flexion axis


def test_vertex_groups_hold_our_weights(built):
    rig, _, mesh_object = built
    names = [g.name for g in mesh_object.vertex_groups]
    assert names == list(BONE_NAMES)
    weights = np.zeros(rig.template.weights.shape)
    for v in mesh_object.data.vertices:
        for g in v.groups:
            weights[v.index, g.group] = g.weight
    assert np.abs(weights.sum(axis=1) - 1.0).max() < 1e-6
    assert ((weights > 0) == (rig.template.weights > 0)).all()
    assert np.abs(weights - rig.template.weights).max() < 1e-7
    modifier = mesh_object.modifiers["Armature"]
    assert modifier.use_vertex_groups and not modifier.use_bone_envelopes
    assert not modifier.use_deform_preserve_volume
    assert mesh_object.parent == built[1]


def test_evaluated_skin_equals_our_skinning(built):
    rig, armature_object, mesh_object = built
    errors = {}
    for name, pose in _poses(seed=len(rig.side) + int(rig.shape.gender * 1000)):
        blender_rig.pose_hand_rig(armature_object, rig, pose)
        vertices, _, _ = blender_rig.evaluated_mesh(mesh_object)
        errors[name] = float(np.abs(vertices - rig.pose(pose).vertices).max())
    assert max(errors.values()) < MAX_VERTEX_ERROR_M, errors


def test_placement_in_a_world_frame(built):
    rig, armature_object, mesh_object = built
    rng = np.random.default_rng(3)
    T_world_hand = np.eye(4)
    T_world_hand[:3, :3], T_world_hand[:3, 3] = _rotation(rng), rng.uniform(-0.5, 0.5, 3)
    pose = sample_pose(rng)
    blender_rig.place_hand_rig(armature_object, T_world_hand)
    blender_rig.pose_hand_rig(armature_object, rig, pose)
    try:
        vertices, _, _ = blender_rig.evaluated_mesh(mesh_object)
        expected = rig.pose(pose, T_world_hand)
        assert np.abs(vertices - expected.vertices).max() < MAX_VERTEX_ERROR_M
        assert (np.linalg.det(np.array(armature_object.matrix_world)) < 0) == (rig.side == "left")
        local, _, _ = blender_rig.evaluated_mesh(mesh_object, world=False)
        back = invert_transform(T_world_hand)
        hand = vertices @ back[:3, :3].T + back[:3, 3]
        assert np.abs(hand - rig.pose(pose).vertices).max() < MAX_VERTEX_ERROR_M
        right_hand = rig.pose(pose).vertices * ([1.0, -1.0, 1.0] if rig.side == "left" else 1.0)
        assert np.abs(local - right_hand).max() < MAX_VERTEX_ERROR_M  # the mesh itself is a right hand
    finally:
        blender_rig.place_hand_rig(armature_object, np.eye(4))


def test_posed_skin_is_watertight_with_outward_normals(built):
    rig, armature_object, mesh_object = built
    pose = named_pose("fist")
    blender_rig.pose_hand_rig(armature_object, rig, pose)
    vertices, faces, normals = blender_rig.evaluated_mesh(mesh_object)
    ours = rig.pose(pose)
    # Stored faces are the right hand's; in the world (mirrored for a left rig) they wind as ours.
    world_faces = faces[:, ::-1] if rig.side == "left" else faces
    assert np.array_equal(world_faces, ours.faces)
    # Watertight and consistently oriented: every directed edge once, its reverse exactly once.
    directed = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    keys = directed[:, 0] * len(vertices) + directed[:, 1]
    reverse = directed[:, 1] * len(vertices) + directed[:, 0]
    assert len(np.unique(keys)) == len(keys)
    assert np.isin(reverse, keys).all()
    # Outward: positive enclosed volume with our winding, and Blender's normals agree with ours.
    a, b, c = (ours.vertices[ours.faces[:, k]] for k in range(3))
    assert np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0 > 0
    n = np.cross(b - a, c - a)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    assert np.einsum("ij,ij->i", normals, n).mean() > 0.99


def test_posing_with_another_subjects_rig_is_refused(built):
    rig, armature_object, _ = built
    other_side = HandRig(rig.shape, "left" if rig.side == "right" else "right", rig.template)
    other_subject = HandRig(get_subject("m05").shape, rig.side, rig.template)
    for wrong in (other_side, other_subject):
        with pytest.raises(ValueError, match="was not built from this rig"):
            blender_rig.pose_hand_rig(armature_object, wrong, named_pose("fist"))
