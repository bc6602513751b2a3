"""Q-function transitions from episodes: in memory and read back from a real bag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from grasp_datacollect.bag_writer import EpisodeBagWriter
from grasp_datacollect.episode import Command, Episode, EpisodeInfo, EpisodeOutcome, StepRecord
from grasp_datacollect.q_samples import load_q_transitions
from grasp_perception.action_encoding import encode_motions
from grasp_perception.q_transitions import GRASP_HEIGHT, QTransitions, transitions_from_episodes
from grasp_servo.pose import GripperPose, apply_motion, motion_between


def _hand_built_episodes():
    rng = np.random.default_rng(0)

    def episode(episode_id: int, n_steps: int, success: bool | None):
        info = EpisodeInfo(
            episode_id, 100 + episode_id, "random", "ur5", "train", ["box"], 10**9 * (episode_id + 1)
        )
        pose = GripperPose(0.5, 0.0, 0.2 - 0.01 * episode_id, 0.3)
        steps = []
        for k in range(n_steps):
            last = k == n_steps - 1
            motion = np.array([0.0, 0.0, GRASP_HEIGHT - pose.z, 0.0]) if last else rng.normal(0, 0.02, 4)
            command = Command.CLOSE if last else Command.MOVE
            depth = rng.uniform(0.2, 0.5, (16, 16)).astype(np.float32)
            steps.append(
                StepRecord(
                    episode_id, k, 10**9 * (episode_id + 1) + 10**7 * (k + 1), depth, pose, 0.085, False, command,
                    motion,
                )
            )  # fmt: skip
            pose = apply_motion(pose, motion)
        outcome = None
        if success is not None:
            stamp = 10**9 * (episode_id + 1) + 10**7 * (n_steps + 1)
            outcome = EpisodeOutcome(
                episode_id, stamp, pose, success, "gripper_opening", "", "servo_close", n_steps
            )
        return Episode(info, steps, outcome)

    return [episode(1, 3, True), episode(2, 2, False)], episode(3, 2, None)


def test_transitions_from_hand_built_episodes(tmp_path: Path) -> None:
    episodes, unfinished = _hand_built_episodes()
    with pytest.warns(UserWarning, match="episode 3: no outcome"):
        transitions = transitions_from_episodes([*episodes, unfinished], grasp_height=GRASP_HEIGHT, source="mem")
    assert len(transitions) == 5  # the episode without an outcome is left out
    np.testing.assert_array_equal(transitions.rewards, [0, 0, 1, 0, 0])  # terminal reward = the label
    np.testing.assert_array_equal(transitions.dones, [False, False, True, False, True])
    np.testing.assert_array_equal(transitions.next_index, [1, 2, -1, 4, -1])
    np.testing.assert_array_equal(transitions.labels, [1, 1, 1, 0, 0])
    np.testing.assert_array_equal(transitions.episode_keys, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(transitions.steps, [0, 1, 2, 0, 1])
    assert transitions.sources == [("mem", 1), ("mem", 2)]
    steps = [step for episode in episodes for step in episode.steps]
    for row, step in enumerate(steps):
        np.testing.assert_array_equal(transitions.images[row], step.depth)
        np.testing.assert_allclose(transitions.motions[row], step.motion, atol=1e-7)
        np.testing.assert_allclose(transitions.states[row], [1.0, (step.pose.z - GRASP_HEIGHT) / 0.1], atol=1e-6)
    # s_{t+1} is the next step's frame and state.
    for row in np.flatnonzero(~transitions.dones):
        following = transitions.next_index[row]
        np.testing.assert_array_equal(transitions.images[following], steps[row + 1].depth)
        np.testing.assert_array_equal(transitions.states[following], transitions.states[row + 1])
    np.testing.assert_array_equal(transitions.next_rows(), [1, 2, 2, 4, 4])
    np.testing.assert_allclose(transitions.actions(0.1), encode_motions(transitions.motions, 0.1))

    transitions.save_npz(tmp_path / "q.npz")
    loaded = QTransitions.load_npz(tmp_path / "q.npz")
    np.testing.assert_array_equal(loaded.images, transitions.images)
    np.testing.assert_array_equal(loaded.next_index, transitions.next_index)
    assert loaded.dones.dtype == bool and loaded.sources == transitions.sources
    both = QTransitions.concatenate([transitions, loaded])
    np.testing.assert_array_equal(both.next_index[5:], [6, 7, -1, 9, -1])
    np.testing.assert_array_equal(both.episode_keys[5:], [2, 2, 2, 3, 3])
    with pytest.raises(ValueError, match="-1 on terminal"):
        QTransitions(**{**_columns(transitions), "next_index": np.array([1, 2, 3, 4, -1])})


def _columns(transitions: QTransitions) -> dict:
    names = ("images", "states", "motions", "rewards", "dones", "next_index", "labels", "episode_keys", "steps")
    return {name: getattr(transitions, name) for name in names}


def test_transitions_from_a_bag_match_the_episodes(tmp_path: Path) -> None:
    episodes, _ = _hand_built_episodes()
    with EpisodeBagWriter(tmp_path / "bag") as bag:
        for episode in episodes:
            bag.start_episode(episode.info)
            for step in episode.steps:
                bag.write_step(step)
            bag.end_episode(episode.outcome)
    from_bag = load_q_transitions([tmp_path / "bag"], grasp_height=GRASP_HEIGHT, progress=False, action="executed")
    in_memory = transitions_from_episodes(episodes, grasp_height=GRASP_HEIGHT)
    for name, array in _columns(in_memory).items():
        np.testing.assert_allclose(_columns(from_bag)[name], array, atol=1e-6, err_msg=name)
    assert from_bag.sources == [(str(tmp_path / "bag"), 1), (str(tmp_path / "bag"), 2)]

    # The default action of a step is the motion to the pose where its episode closed (what the servo scores).
    to_final = load_q_transitions([tmp_path / "bag"], grasp_height=GRASP_HEIGHT, progress=False)
    steps = [(step, episode.outcome.final_pose) for episode in episodes for step in episode.steps]
    for row, (step, final_pose) in enumerate(steps):
        np.testing.assert_allclose(to_final.motions[row], motion_between(step.pose, final_pose), atol=1e-6)
    terminal = to_final.dones
    np.testing.assert_allclose(to_final.motions[terminal], from_bag.motions[terminal], atol=1e-6)  # the last step
    assert not np.allclose(to_final.motions[~terminal], from_bag.motions[~terminal], atol=1e-3)
    for name in ("images", "states", "rewards", "dones", "next_index"):
        np.testing.assert_array_equal(getattr(to_final, name), getattr(from_bag, name), err_msg=name)
    with pytest.raises(ValueError, match="action must be one of"):
        load_q_transitions([tmp_path / "bag"], progress=False, action="planned")
    with pytest.raises(ValueError, match="listed twice"):
        load_q_transitions([tmp_path / "bag", tmp_path / "." / "bag"], progress=False)
