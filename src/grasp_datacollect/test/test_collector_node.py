"""The collector node with real rclpy messages (run in the docker/ros image; skipped without ROS 2)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: these tests run in the docker/ros image")
pytest.importorskip("grasp_interfaces.msg", reason="grasp_interfaces is not built: source the colcon workspace")

from grasp_datacollect.bag_reader import read_episodes  # noqa: E402
from grasp_servo.pose import GripperPose  # noqa: E402
from grasp_servo.ros import conversions as conv  # noqa: E402
from grasp_servo.servo import ServoDecision  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402

from grasp_interfaces.msg import EpisodeOutcome, EpisodeStart, GripperState, MotionCommand  # noqa: E402

MS = 1_000_000
T0 = 1_700_000_000 * 1_000_000_000


@pytest.fixture
def ros() -> Iterator[None]:
    rclpy.init()
    yield
    rclpy.try_shutdown()


def image(stamp: int) -> Image:
    msg = Image()
    conv.fill_header(msg.header, stamp, "wrist_camera_optical_frame")
    msg.height = msg.width = 8
    msg.encoding = "32FC1"
    msg.step = 32
    msg.data = np.full((8, 8), 0.3, "<f4").tobytes()
    return msg


def test_collector_records_an_episode_and_keeps_it_on_close(ros: None, tmp_path: Path) -> None:
    from grasp_datacollect.ros.collector_node import CollectorNode

    bag = tmp_path / "bag"
    node = CollectorNode(parameter_overrides=[Parameter("bag_path", value=str(bag))])
    try:
        start = conv.fill_episode_start(EpisodeStart(), T0, "base_link", episode_id=1, seed=0, policy="cem",
                                        robot="ur5", object_set="real", model="")
        node.on_episode_start(start)
        for step in range(2):
            stamp = T0 + (step + 1) * 100 * MS
            node.on_image(image(stamp))
            sample = conv.GripperSample(GripperPose(0.5, 0.0, 0.3, 0.0), 0.085, False)
            node.on_gripper_state(conv.fill_gripper_state(GripperState(), stamp + 2 * MS, "base_link", sample))
            command = "close" if step == 1 else "move"
            decision = ServoDecision(command, np.zeros(4), np.zeros(4), 0.9, 0.5, command, 0.0, 0.0)
            node.on_command(conv.fill_motion_command(MotionCommand(), stamp, "base_link", 1, step, decision))
        node.on_episode_outcome(conv.fill_episode_outcome(
            EpisodeOutcome(), T0 + 1_000 * MS, "base_link", episode_id=1, final_pose=GripperPose(0.5, 0, 0.02, 0),
            success=True, label_method="service", label_detail="", termination="servo_close", steps=2,
        ))
        node.on_episode_start(conv.fill_episode_start(
            EpisodeStart(), T0 + 2_000 * MS, "base_link", episode_id=2, seed=0, policy="cem", robot="ur5",
            object_set="real", model="",
        ))
    finally:
        node.close()
        node.destroy_node()
    episodes = list(read_episodes(bag))
    assert [e.info.episode_id for e in episodes] == [1]
    assert len(episodes[0].steps) == 2 and episodes[0].outcome is not None and episodes[0].outcome.success


def test_collector_refuses_an_existing_bag(ros: None, tmp_path: Path) -> None:
    from grasp_datacollect.ros.collector_node import CollectorNode

    (tmp_path / "bag").mkdir()
    with pytest.raises(FileExistsError):
        CollectorNode(parameter_overrides=[Parameter("bag_path", value=str(tmp_path / "bag"))])


def test_a_late_collector_gets_the_current_episodes_start_over_dds(ros: None, tmp_path: Path) -> None:
    """The servo publishes the episode topics latched (TRANSIENT_LOCAL): a collector started afterwards still
    receives the open episode's start, and the ended one's start and outcome change nothing."""
    from grasp_datacollect.ros.collector_node import CollectorNode
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

    latched = QoSProfile(
        depth=100, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL
    )
    servo = rclpy.create_node("servo_stand_in")
    starts = servo.create_publisher(EpisodeStart, "/grasp/episode_start", latched)
    outcomes = servo.create_publisher(EpisodeOutcome, "/grasp/episode_outcome", latched)
    for episode_id, stamp in ((1, T0), (2, T0 + 2_000 * MS)):
        starts.publish(conv.fill_episode_start(EpisodeStart(), stamp, "base_link", episode_id=episode_id, seed=0,
                                               policy="cem", robot="ur5", object_set="real", model=""))
    outcomes.publish(conv.fill_episode_outcome(
        EpisodeOutcome(), T0 + 1_000 * MS, "base_link", episode_id=1, final_pose=GripperPose(0.5, 0, 0.02, 0),
        success=True, label_method="service", label_detail="", termination="servo_close", steps=2,
    ))
    node = CollectorNode(parameter_overrides=[Parameter("bag_path", value=str(tmp_path / "bag"))])
    executor = SingleThreadedExecutor()
    executor.add_node(servo)
    executor.add_node(node)
    try:
        end = time.monotonic() + 10.0
        while node.core.assembler.open_episode != 2 and time.monotonic() < end:
            executor.spin_once(timeout_sec=0.05)
        for _ in range(10):  # anything else latched arrives too
            executor.spin_once(timeout_sec=0.05)
        assert node.core.assembler.open_episode == 2
    finally:
        executor.shutdown()
        node.close()
        node.destroy_node()
        servo.destroy_node()
    assert list(read_episodes(tmp_path / "bag")) == []  # episode 1 ended before: nothing of it recorded
