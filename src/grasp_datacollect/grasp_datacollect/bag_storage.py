"""Open episode bags the way ``ros2 bag record`` writes them: MCAP, per-topic offered QoS and type hashes.

rosbags writes a topic's offered QoS profiles into the MCAP channel metadata, but not its type hash, which
rosbag2's MCAP storage plugin stores beside them (``topic_type_hash``) and reads back when a bag has no
``metadata.yaml`` (``ros2 bag reindex``). ``EpisodeMcapWriter`` adds it, so both places that hold a topic's
metadata (the MCAP channel and ``metadata.yaml``) carry the RIHS01 hash rosidl computes for the type
(``test_ros_bags`` compares them with the hashes of the built interfaces).

The offered QoS are those of the live publishers (``bag_types.TOPIC_QOS``), so ``ros2 bag play`` replays the
episode topics RELIABLE + TRANSIENT_LOCAL and the frames as sensor data, as the graph publishes them.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import ClassVar

from rosbags.interfaces import Connection, ConnectionExtRosbag2
from rosbags.rosbag2 import CompressionFormat, CompressionMode, StoragePlugin, Writer
from rosbags.rosbag2.storage_mcap import Channel, McapWriter, write_channel, write_string
from rosbags.typesys.store import Typestore

from grasp_datacollect.bag_types import TOPIC_QOS, TOPIC_TYPES

BAG_VERSION = 9  # rosbag2 metadata version of ROS 2 Jazzy


class EpisodeMcapWriter(McapWriter):
    """rosbags' MCAP storage writer whose channels also carry ``topic_type_hash``, as rosbag2's do."""

    def add_connection(self, connection: Connection, offered_qos_profiles: str) -> None:
        ext = connection.ext
        assert isinstance(ext, ConnectionExtRosbag2)
        metadata = BytesIO()
        for key, value in (("offered_qos_profiles", offered_qos_profiles), ("topic_type_hash", connection.digest)):
            write_string(metadata, key)
            write_string(metadata, value)
        channel = Channel(
            connection.id, connection.msgtype, connection.topic, ext.serialization_format, metadata.getvalue()
        )
        self.channels.append(channel)
        self.channel_stats[connection.id] = 0
        write_channel(self.chunk.bio, channel, self.schemas)


class EpisodeWriter(Writer):
    """rosbags' rosbag2 ``Writer`` with ``EpisodeMcapWriter`` as its MCAP storage."""

    STORAGE_PLUGINS: ClassVar = {**Writer.STORAGE_PLUGINS, StoragePlugin.MCAP: EpisodeMcapWriter}


def new_episode_writer(path: Path, compression: str | None = None) -> EpisodeWriter:
    """An MCAP ``EpisodeWriter`` for a new bag at ``path`` (not opened yet); ``compression`` None or zstd."""
    writer = EpisodeWriter(path, version=BAG_VERSION, storage_plugin=StoragePlugin.MCAP)
    if compression is not None:
        writer.set_compression(CompressionMode.STORAGE, CompressionFormat[compression.upper()])
    return writer


def add_episode_connections(writer: Writer, typestore: Typestore) -> dict[str, Connection]:
    """One connection per episode topic (``TOPIC_TYPES`` order) with its offered QoS and rosidl type hash."""
    return {
        topic: writer.add_connection(
            topic, msgtype, typestore=typestore, offered_qos_profiles=[TOPIC_QOS[topic]]
        )
        for topic, msgtype in TOPIC_TYPES.items()
    }
