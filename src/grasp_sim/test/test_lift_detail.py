"""The lift test's detail reports the gripper opening clamped at 0; the label itself is unchanged."""

import re

import pytest
from grasp_servo.pose import GripperPose
from grasp_sim.world import GraspWorld
from grasp_sim.world_config import WorldConfig


@pytest.fixture(scope="module")
def world():
    return GraspWorld(WorldConfig(min_objects=1, max_objects=1, object_set="heldout"))


def empty_grasp(world, overshoot=None):
    """Close far from the object and lift; ``overshoot`` replaces the measured opening."""
    world.reset(8)
    state = world.object_states()[0]
    world.move_to(GripperPose(state.position[0] + 0.12, state.position[1], 0.015, 0.0))
    world.close_gripper()
    if overshoot is not None:
        world.gripper_opening = lambda: overshoot  # the fingers' joint overshoot of an empty close
    try:
        return world.lift_test()
    finally:
        world.__dict__.pop("gripper_opening", None)


def reported_opening(detail):
    return float(re.search(r"opening (-?[0-9.]+) m", detail).group(1))


def test_a_negative_opening_is_reported_as_zero(world):
    measured = empty_grasp(world)
    overshot = empty_grasp(world, overshoot=-0.001)
    assert "opening 0.0000 m" in overshot.detail and "-" not in overshot.detail.split("opening")[1]
    assert overshot.success == measured.success is False and overshot.label_method == measured.label_method
    assert overshot.detail.split("; opening")[0] == measured.detail.split("; opening")[0]
    assert reported_opening(measured.detail) >= 0.0


def test_a_positive_opening_is_reported_as_measured(world):
    assert reported_opening(empty_grasp(world, overshoot=0.0123).detail) == pytest.approx(0.0123)
