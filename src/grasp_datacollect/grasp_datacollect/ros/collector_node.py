"""``grasp_collector`` node: records grasp episodes from the ROS graph into a rosbag2 (MCAP) bag.

Subscribes to the five episode topics (depth image, gripper state, motion command, episode start, episode
outcome) and hands every message to ``EpisodeCollector``, which pairs frames, gripper states and commands by
stamp (``StepAssembler``) and writes each finished episode with ``EpisodeBagWriter`` (through ``BagRecorder``).
The episode topics are subscribed RELIABLE + TRANSIENT_LOCAL (depth 100), as the servo publishes them. The
bag folder (``bag_path``) must not exist. On shutdown (Ctrl-C, ``ros2 launch`` ending) the episode in progress
is written without its outcome and the bag is finalised, so everything recorded stays readable
(``grasp bag-info``, ``ros2 bag info``).

Import-safe without ROS: rclpy and the message packages are imported when the node is built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grasp_perception.ros.rclpy_guard import Node, require_rclpy, run_node
from grasp_servo.ros.parameters import ParameterError, declare_parameters

from grasp_datacollect.bag_recorder import BagRecorder
from grasp_datacollect.bag_types import (
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
)
from grasp_datacollect.episode_collector import EpisodeCollector
from grasp_datacollect.ros.conversions import default_bag_path
from grasp_datacollect.ros.parameters import COLLECTOR_SPECS, collector_parameters
from grasp_datacollect.step_assembler import StepAssembler

NODE_NAME = "grasp_collector"


class CollectorNode(Node):  # type: ignore[misc,valid-type]
    """Thin adapter: subscriptions -> ``EpisodeCollector`` (the plain core, shared with ``grasp bag-from-record``)."""

    def __init__(self, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image

        from grasp_interfaces.msg import EpisodeOutcome, EpisodeStart, GripperState, MotionCommand

        params = collector_parameters(declare_parameters(self, COLLECTOR_SPECS))  # ParameterError: fatal
        path = params.bag_path or default_bag_path(datetime.now())
        logger = self.get_logger()
        recorder = BagRecorder(path, params.compression, warn=logger.warning)  # FileExistsError: no overwrite
        assembler = StepAssembler(
            state_tolerance_ns=params.state_tolerance_ns,
            frame_capacity=params.frame_capacity, state_capacity=params.state_capacity, warn=logger.warning,
        )
        self.core = EpisodeCollector(
            recorder, assembler, params.depth_topic, info=logger.info, warn=logger.warning, debug=logger.debug
        )
        # Frames: best effort takes a sensor-data (BEST_EFFORT) camera and a reliable one alike; volatile, and
        # deeper than qos_profile_sensor_data's 5 so a busy callback does not lose frames of a step.
        frames = QoSProfile(
            history=HistoryPolicy.KEEP_LAST, depth=10, reliability=ReliabilityPolicy.BEST_EFFORT,
            durability=DurabilityPolicy.VOLATILE,
        )
        steps = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
        # Episode topics are latched (TRANSIENT_LOCAL, depth 100): a collector started late still gets the
        # current episode's start; the core drops what it receives twice.
        episodes = QoSProfile(
            history=HistoryPolicy.KEEP_LAST, depth=100, reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.TRANSIENT_LOCAL,
        )
        self.create_subscription(Image, params.depth_topic, self.on_image, frames)
        self.create_subscription(GripperState, TOPIC_GRIPPER_STATE, self.on_gripper_state, steps)
        self.create_subscription(MotionCommand, TOPIC_MOTION_COMMAND, self.on_command, steps)
        self.create_subscription(EpisodeStart, TOPIC_EPISODE_START, self.on_episode_start, episodes)
        self.create_subscription(EpisodeOutcome, TOPIC_EPISODE_OUTCOME, self.on_episode_outcome, episodes)
        logger.info(f"recording grasp episodes into {path}")

    @property
    def recorder(self) -> BagRecorder:
        return self.core.recorder

    def on_image(self, msg: Any) -> None:
        self.core.on_image(msg)

    def on_gripper_state(self, msg: Any) -> None:
        self.core.on_gripper_state(msg)

    def on_command(self, msg: Any) -> None:
        self.core.on_command(msg)

    def on_episode_start(self, msg: Any) -> None:
        self.core.on_episode_start(msg)

    def on_episode_outcome(self, msg: Any) -> None:
        self.core.on_episode_outcome(msg)

    def close(self) -> None:
        """Write the episode in progress (without outcome) and finalise the bag; safe to call twice."""
        closed = self.core.recorder.writer.closed
        self.core.close()
        if not closed:
            self.get_logger().info(f"bag closed: {', '.join(str(p) for p in self.recorder.paths)}")


def main(args: list[str] | None = None) -> None:
    """``ros2 run grasp_datacollect collector_node``; the bag is closed (metadata.yaml written) on the way out."""
    run_node(NODE_NAME, CollectorNode, (ParameterError, FileExistsError), close=CollectorNode.close, args=args)


if __name__ == "__main__":
    main()
