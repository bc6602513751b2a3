"""Pose and motion algebra: the frame every model and bag relies on."""

import numpy as np
import pytest
from grasp_servo.pose import (
    GripperPose,
    apply_motion,
    motion_between,
    wrap_half_turn,
    yaw_from_quaternion_wxyz,
)


@pytest.mark.parametrize("yaw", [-3.0, -1.2, 0.0, 0.4, 2.9])
def test_motion_between_inverts_apply_motion(yaw):
    rng = np.random.default_rng(1)
    start = GripperPose(0.5, -0.1, 0.2, yaw)
    for _ in range(20):
        motion = np.concatenate([rng.normal(0, 0.1, 3), [rng.uniform(-np.pi / 2, np.pi / 2 - 1e-9)]])
        end = apply_motion(start, motion)
        np.testing.assert_allclose(motion_between(start, end), motion, atol=1e-12)


def test_motion_is_expressed_in_the_yaw_aligned_frame():
    start = GripperPose(0.0, 0.0, 0.3, np.pi / 2)  # gripper x axis along world +y
    end = apply_motion(start, np.array([0.1, 0.0, -0.1, 0.0]))
    np.testing.assert_allclose(end.position, [0.0, 0.1, 0.2], atol=1e-12)


def test_yaw_difference_wraps_to_a_half_turn():
    assert wrap_half_turn(np.pi * 0.75) == pytest.approx(-np.pi / 4)
    start, end = GripperPose(0, 0, 0, 0.1), GripperPose(0, 0, 0, 0.1 + np.pi)
    assert motion_between(start, end)[3] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("yaw", [-2.5, -0.3, 0.0, 1.0, 3.1])
def test_quaternion_round_trip_and_points_down(yaw):
    q = GripperPose(0, 0, 0, yaw).quaternion_wxyz()
    assert np.linalg.norm(q) == pytest.approx(1.0)
    assert yaw_from_quaternion_wxyz(q) == pytest.approx(yaw)
    w, x, y, z = q
    # Third column of the rotation matrix: the tool z axis in the world, which must point down.
    tool_z = [2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)]
    np.testing.assert_allclose(tool_z, [0, 0, -1], atol=1e-12)
