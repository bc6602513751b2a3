"""Episode bags in real ROS 2 tools: ``ros2 bag info / play / record``, rosbag2_py and rosidl's type hashes.

Runs where a ROS 2 Jazzy workspace with grasp_interfaces is sourced (skipped elsewhere, with the reason).
The collector writes its bag from real rclpy messages; ``ros2 bag record`` records real topics, which
``grasp bag-from-record``'s converter turns into the same episodes as a collector running beside it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

rclpy = pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: these tests run in the docker/ros image")
pytest.importorskip("grasp_interfaces.msg", reason="grasp_interfaces is not built: source the colcon workspace")
rosbag2_py = pytest.importorskip("rosbag2_py", reason="rosbag2_py is not installed (ros-jazzy-rosbag2-py)")

from ament_index_python.packages import get_package_share_directory  # noqa: E402
from graph_stream import Stream, graph_stream  # noqa: E402
from grasp_datacollect.bag_reader import read_episodes  # noqa: E402
from grasp_datacollect.bag_types import (  # noqa: E402
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_QOS,
    TOPIC_TYPES,
    grasp_typestore,
)
from grasp_datacollect.episode import Episode  # noqa: E402
from grasp_datacollect.record_convert import convert_record  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data  # noqa: E402
from rclpy.serialization import deserialize_message  # noqa: E402
from rosidl_runtime_py.utilities import get_message  # noqa: E402
from synthetic_episodes import assert_episodes_equal, make_episodes  # noqa: E402

ROS2 = shutil.which("ros2")
needs_cli = pytest.mark.skipif(ROS2 is None, reason="the ros2 command line is not on PATH")
RECORDED_TOPICS = list(TOPIC_TYPES)


def rosidl_hashes(msgtype: str) -> dict[str, str]:
    """The RIHS01 hashes rosidl generated for ``msgtype`` and the types it uses (share/<pkg>/msg/<Name>.json)."""
    package, _, name = msgtype.split("/")
    description = json.loads((Path(get_package_share_directory(package)) / "msg" / f"{name}.json").read_text())
    return {entry["type_name"]: entry["hash_string"] for entry in description["type_hashes"]}


def to_rclpy(stream: Stream) -> list[tuple[str, Any]]:
    """The stream's rosbags messages as rclpy messages (through their CDR bytes)."""
    ts = grasp_typestore()
    return [
        (topic, deserialize_message(bytes(ts.serialize_cdr(msg, TOPIC_TYPES[topic])), get_message(TOPIC_TYPES[topic])))
        for topic, msg, _ in stream
    ]


@pytest.fixture(scope="module")
def ros() -> Iterator[None]:
    rclpy.init()
    yield
    rclpy.try_shutdown()


def make_collector(bag: Path) -> Any:
    from grasp_datacollect.ros.collector_node import CollectorNode

    return CollectorNode(parameter_overrides=[Parameter("bag_path", value=str(bag))])


@pytest.fixture(scope="module")
def truth() -> list[Episode]:
    return make_episodes(2)


