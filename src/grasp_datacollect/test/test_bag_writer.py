"""EpisodeBagWriter: refuses to overwrite, survives errors in the caller, validates its inputs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from grasp_datacollect.bag_reader import read_episodes
from grasp_datacollect.bag_writer import EpisodeBagWriter
from grasp_datacollect.episode import Episode, StepRecord
from grasp_servo.pose import GripperPose
from synthetic_episodes import assert_episodes_equal, make_episodes


def test_existing_folder_is_refused(bag_path: Path) -> None:
    before = {p.name: p.stat().st_size for p in bag_path.iterdir()}
    with pytest.raises(FileExistsError, match="already exists"):
        EpisodeBagWriter(bag_path)
    assert {p.name: p.stat().st_size for p in bag_path.iterdir()} == before


def test_existing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        EpisodeBagWriter(path)
    assert path.read_text() == "keep me"


def test_unknown_compression_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="compression"):
        EpisodeBagWriter(tmp_path / "bag", compression="message")
    assert not (tmp_path / "bag").exists()


def test_error_inside_with_keeps_earlier_episodes(tmp_path: Path) -> None:
    episodes = make_episodes(3)
    path = tmp_path / "bag"
    with pytest.raises(RuntimeError, match="simulator crashed"), EpisodeBagWriter(path) as bag:
        for episode in episodes[:2]:
            bag.start_episode(episode.info)
            for step in episode.steps:
                bag.write_step(step)
            assert episode.outcome is not None
            bag.end_episode(episode.outcome)
        bag.start_episode(episodes[2].info)
        bag.write_step(episodes[2].steps[0])
        raise RuntimeError("simulator crashed")
    assert bag.closed
    read = list(read_episodes(path))
    assert len(read) == 3
    assert_episodes_equal(read[0], episodes[0])
    assert_episodes_equal(read[1], episodes[1])
    assert read[2].outcome is None
    assert len(read[2].steps) == 1


def test_counters_and_close(tmp_path: Path) -> None:
    episodes = make_episodes(2)
    bag = EpisodeBagWriter(tmp_path / "bag")
    bag.start_episode(episodes[0].info)
    assert (bag.episodes, bag.completed_episodes, bag.steps, bag.open_episode) == (1, 0, 0, 7)
    for step in episodes[0].steps:
        bag.write_step(step)
    assert episodes[0].outcome is not None
    bag.end_episode(episodes[0].outcome)
    assert (bag.episodes, bag.completed_episodes, bag.steps, bag.open_episode) == (1, 1, 4, None)
    bag.close()
    bag.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        bag.start_episode(episodes[1].info)
    assert len(list(read_episodes(tmp_path / "bag"))) == 1


def _replace_step(**changes: object) -> Callable[[Episode], StepRecord]:
    return lambda episode: dataclasses.replace(episode.steps[1], **changes)


def _bad_depth(value: float) -> Callable[[Episode], StepRecord]:
    def make(episode: Episode) -> StepRecord:
        depth = episode.steps[1].depth.copy()
        depth[3, 4] = value
        return dataclasses.replace(episode.steps[1], depth=depth)

    return make


BAD_STEPS = {
    "3-D depth": (_replace_step(depth=np.zeros((2, 64, 64), np.float32)), "2-D float"),
    "integer depth": (_replace_step(depth=np.zeros((64, 64), np.uint16)), "2-D float"),
    "list depth": (_replace_step(depth=[[0.5]]), "2-D float"),
    "NaN depth": (_bad_depth(float("nan")), "NaN"),
    "negative depth": (_bad_depth(-0.1), "negative"),
    "-inf depth": (_bad_depth(-np.inf), "negative"),
    "short motion": (_replace_step(motion=np.zeros(3)), r"motion must be 4"),
    "NaN motion": (_replace_step(motion=np.array([0, 0, np.nan, 0])), r"motion must be 4"),
    "NaN pose": (_replace_step(pose=GripperPose(0.5, 0.0, np.nan, 0.0)), "pose must be finite"),
    "other episode": (_replace_step(episode_id=99), "belongs to episode 99"),
    "repeated step index": (_replace_step(step=0), "step index must increase"),
    "repeated stamp": (lambda e: dataclasses.replace(e.steps[1], stamp_ns=e.steps[0].stamp_ns), "later than"),
    "negative stamp": (_replace_step(stamp_ns=-5), "stamp_ns"),
    "bad command": (_replace_step(command=7), "command"),
    "empty camera frame": (_replace_step(camera_frame=""), "camera_frame"),
}


@pytest.mark.parametrize("case", BAD_STEPS)
def test_bad_step_is_refused_and_bag_stays_valid(tmp_path: Path, case: str) -> None:
    make_bad, message = BAD_STEPS[case]
    (episode,) = make_episodes(1)
    with EpisodeBagWriter(tmp_path / "bag") as bag:
        bag.start_episode(episode.info)
        bag.write_step(episode.steps[0])
        with pytest.raises(ValueError, match=message):
            bag.write_step(make_bad(episode))
        for step in episode.steps[1:]:
            bag.write_step(step)
        assert episode.outcome is not None
        bag.end_episode(episode.outcome)
    (read,) = read_episodes(tmp_path / "bag")
    assert_episodes_equal(read, episode)


def test_episode_sequence_is_checked(tmp_path: Path) -> None:
    first, second = make_episodes(2)
    assert first.outcome is not None
    with EpisodeBagWriter(tmp_path / "bag") as bag:
        with pytest.raises(ValueError, match="no episode is open"):
            bag.write_step(first.steps[0])
        with pytest.raises(ValueError, match="no episode is open"):
            bag.end_episode(first.outcome)
        bag.start_episode(first.info)
        with pytest.raises(ValueError, match="still open"):
            bag.start_episode(second.info)
        with pytest.raises(ValueError, match="outcome is for episode 8"):
            bag.end_episode(dataclasses.replace(first.outcome, episode_id=8))
        bag.write_step(first.steps[0])
        with pytest.raises(ValueError, match="earlier than the last message"):
            bag.end_episode(dataclasses.replace(first.outcome, stamp_ns=first.info.stamp_ns))
        bag.end_episode(first.outcome)
        with pytest.raises(ValueError, match="already recorded"):
            bag.start_episode(dataclasses.replace(second.info, episode_id=first.info.episode_id))
        with pytest.raises(ValueError, match="earlier than the last message"):
            bag.start_episode(dataclasses.replace(second.info, stamp_ns=first.info.stamp_ns))
        with pytest.raises(ValueError, match="episode_id"):
            bag.start_episode(dataclasses.replace(second.info, episode_id=-1))
        with pytest.raises(ValueError, match="object_names"):
            bag.start_episode(dataclasses.replace(second.info, object_names=["a", 3]))
        bag.start_episode(second.info)
    assert [e.info.episode_id for e in read_episodes(tmp_path / "bag")] == [7, 8]
