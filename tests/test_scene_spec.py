"""The per-sample scene spec (handsynth/scene/spec.py): determinism, sharing of grasps, contents, folder
backgrounds and prefetched grasps."""

from __future__ import annotations

import numpy as np
from scene_helpers import FAMILIES, N_SPECS, SEED, _world

from handsynth.conventions import transform_points
from handsynth.scene.grasps import GraspBank
from handsynth.scene.spec import SceneSampler, sample_seed


# --- spec ------------------------------------------------------------------------------------------
def _assert_same_spec(a, b):
    assert (a.index, a.seed) == (b.index, b.seed)
    np.testing.assert_array_equal(a.camera.K, b.camera.K)
    np.testing.assert_array_equal(a.camera.T_cam_world, b.camera.T_cam_world)
    np.testing.assert_array_equal(a.T_world_object, b.T_world_object)
    assert a.camera.describe() == b.camera.describe()
    assert [lamp.describe() for lamp in a.lights] == [lamp.describe() for lamp in b.lights]
    assert a.ambient == b.ambient and a.background == b.background
    np.testing.assert_array_equal(a.skin_tint, b.skin_tint)
    np.testing.assert_array_equal(a.joints_cam, b.joints_cam)


def test_spec_is_a_pure_function_of_seed_and_index(sampler, specs, scene_config):
    for i in (0, 5, 17):
        _assert_same_spec(sampler.sample(i), specs[i])
    fresh = SceneSampler(SEED, scene_config, FAMILIES)
    for i in (17, 5):  # another order, another process-alike
        _assert_same_spec(fresh.sample(i), specs[i])


def test_specs_differ_and_share_their_grasp(specs, sampler, scene_config):
    assert len({spec.seed for spec in specs}) == N_SPECS
    assert all(spec.seed == sample_seed(SEED, spec.index) for spec in specs)
    for a, b in zip(specs, specs[1:], strict=False):
        assert b.grasp is a.grasp  # same grasp object, not a copy
        assert not np.allclose(a.camera.T_cam_world, b.camera.T_cam_world)
        assert not np.allclose(a.T_world_object, b.T_world_object)
    assert sampler.grasp_index(scene_config.renders_per_grasp - 1) == 0
    assert sampler.grasp_index(scene_config.renders_per_grasp) == 1


def test_sample_seed():
    seeds = {sample_seed(s, i) for s in range(5) for i in range(200)}
    assert len(seeds) == 1000
    assert sample_seed(1, 2) != sample_seed(2, 1)
    assert all(0 <= s < 2**32 for s in seeds) and type(sample_seed(0, 0)) is int


def test_spec_contents(specs, scene_config):
    backgrounds = set()
    j = scene_config.skin_jitter
    for spec in specs:
        np.testing.assert_array_equal(spec.T_cam_object, spec.camera.T_cam_world @ spec.T_world_object)
        expected_joints = transform_points(spec.T_cam_object, spec.grasp.joints)
        np.testing.assert_allclose(spec.joints_cam, expected_joints, rtol=0, atol=1e-15)
        assert spec.background.source == "procedural" and 0 <= spec.background.id < 1000
        backgrounds.add(spec.background.id)
        assert len(spec.lights) == scene_config.lights.count
        hand_center = _world(spec, spec.grasp.joints).mean(axis=0)
        near, far = scene_config.lights.distance_m
        for lamp in spec.lights:
            assert near - 1e-12 <= np.linalg.norm(lamp.position_world - hand_center) <= far + 1e-12
        assert scene_config.lights.ambient[0] <= spec.ambient <= scene_config.lights.ambient[1]
        gain = spec.skin_tint[1]
        assert spec.skin_tint[2] == gain and 1 - j <= gain <= 1 + j
        assert 1 - j / 2 <= spec.skin_tint[0] / gain <= 1 + j / 2
        tint = spec.skin_tint
        np.testing.assert_array_equal(spec.skin_albedo, np.clip(spec.grasp.hand_albedo * tint, 0, 1))
        np.testing.assert_array_equal(spec.arm_albedo, np.clip(spec.grasp.arm_albedo * tint, 0, 1))
        assert spec.arm_albedo.shape == spec.grasp.arm_vertices.shape
    assert len(backgrounds) > 0.8 * N_SPECS  # 200 draws from 1000 ids: about 181 distinct


def test_spec_folder_backgrounds(sampler, scene_config):
    names = ("a.jpg", "b/c.png", "d.png")
    folder = SceneSampler(SEED, scene_config, FAMILIES, folder_names=names)
    folder.bank = sampler.bank
    seen = set()
    for i in range(30):
        background = folder.sample(i).background
        assert background.source == "folder" and background.name == names[background.id]
        assert background.describe() == {"source": "folder", "id": background.id, "name": background.name}
        seen.add(background.id)
    assert seen == {0, 1, 2}


def test_prefetched_grasps_equal_synthesized_ones(grasp_scene):
    bank = GraspBank(SEED, FAMILIES, sides=("right", "left"))
    bank.prefetch(1)
    bank.prefetch(1)  # a second request for the same grasp is ignored
    prefetched = bank.get(1)
    bank.close()
    direct = GraspBank(SEED, FAMILIES, sides=("right", "left")).get(1)
    np.testing.assert_array_equal(prefetched.hand_vertices, direct.hand_vertices)
    np.testing.assert_array_equal(prefetched.grasp.T_object_hand, direct.grasp.T_object_hand)
    np.testing.assert_array_equal(prefetched.grasp.object.vertices, direct.grasp.object.vertices)
    assert prefetched.grasp.subject.id == direct.grasp.subject.id and prefetched.index == 1