@pytest.fixture(scope="module")
def collector_bag(ros: None, truth: list[Episode], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bag written by the collector node from real rclpy messages (its callbacks called directly)."""
    bag = tmp_path_factory.mktemp("collector") / "bag"
    node = make_collector(bag)
    try:
        for topic, msg in to_rclpy(graph_stream(truth)):
            node.core.handle(topic, msg)
    finally:
        node.close()
        node.destroy_node()
    return bag


def test_type_hashes_equal_rosidls() -> None:
    typestore = grasp_typestore()
    interfaces = Path(get_package_share_directory("grasp_interfaces")) / "msg"
    msgtypes = set(TOPIC_TYPES.values()) | {f"grasp_interfaces/msg/{p.stem}" for p in interfaces.glob("*.msg")}
    for msgtype in sorted(msgtypes):
        for name, digest in rosidl_hashes(msgtype).items():
            assert typestore.hash_rihs01(name) == digest, name


def test_rosbag2_py_reads_the_collectors_bag(collector_bag: Path, truth: list[Episode]) -> None:
    reader = rosbag2_py.SequentialReader()
    reader.open(rosbag2_py.StorageOptions(uri=str(collector_bag), storage_id="mcap"),
                rosbag2_py.ConverterOptions("cdr", "cdr"))
    topics = {t.name: t for t in reader.get_all_topics_and_types()}
    assert {name: t.type for name, t in topics.items()} == TOPIC_TYPES
    for name, meta in topics.items():
        assert meta.type_description_hash == rosidl_hashes(meta.type)[meta.type]
        (offered,) = meta.offered_qos_profiles
        qos, expected = rosbag2_py.convert_rclcpp_qos_to_rclpy_qos(offered), TOPIC_QOS[name]
        assert (qos.depth, ReliabilityPolicy(qos.reliability).name, DurabilityPolicy(qos.durability).name) == (
            expected.depth, expected.reliability.name, expected.durability.name
        )
    messages: dict[str, list[Any]] = {name: [] for name in topics}
    while reader.has_next():
        name, data, _ = reader.read_next()
        messages[name].append(deserialize_message(data, get_message(topics[name].type)))
    steps = [s for e in truth for s in e.steps]
    assert [(m.episode_id, m.step) for m in messages[TOPIC_GRIPPER_STATE]] == [(s.episode_id, s.step) for s in steps]
    for image, step in zip(messages[TOPIC_DEPTH_IMAGE], steps, strict=True):
        assert (image.height, image.width, image.encoding) == (*step.depth.shape, "32FC1")
        assert bytes(image.data) == step.depth.astype("<f4").tobytes()
    assert [m.episode_id for m in messages[TOPIC_EPISODE_START]] == [e.info.episode_id for e in truth]


@needs_cli
def test_ros2_bag_info_counts_the_collectors_bag(collector_bag: Path, truth: list[Episode]) -> None:
    out = subprocess.run([ROS2, "bag", "info", str(collector_bag)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    counts = {m[0]: (m[1], int(m[2])) for m in re.findall(r"Topic: (\S+) \| Type: (\S+) \| Count: (\d+)", out.stdout)}
    steps = sum(len(e.steps) for e in truth)
    expected = Counter({TOPIC_EPISODE_START: len(truth), "/grasp/episode_outcome": len(truth)})
    expected.update(dict.fromkeys((TOPIC_DEPTH_IMAGE, TOPIC_GRIPPER_STATE, "/grasp/motion_command"), steps))
    assert counts == {topic: (TOPIC_TYPES[topic], n) for topic, n in expected.items()}
    assert re.search(rf"Messages:\s+{2 * len(truth) + 3 * steps}\b", out.stdout)


def spin_until(executor: SingleThreadedExecutor, done: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not done() and time.monotonic() < end:
        executor.spin_once(timeout_sec=0.05)
    return done()


def stop(process: subprocess.Popen[str], timeout: float = 20.0) -> str:
    """SIGINT (as Ctrl-C), then the output; the process must end by itself."""
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=timeout)
    return output


@needs_cli
def test_ros2_bag_play_publishes_the_collectors_bag(ros: None, collector_bag: Path) -> None:
    from grasp_interfaces.msg import EpisodeStart, GripperState

    node = rclpy.create_node("bag_play_listener")
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    states: list[Any] = []
    starts: list[Any] = []
    latched = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    node.create_subscription(GripperState, TOPIC_GRIPPER_STATE, states.append, 10)
    node.create_subscription(EpisodeStart, TOPIC_EPISODE_START, starts.append, latched)  # matches only latched
    play = subprocess.Popen([ROS2, "bag", "play", str(collector_bag)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=os.environ.copy())
    try:
        received = spin_until(executor, lambda: bool(states and starts), timeout=15.0)
    finally:
        output = stop(play)
        executor.remove_node(node)
        node.destroy_node()
    assert received, f"nothing received from ros2 bag play:\n{output}"
    assert isinstance(states[0], GripperState) and states[0].episode_id == 7 and starts[0].episode_id == 7


@needs_cli
@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_ros2_bag_record_converts_to_the_collectors_episodes(
    ros: None, truth: list[Episode], tmp_path: Path, storage: str
) -> None:
    """Real topics, recorded by ``ros2 bag record`` and by a collector node at once; then converted."""
    sensor = qos_profile_sensor_data
    steps = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    episodes = QoSProfile(
        depth=100, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL
    )
    qos = {TOPIC_DEPTH_IMAGE: sensor, TOPIC_GRIPPER_STATE: steps, "/grasp/motion_command": steps}
    graph = rclpy.create_node("graph_stand_in")
    publishers = {
        topic: graph.create_publisher(get_message(msgtype), topic, qos.get(topic, episodes))
        for topic, msgtype in TOPIC_TYPES.items()
    }
    collector = make_collector(tmp_path / "collector")
    executor = SingleThreadedExecutor()
    executor.add_node(graph)
    executor.add_node(collector)
    record = subprocess.Popen(
        [ROS2, "bag", "record", "-s", storage, "-o", str(tmp_path / "record"), *RECORDED_TOPICS],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        subscribed = spin_until(  # the recorder and the collector on every topic
            executor, lambda: all(p.get_subscription_count() >= 2 for p in publishers.values()), timeout=30.0
        )
        assert subscribed, "ros2 bag record did not subscribe to every topic"
        spin_until(executor, lambda: False, timeout=1.0)  # the recorder's subscriptions settle
        for topic, msg in to_rclpy(graph_stream(truth)):
            publishers[topic].publish(msg)
            spin_until(executor, lambda: False, timeout=0.004)
        spin_until(executor, lambda: False, timeout=1.5)
    finally:
        output = stop(record)
        executor.shutdown()
        collector.close()
        collector.destroy_node()
        graph.destroy_node()
    assert (tmp_path / "record" / "metadata.yaml").is_file(), output

    report = convert_record(tmp_path / "record", tmp_path / "converted")

    assert report.episodes == len(truth) and report.warnings == []
    converted = list(read_episodes(tmp_path / "converted"))
    live = list(read_episodes(tmp_path / "collector"))
    assert len(converted) == len(live) == len(truth)
    for got, collected, want in zip(converted, live, truth, strict=True):
        assert_episodes_equal(got, want)
        assert_episodes_equal(collected, want)
