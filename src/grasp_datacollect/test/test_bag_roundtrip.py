"""Write synthetic episodes, read them back with an independent MCAP reader and with read_episodes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from grasp_datacollect.bag_reader import bag_summary, read_episodes
from grasp_datacollect.bag_types import (
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
    TOPIC_TYPES,
)
from grasp_datacollect.episode import Episode
from grasp_servo.pose import yaw_from_quaternion_wxyz
from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory
from synthetic_episodes import (
    assert_episodes_equal,
    episode_messages,
    make_episodes,
    write_episodes,
    write_raw_bag,
)


def decoded_messages(bag: Path) -> list[tuple[str, str, object, int]]:
    """(topic, schema name, decoded message, log time) of every message, via mcap + mcap_ros2 only."""
    (mcap_file,) = bag.glob("*.mcap")
    with mcap_file.open("rb") as stream:
        reader = make_reader(stream, decoder_factories=[DecoderFactory()])
        return [
            (channel.topic, schema.name, msg, message.log_time)
            for schema, channel, message, msg in reader.iter_decoded_messages()
        ]


@pytest.mark.parametrize("compression", [None, "zstd"])
def test_independent_mcap_reader_sees_what_was_written(
    tmp_path: Path, episodes: list[Episode], compression: str | None
) -> None:
    bag = write_episodes(tmp_path / "bag", episodes, compression=compression)
    assert (bag / "metadata.yaml").is_file()
    messages = decoded_messages(bag)

    schemas = {topic: schema for topic, schema, _, _ in messages}
    assert schemas == TOPIC_TYPES
    counts = Counter(topic for topic, _, _, _ in messages)
    n_steps = sum(len(e.steps) for e in episodes)
    assert counts == {
        TOPIC_EPISODE_START: len(episodes),
        TOPIC_EPISODE_OUTCOME: len(episodes),
        TOPIC_DEPTH_IMAGE: n_steps,
        TOPIC_GRIPPER_STATE: n_steps,
        TOPIC_MOTION_COMMAND: n_steps,
    }

    step = episodes[1].steps[2]
    by_stamp = {
        topic: msg
        for topic, _, msg, log_time in messages
        if log_time == step.stamp_ns
        and topic in (TOPIC_DEPTH_IMAGE, TOPIC_GRIPPER_STATE, TOPIC_MOTION_COMMAND)
    }
    image = by_stamp[TOPIC_DEPTH_IMAGE]
    assert (image.height, image.width, image.encoding, image.step) == (64, 64, "32FC1", 64 * 4)
    assert image.header.frame_id == step.camera_frame
    assert image.header.stamp.sec * 10**9 + image.header.stamp.nanosec == step.stamp_ns
    assert bytes(image.data) == step.depth.astype("<f4").tobytes()
    assert np.isinf(np.frombuffer(bytes(image.data), "<f4")).any()

    state = by_stamp[TOPIC_GRIPPER_STATE]
    assert (state.episode_id, state.step, state.header.frame_id) == (step.episode_id, step.step, "base_link")
    assert (state.header.stamp.sec, state.header.stamp.nanosec) == (
        image.header.stamp.sec,
        image.header.stamp.nanosec,
    )
    position = state.pose.position
    assert (position.x, position.y, position.z, state.yaw) == tuple(step.pose.as_array())
    quaternion = [
        state.pose.orientation.w,
        state.pose.orientation.x,
        state.pose.orientation.y,
        state.pose.orientation.z,
    ]
    np.testing.assert_allclose(quaternion, step.pose.quaternion_wxyz())
    assert yaw_from_quaternion_wxyz(np.array(quaternion)) == pytest.approx(step.pose.yaw)

    command = by_stamp[TOPIC_MOTION_COMMAND]
    sent = [command.translation.x, command.translation.y, command.translation.z, command.rotation]
    np.testing.assert_array_equal(sent, step.motion)
    assert command.command == int(step.command)

    outcomes = [msg for topic, _, msg, _ in messages if topic == TOPIC_EPISODE_OUTCOME]
    for msg, episode in zip(outcomes, episodes, strict=True):
        assert episode.outcome is not None
        assert msg.episode_id == episode.info.episode_id
        assert msg.success == episode.outcome.success
        assert msg.label_method == "lift_test"
        assert msg.label_detail == episode.outcome.label_detail
        assert msg.final_yaw == episode.outcome.final_pose.yaw
    starts = [msg for topic, _, msg, _ in messages if topic == TOPIC_EPISODE_START]
    assert list(starts[0].object_names) == episodes[0].info.object_names


@pytest.mark.parametrize("compression", [None, "zstd"])
def test_read_episodes_returns_what_was_written(
    tmp_path: Path, episodes: list[Episode], compression: str | None
) -> None:
    bag = write_episodes(tmp_path / "bag", episodes, compression=compression)
    read = list(read_episodes(bag))
    assert len(read) == len(episodes)
    for got, want in zip(read, episodes, strict=True):
        assert_episodes_equal(got, want)


def test_read_episodes_accepts_the_mcap_file_itself(bag_path: Path, episodes: list[Episode]) -> None:
    (mcap_file,) = bag_path.glob("*.mcap")
    assert [e.info.episode_id for e in read_episodes(mcap_file)] == [e.info.episode_id for e in episodes]


def test_episode_without_outcome_is_read_with_outcome_none(tmp_path: Path) -> None:
    episodes = make_episodes(3)
    episodes[2].outcome = None
    bag = write_episodes(tmp_path / "bag", episodes)
    read = list(read_episodes(bag))
    assert [e.outcome is None for e in read] == [False, False, True]
    assert_episodes_equal(read[2], episodes[2])


def test_episode_cut_off_in_the_middle_of_a_bag(tmp_path: Path) -> None:
    """Live recordings can lose an outcome between two complete episodes."""
    episodes = make_episodes(3)
    episodes[1].outcome = None
    bag = write_raw_bag(tmp_path / "bag", [m for e in episodes for m in episode_messages(e)])
    read = list(read_episodes(bag))
    assert [e.outcome is None for e in read] == [False, True, False]
    for got, want in zip(read, episodes, strict=True):
        assert_episodes_equal(got, want)


def test_empty_bag_has_no_episodes(tmp_path: Path) -> None:
    bag = write_episodes(tmp_path / "bag", [])
    assert list(read_episodes(bag)) == []
    assert bag_summary(bag)["episodes"] == 0


def test_bag_summary(tmp_path: Path) -> None:
    episodes = make_episodes(3, policy="biased")
    episodes[2].outcome = None
    bag = write_episodes(tmp_path / "bag", episodes)
    summary = bag_summary(bag)
    assert summary["episodes"] == 3
    assert summary["complete_episodes"] == 2
    assert summary["steps"] == 12
    assert summary["successes"] == 1
    assert summary["policies"] == {"biased": 3}
    expected = (episodes[2].steps[-1].stamp_ns - episodes[0].info.stamp_ns) / 1e9
    assert summary["duration"] == pytest.approx(expected)
