"""Pair the collector's five streams into whole episodes: frames, gripper states and commands by stamp.

A motion command is stamped like the frame it was decided from, so its frame is found by exact stamp; its
gripper pose is the state stamped nearest that frame, within a tolerance (states come at their own rate).
Steps are buffered per episode and handed out whole when the episode's outcome arrives, so a bag receives
each episode's messages in order and unfinished episodes never interleave. Plain Python, no ROS: the
collector node feeds it from messages, the tests feed it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from grasp_servo.ros.conversions import GripperSample, stamp_ns
from grasp_servo.stamp_buffer import StampBuffer

from grasp_datacollect.bag_convert import command_and_motion, depth_from_image
from grasp_datacollect.episode import Command, EpisodeInfo, EpisodeOutcome, StepRecord

NS_PER_MS = 1_000_000
DEFAULT_CAMERA_FRAME = "wrist_camera_optical_frame"


@dataclass(frozen=True)
class CommandSample:
    """A grasp_interfaces/MotionCommand as plain values."""

    stamp_ns: int
    episode_id: int
    step: int
    command: Command
    motion: np.ndarray  # (4,) dx, dy, dz, dyaw
    predicted_success: float = float("nan")
    close_score: float = float("nan")


def command_sample(msg: Any) -> CommandSample:
    """CommandSample of a grasp_interfaces/MotionCommand; ValueError for an unknown command value."""
    kind, motion = command_and_motion(msg)
    return CommandSample(
        stamp_ns=stamp_ns(msg.header.stamp),
        episode_id=int(msg.episode_id),
        step=int(msg.step),
        command=kind,
        motion=motion,
        predicted_success=float(msg.predicted_success),
        close_score=float(msg.close_score),
    )


@dataclass
class AssembledEpisode:
    """An episode ready for the bag writer; ``outcome`` is None for one cut off at shutdown."""

    info: EpisodeInfo
    steps: list[StepRecord] = field(default_factory=list)
    outcome: EpisodeOutcome | None = None


@dataclass
class _Pending:
    command: CommandSample
    image: Any | None


def _no_warning(message: str) -> None:
    del message


def depth_for_bag(image: Any) -> np.ndarray:
    """Depth in metres as the bag stores it: NaN and negative pixels (REP 118 invalid / too close) become 0."""
    depth = depth_from_image(image)
    invalid = np.isnan(depth) | (depth < 0)
    if invalid.any():
        depth[invalid] = 0.0
    return depth


class StepAssembler:
    """Buffers frames and gripper states, and builds each command's step once its frame and pose are known."""

    def __init__(
        self,
        state_tolerance_ns: int = 50 * NS_PER_MS,
        frame_capacity: int = 64,
        state_capacity: int = 1024,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        if state_tolerance_ns <= 0:
            raise ValueError(f"state_tolerance_ns must be > 0, got {state_tolerance_ns}")
        self.state_tolerance_ns = int(state_tolerance_ns)
        self._frames: StampBuffer[Any] = StampBuffer(frame_capacity)
        self._states: StampBuffer[GripperSample] = StampBuffer(state_capacity)
        self._warn = warn if warn is not None else _no_warning
        self._info: EpisodeInfo | None = None
        self._pending: list[_Pending] = []
        self._steps: list[StepRecord] = []

    @property
    def open_episode(self) -> int | None:
        return self._info.episode_id if self._info is not None else None

    @property
    def open_info(self) -> EpisodeInfo | None:
        """The EpisodeInfo of the open episode, if any."""
        return self._info

    @property
    def pending_commands(self) -> int:
        return len(self._pending)

    @property
    def assembled_steps(self) -> int:
        """Steps of the open episode built so far."""
        return len(self._steps)

    def add_frame(self, stamp_ns: int, image: Any) -> None:
        """A depth Image (kept raw; decoded only when a command uses it)."""
        self._frames.add(stamp_ns, image)
        for pending in self._pending:
            if pending.image is None and pending.command.stamp_ns == stamp_ns:
                pending.image = image
        self._resolve(final=False)

    def add_state(self, stamp_ns: int, sample: GripperSample) -> None:
        self._states.add(stamp_ns, sample)
        self._resolve(final=False)

    def start_episode(self, info: EpisodeInfo) -> None:
        """Open a new episode; one still open (never given an outcome) is dropped, with a warning if it had steps."""
        if self._info is not None and (self._steps or self._pending):
            self._warn(
                f"episode {self._info.episode_id} got no outcome before episode {info.episode_id} started; "
                f"its {len(self._steps) + len(self._pending)} steps are not recorded"
            )
        self._info = info
        self._pending = []
        self._steps = []

    def add_command(self, command: CommandSample) -> None:
        if self._info is None:
            self._warn(f"motion command of episode {command.episode_id} outside any episode; ignored")
            return
        if command.episode_id != self._info.episode_id:
            self._warn(
                f"motion command of episode {command.episode_id} while episode {self._info.episode_id} "
                "is open; ignored"
            )
            return
        self._pending.append(_Pending(command, self._frames.exact(command.stamp_ns)))
        self._resolve(final=False)

    def end_episode(self, outcome: EpisodeOutcome) -> AssembledEpisode | None:
        """The finished episode, or None (with a warning) when the outcome matches no open episode."""
        if self._info is None or outcome.episode_id != self._info.episode_id:
            open_id = "none" if self._info is None else self._info.episode_id
            self._warn(f"outcome of episode {outcome.episode_id} but the open episode is {open_id}; ignored")
            return None
        self._resolve(final=True)
        return self._finish(outcome)

    def flush(self) -> AssembledEpisode | None:
        """The open episode without an outcome (recording cut off), or None when none is open."""
        if self._info is None:
            return None
        self._resolve(final=True)
        return self._finish(None)

    def _resolve(self, final: bool) -> None:
        waiting: list[_Pending] = []
        for pending in self._pending:
            command = pending.command
            where = f"episode {command.episode_id} step {command.step}"
            if pending.image is None:
                if final:
                    self._warn(f"{where}: no depth frame stamped {command.stamp_ns} was received; step dropped")
                else:
                    waiting.append(pending)
                continue
            if not final and not self._states.has_at_or_after(command.stamp_ns):
                waiting.append(pending)  # a closer gripper state may still come
                continue
            match = self._states.nearest(command.stamp_ns, self.state_tolerance_ns)
            if match is None:
                tolerance = self.state_tolerance_ns / NS_PER_MS
                self._warn(f"{where}: no gripper state within {tolerance:.0f} ms of its frame; step dropped")
                continue
            step = self._step_record(pending, match[1], where)
            if step is not None:
                self._steps.append(step)
        self._pending = waiting

    def _step_record(self, pending: _Pending, state: GripperSample, where: str) -> StepRecord | None:
        command, image = pending.command, pending.image
        try:
            depth = depth_for_bag(image)
        except ValueError as exc:
            self._warn(f"{where}: cannot decode its depth frame ({exc}); step dropped")
            return None
        frame_id = str(getattr(image.header, "frame_id", "")) or DEFAULT_CAMERA_FRAME
        return StepRecord(
            episode_id=command.episode_id, step=command.step, stamp_ns=command.stamp_ns, depth=depth,
            pose=state.pose, opening=state.opening, closed=state.closed, command=command.command,
            motion=np.asarray(command.motion, dtype=np.float64), predicted_success=command.predicted_success,
            close_score=command.close_score, camera_frame=frame_id,
        )

    def _finish(self, outcome: EpisodeOutcome | None) -> AssembledEpisode:
        info = self._info
        assert info is not None
        steps: list[StepRecord] = []
        for step in sorted(self._steps, key=lambda s: (s.step, s.stamp_ns)):
            where = f"episode {info.episode_id} step {step.step}"
            if steps and (step.step <= steps[-1].step or step.stamp_ns <= steps[-1].stamp_ns):
                self._warn(f"{where}: step index or stamp does not increase; step dropped")
            elif step.stamp_ns < info.stamp_ns:
                self._warn(f"{where}: stamped before its episode started; step dropped")
            elif outcome is not None and step.stamp_ns > outcome.stamp_ns:
                self._warn(f"{where}: stamped after its episode's outcome; step dropped")
            else:
                steps.append(step)
        self._info, self._pending, self._steps = None, [], []
        return AssembledEpisode(info, steps, outcome)
