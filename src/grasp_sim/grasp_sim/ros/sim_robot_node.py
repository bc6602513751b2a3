"""``sim_robot`` node: the embedded world as a simulated arm + gripper + wrist depth camera on ROS 2.

Physics runs in its own thread (``SimRobot`` under a lock), paced at ``real_time_factor`` x wall time, and the
node is the clock source: everything is stamped with simulated time, and ``/clock`` is published (run the other
nodes with use_sim_time:=true). Everything named after the robot profile (``robot``: ur5, abb, jaco, gen3;
grasp_servo.robot_profiles) is the real stack's name. For the UR5: publishes ``/clock``, ``/joint_states`` (the
six joints and the 2F-85's ``robotiq_85_left_knuckle_joint``), ``/tf`` (base_link -> tool0), ``/tf_static``
(tool0 -> grasp_pinch, tool0 -> wrist_camera_depth_optical_frame), ``/wrist_camera/depth/image_raw`` and
``.../camera_info`` (sensor-data QoS, at ``camera_rate_hz`` of simulated time). Serves the UR driver's
``/scaled_joint_trajectory_controller/follow_joint_trajectory`` (control_msgs/FollowJointTrajectory), the
Robotiq controller's ``/robotiq_gripper_controller/gripper_cmd`` (control_msgs/GripperCommand, or
ParallelGripperCommand with ``gripper_action_type: parallel_gripper_command``), and
``~/reset_episode`` / ``~/check_grasp`` (grasp_interfaces). All behaviour is in ``grasp_sim.sim_robot``; this
module converts messages.

Import-safe without ROS: rclpy and the message packages are imported when the node is built.
"""

from __future__ import annotations

import array
import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from grasp_perception.ros.rclpy_guard import Node, require_rclpy, run_node
from grasp_servo.ros import gripper_goals
from grasp_servo.ros.parameters import ParameterError, declare_parameters

from grasp_sim.ros.sim_loop import Pacer, Periodic, encode_depth
from grasp_sim.ros.sim_parameters import SIM_RULES, SimParameters, sim_parameters, sim_specs
from grasp_sim.sim_robot import (
    ACTIVE,
    CAMERA_FRAME,
    PINCH_FRAME,
    SUCCEEDED,
    SimRobot,
    Transform,
)
from grasp_sim.trajectory import INVALID_GOAL, TrajectoryError

NODE_NAME = "sim_robot"
TOPIC_CLOCK = "/clock"
TOPIC_JOINT_STATES = "/joint_states"
TOPIC_DEPTH_IMAGE = "/wrist_camera/depth/image_raw"
TOPIC_CAMERA_INFO = "/wrist_camera/depth/camera_info"
POLL_S = 0.002  # wall seconds between looks at a running command
FEEDBACK_S = 0.1  # wall seconds between action feedback messages
PREEMPTED = "Current goal cancelled due to new incoming action."  # ros2_controllers' words


def duration_s(duration: Any) -> float:
    """Seconds of a builtin_interfaces/Duration."""
    return float(duration.sec) + float(duration.nanosec) * 1e-9


def trajectory_points(trajectory: Any) -> list[tuple[list[float], float, list[float] | None]]:
    """(positions, time_from_start, velocities or None) of a trajectory_msgs/JointTrajectory's points."""
    return [
        (list(point.positions), duration_s(point.time_from_start), list(point.velocities) or None)
        for point in trajectory.points
    ]


def fill_stamp(stamp: Any, nanoseconds: int) -> Any:
    stamp.sec, stamp.nanosec = divmod(int(nanoseconds), 1_000_000_000)
    return stamp


def fill_transform(msg: Any, transform: Transform, nanoseconds: int, parent: str, child: str) -> Any:
    """A geometry_msgs/TransformStamped from a plain transform."""
    fill_stamp(msg.header.stamp, nanoseconds)
    msg.header.frame_id, msg.child_frame_id = parent, child
    t, q = msg.transform.translation, msg.transform.rotation
    t.x, t.y, t.z = transform.translation
    q.x, q.y, q.z, q.w = transform.rotation_xyzw
    return msg


