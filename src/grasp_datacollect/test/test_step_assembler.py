"""StepAssembler: frames, gripper states and commands paired by stamp into whole episodes (no ROS)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from grasp_datacollect.episode import Command, EpisodeInfo, EpisodeOutcome
from grasp_datacollect.step_assembler import CommandSample, StepAssembler
from grasp_servo.pose import GripperPose
from grasp_servo.ros.conversions import GripperSample

MS = 1_000_000
T0 = 10_000 * MS


def image(stamp: int, depth: np.ndarray | None = None, frame_id: str = "cam") -> SimpleNamespace:
    depth = np.full((4, 4), 0.3, np.float32) if depth is None else depth
    sec, nanosec = divmod(stamp, 1_000_000_000)
    return SimpleNamespace(
        header=SimpleNamespace(stamp=SimpleNamespace(sec=sec, nanosec=nanosec), frame_id=frame_id),
        height=depth.shape[0], width=depth.shape[1], encoding="32FC1", is_bigendian=0, step=depth.shape[1] * 4,
        data=np.ascontiguousarray(depth, dtype="<f4").view(np.uint8).reshape(-1),
    )


def info(episode_id: int = 1, stamp: int = T0) -> EpisodeInfo:
    return EpisodeInfo(episode_id, 0, "cem", "ur5", "real", [], stamp)


def outcome(episode_id: int = 1, stamp: int = T0 + 5_000 * MS) -> EpisodeOutcome:
    return EpisodeOutcome(episode_id, stamp, GripperPose(0.5, 0, 0.02, 0), True, "service", "", "servo_close", 2)


def command(stamp: int, step: int, episode_id: int = 1, kind: Command = Command.MOVE) -> CommandSample:
    return CommandSample(stamp, episode_id, step, kind, np.array([0.01, 0.0, -0.02, 0.1]), 0.8, 0.4)


def pose(x: float) -> GripperSample:
    return GripperSample(GripperPose(x, 0.0, 0.3, 0.0), 0.085, False)


class Warnings(list):
    def __call__(self, message: str) -> None:
        self.append(message)


def test_pairs_each_command_with_its_frame_and_the_nearest_state() -> None:
    warnings = Warnings()
    assembler = StepAssembler(state_tolerance_ns=20 * MS, warn=warnings)
    assembler.start_episode(info())
    t1, t2 = T0 + 100 * MS, T0 + 600 * MS
    assembler.add_state(t1 - 15 * MS, pose(0.40))
    assembler.add_frame(t1, image(t1))
    assembler.add_state(t1 + 5 * MS, pose(0.41))  # nearest to the frame
    assembler.add_command(command(t1, 0))
    assembler.add_frame(t2, image(t2))
    assembler.add_command(command(t2, 1, kind=Command.CLOSE))  # its state comes later
    assert assembler.pending_commands == 1
    assembler.add_state(t2 + 2 * MS, pose(0.45))
    assert assembler.pending_commands == 0
    episode = assembler.end_episode(outcome())
    assert episode is not None and episode.outcome is not None and warnings == []
    assert [s.step for s in episode.steps] == [0, 1]
    first, second = episode.steps
    assert first.stamp_ns == t1 and first.pose.x == pytest.approx(0.41) and first.camera_frame == "cam"
    assert second.pose.x == pytest.approx(0.45) and second.command == Command.CLOSE
    np.testing.assert_allclose(first.motion, [0.01, 0.0, -0.02, 0.1])
    assert first.predicted_success == 0.8 and first.depth.shape == (4, 4)
    assert assembler.open_episode is None


def test_frame_arriving_after_its_command_is_used() -> None:
    assembler = StepAssembler()
    assembler.start_episode(info())
    t1 = T0 + 100 * MS
    assembler.add_state(t1, pose(0.4))
    assembler.add_command(command(t1, 0))
    assembler.add_frame(t1, image(t1))
    episode = assembler.end_episode(outcome())
    assert episode is not None and len(episode.steps) == 1


def test_steps_without_frame_or_state_are_dropped_with_a_warning() -> None:
    warnings = Warnings()
    assembler = StepAssembler(state_tolerance_ns=20 * MS, warn=warnings)
    assembler.start_episode(info())
    t1, t2 = T0 + 100 * MS, T0 + 200 * MS
    assembler.add_command(command(t1, 0))  # its frame never arrives
    assembler.add_frame(t2, image(t2))
    assembler.add_state(t2 + 100 * MS, pose(0.4))  # too far from the frame
    assembler.add_command(command(t2, 1))
    episode = assembler.end_episode(outcome())
    assert episode is not None and episode.steps == []
    assert any("no depth frame" in w for w in warnings) and any("no gripper state" in w for w in warnings)


def test_invalid_depth_pixels_are_stored_as_no_return() -> None:
    assembler = StepAssembler()
    assembler.start_episode(info())
    t1 = T0 + 100 * MS
    depth = np.array([[np.nan, -np.inf], [0.3, np.inf]], np.float32)
    assembler.add_frame(t1, image(t1, depth))
    assembler.add_state(t1, pose(0.4))
    assembler.add_command(command(t1, 0))
    episode = assembler.end_episode(outcome())
    assert episode is not None
    stored = episode.steps[0].depth
    assert stored[0, 0] == 0 and stored[0, 1] == 0 and stored[1, 0] == pytest.approx(0.3) and np.isinf(stored[1, 1])


def test_commands_outside_the_open_episode_are_ignored() -> None:
    warnings = Warnings()
    assembler = StepAssembler(warn=warnings)
    assembler.add_command(command(T0, 0))
    assembler.start_episode(info(episode_id=2))
    assembler.add_command(command(T0 + 1, 0, episode_id=1))
    assert assembler.pending_commands == 0 and len(warnings) == 2
    assert assembler.end_episode(outcome(episode_id=1)) is None  # not the open episode
    assert assembler.open_episode == 2


def test_new_start_drops_an_unfinished_episode_and_flush_returns_the_open_one() -> None:
    warnings = Warnings()
    assembler = StepAssembler(warn=warnings)
    assembler.start_episode(info(1))
    assembler.start_episode(info(2, T0 + 500 * MS))
    assert warnings == []  # nothing of episode 1 was lost: no warning
    t0 = T0 + 600 * MS
    assembler.add_frame(t0, image(t0))
    assembler.add_command(command(t0, 0, episode_id=2))
    assembler.start_episode(info(3, T0 + 1_000 * MS))
    assert "episode 2 got no outcome" in warnings[0] and "1 steps are not recorded" in warnings[0]
    t1 = T0 + 1_100 * MS
    assembler.add_frame(t1, image(t1))
    assembler.add_command(command(t1, 0, episode_id=3))
    assembler.add_state(t1 - 3 * MS, pose(0.4))  # no later state will come: flush decides
    flushed = assembler.flush()
    assert flushed is not None and flushed.outcome is None and flushed.info.episode_id == 3
    assert len(flushed.steps) == 1 and assembler.flush() is None


def test_order_is_enforced_for_the_writer() -> None:
    warnings = Warnings()
    assembler = StepAssembler(warn=warnings)
    assembler.start_episode(info(stamp=T0))
    early, t1, late = T0 - 50 * MS, T0 + 100 * MS, T0 + 9_000 * MS
    for stamp, step in [(early, 0), (t1, 1), (late, 2)]:
        assembler.add_frame(stamp, image(stamp))
        assembler.add_state(stamp, pose(0.4))
        assembler.add_command(command(stamp, step))
    assembler.add_frame(t1 + 1, image(t1 + 1))
    assembler.add_command(command(t1 + 1, 1))  # repeated step index
    episode = assembler.end_episode(outcome(stamp=T0 + 5_000 * MS))
    assert episode is not None and [s.step for s in episode.steps] == [1]
    assert len(warnings) == 3
