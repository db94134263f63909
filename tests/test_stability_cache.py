"""The simulator's caches change nothing: a grasp measured by a simulator that has already measured it and
other grasps (rig, object pieces, mass and compound file cached; a client reset many times) gives the
same figures as a fresh simulator, and the caches stay bounded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pybullet")

from handsynth.grasp import synthesize  # noqa: E402
from handsynth.grasp.cache import Lru  # noqa: E402
from handsynth.grasp.stability import Simulator, measure_stability  # noqa: E402
from handsynth.hand.subjects import SUBJECTS  # noqa: E402
from handsynth.objects.families import FAMILIES  # noqa: E402


def _grasp(family: str, grasp_type: str, seed: int):
    rng = np.random.default_rng([seed, 1])
    obj = FAMILIES[family].build(rng)
    grasp, _ = synthesize(obj, SUBJECTS["m01"], rng, grasp_type=grasp_type, max_attempts=12)
    assert grasp is not None
    return grasp


def test_cached_simulator_gives_the_fresh_simulators_figures():
    held = _grasp("screwdriver", "power_grip", 7)
    other = _grasp("orange", "spherical_power", 3)
    with Simulator() as fresh:
        expected = measure_stability(held, fresh).to_dict()
        assert len(fresh._objects) == 1 and len(fresh._rigs) == 1
    with Simulator() as warm:
        first = measure_stability(held, warm).to_dict()
        measure_stability(other, warm)
        again = measure_stability(held, warm).to_dict()  # rig and object data from the caches
        assert len(warm._objects) == 2
    assert first == expected and again == expected


def test_lru_keeps_the_most_recent_and_makes_each_once():
    made = []

    def make(key):
        return lambda: made.append(key) or key * 10

    cache = Lru(2)
    assert cache.get(1, make(1)) == 10 and cache.get(2, make(2)) == 20
    assert cache.get(1, make(1)) == 10  # cached: 1 is now the most recent
    assert cache.get(3, make(3)) == 30  # drops 2, the least recently used
    assert len(cache) == 2 and made == [1, 2, 3]
    assert cache.get(2, make(2)) == 20 and made == [1, 2, 3, 2]


def test_dropped_objects_leave_no_compound_file():
    """A long run does not fill the disk: only the cached objects' compound files exist."""
    grasps = [_grasp(f, t, 3) for f, t in (("orange", "spherical_power"), ("ball", "spherical_power"))]
    with Simulator() as sim:
        sim._objects.size = 1
        folder = Path(sim._folder.name)
        for g in grasps:
            sim.convex_pieces(g.object)
            assert len(list(folder.glob("*.obj"))) == 1
    assert not folder.exists()


def test_compound_text_is_the_line_by_line_text():
    """The compound OBJ, formatted a block at a time, is byte for byte the text written a line at a
    time (a mug: lathe pieces and a torus handle; the file's name is its content's hash)."""
    from handsynth.grasp.object_mass import mass_properties
    from handsynth.grasp.stability_bodies import compound_obj_text, convex_hull, inset

    mug = FAMILIES["mug"].build(np.random.default_rng(4))
    com = mass_properties(mug)[1]
    with Simulator() as sim:
        pieces = sim.convex_pieces(mug)
    lines, base = [], 1
    for i, piece in enumerate(pieces):
        vertices, normals, faces = convex_hull(piece, faces=True)
        vertices = inset((vertices, normals)) - com
        lines.append(f"o piece{i}")
        lines += [f"v {x:.9f} {y:.9f} {z:.9f}" for x, y, z in vertices.tolist()]
        lines += [f"f {a} {b} {c}" for a, b, c in (faces + base).tolist()]
        base += len(vertices)
    assert len(pieces) > 12 and compound_obj_text(pieces, com) == "\n".join(lines) + "\n"


def test_literature_after_the_grip_world_equals_a_fresh_world():
    """The literature protocol reuses the grip protocol's world (bodies removed, the object's compound
    shape kept): its figure is the one a fresh world gives."""
    from handsynth.grasp.stability_bodies import bone_hulls
    from handsynth.grasp.stability_record import gravity_directions

    held = _grasp("screwdriver", "power_grip", 7)
    with Simulator() as sim:
        rig = sim.rig(held.subject.shape, held.side)
        posed = held.posed_hand(rig)
        directions = gravity_directions(posed.bone_transforms, posed.joints)
        hand = list(bone_hulls(posed, rig.template.weights).values())
        sim.grip(held.object, hand, directions)
        assert sim._shape is not None
        shape = sim._shape
        reused = sim.literature(held.object, hand, directions["palm_down"])
        assert sim._shape == shape  # the compound was not loaded again
    with Simulator() as fresh:
        alone = fresh.literature(held.object, hand, directions["palm_down"])  # no grip before: a fresh world
    assert reused == alone and reused > 0.0
