"""``grasp_collector`` node: records grasp episodes from the ROS graph into a rosbag2 (MCAP) bag.

Subscribes to the five episode topics (depth image, gripper state, motion command, episode start, episode
outcome), pairs frames, gripper states and commands by stamp (``StepAssembler``) and writes each finished
episode with ``EpisodeBagWriter`` (through ``BagRecorder``). The bag folder (``bag_path``) must not exist.
On shutdown (Ctrl-C, ``ros2 launch`` ending) the episode in progress is written without its outcome and the
bag is finalised, so everything recorded stays readable (``grasp bag-info``, ``ros2 bag info``).

Import-safe without ROS: rclpy and the message packages are imported when the node is built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grasp_servo.ros import conversions as servo_conv
from grasp_servo.ros.parameters import ParameterError, declare_parameters
from grasp_servo.ros.rclpy_guard import Node, require_rclpy, run_node

from grasp_datacollect import bag_convert
from grasp_datacollect.bag_recorder import BagRecorder
from grasp_datacollect.bag_types import (
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
)
from grasp_datacollect.ros.conversions import command_sample, default_bag_path
from grasp_datacollect.ros.parameters import COLLECTOR_SPECS, collector_parameters
from grasp_datacollect.step_assembler import StepAssembler

NODE_NAME = "grasp_collector"


class CollectorNode(Node):  # type: ignore[misc,valid-type]
    """Thin adapter: messages -> plain samples -> ``StepAssembler`` -> ``BagRecorder``."""

    def __init__(self, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image

        from grasp_interfaces.msg import EpisodeOutcome, EpisodeStart, GripperState, MotionCommand

        params = collector_parameters(declare_parameters(self, COLLECTOR_SPECS))  # ParameterError: fatal
        path = params.bag_path or default_bag_path(datetime.now())
        warn = self.get_logger().warning
        self.recorder = BagRecorder(path, params.compression, warn=warn)  # FileExistsError: refuse to overwrite
        self.assembler = StepAssembler(
            state_tolerance_ns=params.state_tolerance_ns,
            frame_capacity=params.frame_capacity, state_capacity=params.state_capacity, warn=warn,
        )
        self._closed = False
        frames = QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT)  # works with either publisher
        reliable = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
        self.create_subscription(Image, params.depth_topic, self.on_image, frames)
        self.create_subscription(GripperState, TOPIC_GRIPPER_STATE, self.on_gripper_state, reliable)
        self.create_subscription(MotionCommand, TOPIC_MOTION_COMMAND, self.on_command, reliable)
        self.create_subscription(EpisodeStart, TOPIC_EPISODE_START, self.on_episode_start, reliable)
        self.create_subscription(EpisodeOutcome, TOPIC_EPISODE_OUTCOME, self.on_episode_outcome, reliable)
        self.get_logger().info(f"recording grasp episodes into {path}")

    def on_image(self, msg: Any) -> None:
        self.assembler.add_frame(servo_conv.stamp_ns(msg.header.stamp), msg)

    def on_gripper_state(self, msg: Any) -> None:
        self.assembler.add_state(*servo_conv.gripper_sample(msg))

    def on_command(self, msg: Any) -> None:
        try:
            self.assembler.add_command(command_sample(msg))
        except ValueError as exc:
            self.get_logger().warning(f"motion command ignored: {exc}")

    def on_episode_start(self, msg: Any) -> None:
        self.assembler.start_episode(bag_convert.episode_info(msg))

    def on_episode_outcome(self, msg: Any) -> None:
        episode = self.assembler.end_episode(bag_convert.episode_outcome(msg))
        if episode is not None and self.recorder.write(episode):
            self.get_logger().info(
                f"episode {episode.info.episode_id} recorded: {len(episode.steps)} steps, "
                f"{'success' if episode.outcome and episode.outcome.success else 'failure'} "
                f"({self.recorder.episodes_written} in this run)"
            )

    def close(self) -> None:
        """Write the episode in progress (without outcome) and finalise the bag; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        episode = self.assembler.flush()
        if episode is not None and episode.steps:
            self.recorder.write(episode)
            self.get_logger().warning(f"episode {episode.info.episode_id} was cut off: recorded without outcome")
        self.recorder.close()
        self.get_logger().info(f"bag closed: {', '.join(str(p) for p in self.recorder.paths)}")


def main(args: list[str] | None = None) -> None:
    """``ros2 run grasp_datacollect collector_node``; the bag is closed (metadata.yaml written) on the way out."""
    run_node(NODE_NAME, CollectorNode, (ParameterError, FileExistsError), close=CollectorNode.close, args=args)


if __name__ == "__main__":
    main()
