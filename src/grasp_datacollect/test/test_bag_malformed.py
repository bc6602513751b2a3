"""read_episodes on bags that are not episode bags: MalformedBagError naming the bag, topic and episode."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from grasp_datacollect.bag_reader import MalformedBagError, read_episodes
from grasp_datacollect.bag_types import (
    MSGTYPE_GRIPPER_STATE,
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
    grasp_typestore,
)
from synthetic_episodes import Message, episode_messages, make_episodes, write_raw_bag

from grasp_datacollect import bag_convert


def where(bag: Path, topic: str | None = None, episode: int | None = None) -> str:
    """The start of the error message: names the bag, and the topic and episode when known."""
    parts = [f"bag {bag}"]
    parts += [f"topic {topic}"] if topic else []
    parts += [f"episode {episode}"] if episode else []
    return re.escape(", ".join(parts) + ": ")


def read_raw(tmp_path: Path, messages: list[Message]) -> Path:
    bag = write_raw_bag(tmp_path / "bag", messages)
    return bag


def image_of_step(messages: list[Message], step: int) -> int:
    return [i for i, m in enumerate(messages) if m[0] == TOPIC_DEPTH_IMAGE][step]


def test_well_formed_raw_bag_reads(tmp_path: Path) -> None:
    (episode,) = make_episodes(1)
    bag = read_raw(tmp_path, episode_messages(episode))
    (read,) = read_episodes(bag)
    assert len(read.steps) == 4


def test_nonexistent_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list(read_episodes(tmp_path / "nope"))


def test_folder_that_is_not_a_bag(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"\x89PNG")
    with pytest.raises(MalformedBagError, match=where(tmp_path / "images") + "not a rosbag2 bag"):
        list(read_episodes(tmp_path / "images"))


def test_folder_with_broken_metadata(tmp_path: Path) -> None:
    (tmp_path / "bag").mkdir()
    (tmp_path / "bag" / "metadata.yaml").write_text("just: [some, yaml]\n")
    with pytest.raises(MalformedBagError, match=where(tmp_path / "bag") + "not a readable rosbag2 bag"):
        list(read_episodes(tmp_path / "bag"))


def test_file_that_is_not_a_bag(tmp_path: Path) -> None:
    path = tmp_path / "episodes.csv"
    path.write_text("a,b\n")
    with pytest.raises(MalformedBagError, match=where(path) + "not a readable rosbag2 bag"):
        list(read_episodes(path))


def test_truncated_mcap(bag_path: Path) -> None:
    (mcap_file,) = bag_path.glob("*.mcap")
    data = mcap_file.read_bytes()
    mcap_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(MalformedBagError, match=where(bag_path)):
        list(read_episodes(bag_path))


def test_missing_topic(tmp_path: Path) -> None:
    (episode,) = make_episodes(1)
    messages = [m for m in episode_messages(episode) if m[0] != TOPIC_EPISODE_OUTCOME]
    bag = read_raw(tmp_path, messages)
    with pytest.raises(MalformedBagError, match=where(bag) + "missing required topic.*episode_outcome"):
        list(read_episodes(bag))


def test_wrong_type_on_expected_topic(tmp_path: Path) -> None:
    (episode,) = make_episodes(1)
    ts = grasp_typestore()
    messages = [m for m in episode_messages(episode) if m[0] != TOPIC_GRIPPER_STATE]
    wrong = ts.types["std_msgs/msg/String"](data="not a gripper state")
    messages.append((TOPIC_GRIPPER_STATE, "std_msgs/msg/String", wrong, episode.steps[0].stamp_ns))
    bag = read_raw(tmp_path, messages)
    with pytest.raises(MalformedBagError, match=where(bag, TOPIC_GRIPPER_STATE) + "message type is std_msgs"):
        list(read_episodes(bag))


def _mutate_image(change: Callable[[Any], None]) -> Callable[[list[Message]], None]:
    def mutate(messages: list[Message]) -> None:
        change(messages[image_of_step(messages, 1)][2])

    return mutate


def _truncate(image: Any) -> None:
    image.data = image.data[:-4]


def _encoding(image: Any) -> None:
    image.encoding = "rgb8"


def _drop(topic: str, step: int) -> Callable[[list[Message]], None]:
    def mutate(messages: list[Message]) -> None:
        index = [i for i, m in enumerate(messages) if m[0] == topic][step]
        del messages[index]

    return mutate


def _early_state(messages: list[Message]) -> None:
    """Step 0's frame, state and command stamped before the episode_start."""
    early = messages[0][3] - 1
    for i in range(1, 4):
        topic, msgtype, msg, _ = messages[i]
        msg.header.stamp = bag_convert.header_msg(grasp_typestore(), early, "x").stamp
        messages[i] = (topic, msgtype, msg, early)


