"""The sim_robot node for real, in-process (skipped without ROS 2): scene reset, depth + camera_info, joint states,
TF, a FollowJointTrajectory goal 5 cm down, a refused one, the gripper closing through GripperCommand, the audit;
the gripper closing and opening through ParallelGripperCommand (``gripper_action_type: parallel_gripper_command``).

Runs with ROS sourced and grasp_interfaces built (colcon); set ROS_DOMAIN_ID to keep it to yourself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: source a ROS 2 Jazzy workspace")
pytest.importorskip("grasp_interfaces.srv", reason="grasp_interfaces is not built: source the colcon workspace")
pytest.importorskip("control_msgs.action", reason="control_msgs is not installed")
pytest.importorskip("tf2_ros", reason="tf2_ros (tf2_ros_py) is not installed")

from builtin_interfaces.msg import Duration  # noqa: E402
from control_msgs.action import FollowJointTrajectory, GripperCommand, ParallelGripperCommand  # noqa: E402
from grasp_servo.pose import GripperPose  # noqa: E402
from grasp_servo.robot_profiles import get_profile  # noqa: E402
from grasp_servo.ros.parameters import ParameterError  # noqa: E402
from grasp_sim.arm_ik import ArmIK  # noqa: E402
from grasp_sim.ros.sim_robot_node import (  # noqa: E402
    TOPIC_CAMERA_INFO,
    TOPIC_DEPTH_IMAGE,
    TOPIC_JOINT_STATES,
    SimRobotNode,
)

UR5 = get_profile("ur5")
ARM_JOINTS = UR5.joint_names
TRAJECTORY_ACTION, GRIPPER_ACTION = UR5.trajectory_action, UR5.gripper.action
from rclpy.action import ActionClient  # noqa: E402
from rclpy.executors import MultiThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import qos_profile_sensor_data  # noqa: E402
from rclpy.time import Time  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image, JointState  # noqa: E402
from tf2_ros import Buffer, TransformListener  # noqa: E402
from trajectory_msgs.msg import JointTrajectoryPoint  # noqa: E402

from grasp_interfaces.srv import CheckGrasp, ResetEpisode  # noqa: E402

HOME = (0.0, -1.57, 1.57, -1.57, -1.57, 0.0)


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stamp_ns(stamp: Any) -> int:
    return stamp.sec * 1_000_000_000 + stamp.nanosec


class Client:
    """A plain node that listens to the sim robot and talks to its servers."""

    def __init__(self) -> None:
        self.node = rclpy.create_node("sim_robot_test_client")
        self.images: list[Image] = []
        self.infos: list[CameraInfo] = []
        self.joints: list[JointState] = []
        self.node.create_subscription(Image, TOPIC_DEPTH_IMAGE, self.images.append, qos_profile_sensor_data)
        self.node.create_subscription(CameraInfo, TOPIC_CAMERA_INFO, self.infos.append, qos_profile_sensor_data)
        self.node.create_subscription(JointState, TOPIC_JOINT_STATES, self.joints.append, 10)
        self.tf = Buffer()
        self.listener = TransformListener(self.tf, self.node, spin_thread=False)
        self.trajectory = ActionClient(self.node, FollowJointTrajectory, TRAJECTORY_ACTION)
        self.gripper = ActionClient(self.node, GripperCommand, GRIPPER_ACTION)
        self.reset = self.node.create_client(ResetEpisode, "/sim_robot/reset_episode")
        self.check = self.node.create_client(CheckGrasp, "/sim_robot/check_grasp")

    def call(self, client: Any, request: Any, timeout: float = 10.0) -> Any:
        assert client.wait_for_service(timeout_sec=timeout)
        future = client.call_async(request)
        return wait_for(future.done, timeout, f"{client.srv_name}") and future.result()

    def run_goal(self, client: Any, goal: Any, timeout: float = 15.0) -> Any:
        assert client.wait_for_server(timeout_sec=timeout)
        sent = client.send_goal_async(goal)
        handle = wait_for(sent.done, timeout, "goal acceptance") and sent.result()
        assert handle.accepted
        result = handle.get_result_async()
        return wait_for(result.done, timeout, "the goal's result") and result.result()

    def pinch(self) -> np.ndarray:
        t = self.tf.lookup_transform("base_link", "grasp_pinch", Time()).transform.translation
        return np.array([t.x, t.y, t.z])

    def arm_joints(self) -> np.ndarray:
        latest = self.joints[-1]
        return np.array([latest.position[list(latest.name).index(name)] for name in ARM_JOINTS])


@pytest.fixture
def ros() -> Iterator[None]:
    rclpy.init()
    yield
    rclpy.try_shutdown()


@pytest.fixture
def graph(ros: None) -> Iterator[tuple[SimRobotNode, Client]]:
    node = SimRobotNode(parameter_overrides=[
        Parameter("real_time_factor", value=2.0), Parameter("object_set", value="heldout"),
        Parameter("seed", value=1),
    ])
    client = Client()
    executor = MultiThreadedExecutor(num_threads=6)
    executor.add_node(node)
    executor.add_node(client.node)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    try:
        yield node, client
    finally:
        node.close()
        executor.shutdown(timeout_sec=2.0)
        spinner.join(timeout=5.0)
        client.node.destroy_node()
        node.destroy_node()


def trajectory_goal(names: list[str], positions: list[float], seconds: float) -> FollowJointTrajectory.Goal:
    goal = FollowJointTrajectory.Goal()
    goal.trajectory.joint_names = names
    whole, fraction = divmod(seconds, 1.0)
    goal.trajectory.points = [
        JointTrajectoryPoint(positions=positions, time_from_start=Duration(sec=int(whole), nanosec=int(fraction * 1e9)))
    ]
    return goal


def test_the_sim_robot_node_streams_moves_and_grasps(graph: tuple[SimRobotNode, Client]) -> None:
    node, client = graph
    reset = client.call(client.reset, ResetEpisode.Request(seed=7))
    assert reset.success and reset.object_names and reset.object_set == "heldout", reset.message
    scene_start = node.robot.time_ns()

    # Depth frames of the new scene with their CameraInfo, joint states, TF.
    image = wait_for(lambda: next((m for m in client.images if stamp_ns(m.header.stamp) >= scene_start), None),
                     10.0, "a depth frame of the new scene")
    assert (image.encoding, image.width, image.height) == ("32FC1", 64, 64)
    assert image.header.frame_id == "wrist_camera_depth_optical_frame" and image.step == 64 * 4
    depth = np.frombuffer(bytes(image.data), dtype="<f4").reshape(64, 64)
    assert np.nanmin(depth) > 0.1 and np.isfinite(depth).mean() > 0.9
    info = wait_for(lambda: next((m for m in client.infos if m.header.stamp == image.header.stamp), None),
                    5.0, "the frame's camera_info")
    assert info.k[0] == pytest.approx(32 / np.tan(np.deg2rad(35))) and info.k[2] == 31.5
    assert info.distortion_model == "plumb_bob" and list(info.d) == [0.0] * 5
    wait_for(lambda: client.joints and stamp_ns(client.joints[-1].header.stamp) >= scene_start, 5.0,
             "joint states")
    assert list(client.joints[-1].name)[-1] == "robotiq_85_left_knuckle_joint"
    assert client.joints[-1].position[-1] == pytest.approx(0.0, abs=0.02)  # open
    wait_for(lambda: client.tf.can_transform("base_link", "grasp_pinch", Time()), 5.0, "TF to the pinch point")
    wait_for(lambda: client.tf.can_transform("base_link", "wrist_camera_depth_optical_frame", Time()), 5.0,
             "TF to the camera")

    # The pinch point 5 cm down through FollowJointTrajectory (the joints in another order).
    ik = ArmIK(np.array(HOME))
    start = client.arm_joints()
    here = ik.forward(start)
    assert np.allclose(client.pinch(), here.position, atol=0.003)
    goal_joints = ik.solve(GripperPose(here.x, here.y, here.z - 0.05, here.yaw), start)
    order = [3, 0, 5, 1, 4, 2]
    result = client.run_goal(client.trajectory, trajectory_goal(
        [ARM_JOINTS[i] for i in order], [float(goal_joints[i]) for i in order], 1.0))
    assert result.status == 4 and result.result.error_code == 0, result.result.error_string  # SUCCEEDED
    wait_for(lambda: np.abs(client.arm_joints() - goal_joints).max() < 0.01, 5.0, "joint states at the goal")
    time.sleep(0.1)
    assert client.pinch()[2] == pytest.approx(here.z - 0.05, abs=0.003)

    # A goal naming a joint the arm does not have is aborted with the reason.
    refused = client.run_goal(client.trajectory, trajectory_goal(["elbow", *ARM_JOINTS[1:]], list(HOME), 1.0))
    assert refused.status == 6 and refused.result.error_code == FollowJointTrajectory.Result.INVALID_JOINTS
    assert "unknown: elbow" in refused.result.error_string

    # Close the gripper (on whatever is there, or on nothing), then the audit.
    close = GripperCommand.Goal()
    close.command.position, close.command.max_effort = 0.8, 0.0
    closed = client.run_goal(client.gripper, close)
    assert closed.status == 4 and (closed.result.reached_goal or closed.result.stalled)
    wait_for(lambda: abs(client.joints[-1].position[-1] - closed.result.position) < 0.01, 5.0, "the knuckle")
    check = client.call(client.check, CheckGrasp.Request(label_success=False, termination="policy_close"))
    assert check.detail.startswith("audit (simulation):") and (check.failure != "") == (not check.truth_success)


def test_a_bad_parameter_is_one_clear_error(ros: None) -> None:
    with pytest.raises(ParameterError, match="camera_noise"):
        SimRobotNode(parameter_overrides=[Parameter("camera_noise", value="kinect")])
    with pytest.raises(ParameterError, match="object_set 'no_such_set'"):
        SimRobotNode(parameter_overrides=[Parameter("object_set", value="no_such_set")])


def test_a_newer_goal_preempts_a_cancel_holds_and_a_reset_aborts(graph: tuple[SimRobotNode, Client]) -> None:
    _, client = graph
    wait_for(lambda: client.joints, 5.0, "joint states")
    start = client.arm_joints()
    far = [float(v) for v in start + np.array([0.4, 0.0, 0.0, 0.0, 0.0, 0.4])]
    assert client.trajectory.wait_for_server(timeout_sec=10.0)

    def send(goal: FollowJointTrajectory.Goal) -> Any:
        sent = client.trajectory.send_goal_async(goal)
        handle = wait_for(sent.done, 10.0, "acceptance") and sent.result()
        assert handle.accepted
        return handle

    def outcome(handle: Any) -> Any:
        result = handle.get_result_async()
        return wait_for(result.done, 15.0, "a result") and result.result()

    first = send(trajectory_goal(list(ARM_JOINTS), far, 3.0))
    time.sleep(0.2)
    second = send(trajectory_goal(list(ARM_JOINTS), far, 3.0))
    preempted = outcome(first)
    assert preempted.status == 6 and "new incoming action" in preempted.result.error_string  # ABORTED
    time.sleep(0.3)
    cancel = second.cancel_goal_async()
    wait_for(cancel.done, 5.0, "the cancel")
    assert outcome(second).status == 5  # CANCELED
    time.sleep(0.3)
    held = client.arm_joints()
    time.sleep(0.3)
    assert np.abs(client.arm_joints() - held).max() < 0.005 and np.abs(held - start).max() > 0.02

    running = send(trajectory_goal(list(ARM_JOINTS), [float(v) for v in start], 3.0))
    time.sleep(0.2)
    assert client.call(client.reset, ResetEpisode.Request(seed=3)).success
    aborted = outcome(running)
    assert aborted.status == 6 and "reset" in aborted.result.error_string


def test_a_parallel_gripper_command_closes_and_opens_the_gripper(ros: None) -> None:
    node = SimRobotNode(parameter_overrides=[
        Parameter("real_time_factor", value=2.0), Parameter("seed", value=1),
        Parameter("gripper_action_type", value="parallel_gripper_command"),
    ])
    client = Client()
    gripper = ActionClient(client.node, ParallelGripperCommand, GRIPPER_ACTION)
    executor = MultiThreadedExecutor(num_threads=6)
    executor.add_node(node)
    executor.add_node(client.node)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    knuckle = UR5.gripper.joint
    feedback: list[Any] = []

    def run(position: float, positions: list[float] | None = None) -> Any:
        goal = ParallelGripperCommand.Goal()
        goal.command.name = [knuckle]
        goal.command.position = [position] if positions is None else positions
        assert gripper.wait_for_server(timeout_sec=10.0)
        sent = gripper.send_goal_async(goal, feedback_callback=feedback.append)
        handle = wait_for(sent.done, 10.0, "goal acceptance") and sent.result()
        if not handle.accepted:
            return None
        result = handle.get_result_async()
        return wait_for(result.done, 15.0, "the goal's result") and result.result()

    try:
        wait_for(lambda: client.joints, 5.0, "joint states")
        assert run(0.8, positions=[0.8, 0.8]) is None  # as the controller: exactly one position, else rejected
        closed = run(0.8)  # no effort: the default grip force
        assert closed.status == 4 and (closed.result.reached_goal or closed.result.stalled)  # SUCCEEDED
        state = closed.result.state
        assert list(state.name) == [knuckle] and len(state.position) == len(state.effort) == 1
        assert state.position[0] > 0.1  # closed from open (0.0), on an object or shut
        wait_for(lambda: abs(client.joints[-1].position[-1] - state.position[0]) < 0.01, 5.0, "the knuckle closed")
        assert feedback and list(feedback[-1].feedback.state.name) == [knuckle]
        opened = run(0.0)
        assert opened.status == 4 and opened.result.reached_goal and not opened.result.stalled
        assert opened.result.state.position[0] == pytest.approx(0.0, abs=0.02)
        wait_for(lambda: abs(client.joints[-1].position[-1]) < 0.02, 5.0, "the knuckle open")
    finally:
        node.close()
        executor.shutdown(timeout_sec=2.0)
        spinner.join(timeout=5.0)
        gripper.destroy()
        client.node.destroy_node()
        node.destroy_node()
