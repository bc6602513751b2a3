"""``grasp_servo`` node: wrist depth frames + gripper states in, one Cartesian goal per servo step out.

Subscribes to the depth image (``depth_topic``) and ``/grasp/gripper_state``; publishes
``/grasp/motion_command``, ``/grasp/goal_pose`` (PoseStamped in ``base_frame``), ``/grasp/episode_start`` and
``/grasp/episode_outcome``; serves ``~/start_episode`` and ``~/stop`` (std_srvs/Trigger) and
``~/label_episode`` (std_srvs/SetBool: was the grasp a success?). All decisions come from the plain cores
(``ServoSession`` -> ``ClosedLoopController`` -> ``CEMServo``); this module only converts messages.

Import-safe without ROS: rclpy and the message packages are imported when the node is built.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from grasp_servo.ros import conversions as conv
from grasp_servo.ros.parameters import (
    SERVO_RULES,
    ParameterError,
    declare_node_parameters,
    resolve_model_path,
    servo_config,
    servo_parameters,
    servo_specs,
    workspace_from,
)
from grasp_servo.ros.rclpy_guard import Node, require_rclpy, run_node
from grasp_servo.ros.servo_session import RUNNING, FrameController, PlannedStep, Refusal, ServoSession
from grasp_servo.ros.topics import (
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GOAL_POSE,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
)
from grasp_servo.stamp_buffer import StampBuffer

NODE_NAME = "grasp_servo"
STATE_BUFFER = 512  # about 10 s of gripper states at 50 Hz
POLICY = "cem"


def build_controller(values: dict[str, Any]) -> tuple[FrameController, str]:
    """The closed-loop CEM controller over the ONNX scorer named by the parameters, and the model path."""
    from grasp_perception.scorer import OnnxGraspScorer

    from grasp_servo.controllers import ClosedLoopController
    from grasp_servo.servo import CEMServo

    try:
        model = resolve_model_path(str(values["model_path"]))
        scorer = OnnxGraspScorer(model, threads=int(values["scorer_threads"]))
    except FileNotFoundError as error:  # the message names model_path
        raise ParameterError(str(error)) from None
    except ValueError as error:  # ModelContractError: not a grasp scoring model
        raise ParameterError(f"model_path is not a usable scoring model: {error}") from None
    servo = CEMServo(servo_config(values), workspace_from(values["workspace"]))
    return ClosedLoopController(scorer, servo), str(model)


class ServoNode(Node):  # type: ignore[misc,valid-type]
    """Thin adapter around ``ServoSession``; ``controller`` may be injected (tests) instead of the model."""

    def __init__(self, controller: FrameController | None = None, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from geometry_msgs.msg import PoseStamped
        from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image
        from std_srvs.srv import SetBool, Trigger

        from grasp_interfaces.msg import EpisodeOutcome, EpisodeStart, GripperState, MotionCommand

        self._msg = SimpleNamespace(
            PoseStamped=PoseStamped, MotionCommand=MotionCommand, EpisodeStart=EpisodeStart,
            EpisodeOutcome=EpisodeOutcome,
        )
        params = declare_node_parameters(self, servo_specs, SERVO_RULES, servo_parameters)
        self.profile = params.profile
        values = params.values
        self.values = values
        self.base_frame = str(values["base_frame"])
        self.throttle_s = float(values["warn_throttle_s"])
        self._next_episode = int(values["first_episode_id"])
        if controller is None:
            controller, self.model = build_controller(values)
        else:
            self.model = str(values["model_path"])
        self.session = ServoSession(controller, params.session)
        self.states: StampBuffer[conv.GripperSample] = StampBuffer(STATE_BUFFER)

        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        frames = QoSProfile(  # newest frame only; best effort matches camera drivers' sensor-data QoS
            depth=1, reliability=ReliabilityPolicy.BEST_EFFORT, history=HistoryPolicy.KEEP_LAST
        )
        self.goal_pub = self.create_publisher(PoseStamped, TOPIC_GOAL_POSE, reliable)
        self.command_pub = self.create_publisher(MotionCommand, TOPIC_MOTION_COMMAND, reliable)
        self.start_pub = self.create_publisher(EpisodeStart, TOPIC_EPISODE_START, reliable)
        self.outcome_pub = self.create_publisher(EpisodeOutcome, TOPIC_EPISODE_OUTCOME, reliable)
        self.create_subscription(GripperState, TOPIC_GRIPPER_STATE, self.on_gripper_state,
                                 QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE))
        self.create_subscription(Image, str(values["depth_topic"]), self.on_image, frames)
        self.create_service(Trigger, "~/start_episode", self.on_start_episode)
        self.create_service(Trigger, "~/stop", self.on_stop)
        self.create_service(SetBool, "~/label_episode", self.on_label_episode)
        self.get_logger().info(
            f"servo ready: robot {self.profile.name}, model {self.model or '(injected controller)'}, "
            f"frames on {values['depth_topic']}; call ~/start_episode to begin"
        )

    def now_ns(self) -> int:
        return int(self.get_clock().now().nanoseconds)

    def on_gripper_state(self, msg: Any) -> None:
        stamp, sample = conv.gripper_sample(msg)
        self.states.add(stamp, sample)
        self.session.observe_state(stamp, sample)

    def on_image(self, msg: Any) -> None:
        frame = conv.decode_depth(msg)
        try:
            result = self.session.on_frame(frame, self.now_ns(), self.states)
        except Exception as exc:  # a failing model must never move the arm; say why and keep going
            self.get_logger().error(f"servo step failed, the arm does not move: {exc}",
                                    throttle_duration_sec=self.throttle_s)
            return
        if isinstance(result, Refusal):
            if result.warn:
                self.get_logger().warning(f"frame refused, the arm does not move: {result.reason}",
                                          throttle_duration_sec=self.throttle_s)
            return
        self.publish_step(result)

    def publish_step(self, step: PlannedStep) -> None:
        """The goal first, then the command: a CLOSE command follows its descend goal."""
        goal = conv.fill_pose_stamped(self._msg.PoseStamped(), step.goal, step.stamp_ns, self.base_frame)
        command = conv.fill_motion_command(
            self._msg.MotionCommand(), step.stamp_ns, self.base_frame, step.episode_id, step.step,
            step.decision,
        )
        self.goal_pub.publish(goal)
        self.command_pub.publish(command)
        if step.note:
            self.get_logger().warning(step.note)
        if step.closes:
            self.get_logger().info(
                f"episode {step.episode_id}: closing after {step.step + 1} steps ({step.decision.reason}); "
                "label it with ~/label_episode"
            )

    def on_start_episode(self, request: Any, response: Any) -> Any:
        del request
        if self.session.state == RUNNING:
            response.success = False
            response.message = f"episode {self.session.episode_id} is running; call ~/stop first"
            return response
        if self.session.stop():
            previous = self.session.episode_id
            self.get_logger().warning(f"episode {previous} was never labelled; it has no outcome")
        episode_id, now = self._next_episode, self.now_ns()
        self._next_episode += 1
        self.session.start(episode_id, now)
        self.start_pub.publish(conv.fill_episode_start(
            self._msg.EpisodeStart(), now, self.base_frame, episode_id=episode_id,
            seed=int(self.values["seed"]), policy=POLICY, robot=self.profile.name,
            object_set=str(self.values["object_set"]), model=self.model,
        ))
        response.success = True
        response.message = f"episode {episode_id} started"
        self.get_logger().info(response.message)
        return response

    def on_stop(self, request: Any, response: Any) -> Any:
        del request
        episode = self.session.episode_id
        response.success = self.session.stop()
        response.message = f"episode {episode} stopped (no outcome)" if response.success else "no episode"
        self.get_logger().info(response.message)
        return response

    def on_label_episode(self, request: Any, response: Any) -> Any:
        latest = self.states.latest()
        finished = self.session.label(latest[1] if latest else None)
        if finished is None:
            response.success = False
            response.message = "no episode awaits a label (the gripper has not closed)"
            return response
        success = bool(request.data)
        self.outcome_pub.publish(conv.fill_episode_outcome(
            self._msg.EpisodeOutcome(), self.now_ns(), self.base_frame, episode_id=finished.episode_id,
            final_pose=finished.final_pose, success=success, label_method="service",
            label_detail=f"{'success' if success else 'failure'} reported on {NODE_NAME}/label_episode",
            termination=finished.termination, steps=finished.steps,
        ))
        response.success = True
        response.message = f"episode {finished.episode_id} labelled {'success' if success else 'failure'}"
        self.get_logger().info(response.message)
        return response


def main(args: list[str] | None = None) -> None:
    """``ros2 run grasp_servo servo_node``."""
    run_node(NODE_NAME, ServoNode, (ParameterError,), args=args)


if __name__ == "__main__":
    main()
