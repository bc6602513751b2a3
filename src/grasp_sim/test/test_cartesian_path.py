"""Straight pinch-point paths with real mink IK on the UR5 model, and the half turn of a parallel gripper."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_servo.pose import GripperPose
from grasp_servo.robot_profiles import get_profile
from grasp_sim.arm_ik import ArmIK
from grasp_sim.cartesian_path import other_way_round, straight_line_path, waypoint_count


@pytest.fixture(scope="module")
def ik() -> ArmIK:
    return ArmIK(np.array(get_profile("ur5").home_joints))


def wrist_at_its_limit(ik: ArmIK) -> tuple[np.ndarray, GripperPose]:
    """Joints with the last joint 0.1 rad from its -2 pi limit, and the pose they give."""
    joints = ik.solve(GripperPose(0.5, 0.0, 0.2, 0.0), np.array(get_profile("ur5").home_joints))
    joints[-1] = -2 * np.pi + 0.1
    return joints, ik.forward(joints)


def test_waypoints_every_2_cm_and_0_3_rad() -> None:
    assert waypoint_count(np.array([0.0, 0.0, 0.0, 0.0])) == 1
    assert waypoint_count(np.array([0.05, 0.0, 0.0, 0.1])) == 3
    assert waypoint_count(np.array([0.0, 0.0, 0.01, -0.95])) == 4


def test_other_way_round_ends_a_half_turn_from_the_goal() -> None:
    np.testing.assert_allclose(other_way_round(np.array([0.01, 0.0, 0.0, 0.8])), [0.01, 0.0, 0.0, 0.8 - np.pi])
    np.testing.assert_allclose(other_way_round(np.array([0.0, 0.0, 0.0, -0.5])), [0.0, 0.0, 0.0, np.pi - 0.5])


def test_a_reachable_goal_is_followed_as_asked(ik: ArmIK) -> None:
    joints = ik.solve(GripperPose(0.5, 0.0, 0.2, 0.3), np.array(get_profile("ur5").home_joints))
    goal = GripperPose(0.55, 0.03, 0.15, 0.9)
    path = straight_line_path(ik, joints, ik.forward(joints), goal)
    assert path.complete and not path.half_turn and len(path.joints) == path.planned
    end = ik.forward(path.joints[-1])
    assert np.linalg.norm(end.position - goal.position) < 2e-3 and end.yaw == pytest.approx(goal.yaw, abs=0.02)


def test_a_yaw_past_the_wrist_limit_is_reached_a_half_turn_round(ik: ArmIK) -> None:
    joints, start = wrist_at_its_limit(ik)
    # Which way the last joint turns for +yaw depends on the arm; find the way that runs into its limit.
    for dyaw in (0.8, -0.8):
        goal = GripperPose(start.x, start.y, start.z, start.yaw + dyaw)
        if not straight_line_path(ik, joints, start, goal, parallel_gripper=False).complete:
            break
    else:
        pytest.fail("neither turn ran into the wrist limit")
    blocked = straight_line_path(ik, joints, start, goal, parallel_gripper=False)
    assert "waypoint 1 of" in str(blocked.error) and blocked.joints == []
    path = straight_line_path(ik, joints, start, goal)
    assert path.complete and path.half_turn
    end = ik.forward(path.joints[-1])
    assert np.linalg.norm(end.position - goal.position) < 2e-3
    assert abs((end.yaw - goal.yaw) % np.pi) < 0.02 or abs((end.yaw - goal.yaw) % np.pi - np.pi) < 0.02
    assert abs(path.joints[-1][-1]) < 2 * np.pi - 0.1  # turned back into the wrist's range
