"""Grasp stability in PyBullet: the simulation is real (an object beside an open hand falls, one in a power
grasp stays), the gate's verdict survives a round trip through the stored record, the numbers are
deterministic, and the pieces the simulator uses hug the object's surface."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pybullet")

from handsynth.grasp import synthesize  # noqa: E402
from handsynth.grasp.convex_pieces import lathe_pieces  # noqa: E402
from handsynth.grasp.object_mass import density_kg_m3, mass_properties  # noqa: E402
from handsynth.grasp.quality import GraspQuality  # noqa: E402
from handsynth.grasp.stability import (  # noqa: E402
    DROP_CM,
    GRIP_BOUND_CM,
    Simulator,
    gravity_directions,
    measure_stability,
)
from handsynth.grasp.synthesis import Grasp  # noqa: E402
from handsynth.hand.pose import HandPose, named_pose  # noqa: E402
from handsynth.hand.rig import HandRig  # noqa: E402
from handsynth.hand.shape import HandShape  # noqa: E402
from handsynth.hand.subjects import SUBJECTS  # noqa: E402
from handsynth.objects.families import FAMILIES  # noqa: E402

_NO_QUALITY = GraspQuality(0.0, 0.0, (), {}, -1.0, 0.0)


@pytest.fixture(scope="module")
def sim():
    with Simulator() as s:
        yield s


@pytest.fixture(scope="module")
def held():
    """A screwdriver in a power grip (seeded; held in the grip protocol)."""
    rng = np.random.default_rng([7, 1])
    obj = FAMILIES["screwdriver"].build(rng)
    grasp, _ = synthesize(obj, SUBJECTS["m01"], rng, grasp_type="power_grip", max_attempts=12)
    assert grasp is not None
    return grasp


def test_object_beside_an_open_hand_falls(sim):
    rng = np.random.default_rng(3)
    ball = FAMILIES["ball"].build(rng)
    subject = SUBJECTS["f01"]
    rig = HandRig(subject.shape, "right")
    pose = named_pose("flat")
    hand = rig.pose(pose)
    # The ball's centre 4 cm beyond the hand's side (thumb side), level with the palm: nothing touches.
    lo, hi = hand.vertices.min(axis=0), hand.vertices.max(axis=0)
    T = np.eye(4)
    T[:3, 3] = -np.array([0.5 * (lo[0] + hi[0]), hi[1] + 0.04 + ball.dims["radius"], 0.5 * (lo[2] + hi[2])])
    grasp = Grasp(ball, "spherical_power", subject, "right", pose, T, _NO_QUALITY, 1)
    assert np.min(ball.sdf(grasp.posed_hand(rig).vertices)) > 0.03
    s = measure_stability(grasp, sim)
    # Free fall: the grip protocol stops it once it is DROP_CM away (~0.14 s); 35 steps take it ~10 cm.
    assert DROP_CM < s.grip_displacement_cm < DROP_CM + 1.0
    assert s.sim_displacement_cm > 8.0
    assert s.grip_squeeze_n == 0.0
    assert not s.holds()
    # As a gate, the literature protocol is left out of a grasp that the grip protocol drops.
    gated = measure_stability(grasp, sim, gate=True)
    assert np.isnan(gated.sim_displacement_cm) and gated.grip_displacement_cm == s.grip_displacement_cm


def test_object_in_a_power_grip_stays(sim, held):
    s = measure_stability(held, sim)
    assert s.holds()
    assert s.grip_displacement_cm < 0.5 * GRIP_BOUND_CM
    assert s.grip_squeeze_n > 5.0  # the fingers press
    assert s.sim_displacement_cm < 1.0
    assert s.mass_kg == pytest.approx(mass_properties(held.object)[0] * density_kg_m3(held.object))


def test_same_grasp_same_numbers(sim, held):
    a = measure_stability(held, sim).to_dict()
    assert measure_stability(held, sim, gate=True).to_dict() == a  # it holds: both protocols, same figures
    with Simulator() as fresh:  # a new client and empty caches: still the same
        b = measure_stability(held, fresh).to_dict()
    assert a == b


def test_gate_verdict_survives_the_stored_record(sim):
    rng = np.random.default_rng([7, 1])
    obj = FAMILIES["screwdriver"].build(rng)
    grasp, stats = synthesize(
        obj, SUBJECTS["m01"], rng, grasp_type="power_grip", max_attempts=12, stability=sim, grip_gate=True
    )
    assert grasp is not None and stats.accepted == 1
    record = json.loads(json.dumps(grasp.to_record()))
    stored = record["quality"]["stability"]
    assert stored["grip_displacement_cm"] <= GRIP_BOUND_CM
    assert set(stored) == {
        "sim_displacement_cm",
        "sim_direction",
        "grip_displacement_cm",
        "grip_rotation_deg",
        "grip_worst_direction",
        "grip_squeeze_n",
        "grip_bound_cm",
        "grip_model",
        "grip_holds",
        "object_mass_kg",
    }
    assert stored["grip_holds"] is True and stored["grip_bound_cm"] == GRIP_BOUND_CM
    # Rebuild the hand from the record alone: pose in degrees, shape, side, placement (rounded JSON).
    subject = replace(SUBJECTS[record["subject"]], shape=HandShape.from_dict(record["shape"]))
    again = Grasp(
        obj,
        record["grasp_type"],
        subject,
        record["side"],
        HandPose.from_degrees(record["pose_deg"]),
        np.array(record["T_object_hand"]),
        _NO_QUALITY,
        1,
    )
    s = measure_stability(again, sim, literature_down=stored["sim_direction"])
    assert s.holds()
    assert s.grip_displacement_cm == pytest.approx(stored["grip_displacement_cm"], abs=0.2)
    assert s.sim_direction == stored["sim_direction"]
    assert s.sim_displacement_cm == pytest.approx(stored["sim_displacement_cm"], abs=0.2)


def test_literature_direction_is_one_drawn_per_grasp(sim, held):
    """The literature protocol runs under one world-down direction per grasp, as the reference does: a
    pure function of the grasp, stored with the figure, uniform over the allowed directions."""
    from handsynth.dataset.checked import WORLD_DOWN
    from handsynth.grasp.stability_record import literature_direction

    posed = held.posed_hand()
    names = list(gravity_directions(posed.bone_transforms, posed.joints))
    s = measure_stability(held, sim)
    assert s.sim_direction == literature_direction(held, names) == s.to_dict()["sim_direction"]
    figures = {}
    for name in names:  # each direction is a simulation of its own; the drawn one gives the stored figure
        figures[name] = measure_stability(held, sim, literature_down=name).sim_displacement_cm
    assert figures[s.sim_direction] == s.sim_displacement_cm and len(set(figures.values())) > 1
    # Uniform over the directions: 1000 placements of the grasp, each name drawn 200 +- 3.5 sigma.
    rng = np.random.default_rng(0)
    counts = dict.fromkeys(names, 0)
    for _ in range(1000):
        T = held.T_object_hand.copy()
        T[:3, 3] += rng.normal(scale=1e-3, size=3)
        counts[literature_direction(replace(held, T_object_hand=T), names)] += 1
    assert all(145 <= c <= 255 for c in counts.values()), counts
    # Every name the grip protocol uses, support grasps' included, is one validate accepts.
    support = gravity_directions(posed.bone_transforms, posed.joints, support=True)
    assert set(names) | set(support) == set(WORLD_DOWN)


def test_gravity_directions_are_those_scene_sampling_allows(held):
    posed = held.posed_hand()
    dirs = gravity_directions(posed.bone_transforms, posed.joints)
    forearm = -dirs["arm_up"]
    for name, g in dirs.items():
        assert np.linalg.norm(g) == pytest.approx(1.0)
        # sample_world_pose: the forearm points no lower than 15 degrees below the horizon.
        assert g @ forearm <= np.sin(np.radians(15.0)) + 1e-9, name
    assert dirs["palm_down"] @ dirs["palm_up"] < 0 and dirs["thumb_down"] @ dirs["little_down"] < 0


@pytest.mark.parametrize("family", ["mug", "bottle", "glass"])
def test_lathe_pieces_hug_the_surface(family):
    """No piece's corner lies outside the solid, and every surface point lies in some piece."""
    from scipy.spatial import Delaunay

    obj = FAMILIES[family].build(np.random.default_rng(5))
    lathe = obj.parts[0]
    pieces = lathe_pieces(lathe.profile)
    tris = [Delaunay(p) for p in pieces]
    surface = lathe.mesh().vertices[:: max(1, len(lathe.mesh().vertices) // 600)]
    shrunk = surface - 1e-4 * obj.normals(surface)  # the arcs' chords: < 0.1 mm
    inside = np.zeros(len(surface), dtype=bool)
    for t in tris:
        inside |= t.find_simplex(shrunk) >= 0
    assert inside.mean() > 0.98
    # No corner of any piece lies outside the solid (they are revolved profile corners and axis points).
    for p in pieces:
        assert lathe.sdf(p).max() < 1e-9


def test_vhacd_decomposition_is_cached_in_memory_and_on_disk(tmp_path):
    """Concave meshes without a primitive (user meshes) go through V-HACD once per mesh content."""
    from handsynth.objects.mesh_part import MeshPart
    from handsynth.objects.model import ObjectModel

    glass = FAMILIES["glass"].build(np.random.default_rng(2))
    mesh = glass.parts[0].mesh()
    obj = ObjectModel(
        "user_glass", "cylindrical", {}, (MeshPart(mesh.vertices, mesh.faces),), glass.materials, glass.grasp
    )
    with Simulator(cache_dir=tmp_path) as first:
        pieces = first.convex_pieces(obj)
        again = first.convex_pieces(obj)
        assert first.vhacd_calls == 1 and len(pieces) > 1
        assert all(np.array_equal(a, b) for a, b in zip(pieces, again, strict=True))
    assert len(list(tmp_path.glob("*.npz"))) == 1
    with Simulator(cache_dir=tmp_path) as second:
        loaded = second.convex_pieces(obj)
        assert second.vhacd_calls == 0
    assert all(np.array_equal(a, b) for a, b in zip(pieces, loaded, strict=True))


def test_a_pinch_holds_by_its_pads(sim, monkeypatch):
    """A palmar pinch of a carton (thumb pad against index and middle pads) holds by the pads' squeeze
    and their contact patch's torsional friction; with point contacts (no torsional friction) the
    same grasp turns about the pinch axis and drops, as the old protocol dropped every pinch."""
    import handsynth.grasp.stability as stability

    rng = np.random.default_rng([7, 4])
    obj = FAMILIES["carton"].build(rng)
    grasp, _ = synthesize(obj, SUBJECTS["f02"], rng, grasp_type="palmar_pinch", max_attempts=12)
    assert grasp is not None
    s = measure_stability(grasp, sim)
    assert s.holds() and s.grip_displacement_cm < 0.5
    assert s.grip_squeeze_n > 10.0  # the pads give and push back: about 4.5 N per contact
    monkeypatch.setattr(stability, "PAD_SPIN_M", 0.0)
    point = measure_stability(grasp, sim)
    assert not point.holds() and point.grip_rotation_deg > 30.0


def test_a_gate_stops_once_the_grasp_has_failed(sim):
    """A gate needs only the verdict: the grip protocol stops at the first direction that moves the
    object beyond the bound (here a power edge grasp of a box that slides ~3.8 cm with its thumb side
    down, the fourth of five directions), skipping the last direction and the shakes."""
    from handsynth.grasp import sample_grasp
    from handsynth.objects.catalog import resolve_objects

    grasp, _ = sample_grasp(0, 58, resolve_objects(None))
    before = sim.steps
    measured = measure_stability(grasp, sim, literature=False)  # the grip protocol alone, in full
    measured_steps = sim.steps - before
    gated = measure_stability(grasp, sim, gate=True)
    gated_steps = sim.steps - before - measured_steps
    assert not measured.holds() and not gated.holds()
    # Both beyond the bound, neither dropped; the gated figure is the direction's before the shakes,
    # the measured one after them (which can push a sliding box further or back).
    assert GRIP_BOUND_CM < gated.grip_displacement_cm < DROP_CM
    assert GRIP_BOUND_CM < measured.grip_displacement_cm < DROP_CM
    assert np.isnan(gated.sim_displacement_cm)
    assert gated.grip_worst_direction == measured.grip_worst_direction == "thumb_down"
    assert gated_steps < measured_steps  # no little_down, no shakes
