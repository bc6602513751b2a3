"""Record grasp episodes into a rosbag2 (MCAP) bag.

One bag holds any number of consecutive episodes. Each step becomes three messages with the same
``header.stamp`` (which is also their log time): the depth Image, the GripperState and the MotionCommand.
Usage::

    with EpisodeBagWriter(Path("bags/run_000")) as bag:
        bag.start_episode(info)
        for step in steps:
            bag.write_step(step)
        bag.end_episode(outcome)

The bag is always finalised on leaving the ``with`` block, also when the block raises, so the episodes
recorded so far stay readable; an episode left open has no outcome in the bag. With ``durable=True`` (the
default) every finished episode is pushed to disk at once (its MCAP chunk closed, the file flushed and
fsynced), so a process that is killed (SIGKILL, power loss) leaves a file without a footer that
``grasp_datacollect.bag_repair`` turns back into a bag holding every finished episode. Topics carry the live
publishers' QoS and rosidl's type hashes (``bag_storage``): ``ros2 bag info`` and ``ros2 bag play`` take the bag.
"""

from __future__ import annotations

import math
import os
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from grasp_servo.pose import GripperPose
from rosbags.interfaces import Connection
from rosbags.rosbag2 import WriterError

from grasp_datacollect import bag_convert
from grasp_datacollect.bag_storage import add_episode_connections, new_episode_writer
from grasp_datacollect.bag_types import (
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
    TOPIC_TYPES,
    grasp_typestore,
)
from grasp_datacollect.episode import Command, EpisodeInfo, EpisodeOutcome, StepRecord

COMPRESSIONS = ("zstd",)  # MCAP chunk compression; per-message compression is not readable by mcap tools
UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1
MAX_STAMP_NS = 2**31 * 1_000_000_000 - 1  # builtin_interfaces/Time.sec is an int32


