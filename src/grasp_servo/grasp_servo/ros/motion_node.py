"""``grasp_motion`` node: executes the servo's pose goals on the arm and reports the gripper.

Subscribes to ``/grasp/goal_pose`` (PoseStamped of the pinch point), ``/grasp/motion_command`` (a CLOSE closes
the gripper once the descend goal of the same step has been executed), ``/grasp/episode_start`` (opens the
gripper) and ``/joint_states``; publishes ``/grasp/gripper_state`` at ``state_rate_hz``: the pinch pose from TF
(``base_frame`` -> ``pinch_frame``, stamped with the transform's stamp, the time the pose was valid) and the
finger opening from the gripper joint in ``/joint_states`` (not from the command), ``closed`` once the close
command has finished, stalled on an object (the normal end of a grasp) or shut. Goals that are too old, in
another frame, not finite or outside the robot profile's workspace are refused and the arm does not move.

Two IK backends (``ik_backend``):
- ``builtin`` (default, no MoveIt): mink IK on the arm's model along a straight line of the pinch point
  (``builtin_ik.BuiltinArmPlanner``), sent as a control_msgs/FollowJointTrajectory goal to
  ``trajectory_action`` (the UR driver's ``scaled_joint_trajectory_controller``; the simulated robot serves
  the same action).
- ``moveit``: moveit_py plans and executes; MoveItPy needs the robot description, semantic description,
  kinematics, planning pipelines and controllers as parameters of the node it creates (``moveit_node_name``),
  from ``moveit_config_file`` (passed as ``config_dict``) or the launch's parameter files; see docs/ros.md.
The gripper is driven through an action client (``gripper_action``) of control_msgs/GripperCommand or, with
``gripper_action_type: parallel_gripper_command``, control_msgs/ParallelGripperCommand (``gripper_goals``).

Import-safe without ROS: rclpy, tf2_ros, moveit_py and the messages are imported when the node is built.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from grasp_perception.ros.rclpy_guard import Node, require_rclpy, run_node

from grasp_servo.ros import conversions as conv
from grasp_servo.ros import gripper_goals
from grasp_servo.ros.action_client import locked_action_client, wait_future
from grasp_servo.ros.builtin_ik import BuiltinArmPlanner, PlanningError, joints_by_name
from grasp_servo.ros.motion_logic import CloseSequencer, goal_refusal, opening_from_position
from grasp_servo.ros.moveit_calls import plan_and_execute, stop_execution
from grasp_servo.ros.parameters import (
    MOTION_RULES,
    ParameterError,
    declare_node_parameters,
    motion_parameters,
    motion_specs,
)
from grasp_servo.ros.topics import (
    TOPIC_EPISODE_START,
    TOPIC_GOAL_POSE,
    TOPIC_GRIPPER_STATE,
    TOPIC_JOINT_STATES,
    TOPIC_MOTION_COMMAND,
)

NODE_NAME = "grasp_motion"


class MoveItUnavailableError(RuntimeError):
    """moveit_py cannot be imported: the node says so in one line and exits (no traceback)."""


def create_moveit(values: dict[str, Any]) -> Any:
    """A MoveItPy instance configured from ``moveit_config_file`` or from the launch's parameter files."""
    try:
        from moveit.planning import MoveItPy
    except ImportError as error:
        raise MoveItUnavailableError(
            f"moveit_py is not installed ({error}): install ros-jazzy-moveit-py, or launch without the motion "
            "node (motion:=false)"
        ) from None

    name = str(values["moveit_node_name"])
    config_file = str(values["moveit_config_file"])
    if not config_file:
        return MoveItPy(node_name=name)
    import yaml

    with open(config_file, encoding="utf-8") as stream:
        config = yaml.safe_load(stream)
    if not isinstance(config, dict):
        raise ParameterError(f"moveit_config_file {config_file} must hold a YAML mapping of moveit_py parameters")
    return MoveItPy(node_name=name, config_dict=config)