def _state_of_other_episode(messages: list[Message]) -> None:
    messages[image_of_step(messages, 2) + 1][2].episode_id = 42


def _second_start(messages: list[Message]) -> None:
    messages.insert(1, messages[0])


MALFORMED: dict[str, tuple[Callable[[list[Message]], None], str, str]] = {
    "image data too short": (_mutate_image(_truncate), TOPIC_DEPTH_IMAGE, "image data has 16380 bytes"),
    "unsupported encoding": (_mutate_image(_encoding), TOPIC_DEPTH_IMAGE, "unsupported depth encoding"),
    "frame without gripper state": (_drop(TOPIC_GRIPPER_STATE, 2), TOPIC_DEPTH_IMAGE, "has no gripper state"),
    "frame without command": (_drop(TOPIC_MOTION_COMMAND, 1), TOPIC_MOTION_COMMAND, "no motion command"),
    "step before episode_start": (_early_state, TOPIC_GRIPPER_STATE, "before its episode_start"),
    "two episode starts": (_second_start, TOPIC_EPISODE_START, "two episode_start messages"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_content(tmp_path: Path, case: str) -> None:
    mutate, topic, message = MALFORMED[case]
    (episode,) = make_episodes(1)
    messages = episode_messages(episode)
    mutate(messages)
    bag = read_raw(tmp_path, messages)
    with pytest.raises(MalformedBagError, match=where(bag, topic, episode.info.episode_id) + ".*" + message):
        list(read_episodes(bag))


def test_step_of_episode_without_start(tmp_path: Path) -> None:
    (episode,) = make_episodes(1)
    messages = episode_messages(episode)
    _state_of_other_episode(messages)
    bag = read_raw(tmp_path, messages)
    message = where(bag, TOPIC_GRIPPER_STATE, 42) + "step 2 .* no episode_start"
    with pytest.raises(MalformedBagError, match=message):
        list(read_episodes(bag))


def test_bag_from_another_message_version_is_refused(tmp_path: Path) -> None:
    """A bag whose GripperState type hash differs from this workspace's definition."""
    (episode,) = make_episodes(1)
    bag = write_raw_bag(
        tmp_path / "bag", episode_messages(episode), digests={MSGTYPE_GRIPPER_STATE: "RIHS01_" + "0" * 64}
    )
    with pytest.raises(MalformedBagError, match=where(bag, TOPIC_GRIPPER_STATE) + ".*differs"):
        list(read_episodes(bag))


def test_other_depth_layouts_are_read(tmp_path: Path) -> None:
    """16UC1 millimetres, big-endian 32FC1 and padded rows all decode to float32 metres."""
    (episode,) = make_episodes(1)
    messages = episode_messages(episode)
    depth_mm = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    image = messages[image_of_step(messages, 0)][2]
    image.encoding, image.step, image.data = "16UC1", 128, depth_mm.astype("<u2").view(np.uint8).reshape(-1)
    image = messages[image_of_step(messages, 1)][2]
    image.is_bigendian, image.data = 1, episode.steps[1].depth.astype(">f4").view(np.uint8).reshape(-1)
    image = messages[image_of_step(messages, 2)][2]
    padded = np.zeros((64, 64 + 3), "<f4")
    padded[:, :64] = episode.steps[2].depth
    image.step, image.data = padded.shape[1] * 4, padded.view(np.uint8).reshape(-1)
    bag = read_raw(tmp_path, messages)
    (read,) = read_episodes(bag)
    np.testing.assert_allclose(read.steps[0].depth, depth_mm * np.float32(0.001))
    np.testing.assert_array_equal(read.steps[1].depth, episode.steps[1].depth)
    np.testing.assert_array_equal(read.steps[2].depth, episode.steps[2].depth)
    assert all(s.depth.dtype == np.float32 for s in read.steps)
