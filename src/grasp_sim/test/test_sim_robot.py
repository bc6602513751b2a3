"""The simulated robot driven step by step (real MuJoCo): trajectories, the 2F-85's drive, camera, clock, audit."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_servo.pose import GripperPose
from grasp_servo.robot_profiles import get_profile
from grasp_sim.gripper_drive import KNUCKLE_CLOSED, GripperJointScale
from grasp_sim.objects import ObjectPart, ObjectSpec
from grasp_sim.sim_robot import ABORTED, ACTIVE, CANCELED, SUCCEEDED, SimRobot
from grasp_sim.trajectory import INVALID_GOAL, INVALID_JOINTS, JointTrajectory, TrajectoryError
from grasp_sim.world_config import WorldConfig

ARM_JOINTS = get_profile("ur5").joint_names
JOINT_NAMES = (*ARM_JOINTS, "robotiq_85_left_knuckle_joint")


def box(width: float = 0.04, height: float = 0.05, mass: float = 0.2, name: str = "box") -> ObjectSpec:
    part = ObjectPart("box", size=(width / 2, width / 2, height / 2), pos=(0.0, 0.0, height / 2))
    return ObjectSpec(name=name, parts=(part,), mass=mass, height=height, family="box", friction=(0.8, 0.005, 0.0001))


@pytest.fixture(scope="module")
def robot() -> SimRobot:
    return SimRobot(WorldConfig(object_set="heldout"))


def run_until(robot: SimRobot, done, max_seconds: float = 5.0) -> float:
    """Step until ``done()``; returns the simulated seconds it took."""
    steps = 0
    limit = round(max_seconds / robot.world.timestep)
    while not done():
        robot.step(1)
        steps += 1
        assert steps < limit, "timed out in simulation"
    return steps * robot.world.timestep


def move_pinch(robot: SimRobot, goal: GripperPose, duration: float = 0.6) -> np.ndarray:
    """Joints for ``goal`` (IK) as a one-point trajectory, followed to the end; returns the goal joints."""
    joints = robot.world.ik.solve(goal, robot.joint_positions()[:6])
    robot.start_trajectory(robot.arm_joints, [(joints, duration)])
    run_until(robot, lambda: robot.trajectory_state().status != ACTIVE)
    assert robot.trajectory_state().status == SUCCEEDED, robot.trajectory_state().message
    return joints


def pinch_in_base(robot: SimRobot) -> np.ndarray:
    """The pinch point from the published transforms: base_link -> tool0 -> grasp_pinch."""
    return (robot.tool_pose().matrix() @ robot.pinch_transform().matrix())[:3, 3]


# --- arm --------------------------------------------------------------------------------------------------------


def test_a_trajectory_reaches_its_goal_and_the_pinch_point_moves_as_ik_forward_predicts(robot):
    robot.reset(2)
    start = robot.world.gripper_pose()
    assert np.allclose(pinch_in_base(robot), start.position, atol=1e-6)
    goal = GripperPose(start.x + 0.02, start.y - 0.01, start.z - 0.05, start.yaw + 0.2)
    joints = robot.world.ik.solve(goal, robot.joint_positions()[:6])
    order = [5, 2, 0, 4, 1, 3]  # any order of the names
    halfway = (robot.joint_positions()[:6] + joints) / 2
    robot.start_trajectory([ARM_JOINTS[i] for i in order], [(halfway[order], 0.3), (joints[order], 0.6)])
    seconds = run_until(robot, lambda: robot.trajectory_state().status != ACTIVE)
    state = robot.trajectory_state()
    assert state.status == SUCCEEDED and state.error_code == 0, state.message
    assert 0.6 < seconds < 1.0
    assert np.abs(robot.joint_positions()[:6] - joints).max() < robot.goal_tolerance
    predicted = robot.world.ik.forward(robot.joint_positions()[:6])
    assert np.allclose(robot.world.gripper_pose().position, predicted.position, atol=1e-4)
    assert np.allclose(pinch_in_base(robot), goal.position, atol=0.002)  # within the joint tolerance's reach
    assert robot.world.gripper_pose().yaw == pytest.approx(goal.yaw, abs=0.01)


def test_a_first_point_later_than_zero_starts_from_where_the_arm_is():
    start, goal = np.zeros(6), np.full(6, 0.5)
    limits = np.tile([-6.3, 6.3], (6, 1))
    linear = JointTrajectory.build(ARM_JOINTS, [(goal, 1.0)], ARM_JOINTS, start, limits)
    assert np.allclose(linear.sample(0.0), start) and np.allclose(linear.sample(0.5), 0.25)
    assert np.allclose(linear.sample(2.0), goal)
    cubic = JointTrajectory.build(ARM_JOINTS, [(goal, 1.0, np.zeros(6))], ARM_JOINTS, start, limits)
    assert np.allclose(cubic.sample(0.0), start) and np.allclose(cubic.sample(0.5), 0.25)
    assert cubic.sample(0.1)[0] < linear.sample(0.1)[0]  # eases out of rest


@pytest.mark.parametrize(
    ("names", "points", "code", "words"),
    [
        (["elbow", *ARM_JOINTS[1:]], [(np.zeros(6), 1.0)], INVALID_JOINTS, "unknown: elbow; missing: shoulder_pan"),
        ([*ARM_JOINTS, "wrist_3_joint"], [(np.zeros(7), 1.0)], INVALID_JOINTS, "repeated: wrist_3_joint"),
        (ARM_JOINTS, [], INVALID_GOAL, "no points"),
        (ARM_JOINTS, [([0.0, 0.0, np.nan, 0.0, 0.0, 0.0], 1.0)], INVALID_GOAL, "must be finite"),
        (ARM_JOINTS, [(np.zeros(5), 1.0)], INVALID_GOAL, "must be 6 numbers"),
        (ARM_JOINTS, [([0.0, 0.0, 3.5, 0.0, 0.0, 0.0], 20.0)], INVALID_GOAL, "elbow_joint = 3.5000 rad is outside"),
        (ARM_JOINTS, [("current", 0.5), ("current", 0.5)], INVALID_GOAL, "must increase"),
        (ARM_JOINTS, [("current+1", 0.1)], INVALID_GOAL, "rad/s"),
        (ARM_JOINTS, [("current+1", 0.0)], INVALID_GOAL, "cannot jump"),
        (ARM_JOINTS, [("current", -1.0)], INVALID_GOAL, "time_from_start must be finite and >= 0"),
    ],
)
def test_an_invalid_trajectory_is_refused_with_a_clear_message(robot, names, points, code, words):
    robot.reset(4)
    now = robot.joint_positions()[:6]
    resolved = [
        ((now + 1.0 if p == "current+1" else now) if isinstance(p, str) else p, t, *rest) for p, t, *rest in points
    ]
    before = robot.trajectory_state()
    with pytest.raises(TrajectoryError) as refused:
        robot.start_trajectory(names, resolved)
    assert refused.value.code == code and words in str(refused.value)
    assert robot.trajectory_state() == before  # nothing started
    robot.step(20)
    assert np.abs(robot.joint_positions()[:6] - now).max() < 1e-3  # the arm holds


def test_cancel_holds_the_arm_and_a_reset_aborts_a_running_trajectory(robot):
    robot.reset(5)
    now = robot.joint_positions()[:6]
    goal = now + np.array([0.3, 0.0, 0.0, 0.0, 0.0, 0.3])
    robot.start_trajectory(ARM_JOINTS, [(goal, 1.0)])
    robot.step(150)
    robot.cancel_trajectory()
    assert robot.trajectory_state().status == CANCELED
    robot.step(100)
    held = robot.joint_positions()[:6]
    robot.step(100)
    assert np.abs(robot.joint_positions()[:6] - held).max() < 1e-3
    assert 0.05 < held[0] - now[0] < 0.25  # stopped part way
    goal_id = robot.start_trajectory(ARM_JOINTS, [(goal, 1.0)])
    robot.step(10)
    robot.reset(6)
    state = robot.trajectory_state()
    assert state.goal_id == goal_id and state.status == ABORTED and "reset" in state.message


def test_a_blocked_arm_aborts_with_a_path_tolerance_violation(robot):
    robot.reset(7, objects=[])
    pose = robot.world.gripper_pose()
    below_table = robot.world.ik.solve(GripperPose(pose.x, pose.y, -0.15, pose.yaw), robot.joint_positions()[:6])
    robot.path_tolerance = 0.05
    try:
        robot.start_trajectory(ARM_JOINTS, [(below_table, 1.0)])
        run_until(robot, lambda: robot.trajectory_state().status != ACTIVE)
    finally:
        robot.path_tolerance = 0.2
    state = robot.trajectory_state()
    assert state.status == ABORTED and state.error_code == -4 and "blocked" in state.message


# --- gripper ----------------------------------------------------------------------------------------------------


def test_knuckle_and_opening_map_linearly_like_the_2f85():
    knuckle = GripperJointScale(0.085)
    assert knuckle.opening(0.0) == pytest.approx(0.085)
    assert knuckle.opening(0.4) == pytest.approx(0.0425)
    assert knuckle.position(0.0) == pytest.approx(KNUCKLE_CLOSED)
    assert knuckle.position(-0.001) == KNUCKLE_CLOSED and knuckle.position(0.09) == 0.0


def test_a_gripper_whose_position_falls_as_it_closes_maps_the_other_way():
    turns = GripperJointScale(0.1, open_position=6800.0, closed_position=0.0)
    assert turns.opening(6800.0) == pytest.approx(0.1) and turns.opening(0.0) == pytest.approx(0.0)
    assert turns.position(0.05) == pytest.approx(3400.0) and turns.position(0.2) == 6800.0
    assert turns.per_metre == pytest.approx(68000.0)


def test_the_gripper_closes_fully_on_nothing_and_opens_again(robot):
    robot.reset(8, objects=[])
    assert robot.gripper_state().opening == pytest.approx(0.085, abs=1e-3)
    robot.command_gripper(KNUCKLE_CLOSED, 0.0)
    seconds = run_until(robot, lambda: robot.gripper_state().done)
    state = robot.gripper_state()
    assert state.reached_goal and not state.stalled
    assert state.position == pytest.approx(0.8, abs=0.01) and robot.joint_positions()[6] == state.position
    assert 0.085 / 0.15 < seconds < 1.2  # the 2F-85's closing speed
    robot.command_gripper(0.4, 0.0)  # half open
    run_until(robot, lambda: robot.gripper_state().done)
    state = robot.gripper_state()
    assert state.reached_goal and state.opening == pytest.approx(0.0425, abs=0.001)
    robot.command_gripper(0.0)
    run_until(robot, lambda: robot.gripper_state().done)
    assert robot.gripper_state().reached_goal and robot.gripper_state().opening == pytest.approx(0.085, abs=0.001)


def test_closing_on_an_object_stalls_squeezes_and_the_audit_says_held(robot):
    robot.reset(3, objects=[box(width=0.04)])
    state = robot.world.object_states()[0]
    x, y = state.position[:2]
    move_pinch(robot, GripperPose(x, y, state.height + 0.08, state.yaw))
    robot.render_depth()  # the last frame before closing names the target
    move_pinch(robot, GripperPose(x, y, state.height / 2, state.yaw))
    robot.command_gripper(KNUCKLE_CLOSED)
    run_until(robot, lambda: robot.gripper_state().done)
    gripper = robot.gripper_state()
    assert gripper.stalled and not gripper.reached_goal  # normal for a grasp
    assert gripper.opening > 0.005 and gripper.opening == pytest.approx(0.04, abs=0.004)
    assert gripper.effort == pytest.approx(robot.world.gripper.grip_force, rel=0.1)
    pose = robot.world.gripper_pose()
    move_pinch(robot, GripperPose(pose.x, pose.y, pose.z + 0.15, pose.yaw), duration=1.0)
    robot.step(150)
    assert robot.gripper_state().opening > 0.03  # still held
    check = robot.check_grasp(True, "policy_close")
    assert check.truth_success and check.agrees and check.failure is None
    assert check.lifted_object == "box__0" and check.target_object == "box" and check.target_family == "box"
    assert "truth=held" in check.detail and "failure=-" in check.detail
    wrong = robot.check_grasp(False, "policy_close")
    assert not wrong.agrees and wrong.failure == "other"


def test_a_missed_grasp_is_audited_as_missed(robot):
    robot.reset(8, objects=[])
    robot.command_gripper(KNUCKLE_CLOSED)
    run_until(robot, lambda: robot.gripper_state().done)
    check = robot.check_grasp(False, "step_budget")
    assert not check.truth_success and check.agrees and check.target_object is None
    assert check.failure == "budget"


# --- camera, frames, clock --------------------------------------------------------------------------------------


def reproject(robot: SimRobot, depth: np.ndarray) -> np.ndarray:
    """Every pixel's point in base_link, from CameraInfo's K and the published transforms."""
    info = robot.camera_info()
    u, v = np.meshgrid(np.arange(info.width), np.arange(info.height))
    rays = np.stack([(u - info.cx) / info.fx, (v - info.cy) / info.fy, np.ones_like(u, dtype=float)], axis=-1)
    points = rays * depth[..., None]
    camera = robot.tool_pose().matrix() @ robot.camera_transform().matrix()
    return points @ camera[:3, :3].T + camera[:3, 3]


def test_the_jaco_kg2_closes_its_long_stroke_and_squeezes_before_the_command_ends():
    # 175 mm at 0.1 m/s: a close takes longer than the 2F-85's whole 1.2 s budget.
    robot = SimRobot(WorldConfig(), robot="jaco", goal_tolerance=0.02)
    assert robot.joint_names[-1] == "j2n6s200_joint_finger_1" and robot.tool_frame == "j2n6s200_end_effector"
    robot.reset(3, objects=[box(width=0.03)])
    state = robot.world.object_states()[0]
    x, y = state.position[:2]
    move_pinch(robot, GripperPose(x, y, state.height + 0.08, state.yaw), duration=2.0)
    move_pinch(robot, GripperPose(x, y, state.height / 2, state.yaw), duration=1.0)
    robot.command_gripper(1.4)  # kinova-ros's full close (rad)
    seconds = run_until(robot, lambda: robot.gripper_state().done)
    gripper = robot.gripper_state()
    assert seconds > 1.2 and gripper.stalled and gripper.opening == pytest.approx(0.03, abs=0.004)
    assert gripper.effort == pytest.approx(robot.world.gripper.grip_force, rel=0.1)  # squeezing, not frozen
    assert 0.0 < gripper.position < 1.4


def test_camera_info_reprojects_table_pixels_onto_the_table_and_an_object_onto_its_footprint(robot):
    robot.reset(9, objects=[])
    info = robot.camera_info()
    assert (info.width, info.height, info.cx, info.cy) == (64, 64, 31.5, 31.5)
    assert info.fx == info.fy == pytest.approx(32 / np.tan(np.deg2rad(35)))
    assert info.distortion_model == "plumb_bob" and info.d == [0.0] * 5
    assert robot.camera_transform().translation == pytest.approx((0.0, 0.0, robot.world.gripper.camera_offset))
    depth = robot.render_depth()
    assert np.all(np.isfinite(depth))
    assert np.abs(reproject(robot, depth)[..., 2]).max() < 1e-4  # the table top is z = 0
    # An object off the optical axis: its pixels must land on its footprint (x / y of the image are right).
    pose = robot.world.gripper_pose()
    robot.reset(9, objects=[box(width=0.04, height=0.06)])
    centre = robot.world.object_states()[0].position
    move_pinch(robot, GripperPose(centre[0] - 0.06, centre[1] + 0.03, pose.z, 0.7))
    points = reproject(robot, robot.render_depth())
    on_box = points[..., 2] > 0.01  # its top and the sides the camera sees
    assert np.sum(np.abs(points[..., 2] - 0.06) < 1e-3) > 20  # the top, 6 cm up
    assert np.abs(points[on_box][:, :2] - centre[:2]).max() < 0.03  # within the 4 cm box (+ rotation)


def test_sim_time_is_monotonic_across_resets_and_joint_states_are_named(robot):
    robot.reset(10)
    first = robot.time_ns()
    robot.step(50)
    assert robot.time_ns() == first + 50 * 2_000_000
    later = robot.time_ns()
    robot.reset(11)
    assert robot.time_ns() > later
    assert len(JOINT_NAMES) == 7 and JOINT_NAMES[-1] == "robotiq_85_left_knuckle_joint"
    assert robot.joint_positions().shape == robot.joint_velocities().shape == robot.joint_efforts().shape == (7,)


def test_early_disturbance_moves_an_object_after_the_arms_second_motion():
    robot = SimRobot(WorldConfig(object_set="heldout", disturbance="early", disturbance_step=2))
    robot.reset(12)
    pose = robot.world.gripper_pose()
    move_pinch(robot, GripperPose(pose.x, pose.y, pose.z - 0.02, pose.yaw), duration=0.2)
    assert robot.world.disturbance is None
    move_pinch(robot, GripperPose(pose.x, pose.y, pose.z - 0.04, pose.yaw), duration=0.2)
    assert robot.world.disturbance is not None and robot.world.disturbance.mode == "early"
