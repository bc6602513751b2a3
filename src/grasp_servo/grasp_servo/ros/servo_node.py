"""``grasp_servo`` node: frames + gripper states in, one Cartesian goal per servo step out, then the lift test.

Serves the ``~/grasp`` action (grasp_interfaces/action/Grasp): one attempt per goal, servoing on every usable
frame until the controller closes, then waiting for the gripper, lifting, shaking and labelling the attempt
from the gripper's opening (``post_grasp.PostGrasp``); feedback per step, cancel stops the arm where it is.
With ``grasp_attempts`` above 1, a label of not held with steps left starts the next episode of the same goal
(a regrasp: the motion node opens the gripper on its start, the servo goes on from where the arm is).
Frames come either from grasp_perception (``frame_source: perception``: EncodedFrames scored by the model's
head in this node) or straight from the camera (``frame_source: camera``: depth Images scored by the whole
model here). Publishes ``/grasp/goal_pose`` (PoseStamped in ``base_frame``), ``/grasp/motion_command`` and the
episode topics ``/grasp/episode_start`` / ``/grasp/episode_outcome`` (TRANSIENT_LOCAL: a collector started
late still gets them); serves ``~/start_episode`` / ``~/stop`` (std_srvs/Trigger) and ``~/label_episode``
(std_srvs/SetBool: a person's label overrides the automatic one). All decisions come from the plain cores
(``ServoSession`` -> ``ClosedLoopController`` -> ``CEMServo``; ``PostGrasp``); this module converts messages.

Import-safe without ROS: rclpy and the message packages are imported when the node is built.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from types import SimpleNamespace
from typing import Any

from grasp_perception.ros.rclpy_guard import Node, require_rclpy, run_node

from grasp_servo.ros import conversions as conv
from grasp_servo.ros.parameters import (
    SERVO_RULES,
    ParameterError,
    declare_node_parameters,
    resolve_model_path,
    robot_profile,
    servo_config,
    servo_parameters,
    servo_specs,
    workspace_from,
)
from grasp_servo.ros.post_grasp import LABEL_METHOD, GiveUp, Label, PostGrasp, SendGoal
from grasp_servo.ros.servo_session import IDLE, RUNNING, FrameController, PlannedStep, Refusal, ServoSession
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
SERVO_KINDS = ("cem", "threshold")  # a goal names one of these, or "" for the node's own
EPISODE_TOPIC_DEPTH = 100


def build_controller(values: dict[str, Any]) -> tuple[FrameController, str, str]:
    """The closed-loop controller over the model named by the parameters; (controller, path, sha256).

    The model's contract picks the servo (``controller: auto``) or is checked against the one named: CEM over a
    scoring model (seed 001's step rule for a distance model), threshold servoing over a regression model. With
    ``frame_source: perception`` the scorer is the model's head (the perception node runs the encoder); a
    regression model runs whole in this node (``frame_source: camera``).
    """
    import math

    from grasp_perception.model_targets import check_guarded_descent, check_servo_pairing

    from grasp_servo.controllers import ClosedLoopController
    from grasp_servo.finger_clearance import FingerClearance, FingerFootprint, clearance_wanted
    from grasp_servo.servo import CEMServo

    try:
        model = resolve_model_path(str(values["model_path"]))
        from grasp_perception.onnx_model import read_model_contract

        contract = read_model_contract(model)
        kind = str(values.get("controller", "auto"))
        kind = contract.spec.servo if kind == "auto" else kind
        check_servo_pairing(contract.target, kind)
        clearance = None
        # The threshold servo follows one motion: nothing to check.
        if kind != "threshold" and clearance_wanted(str(values["finger_clearance"]), contract.target):
            opening = robot_profile(values["robot"]).max_opening
            clearance = FingerClearance(contract.camera, FingerFootprint(opening=opening),
                                        float(values["max_contact_angle_deg"]))
        if kind == "threshold":
            if values["frame_source"] == "perception":
                raise ParameterError(
                    f"model_path {model} is a regression model ({contract.target}): it runs whole in the servo "
                    "node, so frame_source must be camera, not perception"
                )
            check_guarded_descent(contract.target, int(values["descent_steps"]))
            from grasp_perception.regressor import OnnxMotionRegressor

            from grasp_servo.threshold import ThresholdConfig, ThresholdController, ThresholdServo

            regressor = OnnxMotionRegressor(model, threads=int(values["scorer_threads"]))
            config = ThresholdConfig(
                translation_threshold=float(values["threshold_mm"]) / 1000,
                rotation_threshold=math.radians(float(values["threshold_deg"])),
                step_budget=int(values["step_budget"]),
                descent_steps=int(values["descent_steps"]),
                track_peaks=int(values["track_peaks"]),
            )
            servo_t = ThresholdServo(config, workspace_from(values["workspace"]), regressor.pregrasp_height,
                                     regressor.grasp_motion)
            return ThresholdController(regressor, servo_t), str(model), ""
        if values["frame_source"] == "perception":
            from grasp_perception.split_model import HeadScorer

            scorer: Any = HeadScorer(model, threads=int(values["scorer_threads"]))
            sha = str(scorer.sha256)
        else:
            from grasp_perception.scorer import OnnxGraspScorer

            scorer = OnnxGraspScorer(model, threads=int(values["scorer_threads"]))
            sha = ""
    except FileNotFoundError as error:  # the message names model_path
        raise ParameterError(str(error)) from None
    except ParameterError:
        raise
    except ValueError as error:  # ModelContractError, or a servo that cannot use the model
        raise ParameterError(f"model_path is not usable here: {error}") from None
    workspace = workspace_from(values["workspace"])
    if scorer.objective == "minimise":
        from grasp_servo.distance_servo import DistanceController, DistanceServo, distance_servo_config

        config_d = distance_servo_config(int(values["approach_steps"]), int(values["cem_samples"]),
                                         int(values["cem_elites"]), int(values["cem_iterations"]))
        return DistanceController(scorer, DistanceServo(config_d, workspace), clearance), str(model), sha
    servo = CEMServo(servo_config(values), workspace)
    return ClosedLoopController(scorer, servo, clearance), str(model), sha


@dataclasses.dataclass
class Attempt:
    """The episodes one Grasp goal (or ~/start_episode) drives, and how it ended: one per grasp attempt."""

    episode_id: int  # the running (or last) attempt's episode
    seed: int = 0
    attempts: int = 1
    first_attempt_success: bool | None = None
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    result: dict[str, Any] | None = None  # fields of Grasp.Result once done
    aborted: str = ""  # why it ended without a label
    phase: str = "servo"
    step: int = 0
    best_score: float = float("nan")
    close_score: float = float("nan")
    last_usable_wall: float = dataclasses.field(default_factory=time.monotonic)
    last_refusal: str = ""


class ServoNode(Node):  # type: ignore[misc,valid-type]
    """Thin adapter around ``ServoSession`` and ``PostGrasp``; ``controller`` may be injected (tests)."""

    def __init__(self, controller: FrameController | None = None, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from geometry_msgs.msg import PoseStamped
        from rclpy.action import ActionServer, CancelResponse, GoalResponse
        from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
        from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image
        from std_srvs.srv import SetBool, Trigger

        from grasp_interfaces.action import Grasp
        from grasp_interfaces.msg import EncodedFrame, EpisodeOutcome, EpisodeStart, GripperState, MotionCommand

        self._msg = SimpleNamespace(
            PoseStamped=PoseStamped, MotionCommand=MotionCommand, EpisodeStart=EpisodeStart,
            EpisodeOutcome=EpisodeOutcome, Grasp=Grasp, GoalResponse=GoalResponse, CancelResponse=CancelResponse,
        )
        params = declare_node_parameters(self, servo_specs, SERVO_RULES, servo_parameters)
        self.profile = params.profile
        values = params.values
        self.values = values
        self.label_config = params.label
        self.workspace = params.workspace
        self.base_frame = str(values["base_frame"])
        self.throttle_s = float(values["warn_throttle_s"])
        self.frame_timeout_s = float(values["frame_timeout_s"])
        self._next_episode = int(values["first_episode_id"])
        self.model_sha256 = ""
        if controller is None:
            controller, self.model, self.model_sha256 = build_controller(values)
        else:
            self.model = str(values["model_path"])
        self.session = ServoSession(controller, params.session)
        self.states: StampBuffer[conv.GripperSample] = StampBuffer(STATE_BUFFER)
        self._lock = threading.RLock()
        self._post: PostGrasp | None = None
        self._attempt: Attempt | None = None
        self._seed = int(values["seed"])
        self._last_state_wall = time.monotonic()

        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        latched = QoSProfile(  # late joiners (a collector started after the episode began) still get them
            depth=EPISODE_TOPIC_DEPTH, reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.TRANSIENT_LOCAL,
        )
        frames = QoSProfile(  # newest frame only; best effort matches camera drivers' sensor-data QoS
            depth=1, reliability=ReliabilityPolicy.BEST_EFFORT, history=HistoryPolicy.KEEP_LAST
        )
        self.goal_pub = self.create_publisher(PoseStamped, TOPIC_GOAL_POSE, reliable)
        self.command_pub = self.create_publisher(MotionCommand, TOPIC_MOTION_COMMAND, reliable)
        self.start_pub = self.create_publisher(EpisodeStart, TOPIC_EPISODE_START, latched)
        self.outcome_pub = self.create_publisher(EpisodeOutcome, TOPIC_EPISODE_OUTCOME, latched)
        inputs = MutuallyExclusiveCallbackGroup()  # frames, states and services in order, one at a time
        self.create_subscription(GripperState, TOPIC_GRIPPER_STATE, self.on_gripper_state,
                                 QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE), callback_group=inputs)
        if values["frame_source"] == "perception":
            source = str(values["encoded_topic"])
            self.create_subscription(EncodedFrame, source, self.on_encoded_frame, frames, callback_group=inputs)
        else:
            source = str(values["depth_topic"])
            self.create_subscription(Image, source, self.on_image, frames, callback_group=inputs)
        self.create_service(Trigger, "~/start_episode", self.on_start_episode, callback_group=inputs)
        self.create_service(Trigger, "~/stop", self.on_stop, callback_group=inputs)
        self.create_service(SetBool, "~/label_episode", self.on_label_episode, callback_group=inputs)
        self.action_server = ActionServer(
            self, Grasp, "~/grasp", self.execute_grasp, goal_callback=self.on_grasp_goal,
            cancel_callback=lambda _: CancelResponse.ACCEPT, callback_group=ReentrantCallbackGroup(),
        )
        self.get_logger().info(
            f"servo ready: robot {self.profile.name}, model {self.model or '(injected controller)'}, "
            f"frames from {source} ({values['frame_source']}), finger clearance "
            f"{'on' if getattr(self.session.controller, 'clearance', None) is not None else 'off'}; send a goal to "
            "~/grasp or call ~/start_episode"
        )

    def now_ns(self) -> int:
        return int(self.get_clock().now().nanoseconds)

    # ------------------------------------------------------------------ inputs
    def on_gripper_state(self, msg: Any) -> None:
        stamp, sample = conv.gripper_sample(msg)
        self._last_state_wall = time.monotonic()
        with self._lock:
            self.states.add(stamp, sample)
            self.session.observe_state(stamp, sample)
            if self._post is not None:
                self._advance_post_grasp(stamp, sample)

    def on_image(self, msg: Any) -> None:
        self.on_frame(conv.decode_depth(msg))

    def on_encoded_frame(self, msg: Any) -> None:
        self.on_frame(conv.decode_encoded_frame(msg, self.model_sha256))

    def on_frame(self, frame: conv.DepthFrame) -> None:
        with self._lock:
            try:
                result = self.session.on_frame(frame, self.now_ns(), self.states)
            except Exception as exc:  # a failing model must never move the arm; say why and keep going
                self.get_logger().error(f"servo step failed, the arm does not move: {exc}",
                                        throttle_duration_sec=self.throttle_s)
                return
            attempt = self._attempt
            if isinstance(result, Refusal):
                if attempt is not None and not result.warn:
                    attempt.last_usable_wall = time.monotonic()
                if result.warn:
                    if attempt is not None:
                        attempt.last_refusal = result.reason
                    self.get_logger().warning(f"frame refused, the arm does not move: {result.reason}",
                                              throttle_duration_sec=self.throttle_s)
                return
            if attempt is not None:
                attempt.last_usable_wall = time.monotonic()
                attempt.step = result.step + 1
                attempt.best_score = float(result.decision.best_score)
                attempt.close_score = float(result.decision.close_score)
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
            self._post = PostGrasp(self.label_config, self.workspace, self.now_ns())
            if self._attempt is not None:
                self._attempt.phase = "closing"
            self.get_logger().info(
                f"episode {step.episode_id}: closing after {step.step + 1} steps ({step.decision.reason}); "
                "then lift, shake and label"
            )

    # ------------------------------------------------------------ lift test
    def _advance_post_grasp(self, stamp: int, sample: conv.GripperSample) -> None:
        assert self._post is not None
        action = self._post.on_state(stamp, sample, self.now_ns())
        if self._attempt is not None:
            self._attempt.phase = self._post.phase if not isinstance(action, SendGoal) else action.phase
        if isinstance(action, SendGoal):
            self.goal_pub.publish(
                conv.fill_pose_stamped(self._msg.PoseStamped(), action.goal, self.now_ns(), self.base_frame)
            )
        elif isinstance(action, Label):
            self._finish(action.success, action.label_method, action.detail, action.final_pose,
                         action.opening_closed, action.opening_lifted)
        elif isinstance(action, GiveUp):
            self.get_logger().error(f"episode {self.session.episode_id}: no label: {action.reason}")
            self._abort_attempt(action.reason)

    def _finish(self, success: bool, method: str, detail: str, final_pose: Any, opening_closed: float,
                opening_lifted: float) -> None:
        """Publish the outcome of the episode awaiting its label; then regrasp, or end the attempt."""
        latest = self.states.latest()
        finished = self.session.label(latest[1] if latest else None)
        self._post = None
        if finished is None:
            return
        attempt = self._attempt
        attempts = int(self.values["grasp_attempts"])
        regrasp = (
            attempt is not None and not success and method == LABEL_METHOD and attempt.attempts < attempts
            and self.session.scene_steps < self._step_budget()
        )
        if attempts > 1:  # as the embedded runner writes it
            number = attempt.attempts if attempt is not None else 1
            detail += f" attempt={number}" + (f" regrasp=episode_{self._next_episode}" if regrasp else "")
        pose = final_pose if final_pose is not None else finished.final_pose
        self.outcome_pub.publish(conv.fill_episode_outcome(
            self._msg.EpisodeOutcome(), self.now_ns(), self.base_frame, episode_id=finished.episode_id,
            final_pose=pose, success=success, label_method=method, label_detail=detail,
            termination=finished.termination, steps=finished.steps,
        ))
        self.get_logger().info(
            f"episode {finished.episode_id}: {'success' if success else 'failure'} ({method}: {detail})"
        )
        if attempt is not None and attempt.first_attempt_success is None:
            attempt.first_attempt_success = success
        if regrasp:
            assert attempt is not None
            self._regrasp(attempt)
            return
        self._end_attempt(result={
            "episode_id": finished.episode_id, "success": success, "label_method": method, "label_detail": detail,
            "termination": finished.termination, "steps": self.session.scene_steps, "final_pose": pose,
            "opening_closed": opening_closed, "opening_lifted": opening_lifted,
            "attempts": attempt.attempts if attempt is not None else 1,
            "first_attempt_success": success if attempt is None else attempt.first_attempt_success,
        })

    def _regrasp(self, attempt: Attempt) -> None:
        """Another attempt of the same goal as the next episode: the motion node opens the gripper on its start,
        the servo waits for that and goes on from where the arm is, with the steps the goal has left."""
        used = self.session.scene_steps
        attempt.attempts += 1
        attempt.episode_id = self._begin_episode(attempt.seed, first_step=used)
        attempt.phase = "servo"
        attempt.last_usable_wall = time.monotonic()
        self.get_logger().info(
            f"not held: regrasp as episode {attempt.episode_id} (attempt {attempt.attempts} of "
            f"{self.values['grasp_attempts']}, {self._step_budget() - used} of {self._step_budget()} steps left)"
        )

    def _step_budget(self) -> int:
        """The running goal's step budget: its servo's, else the step_budget parameter."""
        controller = self.session.controller
        for owner in (getattr(controller, "servo", None), controller):
            budget = getattr(getattr(owner, "config", None), "step_budget", None)
            if isinstance(budget, int):
                return budget
        return int(self.values["step_budget"])

    def _abort_attempt(self, why: str) -> None:
        """End the running attempt without a label: the servo stops, the lift test is dropped."""
        with self._lock:
            self.session.stop()
            self._post = None
            self._end_attempt(aborted=why)

    def _end_attempt(self, result: dict[str, Any] | None = None, aborted: str = "") -> None:
        attempt = self._attempt
        if attempt is None:
            return
        attempt.result, attempt.aborted = result, aborted
        attempt.phase = "done"
        attempt.done.set()

    # ------------------------------------------------------------- episodes
    def _begin_episode(self, seed: int, first_step: int = 0) -> int:
        """Start the next episode (an unlabelled previous one is given up); its id. ``first_step``: steps its
        goal already took (a regrasp)."""
        if self.session.stop():
            self.get_logger().warning(f"episode {self.session.episode_id} was never labelled; it has no outcome")
        self._post = None
        episode_id, now = self._next_episode, self.now_ns()
        self._next_episode += 1
        self.session.start(episode_id, now, first_step)
        self.start_pub.publish(conv.fill_episode_start(
            self._msg.EpisodeStart(), now, self.base_frame, episode_id=episode_id,
            seed=seed, policy=POLICY, robot=self.profile.name,
            object_set=str(self.values["object_set"]), model=self.model,
        ))
        self.get_logger().info(f"episode {episode_id} started")
        return episode_id

    def _busy(self) -> bool:
        return self.session.state == RUNNING or self._post is not None

    def on_start_episode(self, request: Any, response: Any) -> Any:
        del request
        with self._lock:
            if self._busy():
                response.success = False
                response.message = f"episode {self.session.episode_id} is running; call ~/stop first"
                return response
            episode_id = self._begin_episode(self._seed)
            self._attempt = Attempt(episode_id, seed=self._seed)
        response.success = True
        response.message = f"episode {episode_id} started"
        return response

    def on_stop(self, request: Any, response: Any) -> Any:
        del request
        with self._lock:
            episode = self.session.episode_id
            response.success = self.session.state != IDLE or self._post is not None
            self._abort_attempt("stopped on ~/stop")
        response.message = f"episode {episode} stopped (no outcome)" if response.success else "no episode"
        self.get_logger().info(response.message)
        return response

    def on_label_episode(self, request: Any, response: Any) -> Any:
        """A person's label: ends the episode awaiting its label now (overrides the automatic one)."""
        success = bool(request.data)
        with self._lock:
            if self.session.state == RUNNING or (self._post is None and self.session.state != "awaiting_label"):
                response.success = False
                response.message = "no episode awaits a label (the gripper has not closed)"
                return response
            closed = self._post.closed_pose if self._post is not None else None
            episode = self.session.episode_id
            self._finish(success, "service",
                         f"{'success' if success else 'failure'} reported on {NODE_NAME}/label_episode",
                         closed, float("nan"), float("nan"))
        response.success = True
        response.message = f"episode {episode} labelled {'success' if success else 'failure'}"
        self.get_logger().info(response.message)
        return response

    # --------------------------------------------------------- Grasp action
    def on_grasp_goal(self, goal: Any) -> Any:
        served = str(getattr(self.session.controller, "name", "cem"))
        kind = str(goal.controller) or served
        if kind != served:
            self.get_logger().error(
                f"Grasp goal refused: controller '{kind}' is not served here (this node runs {served} over "
                f"{self.values['frame_source']} frames; send '' or '{served}')"
            )
            return self._msg.GoalResponse.REJECT
        with self._lock:
            if self._busy():
                self.get_logger().error(f"Grasp goal refused: episode {self.session.episode_id} is running")
                return self._msg.GoalResponse.REJECT
        return self._msg.GoalResponse.ACCEPT

    def execute_grasp(self, goal_handle: Any) -> Any:
        """Run one attempt: servo, close, lift, shake, label; feedback on every step; cancel stops it."""
        request = goal_handle.request
        Grasp = self._msg.Grasp
        with self._lock:
            if self._busy():
                goal_handle.abort()
                return self._result(Grasp.Result(), aborted="another episode is running")
            self._apply_limits(int(request.step_budget), float(request.max_step_translation))
            seed = int(request.seed) or self._seed
            episode_id = self._begin_episode(seed)
            attempt = self._attempt = Attempt(episode_id, seed=seed)
        import rclpy

        feedback = Grasp.Feedback()
        reported = (-1, "")
        while not attempt.done.wait(0.02):
            if not rclpy.ok():  # shutting down: end the attempt, do not hold the executor's thread
                self._abort_attempt("the servo node is shutting down")
                break
            if goal_handle.is_cancel_requested:
                self._abort_attempt("canceled")
                goal_handle.canceled()
                self.get_logger().info(f"episode {episode_id} canceled; the arm stays where it is")
                return self._result(Grasp.Result(), episode_id, aborted="canceled", termination="canceled")
            silent = time.monotonic() - attempt.last_usable_wall
            if attempt.phase == "servo" and silent > self.frame_timeout_s:
                why = attempt.last_refusal or "no frame arrived"
                self._abort_attempt(f"no usable frame for {silent:.1f} s ({why}); the arm was not moved")
                break
            stateless = time.monotonic() - self._last_state_wall
            if attempt.phase != "servo" and stateless > self.frame_timeout_s:  # the arm went quiet mid-lift
                self._abort_attempt(f"no gripper state for {stateless:.1f} s during {attempt.phase}; no label")
                break
            if (attempt.step, attempt.phase) != reported:
                reported = (attempt.step, attempt.phase)
                self._fill_feedback(feedback, attempt)
                goal_handle.publish_feedback(feedback)
        with self._lock:
            self._restore_limits()
        if not rclpy.ok():  # the action server is gone with the context: nothing to report to
            return self._result(Grasp.Result(), episode_id, aborted=attempt.aborted, termination="aborted")
        if attempt.result is None:
            goal_handle.abort()
            self.get_logger().error(f"episode {episode_id} aborted: {attempt.aborted}")
            return self._result(Grasp.Result(), episode_id, aborted=attempt.aborted, termination="aborted")
        goal_handle.succeed()
        return self._result(Grasp.Result(), **attempt.result)

    def _fill_feedback(self, feedback: Any, attempt: Attempt) -> None:
        feedback.step = int(attempt.step)
        feedback.phase = attempt.phase
        feedback.best_score = attempt.best_score
        feedback.close_score = attempt.close_score
        latest = self.states.latest()
        if latest is not None:
            conv.fill_pose(feedback.gripper_pose, latest[1].pose)
            feedback.gripper_yaw = float(latest[1].pose.yaw)

    def _result(self, result: Any, episode_id: int = 0, aborted: str = "", **fields: Any) -> Any:
        result.episode_id = int(fields.get("episode_id", episode_id))
        result.message = aborted
        result.success = bool(fields.get("success", False))
        result.label_method = str(fields.get("label_method", ""))
        result.label_detail = str(fields.get("label_detail", ""))
        result.termination = str(fields.get("termination", ""))
        result.steps = int(fields.get("steps", 0))
        pose = fields.get("final_pose")
        if pose is not None:
            conv.fill_pose(result.final_pose, pose)
            result.final_yaw = float(pose.yaw)
        result.opening_closed = float(fields.get("opening_closed", float("nan")))
        result.opening_lifted = float(fields.get("opening_lifted", float("nan")))
        result.attempts = int(fields.get("attempts", 0))
        result.first_attempt_success = bool(fields.get("first_attempt_success", False))
        return result

    def _apply_limits(self, step_budget: int, max_step: float) -> None:
        """A goal's step budget / step size for this attempt (0 = the parameters')."""
        servo = getattr(self.session.controller, "servo", None)
        self._saved_config = None
        if servo is None or (step_budget <= 0 and max_step <= 0):
            return
        self._saved_config = servo.config
        changes: dict[str, Any] = {}
        if step_budget > 0:
            changes["step_budget"] = step_budget
        if max_step > 0:
            changes["max_step_translation"] = min(max_step, float(self.values["max_step_translation"]))
        servo.config = dataclasses.replace(servo.config, **changes)

    def _restore_limits(self) -> None:
        if getattr(self, "_saved_config", None) is not None:
            self.session.controller.servo.config = self._saved_config  # type: ignore[attr-defined]
            self._saved_config = None


def main(args: list[str] | None = None) -> None:
    """``ros2 run grasp_servo servo_node``."""

    def spin(node: ServoNode) -> None:
        from rclpy.executors import MultiThreadedExecutor

        executor = MultiThreadedExecutor(num_threads=3)
        executor.add_node(node)
        executor.spin()

    run_node(NODE_NAME, ServoNode, (ParameterError,), spin=spin, args=args)


if __name__ == "__main__":
    main()
