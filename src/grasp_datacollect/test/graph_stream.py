"""What the live graph publishes during synthetic episodes, as (topic, message, receive time) in receive order.

Shared by the tests of the collector core and of ``grasp bag-from-record`` (imported by name). The camera
publishes more frames than the servo uses, the gripper state comes at its own rate with its own stamps
(the one nearest each used frame carries the step's pose, the others a displaced one), each motion command
arrives after its frame and the following state, and the latched episode topics can deliver a start or an
outcome twice. ``write_record`` stores such a stream the way ``ros2 bag record`` does (receive time as log
time, the publishers' QoS, rosidl type hashes) in mcap or sqlite3 storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from grasp_datacollect.bag_types import (
    MSGTYPE_IMAGE,
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
    TOPIC_QOS,
    TOPIC_TYPES,
    grasp_typestore,
)
from grasp_datacollect.episode import Episode
from grasp_servo.pose import GripperPose
from rosbags.rosbag2 import StoragePlugin, Writer

from grasp_datacollect import bag_convert

MS = 1_000_000
Stream = list[tuple[str, Any, int]]  # (topic, rosbags message, receive time ns)


def _displaced(pose: GripperPose, metres: float) -> GripperPose:
    return GripperPose(pose.x + metres, pose.y, pose.z, pose.yaw)


def episode_stream(episode: Episode, rng: np.random.Generator, redeliver_start: bool = True) -> Stream:
    """Messages of one episode as the graph publishes them (starts, frames, states, commands, outcome)."""
    ts = grasp_typestore()
    info, stream = episode.info, []
    stream.append((TOPIC_EPISODE_START, bag_convert.episode_start_msg(ts, info), info.stamp_ns + 1 * MS))
    for step in episode.steps:
        t = step.stamp_ns
        image = bag_convert.depth_image_msg(ts, step.depth, t, step.camera_frame)
        stream.append((TOPIC_DEPTH_IMAGE, image, t + 2 * MS))
        for extra in (33, 66):  # frames the servo does not use
            depth = rng.uniform(0.2, 0.6, step.depth.shape).astype(np.float32)
            unused = bag_convert.depth_image_msg(ts, depth, t + extra * MS, step.camera_frame)
            stream.append((TOPIC_DEPTH_IMAGE, unused, t + (extra + 2) * MS))
        for offset, pose in ((-16, _displaced(step.pose, 0.01)), (4, step.pose), (24, _displaced(step.pose, 0.02))):
            state = replace(step, stamp_ns=t + offset * MS, pose=pose)
            stream.append((TOPIC_GRIPPER_STATE, bag_convert.gripper_state_msg(ts, state), t + (offset + 1) * MS))
        stream.append((TOPIC_MOTION_COMMAND, bag_convert.motion_command_msg(ts, step), t + 30 * MS))
        if redeliver_start and step.step == 0:  # a late subscriber matched: the latched start comes again
            stream.append((TOPIC_EPISODE_START, bag_convert.episode_start_msg(ts, info), t + 31 * MS))
    if episode.outcome is not None:
        outcome = bag_convert.episode_outcome_msg(ts, episode.outcome)
        stream.append((TOPIC_EPISODE_OUTCOME, outcome, episode.outcome.stamp_ns + 1 * MS))
    return stream


def graph_stream(episodes: Sequence[Episode], seed: int = 0, redeliver_start: bool = True) -> Stream:
    """The messages of consecutive episodes in receive order."""
    rng = np.random.default_rng(seed)
    stream = [m for e in episodes for m in episode_stream(e, rng, redeliver_start)]
    return sorted(stream, key=lambda item: item[2])  # stable: equal receive times keep publication order


def write_record(
    path: Path, stream: Stream, storage: StoragePlugin = StoragePlugin.MCAP, depth_topic: str = TOPIC_DEPTH_IMAGE
) -> Path:
    """``stream`` as ``ros2 bag record`` stores it: log time = receive time, publishers' QoS, type hashes."""
    ts = grasp_typestore()
    with Writer(path, version=9, storage_plugin=storage) as writer:
        connections = {}
        for topic, msgtype in TOPIC_TYPES.items():
            name = depth_topic if msgtype == MSGTYPE_IMAGE else topic
            connections[topic] = writer.add_connection(
                name, msgtype, typestore=ts, offered_qos_profiles=[TOPIC_QOS[topic]]
            )
        for topic, msg, received in stream:
            writer.write(connections[topic], received, ts.serialize_cdr(msg, TOPIC_TYPES[topic]))
    return path
