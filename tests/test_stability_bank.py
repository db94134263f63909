"""``scene.stability`` reaches synthesis through GraspBank: ``none`` simulates nothing, ``measure`` stores
both protocols with every grasp, ``gate`` only hands out grasps that hold, each a pure function of the
grasp's index (the same as ``sample_grasp`` with a simulator)."""

from __future__ import annotations

import pytest

pytest.importorskip("pybullet")

from handsynth.grasp import sample_grasp  # noqa: E402
from handsynth.grasp.stability import GRIP_BOUND_CM, Simulator  # noqa: E402
from handsynth.scene.grasps import GraspBank  # noqa: E402

FAMILIES = ("screwdriver", "orange")


def test_none_measure_and_gate():
    off = GraspBank(5, FAMILIES, stability="none")
    assert off.get(0).grasp.quality.stability is None
    off.close()
    measure = GraspBank(5, FAMILIES, stability="measure")
    measured = measure.get(0).grasp
    measure.close()
    assert measured.quality.stability is not None
    # measure does not change which grasp is drawn, only adds its figures.
    assert off.get(0).grasp.grasp_type == measured.grasp_type
    gate = GraspBank(5, FAMILIES, stability="gate")
    for k in range(2):
        block = gate.get(k).grasp.quality.stability
        assert block["grip_holds"] is True and block["grip_displacement_cm"] <= GRIP_BOUND_CM
        with Simulator() as sim:
            direct, _ = sample_grasp(5, k, FAMILIES, side=gate.side_of(k), stability=sim, grip_gate=True)
        assert direct.quality.stability == block
    gate.close()
    assert gate._made == []