class SimRobotNode(Node):  # type: ignore[misc,valid-type]
    """Thin adapter around ``SimRobot``; ``robot`` may be injected (tests), else built from the parameters."""

    def __init__(self, robot: SimRobot | None = None, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from control_msgs.action import FollowJointTrajectory
        from geometry_msgs.msg import TransformStamped
        from rclpy.action import ActionServer, CancelResponse, GoalResponse
        from rclpy.callback_groups import ReentrantCallbackGroup
        from rclpy.qos import QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
        from rosgraph_msgs.msg import Clock
        from sensor_msgs.msg import CameraInfo, Image, JointState
        from tf2_ros import StaticTransformBroadcaster, TransformBroadcaster

        from grasp_interfaces.srv import CheckGrasp, ResetEpisode

        self.params: SimParameters = sim_parameters(declare_parameters(self, sim_specs(), SIM_RULES))
        values = self.params.values
        self.gripper_type = str(values["gripper_action_type"])
        self._msg = SimpleNamespace(
            Clock=Clock, JointState=JointState, Image=Image, CameraInfo=CameraInfo,
            TransformStamped=TransformStamped, FollowJointTrajectory=FollowJointTrajectory,
            GripperAction=gripper_goals.action_class(self.gripper_type),
        )
        if robot is None:
            try:
                robot = SimRobot(
                    self.params.world, str(values["robot"]), goal_tolerance=float(values["goal_tolerance"]),
                    path_tolerance=float(values["path_tolerance"]), goal_time=float(values["goal_time_s"]),
                )
            except (ValueError, FileNotFoundError) as error:  # an unknown object set, a missing mesh folder
                raise ParameterError(f"object_set {values['object_set']!r}: {error}") from None
        self.robot = robot
        self.lock = threading.Lock()
        self._waiting = 0  # callbacks waiting for the lock: the physics thread lets them in
        self._waiting_lock = threading.Lock()
        self.encoding = str(values["depth_encoding"])
        names = robot.reset(int(values["seed"]))

        group = ReentrantCallbackGroup()
        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.clock_pub = self.create_publisher(Clock, TOPIC_CLOCK, reliable)
        self.joint_pub = self.create_publisher(JointState, TOPIC_JOINT_STATES, reliable)
        self.image_pub = self.create_publisher(Image, TOPIC_DEPTH_IMAGE, qos_profile_sensor_data)
        self.info_pub = self.create_publisher(CameraInfo, TOPIC_CAMERA_INFO, qos_profile_sensor_data)
        self.tf = TransformBroadcaster(self)
        self.tf_static = StaticTransformBroadcaster(self)
        self.tf_static.sendTransform([
            fill_transform(TransformStamped(), robot.pinch_transform(), robot.time_ns(), robot.tool_frame, PINCH_FRAME),
            fill_transform(
                TransformStamped(), robot.camera_transform(), robot.time_ns(), robot.tool_frame, CAMERA_FRAME
            ),
        ])
        accept = lambda goal: GoalResponse.ACCEPT  # noqa: E731  (bad goals are aborted with the reason)
        cancel = lambda goal_handle: CancelResponse.ACCEPT  # noqa: E731

        def accept_gripper(goal: Any) -> Any:
            """As the controllers: ParallelGripperCommand goals without exactly one position are rejected."""
            reason = gripper_goals.goal_refusal(self.gripper_type, goal)
            if reason is None:
                return GoalResponse.ACCEPT
            self.get_logger().warning(f"gripper goal rejected: {reason}")
            return GoalResponse.REJECT

        self._servers = [
            ActionServer(self, FollowJointTrajectory, robot.profile.trajectory_action, self.execute_trajectory,
                         goal_callback=accept, cancel_callback=cancel, callback_group=group),
            ActionServer(self, self._msg.GripperAction, robot.profile.gripper.action, self.execute_gripper,
                         goal_callback=accept_gripper, cancel_callback=cancel, callback_group=group),
        ]
        self.create_service(ResetEpisode, "~/reset_episode", self.on_reset_episode, callback_group=group)
        self.create_service(CheckGrasp, "~/check_grasp", self.on_check_grasp, callback_group=group)

        self._clock_due = Periodic(self.params.clock_period_ns)
        self._joints_due = Periodic(self.params.joint_state_period_ns)
        self._camera_due = Periodic(self.params.camera_period_ns)
        self._pacer = Pacer(float(values["real_time_factor"]))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._physics_loop, name="sim_robot_physics", daemon=True)
        self._thread.start()
        factor = float(values["real_time_factor"])
        self.get_logger().info(
            f"sim robot ready: {values['robot']}, object set {values['object_set']}, scene {values['seed']} "
            f"({len(names)} objects), {'as fast as possible' if factor == 0 else f'{factor:g} x real time'}, "
            f"depth {robot.config.camera.width}x{robot.config.camera.height} {self.encoding} at "
            f"{values['camera_rate_hz']:g} Hz, camera noise {values['camera_noise']}, disturbance "
            f"{values['disturbance']}, gripper action {self.gripper_type}"
        )

    # ------------------------------------------------------------- physics
    @contextmanager
    def locked(self) -> Iterator[SimRobot]:
        """The robot, for a callback (the physics thread steps aside while it waits)."""
        with self._waiting_lock:
            self._waiting += 1
        try:
            with self.lock:
                yield self.robot
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    def _physics_loop(self) -> None:
        robot = self.robot
        try:
            while not self._stop.is_set():
                with self.lock:
                    robot.step(1)
                    now = robot.time_ns()
                    outgoing = self._due(now)
                for publish, msg in outgoing:
                    publish(msg)
                delay = self._pacer.delay(now, time.monotonic())
                if delay > 0:
                    time.sleep(delay)
                elif self._waiting:
                    time.sleep(0.0002)  # let a waiting callback take the lock
        except Exception as error:  # never silently: the robot would just stop
            if self._stop.is_set() or not self.context.ok():
                return  # shutting down (Ctrl-C shuts the context down before the node closes)
            self.get_logger().fatal(f"physics thread stopped: {error!r}")
            raise

    def _due(self, now: int) -> list[tuple[Any, Any]]:
        """The messages due at ``now`` (built under the lock, published after it)."""
        out: list[tuple[Any, Any]] = []
        if self._clock_due.due(now):
            clock = self._msg.Clock()
            fill_stamp(clock.clock, now)
            out.append((self.clock_pub.publish, clock))
        if self._joints_due.due(now):
            out.append((self.joint_pub.publish, self._joint_state(now)))
            robot = self.robot
            tool = fill_transform(
                self._msg.TransformStamped(), robot.tool_pose(), now, robot.base_frame, robot.tool_frame
            )
            out.append((self.tf.sendTransform, tool))
        if self._camera_due.due(now):
            image, info = self._depth_messages(now)
            out += [(self.image_pub.publish, image), (self.info_pub.publish, info)]
        return out

    def _joint_state(self, now: int) -> Any:
        msg = self._msg.JointState()
        fill_stamp(msg.header.stamp, now)
        msg.name = list(self.robot.joint_names)
        msg.position = [float(v) for v in self.robot.joint_positions()]
        msg.velocity = [float(v) for v in self.robot.joint_velocities()]
        msg.effort = [float(v) for v in self.robot.joint_efforts()]
        return msg

    def _depth_messages(self, now: int) -> tuple[Any, Any]:
        depth = self.robot.render_depth()
        data, step = encode_depth(depth, self.encoding)
        image = self._msg.Image()
        fill_stamp(image.header.stamp, now)
        image.header.frame_id = CAMERA_FRAME
        image.height, image.width = depth.shape
        image.encoding = self.encoding
        image.is_bigendian = 0
        image.step = step
        image.data = array.array("B", data)
        k = self.robot.camera_info()
        info = self._msg.CameraInfo()
        info.header = image.header
        info.width, info.height = k.width, k.height
        info.distortion_model = k.distortion_model
        info.d = k.d
        info.k = k.k
        info.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
        info.p = k.p
        return image, info

    def close(self) -> None:
        """Stop the physics thread (before the node is destroyed)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)

    # -------------------------------------------------------------- actions
    def execute_trajectory(self, goal_handle: Any) -> Any:
        """FollowJointTrajectory: check and start the trajectory, then wait for the physics thread's verdict."""
        action = self._msg.FollowJointTrajectory
        result = action.Result()
        trajectory = goal_handle.request.trajectory
        with self.locked() as robot:
            try:
                goal_id = robot.start_trajectory(list(trajectory.joint_names), trajectory_points(trajectory))
            except TrajectoryError as error:
                self.get_logger().warning(f"trajectory refused: {error}")
                result.error_code, result.error_string = error.code, str(error)
                goal_handle.abort()
                return result
        last_feedback = 0.0
        while True:
            if self._stop.is_set():
                result.error_code, result.error_string = INVALID_GOAL, "the simulated robot is shutting down"
                return self._abort_quietly(goal_handle, result)
            with self.locked() as robot:
                state = robot.trajectory_state()
                if goal_handle.is_cancel_requested and state.goal_id == goal_id:
                    robot.cancel_trajectory()
                    state = robot.trajectory_state()
                actual = robot.joint_positions()[: len(robot.arm_joints)]
            if state.goal_id != goal_id:  # a newer goal replaced this one
                result.error_code, result.error_string = INVALID_GOAL, PREEMPTED
                goal_handle.abort()
                return result
            if goal_handle.is_cancel_requested:
                result.error_code, result.error_string = 0, "canceled: the arm holds where it is"
                goal_handle.canceled()
                return result
            if state.status == SUCCEEDED:
                result.error_code, result.error_string = state.error_code, state.message
                goal_handle.succeed()
                return result
            if state.status != ACTIVE:
                result.error_code, result.error_string = state.error_code, state.message
                self.get_logger().warning(f"trajectory {state.status}: {state.message}")
                goal_handle.abort()
                return result
            if time.monotonic() - last_feedback >= FEEDBACK_S and state.desired is not None:
                last_feedback = time.monotonic()
                goal_handle.publish_feedback(self._trajectory_feedback(actual, state.desired))
            time.sleep(POLL_S)

    def _trajectory_feedback(self, actual: Any, desired: Any) -> Any:
        feedback = self._msg.FollowJointTrajectory.Feedback()
        with self.locked() as robot:
            fill_stamp(feedback.header.stamp, robot.time_ns())
        feedback.joint_names = list(robot.arm_joints)
        feedback.actual.positions = [float(v) for v in actual]
        feedback.desired.positions = [float(v) for v in desired]
        feedback.error.positions = [float(d - a) for d, a in zip(desired, actual, strict=True)]
        return feedback

    def execute_gripper(self, goal_handle: Any) -> Any:
        """GripperCommand / ParallelGripperCommand: move the fingers; done when they reach the goal or stall (a
        stall succeeds too).
        """
        kind, action = self.gripper_type, self._msg.GripperAction
        result = action.Result()
        with self.locked() as robot:
            joint = robot.profile.gripper.joint
            try:
                command = gripper_goals.read_goal(kind, goal_handle.request)
                command_id = robot.command_gripper(command.position, command.max_effort)
            except ValueError as error:
                self.get_logger().warning(f"gripper command refused: {error}")
                goal_handle.abort()
                return result
            episode = robot.episode
        last_feedback = 0.0
        while True:
            if self._stop.is_set():
                return self._abort_quietly(goal_handle, result)
            with self.locked() as robot:
                if goal_handle.is_cancel_requested and robot.gripper_state().command_id == command_id:
                    robot.cancel_gripper()
                status = robot.gripper_state()
                same_episode = robot.episode == episode
            gripper_goals.fill_state(
                kind, result, joint, status.position, status.effort, status.stalled, status.reached_goal
            )
            if status.command_id != command_id or not same_episode:
                why = "a newer gripper command" if same_episode else "an episode reset"
                self.get_logger().info(f"gripper command aborted: replaced by {why}")
                goal_handle.abort()
                return result
            if goal_handle.is_cancel_requested:
                goal_handle.canceled()
                return result
            if status.done:
                goal_handle.succeed()
                return result
            if time.monotonic() - last_feedback >= FEEDBACK_S:
                last_feedback = time.monotonic()
                goal_handle.publish_feedback(gripper_goals.fill_state(
                    kind, action.Feedback(), joint, status.position, status.effort, status.stalled,
                    status.reached_goal,
                ))
            time.sleep(POLL_S)

    @staticmethod
    def _abort_quietly(goal_handle: Any, result: Any) -> Any:
        """Abort a goal while the node shuts down (the context may already be gone)."""
        with contextlib.suppress(Exception):  # nothing to tell anyone any more
            goal_handle.abort()
        return result

    # ------------------------------------------------------------- services
    def on_reset_episode(self, request: Any, response: Any) -> Any:
        seed = int(request.seed)
        with self.locked() as robot:
            aborted = robot.trajectory_state().status == ACTIVE
            try:
                names = robot.reset(seed)
            except Exception as error:  # a scene that cannot be built: say why, keep the node alive
                response.success = False
                response.message = f"scene {seed} could not be built: {error}"
                self.get_logger().error(response.message)
                return response
            object_set = robot.config.object_set
            self._camera_due.trigger()  # the new scene's first frame at once
            self._joints_due.trigger()
        response.success = True
        response.object_names = list(names)
        response.object_set = object_set
        response.message = f"scene {seed}: {len(names)} objects from {object_set}" + (
            " (the running trajectory was aborted)" if aborted else ""
        )
        self.get_logger().info(response.message)
        return response

    def on_check_grasp(self, request: Any, response: Any) -> Any:
        with self.locked() as robot:
            check = robot.check_grasp(bool(request.label_success), str(request.termination))
        response.truth_success = check.truth_success
        response.agrees = check.agrees
        response.failure = check.failure or ""
        response.lifted_object = check.lifted_object or ""
        response.target_object = check.target_object or ""
        response.target_family = check.target_family or ""
        response.detail = check.detail
        return response


def spin_multithreaded(node: Any) -> None:
    """Spin on several threads: action callbacks wait for the physics thread while services keep answering."""
    from rclpy.executors import MultiThreadedExecutor

    executor = MultiThreadedExecutor(num_threads=6)
    executor.add_node(node)
    try:
        executor.spin()
    finally:
        executor.shutdown(timeout_sec=1.0)


def main(args: list[str] | None = None) -> None:
    """``ros2 run grasp_sim sim_robot_node``."""
    run_node(NODE_NAME, SimRobotNode, (ParameterError,), spin=spin_multithreaded, close=SimRobotNode.close,
             args=args)


if __name__ == "__main__":
    main()

