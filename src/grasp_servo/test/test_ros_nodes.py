"""The servo and motion nodes with real rclpy messages (run in the docker/ros image; skipped without ROS 2).

The controller and MoveIt are replaced by fakes, so no model file, robot or move_group is needed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: these tests run in the docker/ros image")
pytest.importorskip("grasp_interfaces.msg", reason="grasp_interfaces is not built: source the colcon workspace")

from geometry_msgs.msg import PoseStamped  # noqa: E402
from grasp_servo.pose import GripperPose  # noqa: E402
from grasp_servo.ros import conversions as conv  # noqa: E402
from grasp_servo.servo import ServoDecision  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from std_srvs.srv import SetBool, Trigger  # noqa: E402

from grasp_interfaces.msg import EpisodeStart, GripperState, MotionCommand  # noqa: E402

POSE = GripperPose(0.5, 0.0, 0.3, 0.0)


class ScriptedController:
    def __init__(self, commands: list[str]) -> None:
        self.commands = list(commands)
        self.calls = 0
        self.steps: list[int] = []
        self.begun = 0

    def begin_episode(self, hints: object) -> None:
        del hints
        self.begun += 1

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision:
        self.calls += 1
        self.steps.append(step)
        command = self.commands.pop(0)
        motion = np.array([0.0, 0.0, -0.28, 0.0]) if command == "close" else np.array([0.02, 0.0, -0.05, 0.1])
        return ServoDecision(command, motion, motion, 0.9, 0.5, "servo_close", 0.01, 0.01)


@pytest.fixture
def ros() -> Iterator[None]:
    rclpy.init()
    yield
    rclpy.try_shutdown()


def now_ns(node: Any) -> int:
    return int(node.get_clock().now().nanoseconds)


def image(stamp: int, depth: np.ndarray | None = None) -> Image:
    depth = np.full((16, 16), 0.3, np.float32) if depth is None else depth
    msg = Image()
    conv.fill_header(msg.header, stamp, "wrist_camera_optical_frame")
    msg.height, msg.width = depth.shape
    msg.encoding = "32FC1"
    msg.is_bigendian = 0
    msg.step = depth.shape[1] * 4
    msg.data = depth.astype("<f4").tobytes()
    return msg


def state(stamp: int, pose: GripperPose = POSE, opening: float = 0.085, closed: bool = False) -> GripperState:
    return conv.fill_gripper_state(GripperState(), stamp, "base_link", conv.GripperSample(pose, opening, closed))


def captured(node: Any, publisher: str) -> list[Any]:
    """Replace a node's publisher by a list of what it would have published."""
    sent: list[Any] = []
    setattr(node, publisher, SimpleNamespace(publish=sent.append))
    return sent


def servo_node(commands: list[str], *overrides: Parameter) -> tuple[Any, ScriptedController]:
    from grasp_servo.ros.servo_node import ServoNode

    controller = ScriptedController(commands)
    node = ServoNode(controller=controller,
                     parameter_overrides=[Parameter("max_frame_age_s", value=0.2), *overrides])
    return node, controller


def test_stale_frame_publishes_no_goal(ros: None) -> None:
    node, controller = servo_node(["move"])
    goals, commands = captured(node, "goal_pub"), captured(node, "command_pub")
    try:
        assert node.on_start_episode(Trigger.Request(), Trigger.Response()).success
        stamp = now_ns(node) - 1_000_000_000  # one second old
        node.on_gripper_state(state(stamp))
        node.on_image(image(stamp))
        assert goals == [] and commands == [] and controller.calls == 0
    finally:
        node.destroy_node()


def test_invalid_frame_and_missing_state_publish_no_goal(ros: None) -> None:
    node, controller = servo_node(["move"])
    goals = captured(node, "goal_pub")
    try:
        node.on_start_episode(Trigger.Request(), Trigger.Response())
        stamp = now_ns(node)
        node.on_image(image(stamp))  # no gripper state yet
        node.on_gripper_state(state(stamp))
        bad = image(stamp + 1)
        bad.encoding = "rgb8"
        node.on_image(bad)
        node.on_image(image(stamp + 2, np.full((16, 16), np.nan, np.float32)))
        assert goals == [] and controller.calls == 0
    finally:
        node.destroy_node()


def test_fresh_frame_publishes_goal_and_command_then_close_and_label(ros: None) -> None:
    node, controller = servo_node(["close"])
    goals, commands = captured(node, "goal_pub"), captured(node, "command_pub")
    outcomes = captured(node, "outcome_pub")
    try:
        node.on_start_episode(Trigger.Request(), Trigger.Response())
        stamp = now_ns(node)
        node.on_gripper_state(state(stamp))
        node.on_image(image(stamp))
        assert controller.calls == 1 and len(goals) == 1 and len(commands) == 1
        goal, command = goals[0], commands[0]
        assert isinstance(goal, PoseStamped) and goal.header.frame_id == "base_link"
        assert conv.stamp_ns(goal.header.stamp) == stamp == conv.stamp_ns(command.header.stamp)
        assert command.command == MotionCommand.CLOSE and goal.pose.position.z == pytest.approx(0.02)
        request = SetBool.Request()
        request.data = True
        assert node.on_label_episode(request, SetBool.Response()).success
        assert len(outcomes) == 1 and outcomes[0].success and outcomes[0].termination == "servo_close"
    finally:
        node.destroy_node()


