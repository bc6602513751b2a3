"""Read grasp episodes back from rosbag2 bags written by ``EpisodeBagWriter`` (or recorded live).

Steps are rebuilt by matching ``header.stamp``: each depth frame takes the GripperState and MotionCommand
stamped like it, and the episode named by that GripperState. GripperStates and MotionCommands without a
frame are ignored. Ordering uses header stamps, not log times, so bags recorded with ``ros2 bag record``
(where log time is the receive time) read the same.

The small topics are read first, then the frames are streamed, so only one episode's frames are held in
memory at a time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rosbags.interfaces import Connection
from rosbags.rosbag2 import Reader, ReaderError
from rosbags.typesys.store import Typestore

from grasp_datacollect import bag_convert
from grasp_datacollect.bag_types import (
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
    TOPIC_TYPES,
    grasp_typestore,
)
from grasp_datacollect.episode import Episode, EpisodeInfo, EpisodeOutcome


class MalformedBagError(ValueError):
    """A bag that cannot be read as grasp episodes; the message names the bag, topic and episode."""


def _error(
    bag: Path, message: str, topic: str | None = None, episode: int | None = None
) -> MalformedBagError:
    where = [f"bag {bag}"]
    if topic is not None:
        where.append(f"topic {topic}")
    if episode is not None:
        where.append(f"episode {episode}")
    return MalformedBagError(f"{', '.join(where)}: {message}")


@dataclass
class _Index:
    """Everything but the frames: episode starts and outcomes, gripper states and commands by stamp."""

    infos: dict[int, EpisodeInfo] = field(default_factory=dict)
    outcomes: dict[int, EpisodeOutcome] = field(default_factory=dict)
    states: dict[int, Any] = field(default_factory=dict)
    commands: dict[int, Any] = field(default_factory=dict)


def _open(path: Path) -> Reader:
    if not path.exists():
        raise FileNotFoundError(f"bag {path} does not exist")
    if path.is_dir() and not (path / "metadata.yaml").is_file():
        raise MalformedBagError(f"bag {path}: not a rosbag2 bag (no metadata.yaml in the folder)")
    try:
        reader = Reader(path)
        reader.open()
    except (ReaderError, OSError, ValueError, KeyError) as exc:
        raise MalformedBagError(f"bag {path}: not a readable rosbag2 bag ({exc})") from exc
    return reader


def _connections(reader: Reader, bag: Path, typestore: Typestore) -> dict[str, list[Connection]]:
    """Connections of each required topic, after checking they exist and carry the expected type."""
    by_topic: dict[str, list[Connection]] = {topic: [] for topic in TOPIC_TYPES}
    for conn in reader.connections:
        if conn.topic not in by_topic:
            continue
        expected = TOPIC_TYPES[conn.topic]
        if conn.msgtype != expected:
            raise _error(bag, f"message type is {conn.msgtype}, expected {expected}", conn.topic)
        if conn.digest.startswith("RIHS01_") and conn.digest != typestore.hash_rihs01(expected):
            raise _error(
                bag,
                f"the bag's definition of {expected} differs from the one in this workspace "
                "(recorded with another version of the message?)",
                conn.topic,
            )
        by_topic[conn.topic].append(conn)
    missing = [topic for topic, conns in by_topic.items() if not conns]
    if missing:
        raise _error(bag, f"missing required topic(s) {', '.join(missing)}")
    return by_topic


def _messages(
    reader: Reader, conns: list[Connection], bag: Path, typestore: Typestore
) -> Iterator[tuple[str, Any]]:
    """(topic, decoded message) in log-time order; read and decode failures become MalformedBagError."""
    stream = reader.messages(connections=conns)
    while True:
        try:
            item = next(stream, None)
        except (ReaderError, OSError, ValueError, KeyError) as exc:
            raise _error(bag, f"cannot read messages ({exc})") from exc
        if item is None:
            return
        conn, _, raw = item
        try:
            msg = typestore.deserialize_cdr(raw, conn.msgtype)
        except Exception as exc:
            raise _error(bag, f"cannot decode a {conn.msgtype} message ({exc})", conn.topic) from exc
        yield conn.topic, msg


def _read_index(
    reader: Reader, by_topic: dict[str, list[Connection]], bag: Path, typestore: Typestore
) -> _Index:
    index = _Index()
    small = [c for topic, conns in by_topic.items() if topic != TOPIC_DEPTH_IMAGE for c in conns]
    for topic, msg in _messages(reader, small, bag, typestore):
        episode = int(msg.episode_id)
        if topic == TOPIC_EPISODE_START:
            if episode in index.infos:
                raise _error(bag, "two episode_start messages", topic, episode)
            index.infos[episode] = bag_convert.episode_info(msg)
        elif topic == TOPIC_EPISODE_OUTCOME:
            if episode in index.outcomes:
                raise _error(bag, "two episode_outcome messages", topic, episode)
            index.outcomes[episode] = bag_convert.episode_outcome(msg)
        else:
            table = index.states if topic == TOPIC_GRIPPER_STATE else index.commands
            stamp = bag_convert.stamp_ns(msg.header)
            if stamp in table:
                raise _error(
                    bag,
                    f"two messages stamped {stamp} (steps {table[stamp].step} and {msg.step})",
                    topic,
                    episode,
                )
            table[stamp] = msg
    _check_order(index, bag)
    return index


def _check_order(index: _Index, bag: Path) -> None:
    """Every step, command and outcome must follow the episode_start of its episode."""
    timed: list[tuple[str, int, int, str]] = [
        (TOPIC_GRIPPER_STATE, int(m.episode_id), stamp, f"step {m.step}") for stamp, m in index.states.items()
    ]
    timed += [
        (TOPIC_MOTION_COMMAND, int(m.episode_id), stamp, f"step {m.step}")
        for stamp, m in index.commands.items()
    ]
    timed += [(TOPIC_EPISODE_OUTCOME, e, o.stamp_ns, "outcome") for e, o in index.outcomes.items()]
    for topic, episode, stamp, what in timed:
        info = index.infos.get(episode)
        if info is None:
            raise _error(bag, f"{what} (stamp {stamp}) of an episode with no episode_start", topic, episode)
        if stamp < info.stamp_ns:
            raise _error(
                bag, f"{what} stamped {stamp} is before its episode_start ({info.stamp_ns})", topic, episode
            )


def read_episodes(path: Path) -> Iterator[Episode]:
    """The episodes of one bag in start order, steps ordered by step index.

    An episode whose outcome is missing (recording cut off) comes with ``outcome=None``. Raises
    ``MalformedBagError`` for anything that is not a well-formed episode bag.
    """
    bag = Path(path)
    typestore = grasp_typestore()
    reader = _open(bag)
    try:
        by_topic = _connections(reader, bag, typestore)
        index = _read_index(reader, by_topic, bag, typestore)
        yield from _assemble(reader, by_topic[TOPIC_DEPTH_IMAGE], index, bag, typestore)
    finally:
        reader.close()


def episode_outcomes(path: Path) -> dict[int, EpisodeOutcome]:
    """The outcomes of a bag's finished episodes by episode id, without reading any frame (fast)."""
    bag = Path(path)
    typestore = grasp_typestore()
    reader = _open(bag)
    try:
        by_topic = _connections(reader, bag, typestore)
        return {
            int(msg.episode_id): bag_convert.episode_outcome(msg)
            for _, msg in _messages(reader, by_topic[TOPIC_EPISODE_OUTCOME], bag, typestore)
        }
    finally:
        reader.close()


