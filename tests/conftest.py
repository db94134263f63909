"""Shared fixtures: the process-wide hand template and rigs cached per shape and side (hand tests), the
scene sampler, its specs and its grasp 0 (test_camera, test_scene_grasps, test_scene_spec), and one local
Ray for every in-process `handsynth render` of the modules that ask for it."""

import functools
import os
from pathlib import Path

import pytest
from scene_helpers import FAMILIES, N_SPECS, SEED

from handsynth.config import SceneConfig
from handsynth.hand import HandRig, HandShape, hand_template
from handsynth.scene.spec import SceneSampler


@pytest.fixture(scope="session")
def template():
    """The reference hand template (built once per process, about 2 s)."""
    return hand_template()


@pytest.fixture(scope="session")
def ray_session():
    """A local Ray (2 CPUs, quiet) kept for the session: `handsynth render` in this process uses it instead
    of starting and stopping its own (seconds each). Its workers import handsynth and the test modules."""
    import ray

    tests = Path(__file__).resolve().parent
    path = os.pathsep.join([str(tests.parent), str(tests), os.environ.get("PYTHONPATH", "")])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", path.rstrip(os.pathsep))  # the raylet passes it on to every worker
        ray.init(
            address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR"
        )
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def make_rig(template):
    """``make_rig(shape, side="right")`` -> HandRig, built once per (shape, side) for the whole session."""

    @functools.cache
    def make(shape: HandShape, side: str = "right") -> HandRig:
        return HandRig(shape, side=side)

    return make


# --- scene fixtures (module scope: each scene test module synthesises grasp 0 once) ---------------------
@pytest.fixture(scope="module")
def scene_config():
    # Every sample of the module shares grasp 0: one synthesis (the first also builds the hand template).
    return SceneConfig(renders_per_grasp=100_000, sides=("right", "left"))


@pytest.fixture(scope="module")
def sampler(scene_config):
    return SceneSampler(SEED, scene_config, FAMILIES)


@pytest.fixture(scope="module")
def specs(sampler):
    return [sampler.sample(i) for i in range(N_SPECS)]


@pytest.fixture(scope="module")
def grasp_scene(sampler):
    return sampler.bank.get(0)
