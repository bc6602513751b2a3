"""Turn episode bags cut short by a kill or a power cut back into readable rosbag2 bags.

A bag whose writer never closed has an MCAP file with no summary or footer and no ``metadata.yaml``, so no
rosbag2 reader opens it. ``EpisodeBagWriter`` (durable mode) closes one MCAP chunk per finished episode and
fsyncs it, so the file holds every finished episode as complete records. ``repair_bag`` streams those records
with the independent ``mcap`` reader, stops at the first record that was cut off, and writes a new bag with
every message up to the last episode outcome: the finished episodes, without the one in flight.
"""

from __future__ import annotations

import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

from mcap.exceptions import McapError
from mcap.records import Channel, Message
from mcap.stream_reader import StreamReader

from grasp_datacollect.bag_reader import MalformedBagError, read_episodes
from grasp_datacollect.bag_storage import add_episode_connections, new_episode_writer
from grasp_datacollect.bag_types import TOPIC_EPISODE_OUTCOME, TOPIC_TYPES, grasp_typestore


@dataclass(frozen=True)
class RepairReport:
    """What a repair kept and dropped."""

    path: Path
    episodes_kept: int
    messages_kept: int
    messages_dropped: int
    truncated: bool  # the file ended inside a record (a kill mid-write), not at a record boundary


def is_unfinished_bag(path: Path) -> bool:
    """A folder with an MCAP file but no metadata.yaml: a bag whose writer never closed."""
    path = Path(path)
    return path.is_dir() and not (path / "metadata.yaml").exists() and any(path.glob("*.mcap"))


def find_unfinished_bags(root: Path) -> list[Path]:
    """Every unfinished bag folder at or below ``root``, sorted."""
    root = Path(root)
    candidates = [root, *(p for p in root.rglob("*") if p.is_dir())] if root.is_dir() else []
    return sorted(p for p in candidates if is_unfinished_bag(p) and not p.name.startswith("."))


def _complete_records(mcap_file: Path) -> tuple[list[tuple[str, int, bytes]], bool]:
    """(topic, log time, data) of every complete message in file order, and whether the file was cut off."""
    topics: dict[int, str] = {}
    messages: list[tuple[str, int, bytes]] = []
    truncated = False
    with mcap_file.open("rb") as stream:
        try:
            for record in StreamReader(stream, validate_crcs=True).records:
                if isinstance(record, Channel):
                    topics[record.id] = record.topic
                elif isinstance(record, Message) and record.channel_id in topics:
                    messages.append((topics[record.channel_id], record.log_time, bytes(record.data)))
        except (McapError, struct.error, ValueError, EOFError):
            truncated = True  # everything before the cut is kept
    return messages, truncated


def repair_bag(path: Path) -> RepairReport:
    """Rewrite the unfinished bag at ``path`` in place, keeping every episode that has an outcome.

    Raises ``MalformedBagError`` when the folder is not an unfinished bag or holds no finished episode
    (nothing is deleted then).
    """
    path = Path(path)
    if not is_unfinished_bag(path):
        raise MalformedBagError(f"bag {path}: not an unfinished bag (needs an .mcap file and no metadata.yaml)")
    files = sorted(path.glob("*.mcap"))
    if len(files) != 1:
        raise MalformedBagError(f"bag {path}: expected one .mcap file, found {len(files)}")
    messages, truncated = _complete_records(files[0])
    last_outcome = max((i for i, (topic, _, _) in enumerate(messages) if topic == TOPIC_EPISODE_OUTCOME), default=-1)
    kept = [m for m in messages[: last_outcome + 1] if m[0] in TOPIC_TYPES]
    if not kept:
        raise MalformedBagError(f"bag {path}: no finished episode in {files[0].name}; nothing to recover")

    staging_root = path.parent / f".{path.name}.repairing"  # the new bag is built beside, then swapped in
    if staging_root.exists():
        shutil.rmtree(staging_root)
    staging_root.mkdir()
    staging = staging_root / path.name
    typestore = grasp_typestore()
    with new_episode_writer(staging) as writer:
        connections = add_episode_connections(writer, typestore)
        for topic, log_time, data in kept:
            writer.write(connections[topic], log_time, data)
    episodes = sum(1 for episode in read_episodes(staging) if episode.outcome is not None)  # proves it reads back

    old = path.parent / f".{path.name}.unfinished"
    path.rename(old)
    staging.rename(path)
    staging_root.rmdir()
    shutil.rmtree(old)
    return RepairReport(path, episodes, len(kept), len(messages) - len(kept), truncated)