def _check_uint(name: str, value: object, maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value <= maximum:
        raise ValueError(f"{name} must be an integer in [0, {maximum}], got {value!r}")


def _check_stamp(name: str, value: object) -> None:
    _check_uint(name, value, MAX_STAMP_NS)


def _check_finite(name: str, value: object) -> None:
    try:
        ok = math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def _check_pose(name: str, pose: object) -> None:
    if not isinstance(pose, GripperPose):
        raise ValueError(f"{name} must be a GripperPose, got {type(pose).__name__}")
    if not np.all(np.isfinite(pose.as_array())):
        raise ValueError(f"{name} must be finite, got {pose}")


def _check_str(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a str, got {type(value).__name__}")


def _check_depth(depth: object) -> None:
    if not isinstance(depth, np.ndarray) or depth.ndim != 2 or depth.dtype.kind != "f":
        desc = f"{depth.dtype} array of shape {depth.shape}" if isinstance(depth, np.ndarray) else type(depth)
        raise ValueError(f"depth must be a 2-D float array (H, W), got {desc}")
    if depth.size == 0:
        raise ValueError(f"depth is empty (shape {depth.shape})")
    if np.isnan(depth).any():
        raise ValueError(
            f"depth has {int(np.isnan(depth).sum())} NaN pixels (use 0 or inf where nothing was hit)"
        )
    if (depth < 0).any():
        raise ValueError(f"depth has {int((depth < 0).sum())} negative pixels")


class EpisodeBagWriter:
    """Context manager that writes episodes (start, steps, outcome) to a new rosbag2 MCAP bag at ``path``.

    ``path`` is the bag folder (it will hold metadata.yaml and one .mcap file) and must not exist.
    ``compression`` is None or "zstd" (MCAP chunk compression). ``durable`` syncs each finished episode to
    disk (one MCAP chunk per episode, flushed and fsynced), so a kill loses at most the episode in flight.
    """

    def __init__(self, path: Path, compression: str | None = None, durable: bool = True) -> None:
        path = Path(path)
        if path.exists():
            raise FileExistsError(f"{path} already exists; refusing to overwrite recorded data")
        if compression is not None and compression not in COMPRESSIONS:
            raise ValueError(f"compression must be None or one of {COMPRESSIONS}, got {compression!r}")
        self._path = path
        self._durable = durable
        self._typestore = grasp_typestore()
        self._writer = new_episode_writer(path, compression)
        try:
            self._writer.open()
        except WriterError as exc:  # created by someone else since the check above
            raise FileExistsError(f"{path} already exists; refusing to overwrite recorded data") from exc
        try:
            self._connections: dict[str, Connection] = add_episode_connections(self._writer, self._typestore)
        except BaseException:
            self._writer.abort()
            raise
        self._closed = False
        self._episode_ids: set[int] = set()
        self._open_episode: int | None = None
        self._last_step_index: int | None = None
        self._last_stamp: int | None = None
        self._last_step_stamp: int | None = None
        self._episodes = 0
        self._completed = 0
        self._steps = 0

    @property
    def path(self) -> Path:
        return self._path

    @property
    def episodes(self) -> int:
        """Episodes started in this bag."""
        return self._episodes

    @property
    def completed_episodes(self) -> int:
        """Episodes whose outcome was written."""
        return self._completed

    @property
    def steps(self) -> int:
        """Steps written in this bag, over all episodes."""
        return self._steps

    @property
    def open_episode(self) -> int | None:
        """Id of the episode started and not yet ended, if any."""
        return self._open_episode

    @property
    def closed(self) -> bool:
        return self._closed

    def start_episode(self, info: EpisodeInfo) -> None:
        """Write the EpisodeStart of a new episode; the previous one must have ended."""
        self._check_writable()
        if self._open_episode is not None:
            raise ValueError(f"episode {self._open_episode} is still open; end it before starting another")
        _check_uint("info.episode_id", info.episode_id, UINT32_MAX)
        if info.episode_id in self._episode_ids:
            raise ValueError(f"episode {info.episode_id} was already recorded in {self._path}")
        _check_uint("info.seed", info.seed, UINT64_MAX)
        self._check_time("info.stamp_ns", info.stamp_ns)
        for name in ("policy", "robot", "object_set", "model"):
            _check_str(f"info.{name}", getattr(info, name))
        if not all(isinstance(name, str) for name in info.object_names):
            raise ValueError(f"info.object_names must be a list of str, got {info.object_names!r}")
        _check_finite("info.kinematic_noise", info.kinematic_noise)
        self._write(TOPIC_EPISODE_START, info.stamp_ns, bag_convert.episode_start_msg(self._typestore, info))
        self._episode_ids.add(info.episode_id)
        self._open_episode = info.episode_id
        self._last_step_index = None
        self._episodes += 1

    def write_step(self, step: StepRecord) -> None:
        """Write a step's depth Image, GripperState and MotionCommand, all stamped ``step.stamp_ns``."""
        self._check_writable()
        self._check_step(step)
        messages = [  # build all three before writing any, so a failure cannot leave a partial step
            (
                TOPIC_DEPTH_IMAGE,
                bag_convert.depth_image_msg(self._typestore, step.depth, step.stamp_ns, step.camera_frame),
            ),
            (TOPIC_GRIPPER_STATE, bag_convert.gripper_state_msg(self._typestore, step)),
            (TOPIC_MOTION_COMMAND, bag_convert.motion_command_msg(self._typestore, step)),
        ]
        serialized = [
            (topic, self._typestore.serialize_cdr(msg, TOPIC_TYPES[topic])) for topic, msg in messages
        ]
        for topic, data in serialized:
            self._writer.write(self._connections[topic], step.stamp_ns, data)
        self._last_stamp = self._last_step_stamp = step.stamp_ns
        self._last_step_index = step.step
        self._steps += 1

    def end_episode(self, outcome: EpisodeOutcome) -> None:
        """Write the EpisodeOutcome of the open episode."""
        self._check_writable()
        if self._open_episode is None:
            raise ValueError(f"no episode is open (outcome for episode {outcome.episode_id})")
        if outcome.episode_id != self._open_episode:
            raise ValueError(
                f"outcome is for episode {outcome.episode_id} but episode {self._open_episode} is open"
            )
        self._check_time("outcome.stamp_ns", outcome.stamp_ns)
        _check_pose("outcome.final_pose", outcome.final_pose)
        _check_uint("outcome.steps", outcome.steps, UINT32_MAX)
        for name in ("label_method", "label_detail", "termination"):
            _check_str(f"outcome.{name}", getattr(outcome, name))
        self._write(
            TOPIC_EPISODE_OUTCOME, outcome.stamp_ns, bag_convert.episode_outcome_msg(self._typestore, outcome)
        )
        self._open_episode = None
        self._completed += 1
        if self._durable:
            self.sync()

    def sync(self) -> None:
        """Push everything written so far to disk: close the pending MCAP chunk, flush and fsync the file.

        Uses rosbags' MCAP storage writer (pinned in the lock; ``test_bag_durability`` kills a real writer).
        """
        self._check_writable()
        storage = self._writer.storage
        if storage is None or not hasattr(storage, "close_chunk"):
            return
        if storage.chunk.bio.tell():
            storage.close_chunk()
        storage.bio.flush()
        os.fsync(storage.bio.fileno())

    def close(self) -> None:
        """Finalise the bag (MCAP summary and metadata.yaml). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            self._writer.close()
        except BaseException:
            with suppress(Exception):
                self._writer.abort()
            raise

    def __enter__(self) -> EpisodeBagWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Close (not abort) also on errors: the episodes written so far are worth keeping.
        self.close()

    def _write(self, topic: str, stamp: int, msg: Any) -> None:
        data = self._typestore.serialize_cdr(msg, TOPIC_TYPES[topic])
        self._writer.write(self._connections[topic], stamp, data)
        self._last_stamp = stamp

    def _check_writable(self) -> None:
        if self._closed:
            raise RuntimeError(f"bag {self._path} is closed")

    def _check_time(self, name: str, stamp: object) -> None:
        _check_stamp(name, stamp)
        if self._last_stamp is not None and stamp < self._last_stamp:  # type: ignore[operator]
            raise ValueError(f"{name}={stamp} is earlier than the last message written ({self._last_stamp})")

    def _check_step(self, step: StepRecord) -> None:
        if self._open_episode is None:
            raise ValueError(f"step {step.step} of episode {step.episode_id}: no episode is open")
        if step.episode_id != self._open_episode:
            raise ValueError(
                f"step {step.step} belongs to episode {step.episode_id}, "
                f"but episode {self._open_episode} is open"
            )
        where = f"episode {step.episode_id} step {step.step}"
        _check_uint(f"{where}: step", step.step, UINT32_MAX)
        if self._last_step_index is not None and step.step <= self._last_step_index:
            raise ValueError(f"{where}: step index must increase (previous step {self._last_step_index})")
        self._check_time(f"{where}: stamp_ns", step.stamp_ns)
        if self._last_step_stamp is not None and step.stamp_ns <= self._last_step_stamp:
            raise ValueError(
                f"{where}: stamp_ns={step.stamp_ns} must be later than the previous step's "
                f"({self._last_step_stamp}); frames are matched to poses by stamp"
            )
        try:
            _check_depth(step.depth)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        _check_pose(f"{where}: pose", step.pose)
        motion = np.asarray(step.motion)
        if motion.shape != (4,) or motion.dtype.kind not in "fiu" or not np.all(np.isfinite(motion)):
            raise ValueError(
                f"{where}: motion must be 4 finite numbers (dx, dy, dz, dyaw), got {step.motion!r}"
            )
        _check_finite(f"{where}: opening", step.opening)
        if step.command not in set(Command):
            raise ValueError(f"{where}: command must be a Command, got {step.command!r}")
        for name in ("predicted_success", "close_score"):
            if not isinstance(getattr(step, name), float | int | np.floating | np.integer):
                raise ValueError(f"{where}: {name} must be a number (NaN when unknown)")
        _check_str(f"{where}: camera_frame", step.camera_frame)
        if not step.camera_frame:
            raise ValueError(f"{where}: camera_frame is empty")
