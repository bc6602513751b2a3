"""Synthetic episodes and bag-writing helpers shared by the grasp_datacollect tests (imported by name)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from grasp_datacollect.bag_types import (
    MSGTYPE_EPISODE_OUTCOME,
    MSGTYPE_EPISODE_START,
    MSGTYPE_GRIPPER_STATE,
    MSGTYPE_IMAGE,
    MSGTYPE_MOTION_COMMAND,
    TOPIC_DEPTH_IMAGE,
    TOPIC_EPISODE_OUTCOME,
    TOPIC_EPISODE_START,
    TOPIC_GRIPPER_STATE,
    TOPIC_MOTION_COMMAND,
    grasp_typestore,
)
from grasp_datacollect.bag_writer import EpisodeBagWriter
from grasp_datacollect.episode import Command, Episode, EpisodeInfo, EpisodeOutcome, StepRecord
from grasp_servo.pose import GripperPose, apply_motion
from rosbags.rosbag2 import StoragePlugin, Writer

from grasp_datacollect import bag_convert

STEP_NS = 100_000_000

Message = tuple[str, str, Any, int]


def make_episode(
    rng: np.random.Generator,
    episode_id: int,
    t0: int,
    n_steps: int = 4,
    success: bool = True,
    shape: tuple[int, int] = (64, 64),
    policy: str = "random",
) -> Episode:
    """An episode with random depth (some inf pixels), a random walk of poses and a final pose."""
    info = EpisodeInfo(
        episode_id=episode_id,
        seed=10_000 + episode_id,
        policy=policy,
        robot="ur5e_robotiq",
        object_set="train",
        object_names=[f"cylinder_{episode_id}", "box_2"],
        stamp_ns=t0,
        disturbance=bool(episode_id % 2),
        kinematic_noise=0.4,
        model="",
    )
    pose = GripperPose(
        float(rng.uniform(0.3, 0.6)),
        float(rng.uniform(-0.2, 0.2)),
        float(rng.uniform(0.2, 0.3)),
        float(rng.uniform(-np.pi, np.pi)),
    )
    steps = []
    for k in range(n_steps):
        depth = rng.uniform(0.2, 0.6, shape).astype(np.float32)
        depth[rng.random(shape) < 0.05] = np.inf
        motion = rng.normal(0.0, 0.01, 4)
        steps.append(
            StepRecord(
                episode_id=episode_id,
                step=k,
                stamp_ns=t0 + (k + 1) * STEP_NS,
                depth=depth,
                pose=pose,
                opening=0.085,
                closed=False,
                command=Command.MOVE if k < n_steps - 1 else Command.CLOSE,
                motion=motion,
                predicted_success=float(rng.uniform()) if k % 2 else float("nan"),
                close_score=float(rng.uniform()),
            )
        )
        pose = apply_motion(pose, motion)
    outcome = EpisodeOutcome(
        episode_id=episode_id,
        stamp_ns=t0 + (n_steps + 1) * STEP_NS,
        final_pose=pose,
        success=success,
        label_method="lift_test",
        label_detail=f"cylinder_{episode_id} at 0.152 m >= 0.100 m after 1.0 s",
        termination="servo_close",
        steps=n_steps,
    )
    return Episode(info=info, steps=steps, outcome=outcome)


def make_episodes(count: int = 3, seed: int = 0, **kwargs: Any) -> list[Episode]:
    """``count`` consecutive episodes, alternating success and failure."""
    rng = np.random.default_rng(seed)
    return [
        make_episode(
            rng, episode_id=7 + i, t0=1_700_000_000_000_000_000 + i * 10**10, success=i % 2 == 0, **kwargs
        )
        for i in range(count)
    ]


def record_episodes(bag: EpisodeBagWriter, episodes: Sequence[Episode]) -> EpisodeBagWriter:
    """Write ``episodes`` into an open writer; only the last one may lack an outcome (left open)."""
    for episode in episodes:
        bag.start_episode(episode.info)
        for step in episode.steps:
            bag.write_step(step)
        if episode.outcome is not None:
            bag.end_episode(episode.outcome)
    return bag


def write_episodes(path: Path, episodes: Sequence[Episode], compression: str | None = None) -> Path:
    """Record ``episodes`` with EpisodeBagWriter into a new bag at ``path`` and close it."""
    with EpisodeBagWriter(path, compression=compression) as bag:
        record_episodes(bag, episodes)
    return path


def episode_messages(episode: Episode) -> list[Message]:
    """What EpisodeBagWriter writes for ``episode`` (no outcome if None): (topic, msgtype, msg, log time)."""
    ts = grasp_typestore()
    info = episode.info
    messages: list[Message] = [
        (TOPIC_EPISODE_START, MSGTYPE_EPISODE_START, bag_convert.episode_start_msg(ts, info), info.stamp_ns)
    ]
    for step in episode.steps:
        stamp = step.stamp_ns
        image = bag_convert.depth_image_msg(ts, step.depth, stamp, step.camera_frame)
        messages += [
            (TOPIC_DEPTH_IMAGE, MSGTYPE_IMAGE, image, stamp),
            (TOPIC_GRIPPER_STATE, MSGTYPE_GRIPPER_STATE, bag_convert.gripper_state_msg(ts, step), stamp),
            (TOPIC_MOTION_COMMAND, MSGTYPE_MOTION_COMMAND, bag_convert.motion_command_msg(ts, step), stamp),
        ]
    if episode.outcome is not None:
        outcome, stamp = bag_convert.episode_outcome_msg(ts, episode.outcome), episode.outcome.stamp_ns
        messages.append((TOPIC_EPISODE_OUTCOME, MSGTYPE_EPISODE_OUTCOME, outcome, stamp))
    return messages


def write_raw_bag(
    path: Path, messages: Sequence[tuple[str, str, Any, int]], digests: dict[str, str] | None = None
) -> Path:
    """A bag holding exactly ``messages`` (topic, msgtype, message, log time), for malformed cases.

    ``digests`` overrides the type hash recorded for some message types.
    """
    typestore = grasp_typestore()
    with Writer(path, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        connections: dict[tuple[str, str], Any] = {}
        for topic, msgtype, _, _ in messages:
            if (topic, msgtype) not in connections:
                msgdef, _ = typestore.generate_msgdef(msgtype, ros_version=2)
                rihs01 = (digests or {}).get(msgtype, typestore.hash_rihs01(msgtype))
                connections[topic, msgtype] = writer.add_connection(
                    topic, msgtype, msgdef=msgdef, rihs01=rihs01
                )
        for topic, msgtype, msg, stamp in messages:
            writer.write(connections[topic, msgtype], stamp, typestore.serialize_cdr(msg, msgtype))
    return path


def assert_steps_equal(actual: StepRecord, expected: StepRecord) -> None:
    assert (actual.episode_id, actual.step, actual.stamp_ns) == (
        expected.episode_id,
        expected.step,
        expected.stamp_ns,
    )
    assert actual.depth.dtype == np.float32
    np.testing.assert_array_equal(actual.depth, expected.depth)
    np.testing.assert_allclose(actual.pose.as_array(), expected.pose.as_array(), rtol=0, atol=1e-12)
    assert actual.opening == expected.opening
    assert actual.closed == expected.closed
    assert actual.command == expected.command
    np.testing.assert_allclose(actual.motion, expected.motion, rtol=0, atol=1e-12)
    np.testing.assert_equal(actual.predicted_success, expected.predicted_success)
    np.testing.assert_equal(actual.close_score, expected.close_score)
    assert actual.camera_frame == expected.camera_frame


def assert_episodes_equal(actual: Episode, expected: Episode) -> None:
    assert actual.info == expected.info
    assert actual.outcome == expected.outcome
    assert len(actual.steps) == len(expected.steps)
    for got, want in zip(actual.steps, expected.steps, strict=True):
        assert_steps_equal(got, want)
