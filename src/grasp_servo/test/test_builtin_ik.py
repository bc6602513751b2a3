"""The motion node's built-in IK backend: straight pinch-point paths as joint trajectories (real mink IK)."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_servo.pose import GripperPose
from grasp_servo.robot_profiles import get_profile
from grasp_servo.ros.builtin_ik import BuiltinArmPlanner, PlanningError, joints_by_name

pytest.importorskip("mink", reason="the built-in IK backend needs mink (grasp_sim's dependencies)")


@pytest.fixture(scope="module")
def planner() -> BuiltinArmPlanner:
    return BuiltinArmPlanner(get_profile("ur5").home_joints)


def start_joints(planner: BuiltinArmPlanner) -> np.ndarray:
    from grasp_sim.arm_ik import ArmIK

    return ArmIK(np.array(get_profile("ur5").home_joints)).solve(GripperPose(0.5, 0.0, 0.28, 0.3), planner.home_joints)


def test_plan_ends_at_the_goal_along_a_straight_line(planner: BuiltinArmPlanner) -> None:
    joints = start_joints(planner)
    goal = GripperPose(0.55, 0.04, 0.12, -0.2)
    plan = planner.plan(joints, goal)
    assert plan.joint_names[0] == "shoulder_pan_joint" and plan.positions.shape[1] == 6
    assert np.all(np.diff(plan.times_s) > 0)
    end = planner.forward(plan.positions[-1])
    assert np.linalg.norm(end.position - goal.position) < 2e-3 and abs(end.yaw - goal.yaw) < 0.02
    start = planner.forward(joints)
    for positions in plan.positions:  # every waypoint on the segment from start to goal
        p = planner.forward(positions).position
        direction = (goal.position - start.position) / np.linalg.norm(goal.position - start.position)
        off_line = (p - start.position) - direction * float((p - start.position) @ direction)
        assert np.linalg.norm(off_line) < 3e-3
    # The duration follows the linear speed (0.3 m/s).
    assert plan.times_s[-1] == pytest.approx(np.linalg.norm(goal.position - start.position) / 0.3, rel=0.05)


def test_unreachable_goal_is_refused(planner: BuiltinArmPlanner) -> None:
    with pytest.raises(PlanningError, match="waypoint"):
        planner.plan(start_joints(planner), GripperPose(2.0, 0.0, 0.2, 0.0))


def test_bad_joint_positions_are_refused(planner: BuiltinArmPlanner) -> None:
    with pytest.raises(PlanningError, match="6 finite"):
        planner.plan(np.array([0.0, np.nan, 0, 0, 0, 0]), GripperPose(0.5, 0.0, 0.2, 0.0))


def test_joints_by_name_picks_and_orders() -> None:
    assert joints_by_name(["b", "a", "c"], [2.0, 1.0, 3.0], ["a", "c"]).tolist() == [1.0, 3.0]
    assert joints_by_name(["a"], [1.0], ["a", "missing"]) is None


def test_no_joint_moves_faster_than_the_limit(planner: BuiltinArmPlanner) -> None:
    slow = BuiltinArmPlanner(get_profile("ur5").home_joints, max_joint_speed=0.2)
    joints = start_joints(planner)
    plan = slow.plan(joints, GripperPose(0.45, -0.05, 0.2, 1.2))
    steps = np.diff(np.vstack([joints, plan.positions]), axis=0)
    durations = np.diff(np.concatenate([[0.0], plan.times_s]))
    assert np.all(np.max(np.abs(steps), axis=1) / durations <= 0.2 + 1e-9)
