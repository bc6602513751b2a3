"""Topic names, message types and the ``rosbags`` typestore used to write and read episode bags.

The typestore is ROS 2 Jazzy's plus the grasp_interfaces messages, parsed from their ``.msg`` files. The
folder holding them is, in order: ``$GRASP_INTERFACES_MSG_DIR``; ``share/grasp_interfaces/msg`` of a sourced
ROS 2 workspace (when ``ament_index_python`` knows the package); the ``grasp_interfaces/msg`` folder of this
source tree.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from rosbags.interfaces import Qos, QosDurability, QosHistory, QosLiveliness, QosReliability, QosTime
from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

MSG_DIR_ENV = "GRASP_INTERFACES_MSG_DIR"
INTERFACES_PACKAGE = "grasp_interfaces"

TOPIC_DEPTH_IMAGE = "/wrist_camera/depth/image_raw"
TOPIC_GRIPPER_STATE = "/grasp/gripper_state"
TOPIC_MOTION_COMMAND = "/grasp/motion_command"
TOPIC_EPISODE_START = "/grasp/episode_start"
TOPIC_EPISODE_OUTCOME = "/grasp/episode_outcome"

MSGTYPE_IMAGE = "sensor_msgs/msg/Image"
MSGTYPE_GRIPPER_STATE = "grasp_interfaces/msg/GripperState"
MSGTYPE_MOTION_COMMAND = "grasp_interfaces/msg/MotionCommand"
MSGTYPE_EPISODE_START = "grasp_interfaces/msg/EpisodeStart"
MSGTYPE_EPISODE_OUTCOME = "grasp_interfaces/msg/EpisodeOutcome"

# Every topic an episode bag holds, with its message type, in the order the writer creates them.
TOPIC_TYPES: dict[str, str] = {
    TOPIC_EPISODE_START: MSGTYPE_EPISODE_START,
    TOPIC_DEPTH_IMAGE: MSGTYPE_IMAGE,
    TOPIC_GRIPPER_STATE: MSGTYPE_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND: MSGTYPE_MOTION_COMMAND,
    TOPIC_EPISODE_OUTCOME: MSGTYPE_EPISODE_OUTCOME,
}


def _qos(depth: int, reliability: QosReliability, durability: QosDurability) -> Qos:
    """A KEEP_LAST profile with rclpy's defaults for the rest (infinite as ``ros2 bag record`` writes it)."""
    infinite = QosTime(9_223_372_036, 854_775_807)
    return Qos(
        QosHistory.KEEP_LAST, depth, reliability, durability, infinite, infinite, QosLiveliness.AUTOMATIC,
        infinite, False,
    )


# The QoS each topic's live publisher offers (docs: the graph's contract), stored in bags as their offered QoS:
# frames as sensor data, steps reliable, the episode topics reliable and latched for late joiners.
QOS_SENSOR_DATA = _qos(5, QosReliability.BEST_EFFORT, QosDurability.VOLATILE)
QOS_RELIABLE = _qos(10, QosReliability.RELIABLE, QosDurability.VOLATILE)
QOS_EPISODE = _qos(100, QosReliability.RELIABLE, QosDurability.TRANSIENT_LOCAL)
TOPIC_QOS: dict[str, Qos] = {
    TOPIC_EPISODE_START: QOS_EPISODE,
    TOPIC_DEPTH_IMAGE: QOS_SENSOR_DATA,
    TOPIC_GRIPPER_STATE: QOS_RELIABLE,
    TOPIC_MOTION_COMMAND: QOS_RELIABLE,
    TOPIC_EPISODE_OUTCOME: QOS_EPISODE,
}

BASE_FRAME = "base_link"
DEPTH_ENCODING = "32FC1"  # metres along the optical axis


def _ament_msg_dir() -> Path | None:
    """``share/grasp_interfaces/msg`` of a sourced workspace, or None without ROS 2 or the package."""
    try:
        from ament_index_python.packages import get_package_share_directory
    except ImportError:
        return None
    try:
        share = Path(get_package_share_directory(INTERFACES_PACKAGE))
    except LookupError:  # PackageNotFoundError is a KeyError
        return None
    msg_dir = share / "msg"
    return msg_dir if msg_dir.is_dir() else None


def _source_msg_dir() -> Path:
    return Path(__file__).resolve().parents[2] / INTERFACES_PACKAGE / "msg"


def find_msg_dir() -> Path:
    """The folder of grasp_interfaces ``.msg`` files (see the module docstring for the search order)."""
    if env := os.environ.get(MSG_DIR_ENV):
        msg_dir = Path(env)
        if not msg_dir.is_dir() or not any(msg_dir.glob("*.msg")):
            raise FileNotFoundError(
                f"{MSG_DIR_ENV}={env} is not a folder holding grasp_interfaces .msg files"
            )
        return msg_dir
    if (msg_dir := _ament_msg_dir()) is not None:
        return msg_dir
    msg_dir = _source_msg_dir()
    if msg_dir.is_dir() and any(msg_dir.glob("*.msg")):
        return msg_dir
    raise FileNotFoundError(
        f"cannot find the grasp_interfaces .msg files: set {MSG_DIR_ENV}, source a ROS 2 workspace where "
        f"grasp_interfaces is built, or run from the source tree (looked for {msg_dir})"
    )


@functools.cache
def _typestore_for(msg_dir: Path) -> Typestore:
    typestore = get_typestore(Stores.ROS2_JAZZY)
    types = {}
    for msg_file in sorted(msg_dir.glob("*.msg")):
        name = f"{INTERFACES_PACKAGE}/msg/{msg_file.stem}"
        types.update(get_types_from_msg(msg_file.read_text(encoding="utf-8"), name))
    typestore.register(types)
    missing = [t for t in TOPIC_TYPES.values() if t not in typestore.types]
    if missing:
        raise FileNotFoundError(f"{msg_dir} lacks the definitions of {', '.join(missing)}")
    return typestore


def grasp_typestore(msg_dir: Path | None = None) -> Typestore:
    """ROS 2 Jazzy typestore with the grasp_interfaces messages registered (cached per folder)."""
    return _typestore_for((msg_dir if msg_dir is not None else find_msg_dir()).resolve())
