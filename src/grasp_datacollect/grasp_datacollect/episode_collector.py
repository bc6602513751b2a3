"""The collector's core: the five episode topics in, whole episodes out to a bag (plain Python, no ROS).

The ROS collector node and the converter of ``ros2 bag record`` bags (``record_convert``) both hand their
messages to ``EpisodeCollector``, so both pair frames, gripper states and commands with the same
``StepAssembler`` and write the same episodes. Messages are read by attribute access: rclpy messages and
rosbags messages both work.

Episode starts and outcomes are published RELIABLE + TRANSIENT_LOCAL (depth 100), so a collector that joins
late receives up to 100 of each again, and a start or outcome may arrive twice. Dropped quietly (debug):
the start of an episode whose outcome was already seen (stamped at or after that start), a second copy of
the open episode's start, an outcome seen before, and an outcome for an episode that is not open (one that
began before this collector joined: none of its steps were received). An episode whose outcome reports
steps but none of them came here is not written (info): the start and outcome of an episode that ended just
before a late collector joined. So the current episode's start reaches a late collector, and every episode is
written at most once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grasp_servo.ros.conversions import gripper_sample, stamp_ns

from grasp_datacollect import bag_convert
from grasp_datacollect.bag_recorder import BagRecorder
from grasp_datacollect.bag_types import (
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
)
from grasp_datacollect.step_assembler import AssembledEpisode, StepAssembler, command_sample

Log = Callable[[str], None]


def _quiet(message: str) -> None:
    del message


class EpisodeCollector:
    """Messages of the episode topics -> ``StepAssembler`` -> ``BagRecorder``; ``close()`` keeps everything.

    ``depth_topic`` is where frames come from (they are written to the bag's ``TOPIC_DEPTH_IMAGE``).
    """

    def __init__(
        self,
        recorder: BagRecorder,
        assembler: StepAssembler,
        depth_topic: str = TOPIC_DEPTH_IMAGE,
        info: Log = _quiet,
        warn: Log = _quiet,
        debug: Log = _quiet,
    ) -> None:
        self.recorder = recorder
        self.assembler = assembler
        self.depth_topic = depth_topic
        self._info, self._warn, self._debug = info, warn, debug
        self._ended: dict[int, int] = {}  # episode id -> stamp of the latest outcome seen for it
        self._closed = False
        self.handlers: dict[str, Callable[[Any], object]] = {
            depth_topic: self.on_image,
            TOPIC_GRIPPER_STATE: self.on_gripper_state,
            TOPIC_MOTION_COMMAND: self.on_command,
            TOPIC_EPISODE_START: self.on_episode_start,
            TOPIC_EPISODE_OUTCOME: self.on_episode_outcome,
        }

    def handle(self, topic: str, msg: Any) -> None:
        """Route a message of one of ``handlers``' topics."""
        self.handlers[topic](msg)

    def on_image(self, msg: Any) -> None:
        self.assembler.add_frame(stamp_ns(msg.header.stamp), msg)

    def on_gripper_state(self, msg: Any) -> None:
        self.assembler.add_state(*gripper_sample(msg))

    def on_command(self, msg: Any) -> None:
        try:
            self.assembler.add_command(command_sample(msg))
        except ValueError as exc:
            self._warn(f"motion command ignored: {exc}")

    def on_episode_start(self, msg: Any) -> None:
        info = bag_convert.episode_info(msg)
        ended = self._ended.get(info.episode_id)
        if ended is not None and ended >= info.stamp_ns:
            self._debug(f"episode {info.episode_id}: start of an episode that has ended; ignored")
            return
        current = self.assembler.open_info
        if current is not None and (current.episode_id, current.stamp_ns) == (info.episode_id, info.stamp_ns):
            self._debug(f"episode {info.episode_id}: start received again; ignored")
            return
        self.assembler.start_episode(info)

    def on_episode_outcome(self, msg: Any) -> AssembledEpisode | None:
        """The episode this outcome finished (whether or not the bag took it), or None when it was ignored."""
        outcome = bag_convert.episode_outcome(msg)
        episode_id = outcome.episode_id
        ended = self._ended.get(episode_id)
        if ended is not None and ended >= outcome.stamp_ns:
            self._debug(f"episode {episode_id}: outcome received again; ignored")
            return None
        self._ended[episode_id] = outcome.stamp_ns
        if self.assembler.open_episode != episode_id:
            self._debug(f"episode {episode_id}: outcome of an episode that began before this collector; ignored")
            return None
        unseen = not self.assembler.assembled_steps and not self.assembler.pending_commands
        episode = self.assembler.end_episode(outcome)
        if episode is not None and unseen and outcome.steps > 0:
            self._info(
                f"episode {episode_id} ended with none of its {outcome.steps} steps received here (it began "
                "before this collector joined?); not recorded"
            )
            return None
        if episode is not None and self.recorder.write(episode):
            success = "success" if outcome.success else "failure"
            self._info(
                f"episode {episode_id} recorded: {len(episode.steps)} steps, {success} "
                f"({self.recorder.episodes_written} in this run)"
            )
        return episode

    def close(self) -> None:
        """Write the episode in progress (without outcome) and finalise the bag; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            episode = self.assembler.flush()
            if episode is not None and episode.steps:
                self.recorder.write(episode)
                self._warn(f"episode {episode.info.episode_id} was cut off: recorded without outcome")
        finally:
            self.recorder.close()
