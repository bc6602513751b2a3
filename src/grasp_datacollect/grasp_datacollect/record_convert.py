"""Episode bags from a plain ``ros2 bag record`` of the live topics: the bag the collector node would write.

    ros2 bag record -o run_000 /wrist_camera/depth/image_raw /grasp/gripper_state /grasp/motion_command \\
        /grasp/episode_start /grasp/episode_outcome
    grasp bag-from-record run_000 episodes_000

The recorded messages go, in the order the recorder received them (log time), through the collector node's
own core (``EpisodeCollector``: the same ``StepAssembler`` pairing, the same dedupe of re-delivered episode
messages, the same ``BagRecorder``), with the collector's parameter defaults and checks. So the result equals
the bag a collector running beside the recorder would have written: same episodes, steps, frames and labels,
and an episode still open at the end of the recording is kept without its outcome, as at a collector's
shutdown. The input is read with rosbags (mcap or sqlite3 storage): no ROS installation is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rosbags.rosbag2 import Reader, ReaderError

from grasp_datacollect.bag_recorder import BagRecorder
from grasp_datacollect.bag_types import (
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
    TOPIC_TYPES,
    grasp_typestore,
)
from grasp_datacollect.episode_collector import EpisodeCollector
from grasp_datacollect.ros.parameters import collector_parameters
from grasp_datacollect.step_assembler import StepAssembler


@dataclass
class ConversionReport:
    """What a conversion read and wrote."""

    source: Path
    paths: list[Path]  # the episode bag, then any ``<out>_part<N>`` the recorder rolled over to
    messages: dict[str, int]  # messages read per topic
    episodes: int = 0  # episodes written with their outcome
    warnings: list[str] = field(default_factory=list)


def _open_record(source: Path) -> Reader:
    if not source.exists():
        raise FileNotFoundError(f"no such bag: {source}")
    if source.is_dir() and not (source / "metadata.yaml").is_file():
        raise ValueError(
            f"bag {source} has no metadata.yaml (a recording cut short?): run `ros2 bag reindex {source}` first"
        )
    try:
        reader = Reader(source)
        reader.open()
    except (ReaderError, OSError, KeyError) as exc:
        raise ValueError(f"bag {source}: not a readable rosbag2 bag ({exc})") from exc
    return reader


def convert_record(
    source: Path,
    out: Path,
    depth_topic: str = TOPIC_DEPTH_IMAGE,
    compression: str = "",
    state_tolerance_s: float = 0.05,
    frame_buffer: int = 64,
    state_buffer: int = 1024,
    warn: Callable[[str], None] | None = None,
) -> ConversionReport:
    """Write the episodes recorded in the rosbag2 bag ``source`` to a new episode bag ``out``.

    The keyword arguments are the collector node's parameters of the same names (same defaults and ranges:
    ParameterError, a ValueError, for a bad one). ``warn`` also receives each warning as it happens.
    Raises FileNotFoundError / FileExistsError / ValueError for a missing source, an existing ``out``, or a
    source that is no readable bag, lacks ``/grasp/episode_start`` or holds a topic of the wrong type.
    """
    source, out = Path(source), Path(out)
    params = collector_parameters({
        "bag_path": str(out), "compression": compression, "state_tolerance_s": state_tolerance_s,
        "frame_buffer": frame_buffer, "state_buffer": state_buffer, "depth_topic": depth_topic,
    })
    expected = {params.depth_topic: TOPIC_TYPES[TOPIC_DEPTH_IMAGE]}
    expected |= {topic: TOPIC_TYPES[topic] for topic in (
        TOPIC_GRIPPER_STATE, TOPIC_MOTION_COMMAND, TOPIC_EPISODE_START, TOPIC_EPISODE_OUTCOME
    )}
    typestore = grasp_typestore()
    report = ConversionReport(source, [], dict.fromkeys(expected, 0))

    def note(message: str) -> None:
        report.warnings.append(message)
        if warn is not None:
            warn(message)

    reader = _open_record(source)
    try:
        connections = [c for c in reader.connections if c.topic in expected]
        for conn in connections:
            if conn.msgtype != expected[conn.topic]:
                raise ValueError(f"bag {source}: {conn.topic} is {conn.msgtype}, expected {expected[conn.topic]}")
            if conn.digest.startswith("RIHS01_") and conn.digest != typestore.hash_rihs01(conn.msgtype):
                raise ValueError(
                    f"bag {source}: {conn.topic} was recorded with another definition of {conn.msgtype} "
                    "than this workspace's (type hash differs)"
                )
        recorded = {c.topic for c in connections}
        if TOPIC_EPISODE_START not in recorded:
            raise ValueError(f"bag {source} holds no {TOPIC_EPISODE_START}: no episode can be rebuilt from it")
        for topic in sorted(set(expected) - recorded):
            note(f"{source} has no {topic} topic")
        assembler = StepAssembler(
            state_tolerance_ns=params.state_tolerance_ns, frame_capacity=params.frame_capacity,
            state_capacity=params.state_capacity, warn=note,
        )
        recorder = BagRecorder(out, params.compression, warn=note)  # FileExistsError: never overwrites
        collector = EpisodeCollector(recorder, assembler, params.depth_topic, warn=note)
        try:
            for conn, log_time, raw in reader.messages(connections=connections):
                report.messages[conn.topic] += 1
                try:
                    msg = typestore.deserialize_cdr(raw, conn.msgtype)
                except Exception as exc:  # a corrupt message is skipped, as the live collector never gets one
                    note(f"{conn.topic} message logged at {log_time} cannot be decoded ({exc}); skipped")
                    continue
                collector.handle(conn.topic, msg)
        finally:
            collector.close()  # as the collector's shutdown: the open episode is kept, the bag finalised
        report.paths = list(recorder.paths)
        report.episodes = recorder.episodes_written
    finally:
        reader.close()
    return report


def conversion_text(report: ConversionReport) -> str:
    """A few lines for the command line."""
    read = ", ".join(f"{topic} {count}" for topic, count in report.messages.items())
    lines = [
        f"read {report.source}: {read}",
        f"wrote {report.episodes} finished episode(s) to {', '.join(str(p) for p in report.paths)}",
    ]
    if report.warnings:
        shown = report.warnings[:20]
        lines.append(f"{len(report.warnings)} warning(s):")
        lines += [f"  {w}" for w in shown]
        if len(report.warnings) > len(shown):
            lines.append(f"  ... and {len(report.warnings) - len(shown)} more")
    return "\n".join(lines)
