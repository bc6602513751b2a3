"""Episode bookkeeping of the ROS servo node: which frames may drive the arm, and what each step sends.

The node hands every decoded frame to ``ServoSession.on_frame`` with the current time and its buffer of
recent gripper states. The session refuses frames that must not move the arm (no episode running, stale,
undecodable, wrong size, no valid pixel, no gripper state taken with it), waits while the arm is still on
its way to the last goal, and otherwise asks the controller (the same core the embedded runner calls) for
the next step. A frame taken while the gripper reports closed waits too (a regrasp starts by opening it). It
moves nothing itself and imports no ROS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from grasp_servo.pose import GripperPose, apply_motion, wrap_half_turn
from grasp_servo.ros.conversions import DepthFrame, GripperSample
from grasp_servo.servo import CLOSE, ServoDecision
from grasp_servo.stamp_buffer import StampBuffer

IDLE, RUNNING, AWAITING_LABEL = "idle", "running", "awaiting_label"
NS_PER_MS = 1_000_000


class FrameController(Protocol):
    def begin_episode(self, hints: Any) -> None: ...

    def decide(
        self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator
    ) -> ServoDecision: ...


@dataclass(frozen=True)
class SessionConfig:
    """Which frames may drive the arm, and when the arm counts as arrived at its goal."""

    max_frame_age_ns: int = 200 * NS_PER_MS
    max_state_offset_ns: int = 50 * NS_PER_MS  # |frame stamp - gripper state stamp| allowed
    expected_shape: tuple[int, int] | None = None  # (height, width); None accepts any size
    arrive_tolerance: float = 0.005  # metres between the gripper and the last goal
    arrive_yaw_tolerance: float = 0.05  # radians
    step_timeout_ns: int = 5_000 * NS_PER_MS  # re-plan from where the arm is after this long
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("max_frame_age_ns", "max_state_offset_ns", "step_timeout_ns"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.arrive_tolerance <= 0 or self.arrive_yaw_tolerance <= 0:
            raise ValueError("arrive tolerances must be > 0")
        if self.expected_shape is not None and min(self.expected_shape) < 1:
            raise ValueError(f"expected_shape must be positive, got {self.expected_shape}")


@dataclass(frozen=True)
class Refusal:
    """A frame that may not move the arm; ``warn`` is False for the normal cases (idle, arm still moving)."""

    reason: str
    warn: bool = True


@dataclass(frozen=True)
class PlannedStep:
    """One servo step to publish: the motion command and the goal pose, stamped like the frame."""

    episode_id: int
    step: int
    stamp_ns: int
    pose: GripperPose  # where the frame was taken
    goal: GripperPose  # apply_motion(pose, decision.motion)
    decision: ServoDecision
    note: str = ""  # something worth a warning that did not stop the step

    @property
    def closes(self) -> bool:
        return self.decision.command == CLOSE


@dataclass(frozen=True)
class FinishedEpisode:
    """What the outcome of a closed episode reports."""

    episode_id: int
    steps: int
    termination: str
    final_pose: GripperPose


class ServoSession:
    """One episode at a time: idle -> running -> (close) awaiting a label -> idle."""

    def __init__(self, controller: FrameController, config: SessionConfig) -> None:
        self.controller = controller
        self.config = config
        self._state = IDLE
        self._episode_id = -1
        self._started_ns = 0
        self._step = 0
        self._rng = np.random.default_rng(config.seed)
        self._last_frame_ns: int | None = None
        self._goal: GripperPose | None = None
        self._goal_issued_ns = 0
        self._termination = ""
        self._closed_pose: GripperPose | None = None
        self._first_step = 0

    @property
    def state(self) -> str:
        return self._state

    @property
    def episode_id(self) -> int:
        return self._episode_id

    @property
    def steps(self) -> int:
        """Steps of the running (or last) episode."""
        return self._step

    @property
    def scene_steps(self) -> int:
        """Steps of the scene: this episode's and those of the attempts it follows (its step budget's count)."""
        return self._first_step + self._step

    def start(self, episode_id: int, now_ns: int, first_step: int = 0) -> None:
        """Begin episode ``episode_id`` at ``now_ns`` (an unlabelled previous episode is given up).

        ``first_step``: servo steps the scene already took (a regrasp goes on with the attempts' shared step
        budget); the episode's own steps count from 0.
        """
        if self._state == RUNNING:
            raise RuntimeError(f"episode {self._episode_id} is still running; stop it first")
        self._state = RUNNING
        self._episode_id = int(episode_id)
        self._started_ns = int(now_ns)
        self._step = 0
        self._first_step = int(first_step)
        self._rng = np.random.default_rng([self.config.seed, self._episode_id])
        self._last_frame_ns = None
        self._goal = None
        self._termination = ""
        self._closed_pose = None
        self.controller.begin_episode([])

    def stop(self) -> bool:
        """Abandon the running or unlabelled episode; True when there was one."""
        active = self._state != IDLE
        self._state = IDLE
        return active

    def on_frame(
        self, frame: DepthFrame, now_ns: int, states: StampBuffer[GripperSample]
    ) -> PlannedStep | Refusal:
        """The step to take from ``frame``, or why the arm must not move on it."""
        checked = self._check(frame, now_ns, states)
        if isinstance(checked, Refusal):
            return checked
        pose, note = checked
        assert frame.depth is not None
        decision = self.controller.decide(frame.observation, pose, self.scene_steps, self._rng)
        goal = apply_motion(pose, decision.motion)
        step = PlannedStep(self._episode_id, self._step, frame.stamp_ns, pose, goal, decision, note)
        self._step += 1
        self._last_frame_ns = frame.stamp_ns
        self._goal, self._goal_issued_ns = goal, now_ns
        if step.closes:
            self._state = AWAITING_LABEL
            self._termination = decision.reason
        return step

    def observe_state(self, stamp_ns: int, sample: GripperSample) -> None:
        """Remember the pose at which the gripper first reports closed after the close command."""
        waiting = self._state == AWAITING_LABEL and self._closed_pose is None
        if waiting and sample.closed and stamp_ns >= self._goal_issued_ns:
            self._closed_pose = sample.pose

    def label(self, latest: GripperSample | None) -> FinishedEpisode | None:
        """End the episode awaiting its label; None when no episode awaits one."""
        if self._state != AWAITING_LABEL:
            return None
        self._state = IDLE
        final = self._closed_pose or (latest.pose if latest is not None else None) or self._goal
        assert final is not None
        return FinishedEpisode(self._episode_id, self._step, self._termination, final)

    def _check(
        self, frame: DepthFrame, now_ns: int, states: StampBuffer[GripperSample]
    ) -> tuple[GripperPose, str] | Refusal:
        cfg = self.config
        if self._state != RUNNING:
            return Refusal("no episode is running", warn=False)
        if frame.depth is None:
            return Refusal(f"invalid depth frame: {frame.error}")
        age = now_ns - frame.stamp_ns
        if age > cfg.max_frame_age_ns:
            limit = cfg.max_frame_age_ns / NS_PER_MS
            return Refusal(f"stale frame: {age / NS_PER_MS:.0f} ms old (max {limit:.0f} ms)")
        if -age > cfg.max_frame_age_ns:
            return Refusal(f"frame stamped {-age / NS_PER_MS:.0f} ms in the future (clock mismatch?)")
        if frame.encoded:  # the perception node checked the depth frame; its features must be finite
            if not np.all(np.isfinite(frame.depth)):
                return Refusal("encoded frame holds non-finite features")
        elif cfg.expected_shape is not None and frame.depth.shape != tuple(cfg.expected_shape):
            h, w = cfg.expected_shape
            return Refusal(f"frame is {frame.depth.shape[0]}x{frame.depth.shape[1]}, expected {h}x{w}")
        elif not np.any(np.isfinite(frame.depth) & (frame.depth > 0)):
            return Refusal("frame has no finite, positive depth pixel")
        if frame.stamp_ns < self._started_ns:
            return Refusal("frame was taken before the episode started", warn=False)
        if self._last_frame_ns is not None and frame.stamp_ns <= self._last_frame_ns:
            return Refusal("frame is not newer than the last step's", warn=False)
        match = states.nearest(frame.stamp_ns, cfg.max_state_offset_ns)
        if match is None:
            return Refusal(self._missing_state(frame.stamp_ns, states))
        _, sample = match
        if sample.closed:  # a regrasp begins with the gripper opening: the arm waits for it
            return Refusal("waiting for the gripper to open", warn=False)
        if self._goal is None:
            return sample.pose, ""
        if frame.stamp_ns >= self._goal_issued_ns and self._arrived(sample.pose, self._goal):
            return sample.pose, ""
        waited = now_ns - self._goal_issued_ns
        if waited < cfg.step_timeout_ns:
            return Refusal("waiting for the arm to reach the last goal", warn=False)
        note = f"the arm did not reach the last goal within {waited / 1e9:.1f} s; planning from where it is"
        return sample.pose, note

    def _arrived(self, pose: GripperPose, goal: GripperPose) -> bool:
        distance = float(np.linalg.norm(pose.position - goal.position))
        dyaw = abs(float(wrap_half_turn(pose.yaw - goal.yaw)))
        return distance <= self.config.arrive_tolerance and dyaw <= self.config.arrive_yaw_tolerance

    def _missing_state(self, frame_ns: int, states: StampBuffer[GripperSample]) -> str:
        latest = states.latest()
        tolerance = self.config.max_state_offset_ns / NS_PER_MS
        if latest is None:
            return "no gripper state received yet"
        offset = (latest[0] - frame_ns) / NS_PER_MS
        return f"no gripper state within {tolerance:.0f} ms of the frame (newest is {offset:+.0f} ms from it)"
