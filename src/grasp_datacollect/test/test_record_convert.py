"""``grasp bag-from-record``: a ``ros2 bag record`` of the live topics -> the collector's own episode bag (no ROS).

The same message stream goes to the collector core (as the node would receive it) and, stored the way
``ros2 bag record`` stores it, through the converter; the two bags must hold the same episodes and, message
for message, the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graph_stream import Stream, graph_stream, write_record
from grasp_datacollect.bag_reader import read_episodes
from grasp_datacollect.bag_recorder import BagRecorder
from grasp_datacollect.bag_types import (
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_QOS,
    TOPIC_TYPES,
    grasp_typestore,
)
from grasp_datacollect.episode_collector import EpisodeCollector
from grasp_datacollect.record_convert import conversion_text, convert_record
from grasp_datacollect.record_convert_cli import DEPTH_TOPIC, add_arguments, run
from grasp_datacollect.step_assembler import StepAssembler
from rosbags.rosbag2 import Reader, StoragePlugin, Writer
from synthetic_episodes import assert_episodes_equal, make_episodes


def collector_bag(stream: Stream, bag: Path) -> Path:
    """What the collector node writes for ``stream`` (its core, fed message by message)."""
    collector = EpisodeCollector(BagRecorder(bag), StepAssembler())
    for topic, msg, _ in stream:
        collector.handle(topic, msg)
    collector.close()
    return bag


def raw_messages(bag: Path) -> list[tuple[str, int, bytes]]:
    with Reader(bag) as reader:
        return [(c.topic, t, bytes(raw)) for c, t, raw in reader.messages()]


@pytest.mark.parametrize("storage", [StoragePlugin.MCAP, StoragePlugin.SQLITE3])
def test_converted_record_equals_the_collectors_bag(tmp_path: Path, storage: StoragePlugin) -> None:
    episodes = make_episodes(4, seed=3)
    episodes[-1].outcome = None  # the recording stopped during the last episode
    stream = graph_stream(episodes)
    live = collector_bag(stream, tmp_path / "collector")
    record = write_record(tmp_path / "record", stream, storage)

    report = convert_record(record, tmp_path / "converted")

    assert report.paths == [tmp_path / "converted"] and report.episodes == 3
    assert report.messages[TOPIC_DEPTH_IMAGE] == 3 * sum(len(e.steps) for e in episodes)
    assert report.messages[TOPIC_EPISODE_START] == 2 * len(episodes)  # each start came twice (latched)
    assert [w for w in report.warnings if "cut off" not in w] == []
    from_collector, converted = list(read_episodes(live)), list(read_episodes(tmp_path / "converted"))
    assert len(converted) == len(from_collector) == len(episodes)
    for got, collected, truth in zip(converted, from_collector, episodes, strict=True):
        assert_episodes_equal(got, collected)
        assert_episodes_equal(got, truth)
    assert raw_messages(tmp_path / "converted") == raw_messages(live)


def test_another_depth_topic_is_written_as_the_bags_image_topic(tmp_path: Path) -> None:
    episodes = make_episodes(2)
    record = write_record(tmp_path / "record", graph_stream(episodes), depth_topic="/camera/depth/image_rect_raw")
    convert_record(record, tmp_path / "out", depth_topic="/camera/depth/image_rect_raw", compression="zstd")
    for got, want in zip(read_episodes(tmp_path / "out"), episodes, strict=True):
        assert_episodes_equal(got, want)
    with Reader(tmp_path / "out") as reader:
        assert {c.topic for c in reader.connections} == set(TOPIC_TYPES)


def test_a_record_with_other_topics_and_a_missing_one(tmp_path: Path) -> None:
    """Extra topics are ignored; a missing step topic is named, and no step can be built without it."""
    ts = grasp_typestore()
    stream = [m for m in graph_stream(make_episodes(1)) if m[0] != TOPIC_GRIPPER_STATE]
    with Writer(tmp_path / "record", version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        kept = [topic for topic in TOPIC_TYPES if topic != TOPIC_GRIPPER_STATE]
        conns = {topic: writer.add_connection(topic, TOPIC_TYPES[topic], typestore=ts) for topic in kept}
        clock = writer.add_connection("/clock", "rosgraph_msgs/msg/Clock", typestore=ts)
        writer.write(clock, 1, ts.serialize_cdr(ts.types["rosgraph_msgs/msg/Clock"](
            clock=ts.types["builtin_interfaces/msg/Time"](sec=1, nanosec=0)), "rosgraph_msgs/msg/Clock"))
        for topic, msg, received in stream:
            writer.write(conns[topic], received, ts.serialize_cdr(msg, TOPIC_TYPES[topic]))
    report = convert_record(tmp_path / "record", tmp_path / "out")
    assert f"has no {TOPIC_GRIPPER_STATE} topic" in report.warnings[0]
    assert any("no gripper state" in w for w in report.warnings)
    (episode,) = read_episodes(tmp_path / "out")
    assert episode.steps == [] and episode.outcome is not None
    assert "warning(s):" in conversion_text(report)


def test_refusals(tmp_path: Path) -> None:
    ts = grasp_typestore()
    record = write_record(tmp_path / "record", graph_stream(make_episodes(1)))
    (tmp_path / "exists").mkdir()
    with pytest.raises(FileExistsError):
        convert_record(record, tmp_path / "exists")
    with pytest.raises(FileNotFoundError):
        convert_record(tmp_path / "nothing", tmp_path / "out")
    with pytest.raises(ValueError, match="state_tolerance_s"):
        convert_record(record, tmp_path / "out", state_tolerance_s=0.0)
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "unfinished_0.mcap").write_bytes(b"\x89MCAP0\r\n")
    with pytest.raises(ValueError, match="ros2 bag reindex"):
        convert_record(unfinished, tmp_path / "out")
    with Writer(tmp_path / "no_starts", version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        writer.add_connection(TOPIC_EPISODE_OUTCOME, TOPIC_TYPES[TOPIC_EPISODE_OUTCOME], typestore=ts)
    with pytest.raises(ValueError, match="holds no /grasp/episode_start"):
        convert_record(tmp_path / "no_starts", tmp_path / "out")
    with Writer(tmp_path / "wrong_type", version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        writer.add_connection(TOPIC_EPISODE_START, "std_msgs/msg/String", typestore=ts)
    with pytest.raises(ValueError, match="is std_msgs/msg/String"):
        convert_record(tmp_path / "wrong_type", tmp_path / "out")
    with Writer(tmp_path / "other_def", version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        msgtype = TOPIC_TYPES[TOPIC_EPISODE_START]
        msgdef, _ = ts.generate_msgdef(msgtype, ros_version=2)
        writer.add_connection(TOPIC_EPISODE_START, msgtype, msgdef=msgdef, rihs01="RIHS01_" + "0" * 64,
                              offered_qos_profiles=[TOPIC_QOS[TOPIC_EPISODE_START]])
    with pytest.raises(ValueError, match="type hash differs"):
        convert_record(tmp_path / "other_def", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_command_line_entry(tmp_path: Path) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    record = write_record(tmp_path / "record", graph_stream(make_episodes(2)))
    text = run(parser.parse_args([str(record), str(tmp_path / "out"), "--compression", "zstd"]))
    assert f"wrote 2 finished episode(s) to {tmp_path / 'out'}" in text
    assert DEPTH_TOPIC == TOPIC_DEPTH_IMAGE
