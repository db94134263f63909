"""Tests of the wrist's size: breadth, thickness and tape circumference at the wrist crease, measured on
every named subject's rest mesh, fall in the ANSUR II range for the subject's sex and hand length
(``handsynth.hand.subjects.wrist_ranges_mm``), and the measurement itself measures what it says."""

import numpy as np
import pytest

from handsynth.hand import SUBJECTS, HandShape
from handsynth.hand.subjects import (
    WRIST_CIRCUMFERENCE_MM,
    hand_dimensions,
    subject_sex,
    wrist_measurements_mm,
    wrist_ranges_mm,
)


@pytest.mark.parametrize("subject_id", list(SUBJECTS))
def test_named_subjects_wrist_is_anthropometric(make_rig, subject_id):
    shape = SUBJECTS[subject_id].shape
    ranges = wrist_ranges_mm(subject_sex(shape), 1e3 * hand_dimensions(shape)[0])
    measured = wrist_measurements_mm(make_rig(shape).rest_vertices)
    for key in ("breadth", "thickness", "circumference"):
        lo, hi = ranges[key]
        assert lo <= measured[key] <= hi, (subject_id, key, measured[key], (lo, hi))


def test_named_subjects_are_five_women_and_five_men():
    sexes = [subject_sex(s.shape) for s in SUBJECTS.values()]
    assert sexes.count("female") == 5 and sexes.count("male") == 5


def test_average_subjects_wrists_sit_near_the_survey_means(make_rig):
    """The average woman and man (default build) have wrists within one SD of the ANSUR II means, and
    the man's is larger: the rig's wrist follows sex, not only hand size."""
    circ = {}
    for sex, gender in (("female", 0.0), ("male", 1.0)):
        rest = make_rig(HandShape(gender=gender)).rest_vertices
        circ[sex] = wrist_measurements_mm(rest)["circumference"]
        table = WRIST_CIRCUMFERENCE_MM[sex]
        assert abs(circ[sex] - table["mean"]) <= table["sd"], (sex, circ[sex])
    assert circ["male"] > circ["female"] + 10.0


def test_wrist_is_narrower_than_the_palm(make_rig):
    """The crease is a waist: the section 3 cm distal (carpus and thenar) is at least 20 % broader."""
    rest = make_rig(HandShape()).rest_vertices
    crease = wrist_measurements_mm(rest)["breadth"]
    palm = wrist_measurements_mm(rest - np.array([0.03, 0.0, 0.0]))["breadth"]
    assert palm >= 1.2 * crease


def test_wrist_measurement_of_an_elliptic_tube():
    """On a known elliptic tube the measurement returns its axes and its perimeter (Ramanujan)."""
    t = np.linspace(0.0, 2.0 * np.pi, 720, endpoint=False)
    rings = [np.stack([np.full_like(t, x), 0.030 * np.cos(t), 0.020 * np.sin(t)], 1) for x in (-0.001, 0.001)]
    tube = np.concatenate(rings + [rings[0] + [0.01, 0.0, 0.0]])
    m = wrist_measurements_mm(tube)
    a, b = 30.0, 20.0
    h = ((a - b) / (a + b)) ** 2
    perimeter = np.pi * (a + b) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))
    assert m["breadth"] == pytest.approx(60.0, abs=1e-6)
    assert m["thickness"] == pytest.approx(40.0, abs=1e-3)
    assert m["circumference"] == pytest.approx(perimeter, rel=1e-3)


def test_wrist_ranges_grow_with_hand_length_and_bracket_the_survey():
    small, large = wrist_ranges_mm("male", 177.0), wrist_ranges_mm("male", 210.0)
    for key in ("breadth", "thickness", "circumference"):
        assert small[key][0] < large[key][0] and small[key][1] < large[key][1]
        assert small[key][0] < small[key][1]
    # At the survey's mean hand length the range is close to the population's 5th..95th percentiles.
    for sex, mean_hand in (("female", 181.1), ("male", 193.3)):
        lo, hi = wrist_ranges_mm(sex, mean_hand)["circumference"]
        table = WRIST_CIRCUMFERENCE_MM[sex]
        assert abs(lo - table["p5"]) < 4.0 and abs(hi - table["p95"]) < 4.0
