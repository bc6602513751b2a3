"""Episode bags carry what ``ros2 bag record`` writes per topic: offered QoS and the RIHS01 type hash, in the
MCAP channel metadata and in metadata.yaml (read back with the independent mcap reader and plain YAML)."""

from __future__ import annotations

import shutil
from pathlib import Path

from grasp_datacollect.bag_repair import repair_bag
from grasp_datacollect.bag_types import TOPIC_DEPTH_IMAGE, TOPIC_EPISODE_START, TOPIC_QOS, TOPIC_TYPES, grasp_typestore
from grasp_datacollect.bag_writer import EpisodeBagWriter
from grasp_datacollect.episode import Episode
from mcap.reader import make_reader
from ruamel.yaml import YAML
from synthetic_episodes import record_episodes

QOS_KEYS = {
    "history", "depth", "reliability", "durability", "deadline", "lifespan", "liveliness",
    "liveliness_lease_duration", "avoid_ros_namespace_conventions",
}


def load_yaml(text: str) -> object:
    return YAML(typ="safe").load(text)


def channels(bag: Path) -> dict[str, dict[str, str]]:
    (mcap_file,) = bag.glob("*.mcap")
    with mcap_file.open("rb") as stream:
        summary = make_reader(stream).get_summary()
    assert summary is not None
    return {c.topic: dict(c.metadata) for c in summary.channels.values()}


def test_channels_and_metadata_carry_qos_and_type_hash(bag_path: Path) -> None:
    typestore = grasp_typestore()
    by_topic = channels(bag_path)
    assert set(by_topic) == set(TOPIC_TYPES)
    topics = load_yaml((bag_path / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    meta = {t["topic_metadata"]["name"]: t["topic_metadata"] for t in topics["topics_with_message_count"]}
    for topic, msgtype in TOPIC_TYPES.items():
        digest = typestore.hash_rihs01(msgtype)
        assert by_topic[topic]["topic_type_hash"] == digest == meta[topic]["type_description_hash"]
        for profiles in (load_yaml(by_topic[topic]["offered_qos_profiles"]), meta[topic]["offered_qos_profiles"]):
            (profile,) = profiles
            assert set(profile) == QOS_KEYS
            expected = TOPIC_QOS[topic]
            assert (profile["history"], profile["depth"]) == ("keep_last", expected.depth)
            assert profile["reliability"] == expected.reliability.name.lower()
            assert profile["durability"] == expected.durability.name.lower()
    assert meta[TOPIC_EPISODE_START]["offered_qos_profiles"][0]["durability"] == "transient_local"
    assert meta[TOPIC_DEPTH_IMAGE]["offered_qos_profiles"][0]["reliability"] == "best_effort"


def test_a_repaired_bag_keeps_them(tmp_path: Path, episodes: list[Episode]) -> None:
    writer = record_episodes(EpisodeBagWriter(tmp_path / "open"), episodes)
    bag = tmp_path / "killed"  # what is on disk before the writer closes: no summary, no metadata.yaml
    shutil.copytree(tmp_path / "open", bag)
    writer.close()
    repair_bag(bag)
    assert all("topic_type_hash" in meta and "offered_qos_profiles" in meta for meta in channels(bag).values())
