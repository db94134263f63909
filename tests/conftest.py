"""Shared fixtures of the hand tests: the process-wide hand template and rigs cached per shape and side."""

import functools

import pytest

from handsynth.hand import HandRig, HandShape, hand_template


@pytest.fixture(scope="session")
def template():
    """The reference hand template (built once per process, about 2 s)."""
    return hand_template()


@pytest.fixture(scope="session")
def make_rig(template):
    """``make_rig(shape, side="right")`` -> HandRig, built once per (shape, side) for the whole session."""

    @functools.cache
    def make(shape: HandShape, side: str = "right") -> HandRig:
        return HandRig(shape, side=side)

    return make
