"""BagRecorder and the collector's message readers: assembled episodes into a readable bag (no ROS)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from grasp_datacollect.bag_reader import read_episodes
from grasp_datacollect.bag_recorder import BagRecorder
from grasp_datacollect.episode import Command, EpisodeInfo, EpisodeOutcome, StepRecord
from grasp_datacollect.ros.conversions import command_sample, default_bag_path
from grasp_datacollect.step_assembler import AssembledEpisode
from grasp_servo.pose import GripperPose

MS = 1_000_000
T0 = 50_000 * MS


def episode(episode_id: int, t0: int, steps: int = 2, outcome: bool = True) -> AssembledEpisode:
    records = [
        StepRecord(episode_id, i, t0 + (i + 1) * 100 * MS, np.full((4, 4), 0.3, np.float32),
                   GripperPose(0.5, 0.0, 0.3 - 0.05 * i, 0.0), 0.085, False,
                   Command.CLOSE if i == steps - 1 else Command.MOVE, np.array([0.0, 0.0, -0.05, 0.0]))
        for i in range(steps)
    ]
    end = EpisodeOutcome(episode_id, t0 + 1_000 * MS, GripperPose(0.5, 0, 0.02, 0), True, "service", "", "servo_close",
                         steps)
    return AssembledEpisode(EpisodeInfo(episode_id, 0, "cem", "ur5", "real", [], t0), records, end if outcome else None)


def test_episodes_and_a_cut_off_one_are_readable(tmp_path: Path) -> None:
    recorder = BagRecorder(tmp_path / "bag")
    assert recorder.write(episode(1, T0)) and recorder.write(episode(2, T0 + 2_000 * MS))
    assert not recorder.write(episode(3, T0 + 4_000 * MS, outcome=False))
    recorder.close()
    recorder.close()
    episodes = list(read_episodes(tmp_path / "bag"))
    assert [e.info.episode_id for e in episodes] == [1, 2, 3]
    assert [len(e.steps) for e in episodes] == [2, 2, 2]
    assert episodes[0].outcome is not None and episodes[2].outcome is None


def test_refuses_an_existing_path(tmp_path: Path) -> None:
    (tmp_path / "bag").mkdir()
    with pytest.raises(FileExistsError):
        BagRecorder(tmp_path / "bag")


def test_bad_episode_is_skipped_and_a_refused_outcome_rolls_over(tmp_path: Path) -> None:
    warnings: list[str] = []
    recorder = BagRecorder(tmp_path / "bag", warn=warnings.append)
    assert recorder.write(episode(1, T0))
    assert not recorder.write(episode(1, T0 + 2_000 * MS))  # repeated id: refused before anything is written
    bad = episode(2, T0 + 4_000 * MS)
    assert bad.outcome is not None
    bad.outcome.final_pose = GripperPose(float("nan"), 0, 0, 0)
    assert not recorder.write(bad)  # started, outcome refused: the bag is closed, a new part begins
    assert recorder.write(episode(3, T0 + 6_000 * MS))
    recorder.close()
    assert [p.name for p in recorder.paths] == ["bag", "bag_part1"]
    assert [e.info.episode_id for e in read_episodes(tmp_path / "bag")] == [1, 2]
    assert [e.info.episode_id for e in read_episodes(tmp_path / "bag_part1")] == [3]
    assert len(warnings) == 2


def test_command_sample_from_a_message() -> None:
    msg = SimpleNamespace(
        header=SimpleNamespace(stamp=SimpleNamespace(sec=3, nanosec=5)), episode_id=4, step=2, command=1,
        translation=SimpleNamespace(x=0.1, y=0.2, z=0.3), rotation=0.4, predicted_success=0.7, close_score=0.6,
    )
    sample = command_sample(msg)
    assert sample.stamp_ns == 3_000_000_005 and sample.command == Command.CLOSE
    assert (sample.episode_id, sample.step) == (4, 2)
    np.testing.assert_allclose(sample.motion, [0.1, 0.2, 0.3, 0.4])
    msg.command = 9
    with pytest.raises(ValueError, match="unknown motion command"):
        command_sample(msg)


def test_default_bag_path() -> None:
    assert default_bag_path(datetime(2025, 1, 2, 3, 4, 5)) == Path("grasp_bags/episodes_20250102_030405")
