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
from pathlib import Path
from typing import Any

from grasp_servo.ros import conversions as servo_conv
from grasp_servo.ros.parameters import NS_PER_S, ParamSpec, declare_parameters
from grasp_servo.ros.rclpy_guard import Node, require_rclpy

from grasp_datacollect import bag_convert
from grasp_datacollect.bag_recorder import BagRecorder
from grasp_datacollect.bag_types import (
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
)
from grasp_datacollect.ros.conversions import command_sample, default_bag_path
from grasp_datacollect.step_assembler import StepAssembler

NODE_NAME = "grasp_collector"

COLLECTOR_SPECS = [
    ParamSpec("bag_path", "", "new bag folder to record into (must not exist); empty = "
              "grasp_bags/episodes_<date>_<time> in the working directory"),
    ParamSpec("compression", "", "MCAP chunk compression: empty (none) or zstd"),
    ParamSpec("state_tolerance_s", 0.05, "a step's gripper state must be stamped within this of its frame"),
    ParamSpec("frame_buffer", 64, "depth frames kept while waiting for their motion command"),
    ParamSpec("state_buffer", 1024, "gripper states kept for pairing"),
    ParamSpec("depth_topic", TOPIC_DEPTH_IMAGE, "wrist depth image topic (recorded as the bag's image topic)"),
]


class CollectorNode(Node):  # type: ignore[misc,valid-type]
    """Thin adapter: messages -> plain samples -> ``StepAssembler`` -> ``BagRecorder``."""

    def __init__(self, **node_kwargs: Any) -> None:
        require_rclpy()
        super().__init__(NODE_NAME, **node_kwargs)
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image

        from grasp_interfaces.msg import EpisodeOutcome, EpisodeStart, GripperState, MotionCommand

        values = declare_parameters(self, COLLECTOR_SPECS)
        path = Path(str(values["bag_path"])) if values["bag_path"] else default_bag_path(datetime.now())
        compression = str(values["compression"]) or None
        warn = self.get_logger().warning
        self.recorder = BagRecorder(path, compression, warn=warn)  # FileExistsError: refuse to overwrite
        self.assembler = StepAssembler(
            state_tolerance_ns=round(float(values["state_tolerance_s"]) * NS_PER_S),
            frame_capacity=int(values["frame_buffer"]), state_capacity=int(values["state_buffer"]), warn=warn,
        )
        self._closed = False
        frames = QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT)  # works with either publisher
        reliable = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
        self.create_subscription(Image, str(values["depth_topic"]), self.on_image, frames)
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
    """``ros2 run grasp_datacollect collector_node``."""
    require_rclpy()
    import rclpy
    from rclpy.executors import ExternalShutdownException

    rclpy.init(args=args)
    node = None
    try:
        node = CollectorNode()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            node.close()
            node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()