class MotionNode(Node):  # type: ignore[misc,valid-type]
    """Thin adapter: goal checks and close sequencing come from ``motion_logic``; ``moveit`` may be injected."""

    def __init__(self, moveit: Any = None, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from control_msgs.action import FollowJointTrajectory
        from geometry_msgs.msg import PoseStamped
        from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
        from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import JointState
        from tf2_ros.buffer import Buffer
        from tf2_ros.transform_listener import TransformListener
        from trajectory_msgs.msg import JointTrajectoryPoint

        from grasp_interfaces.msg import EpisodeStart, GripperState, MotionCommand

        params = declare_node_parameters(self, motion_specs, MOTION_RULES, motion_parameters)
        self.gripper_type = str(params.values["gripper_action_type"])
        self._msg = SimpleNamespace(
            GripperState=GripperState, GripperAction=gripper_goals.action_class(self.gripper_type),
            FollowJointTrajectory=FollowJointTrajectory, JointTrajectoryPoint=JointTrajectoryPoint,
        )
        self.profile = params.profile
        values = params.values
        self.values = values
        self.base_frame = str(values["base_frame"])
        self.pinch_frame = str(values["pinch_frame"])
        self.pose_link = str(values["pose_link"])
        self.planning_group = str(values["planning_group"])
        self.backend = str(values["ik_backend"]) if moveit is None else "moveit"
        self.workspace = params.workspace
        self.max_goal_age_ns = params.max_goal_age_ns
        self.sequencer = CloseSequencer()
        self._opening = float(values["max_opening"])
        self._opening_from_joints = False
        self._closed = False
        self._episode_id = 0
        self._episode_started = False
        self._last_state_stamp: int | None = None
        self._arm_joints: Any = None
        self._joint_lock = threading.Lock()
        self.closing = threading.Event()  # set when the node shuts down: waits for the arm end at once

        self.moveit = None
        self.planner: BuiltinArmPlanner | None = None
        if self.backend == "moveit":
            self.moveit = moveit if moveit is not None else create_moveit(values)
            self.arm = self.moveit.get_planning_component(self.planning_group)
            from grasp_servo.ros.moveit_scene import add_table

            ok, what = add_table(self.moveit, self.workspace, self.base_frame)
            (self.get_logger().info if ok else self.get_logger().warning)(f"planning scene: {what}")
        else:
            self.planner = BuiltinArmPlanner(
                self.profile.home_joints, self.profile.name, float(values["linear_speed"]),
                float(values["angular_speed"]), float(values["max_joint_speed"]),
            )
            self._arm_names = self.planner.joint_names  # loads the IK model now, not on the first goal

        # Goals, commands and episode starts run one at a time and in order; TF, joint states, the state timer
        # and the action clients' responses run beside them (MultiThreadedExecutor), so states keep flowing
        # while the arm moves.
        motion_group = MutuallyExclusiveCallbackGroup()
        state_group = MutuallyExclusiveCallbackGroup()
        clients = ReentrantCallbackGroup()
        self.tf_buffer = Buffer()
        self.tf_listener = TransformListener(self.tf_buffer, self)
        self.gripper = locked_action_client(
            self, self._msg.GripperAction, str(values["gripper_action"]), callback_group=clients
        )
        self.trajectory = locked_action_client(
            self, FollowJointTrajectory, str(values["trajectory_action"]), callback_group=clients
        )
        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        latest_goal = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE)
        latched = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.state_pub = self.create_publisher(GripperState, TOPIC_GRIPPER_STATE, reliable)
        self.create_subscription(PoseStamped, TOPIC_GOAL_POSE, self.on_goal, latest_goal, callback_group=motion_group)
        self.create_subscription(
            MotionCommand, TOPIC_MOTION_COMMAND, self.on_command, reliable, callback_group=motion_group
        )
        self.create_subscription(
            EpisodeStart, TOPIC_EPISODE_START, self.on_episode_start, latched, callback_group=motion_group
        )
        self.create_subscription(JointState, TOPIC_JOINT_STATES, self.on_joint_states,
                                 QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE),
                                 callback_group=state_group)
        self.create_timer(1.0 / float(values["state_rate_hz"]), self.publish_state, callback_group=state_group)
        where = (f"trajectories to {values['trajectory_action']}" if self.backend == "builtin"
                 else f"MoveIt group {self.planning_group} for {self.pose_link}")
        self.get_logger().info(
            f"motion ready: robot {self.profile.name}, {self.backend} IK, {where}; gripper "
            f"{values['gripper_action']} ({self.gripper_type}); gripper state {self.base_frame} -> {self.pinch_frame}"
        )

    def now_ns(self) -> int:
        return int(self.get_clock().now().nanoseconds)

    def on_joint_states(self, msg: Any) -> None:
        """Arm joints for planning; the finger opening from the gripper joint."""
        names, positions = list(msg.name), list(msg.position)
        if self.planner is not None:
            arm = joints_by_name(names, positions, self.planner.joint_names)
            if arm is not None:
                with self._joint_lock:
                    self._arm_joints = arm
        gripper = joints_by_name(names, positions, [str(self.values["gripper_joint"])])
        if gripper is not None:
            self._opening_from_joints = True
            self._opening = opening_from_position(
                float(gripper[0]),
                float(self.values["gripper_open_position"]),
                float(self.values["gripper_closed_position"]),
                float(self.values["max_opening"]),
            )

    def on_goal(self, msg: Any) -> None:
        stamp, frame_id, pose, finite = conv.pose_stamped_goal(msg)
        reason = goal_refusal(
            stamp,
            frame_id,
            pose,
            finite,
            self.now_ns(),
            base_frame=self.base_frame,
            workspace=self.workspace,
            max_age_ns=self.max_goal_age_ns,
            tolerance=float(self.values["workspace_tolerance"]),
        )
        if reason is None:
            if self.backend == "moveit":
                ok, what = plan_and_execute(self.moveit, self.arm, msg, self.pose_link, self.planning_group)
            else:
                ok, what = self.execute_builtin(pose)
            if ok:
                if self.sequencer.goal_executed(stamp):
                    self.command_gripper(close=True)
                return
            reason = what
        self.get_logger().error(f"goal not executed: {reason}")
        if self.sequencer.goal_failed(stamp):
            self.close_where_it_is()

    def execute_builtin(self, goal: Any) -> tuple[bool, str]:
        """Plan a straight line with the built-in IK and run it on the arm's trajectory controller."""
        assert self.planner is not None
        with self._joint_lock:
            joints = self._arm_joints
        if joints is None:
            return False, f"no arm joint positions on {TOPIC_JOINT_STATES} yet"
        try:
            plan = self.planner.plan(joints, goal)
        except PlanningError as error:
            return False, f"no path: {error}"
        timeout = float(self.values["trajectory_timeout_s"])
        if not self.trajectory.wait_for_server(timeout_sec=min(timeout, 5.0)):
            return False, f"trajectory action {self.values['trajectory_action']} not available"
        request = self._msg.FollowJointTrajectory.Goal()
        request.trajectory.joint_names = list(plan.joint_names)
        for positions, seconds in zip(plan.positions, plan.times_s, strict=True):
            point = self._msg.JointTrajectoryPoint()
            point.positions = [float(v) for v in positions]
            conv.fill_stamp(point.time_from_start, round(float(seconds) * 1e9))
            request.trajectory.points.append(point)
        handle = wait_future(self.trajectory.send_goal_async(request), timeout, self.closing)
        if handle is None or not handle.accepted:
            return False, "trajectory goal was not accepted"
        result = wait_future(handle.get_result_async(), float(plan.times_s[-1]) + timeout, self.closing)
        if result is None:
            handle.cancel_goal_async()
            return False, "trajectory did not finish in time (canceled)"
        code = int(result.result.error_code)
        if code != 0:
            return False, f"trajectory failed: error_code {code} {result.result.error_string}".strip()
        return True, "executed"

    def on_command(self, msg: Any) -> None:
        if int(msg.command) != conv.COMMAND_CODES["close"]:
            return
        action = self.sequencer.close_requested(conv.stamp_ns(msg.header.stamp))
        if action == "close":
            self.command_gripper(close=True)
        elif action == "refuse":
            self.close_where_it_is()

    def close_where_it_is(self) -> None:
        """The servo decided to close but its descend goal failed (blocked by contact, refused): close the
        gripper where the arm is, as the embedded world does; the arm itself does not move.
        """
        self.get_logger().warning("the descend goal of the CLOSE step was not executed: closing where the arm is")
        self.command_gripper(close=True)

    def on_episode_start(self, msg: Any) -> None:
        if self._episode_started and int(msg.episode_id) == self._episode_id:
            return  # the latched start of an episode already begun
        self.sequencer.reset()
        self._episode_started = True
        self._episode_id = int(msg.episode_id)
        self.command_gripper(close=False)

    def command_gripper(self, close: bool) -> bool:
        """Open or close the gripper through its action (``gripper_action_type``); False when it did not happen.

        Closing on an object ends with the gripper stalled short of its goal: that is a grasp, not a failure.
        """
        timeout = float(self.values["gripper_timeout_s"])
        what = "close" if close else "open"
        if not self.gripper.wait_for_server(timeout_sec=timeout):
            self.get_logger().error(f"gripper action {self.values['gripper_action']} not available; cannot {what}")
            return False
        key = "gripper_closed_position" if close else "gripper_open_position"
        target = float(self.values[key])
        goal = gripper_goals.fill_goal(
            self.gripper_type, self._msg.GripperAction.Goal(), str(self.values["gripper_joint"]), target,
            float(self.values["gripper_max_effort"]),
        )
        # An open counts as done when its action ends: until then the state says closed, and the servo (which
        # moves nothing on a closed gripper's frames) waits, as a regrasp must.
        handle = wait_future(self.gripper.send_goal_async(goal), timeout, self.closing)
        if handle is None or not handle.accepted:
            self.get_logger().error(f"gripper {what} goal was not accepted")
            return False
        result = wait_future(handle.get_result_async(), timeout, self.closing)
        position = target
        if result is None:
            self.get_logger().warning(f"gripper {what} did not finish within {timeout:.1f} s")
        else:
            report = gripper_goals.read_result(self.gripper_type, result.result, str(self.values["gripper_joint"]))
            if report.position is not None:  # a canceled ParallelGripperCommand result carries no state
                position = report.position
            if close and report.stalled and not report.reached_goal:
                self.get_logger().info(f"gripper stalled at {position:.3f} (an object between the fingers)")
        if not self._opening_from_joints:  # no gripper joint in /joint_states: trust the action's position
            self._opening = opening_from_position(
                position,
                float(self.values["gripper_open_position"]),
                float(self.values["gripper_closed_position"]),
                float(self.values["max_opening"]),
            )
        self._closed = close
        return True

    def publish_state(self) -> None:
        from rclpy.time import Time
        from tf2_ros import TransformException

        try:
            transform = self.tf_buffer.lookup_transform(self.base_frame, self.pinch_frame, Time())
        except TransformException as exc:
            self.get_logger().warning(f"no gripper pose from TF: {exc}", throttle_duration_sec=2.0)
            return
        stamp, pose = conv.pose_from_transform(transform)
        if stamp == self._last_state_stamp:
            return  # TF has not moved on; the servo pairs frames by stamp, repeats add nothing
        self._last_state_stamp = stamp
        sample = conv.GripperSample(pose, self._opening, self._closed)
        self.state_pub.publish(
            conv.fill_gripper_state(
                self._msg.GripperState(), stamp, self.base_frame, sample, episode_id=self._episode_id
            )
        )

    def shutdown_moveit(self) -> None:
        self.closing.set()
        if self.moveit is not None:
            stop_execution(self.moveit)  # Ctrl-C stops the arm
        shutdown = getattr(self.moveit, "shutdown", None)
        if callable(shutdown):
            shutdown()


def main(args: list[str] | None = None) -> None:
    """``ros2 run grasp_servo motion_node``."""

    def spin(node: MotionNode) -> None:
        from rclpy.executors import MultiThreadedExecutor

        executor = MultiThreadedExecutor(num_threads=4)
        executor.add_node(node)
        executor.spin()

    run_node(
        NODE_NAME,
        MotionNode,
        (ParameterError, MoveItUnavailableError),
        spin=spin,
        close=MotionNode.shutdown_moveit,
        args=args,
    )


if __name__ == "__main__":
    main()