def test_a_close_on_nothing_is_labelled_and_regrasped_as_the_next_episode(ros: None) -> None:
    node, controller = servo_node(["close", "move"], Parameter("grasp_attempts", value=2))
    goals, outcomes = captured(node, "goal_pub"), captured(node, "outcome_pub")
    starts = captured(node, "start_pub")
    captured(node, "command_pub")
    try:
        node.on_start_episode(Trigger.Request(), Trigger.Response())
        stamp = now_ns(node)
        node.on_gripper_state(state(stamp))
        node.on_image(image(stamp))
        assert controller.steps == [0] and len(goals) == 1
        # The gripper shuts on nothing; the lift test follows each of its goals, then holds 0.3 s: not held.
        for _ in range(40):
            node.on_gripper_state(state(now_ns(node), conv.gripper_pose_from_pose(goals[-1].pose), 0.0, True))
            if outcomes:
                break
            time.sleep(0.05)
        assert len(outcomes) == 1 and not outcomes[0].success and outcomes[0].episode_id == 0
        assert outcomes[0].label_detail.endswith("attempt=1 regrasp=episode_1")
        assert [s.episode_id for s in starts] == [0, 1] and starts[0].seed == starts[1].seed
        assert node.session.episode_id == 1 and node.session.state == "running" and controller.begun == 2
        stamp = now_ns(node)  # the motion node has not opened the gripper yet: the arm waits
        node.on_gripper_state(state(stamp, POSE, 0.0, True))
        node.on_image(image(stamp))
        assert controller.calls == 1
        stamp = now_ns(node)
        node.on_gripper_state(state(stamp))
        node.on_image(image(stamp))
        assert controller.steps == [0, 1]  # the goal's step budget counts both attempts
        assert node.session.steps == 1 and node.session.scene_steps == 2
    finally:
        node.destroy_node()


def test_goal_reaches_a_subscriber(ros: None) -> None:
    """End to end over DDS: frame and state in by topic, goal out by topic."""
    node, _ = servo_node(["move"])
    helper = rclpy.create_node("grasp_servo_test_helper")
    received: list[PoseStamped] = []
    helper.create_subscription(PoseStamped, "/grasp/goal_pose", received.append, 10)
    state_pub = helper.create_publisher(GripperState, "/grasp/gripper_state", 10)
    image_pub = helper.create_publisher(Image, "/wrist_camera/depth/image_raw", 10)
    executor = rclpy.executors.SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(helper)
    try:
        node.on_start_episode(Trigger.Request(), Trigger.Response())
        deadline = time.monotonic() + 5.0
        while not received and time.monotonic() < deadline:
            stamp = now_ns(node)
            state_pub.publish(state(stamp))
            image_pub.publish(image(stamp))
            executor.spin_once(timeout_sec=0.05)
        assert received and received[0].header.frame_id == "base_link"
    finally:
        executor.shutdown()
        helper.destroy_node()
        node.destroy_node()


class FakeArm:
    def __init__(self) -> None:
        self.goals: list[Any] = []

    def set_start_state_to_current_state(self) -> None:
        pass

    def set_goal_state(self, *, pose_stamped_msg: Any, pose_link: str) -> None:
        self.goals.append((pose_stamped_msg, pose_link))

    def plan(self) -> Any:
        return SimpleNamespace(trajectory="trajectory")


class FakeMoveIt:
    def __init__(self) -> None:
        self.arm = FakeArm()
        self.executed: list[Any] = []

    def get_planning_component(self, name: str) -> FakeArm:
        return self.arm

    def execute(self, trajectory: Any, *, controllers: list[str]) -> bool:
        self.executed.append(trajectory)
        return True


def motion_node() -> tuple[Any, FakeMoveIt]:
    from grasp_servo.ros.motion_node import MotionNode

    moveit = FakeMoveIt()
    overrides = [Parameter("gripper_timeout_s", value=0.1), Parameter("max_goal_age_s", value=0.5)]
    return MotionNode(moveit=moveit, parameter_overrides=overrides), moveit


def goal(node: Any, pose: GripperPose, age_ns: int = 0, frame_id: str = "base_link") -> PoseStamped:
    return conv.fill_pose_stamped(PoseStamped(), pose, now_ns(node) - age_ns, frame_id)


def test_motion_node_refuses_unsafe_goals(ros: None) -> None:
    node, moveit = motion_node()
    try:
        node.on_goal(goal(node, GripperPose(0.9, 0.0, 0.2, 0.0)))  # outside the ur5 workspace
        node.on_goal(goal(node, POSE, age_ns=2_000_000_000))  # too old
        node.on_goal(goal(node, POSE, frame_id="tool0"))  # wrong frame
        assert moveit.arm.goals == [] and moveit.executed == []
        node.on_goal(goal(node, POSE))
        # MoveIt plans for the pinch point (pose_link defaults to the profile's grasp_pinch).
        assert len(moveit.arm.goals) == 1 and moveit.arm.goals[0][1] == "grasp_pinch" and moveit.executed
    finally:
        node.destroy_node()


def test_motion_node_episode_start_without_gripper_server_does_not_hang(ros: None) -> None:
    node, _ = motion_node()
    try:
        start = EpisodeStart()
        start.episode_id = 7
        began = time.monotonic()
        node.on_episode_start(start)
        assert time.monotonic() - began < 2.0
    finally:
        node.destroy_node()