def _assemble(
    reader: Reader, image_conns: list[Connection], index: _Index, bag: Path, typestore: Typestore
) -> Iterator[Episode]:
    order = sorted(index.infos, key=lambda e: (index.infos[e].stamp_ns, e))
    start_stamps = [index.infos[e].stamp_ns for e in order]
    position = {episode: i for i, episode in enumerate(order)}
    current = 0  # episodes before this position were yielded
    episodes = {e: Episode(info=index.infos[e], outcome=index.outcomes.get(e)) for e in order}
    frame_stamps: set[int] = set()

    def finish(episode_id: int) -> Episode:
        done = episodes.pop(episode_id)
        done.steps.sort(key=lambda s: (s.step, s.stamp_ns))
        return done

    for topic, image in _messages(reader, image_conns, bag, typestore):
        stamp = bag_convert.stamp_ns(image.header)
        state = index.states.get(stamp)
        if state is None:
            at = bisect.bisect_right(start_stamps, stamp) - 1
            episode = order[at] if at >= 0 else None
            raise _error(
                bag, f"depth frame stamped {stamp} has no gripper state with that stamp", topic, episode
            )
        episode = int(state.episode_id)
        if stamp in frame_stamps:
            raise _error(bag, f"two depth frames stamped {stamp} (step {state.step})", topic, episode)
        frame_stamps.add(stamp)
        command = index.commands.get(stamp)
        if command is None:
            raise _error(
                bag, f"step {state.step} (stamp {stamp}) has no motion command", TOPIC_MOTION_COMMAND, episode
            )
        if int(command.episode_id) != episode or int(command.step) != int(state.step):
            raise _error(
                bag,
                f"stamp {stamp}: gripper state is episode {episode} step {state.step} but motion command is "
                f"episode {command.episode_id} step {command.step}",
                TOPIC_MOTION_COMMAND,
                episode,
            )
        if position[episode] < current:
            raise _error(
                bag, f"frame of step {state.step} arrives after later episodes' frames", topic, episode
            )
        while current < position[episode]:
            yield finish(order[current])
            current += 1
        try:
            step = bag_convert.step_record(image, state, command)
        except ValueError as exc:
            raise _error(bag, f"step {state.step} (stamp {stamp}): {exc}", topic, episode) from exc
        episodes[episode].steps.append(step)
    for episode in order[current:]:
        yield finish(episode)


def bag_summary(path: Path) -> dict[str, Any]:
    """Counts for a CLI: episodes, complete episodes, steps (frames), successes, policies, duration (s)."""
    episodes = steps = successes = complete = 0
    policies: dict[str, int] = {}
    first: int | None = None
    last: int | None = None
    for episode in read_episodes(path):
        episodes += 1
        steps += len(episode.steps)
        policies[episode.info.policy] = policies.get(episode.info.policy, 0) + 1
        stamps = [episode.info.stamp_ns] + [s.stamp_ns for s in episode.steps]
        if episode.outcome is not None:
            complete += 1
            successes += int(episode.outcome.success)
            stamps.append(episode.outcome.stamp_ns)
        first = min(stamps) if first is None else min(first, *stamps)
        last = max(stamps) if last is None else max(last, *stamps)
    return {
        "path": str(path),
        "episodes": episodes,
        "complete_episodes": complete,
        "steps": steps,
        "successes": successes,
        "policies": policies,
        "duration": 0.0 if first is None or last is None else (last - first) / bag_convert.NS_PER_S,
    }
