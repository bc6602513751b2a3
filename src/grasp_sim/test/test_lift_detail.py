"""The label's evidence reports every gripper opening clamped at 0; the label itself is unchanged by the clamp."""

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


def reported_openings(detail):
    evidence = detail.split(" | ")[0]
    return [float(v) for v in re.findall(r"(-?[0-9.]+) mm after", evidence)]


def test_a_negative_opening_is_reported_as_zero(world):
    measured = empty_grasp(world)
    overshot = empty_grasp(world, overshoot=-0.001)
    assert reported_openings(overshot.detail) == [0.0, 0.0, 0.0]
    assert "-0" not in overshot.detail.split(" | ")[0]
    assert overshot.opening_shaken == 0.0
    assert overshot.success == measured.success is False and overshot.label_method == measured.label_method
    assert all(v >= 0.0 for v in reported_openings(measured.detail))


def test_a_positive_opening_is_reported_as_measured(world):
    result = empty_grasp(world, overshoot=0.0123)
    assert reported_openings(result.detail) == pytest.approx([12.3, 12.3, 12.3])
    assert result.success  # the label reads the gripper only: 12.3 mm is above the 1 mm threshold
    assert not result.truth.success and not result.agrees  # ... and the audit says so


def test_the_held_threshold_clears_an_empty_close_and_matches_the_ros_label(world):
    from grasp_servo.ros.post_grasp import LabelConfig

    result = empty_grasp(world)
    threshold = world.config.held_opening_threshold
    assert threshold == LabelConfig().held_opening_threshold == 0.001  # one label, embedded and in the ROS graph
    assert result.opening_shaken < threshold / 3 and not result.success  # fingers shut on nothing: 1 mm spare
    assert empty_grasp(world, overshoot=0.003).success  # a 3 mm part keeps the fingers apart: held
