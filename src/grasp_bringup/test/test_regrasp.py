"""Regrasps in the embedded runner: after a label of not held, with steps left, the gripper opens where it is and
the servo goes on; each attempt is its own labelled episode in the bag, read back by an independent reader."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_bringup.episode_loop import NullSink, run_episode
from grasp_bringup.evaluation_stats import summarise
from grasp_bringup.factory import DEFAULT_MODEL, RunSettings, build_controller, world_config
from grasp_datacollect.bag_reader import read_episodes
from grasp_datacollect.bag_writer import EpisodeBagWriter
from grasp_servo.pose import GripperPose, motion_between
from grasp_servo.servo import CLOSE, ServoDecision
from grasp_sim.world import GraspWorld
from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory

SEED = 5  # one object; the shipped model grasps it from where the missed close leaves the arm


class MissesFirst:
    """A real closed-loop controller whose first attempt is replaced by a close 12 cm beside the object."""

    name = "cem"

    def __init__(self, inner) -> None:
        self.inner = inner
        self.attempts = 0
        self.steps_asked: list[int] = []

    def begin_episode(self, hints) -> None:
        self.attempts += 1
        self.hints = list(hints)
        self.inner.begin_episode(hints)

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision:
        self.steps_asked.append(step)
        if self.attempts > 1:
            return self.inner.decide(depth, pose, step, rng)
        target = self.hints[0].position
        side = 1.0 if target[1] < 0 else -1.0  # towards the middle of the table, away from the object
        goal = GripperPose(target[0], target[1] + side * 0.12, self.inner.servo.grasp_height, pose.yaw)
        motion = motion_between(pose, goal)
        return ServoDecision(CLOSE, motion, motion, 0.5, 0.5, "servo_close", 0.0, 0.0)


@pytest.fixture(scope="module")
def settings() -> RunSettings:
    return RunSettings(controller="cem", model=str(DEFAULT_MODEL), min_objects=1, max_objects=1)


def scene(settings: RunSettings, max_attempts: int, sink=None, max_steps: int = 20):
    world = GraspWorld(world_config(settings))
    controller = MissesFirst(build_controller(settings))
    summary = run_episode(world, controller, sink or NullSink(), 10, SEED, max_steps=max_steps,
                          max_attempts=max_attempts)
    return summary, controller, world


@pytest.fixture(scope="module")
def regrasped(settings: RunSettings, tmp_path_factory: pytest.TempPathFactory):
    bag = tmp_path_factory.mktemp("regrasp") / "bag"
    with EpisodeBagWriter(bag) as writer:
        summary, controller, world = scene(settings, 3, writer)
    return summary, controller, world, bag


def test_a_missed_close_is_followed_by_a_second_attempt_that_holds(regrasped) -> None:
    summary, controller, world, _ = regrasped
    assert summary.first_attempt_success is False
    assert summary.attempts == 2 and summary.success and summary.truth_success and summary.labels_agree
    assert summary.failure is None and summary.lifted_object in summary.object_names
    assert controller.attempts == 2  # the controller is told where each attempt begins
    assert controller.steps_asked[:2] == [0, 1]  # the budget counts the scene's steps
    assert summary.steps == len(controller.steps_asked)
    assert world.closed  # the last attempt's close


def test_each_attempt_is_its_own_labelled_episode_in_the_bag(regrasped) -> None:
    summary, _, _, bag = regrasped
    episodes = list(read_episodes(bag))
    assert [e.info.episode_id for e in episodes] == [10, 11]
    assert {e.info.seed for e in episodes} == {SEED}
    first, second = episodes
    assert first.outcome is not None and second.outcome is not None
    assert not first.outcome.success and second.outcome.success
    assert "failure=missed attempt=1 regrasp=episode_11" in first.outcome.label_detail
    assert second.outcome.label_detail.endswith("attempt=2") and second.outcome.label_detail == summary.label_detail
    assert [s.step for s in first.steps] == [0] and first.outcome.steps == 1
    assert [s.step for s in second.steps] == list(range(len(second.steps))) == list(range(second.outcome.steps))
    assert len(first.steps) + len(second.steps) == summary.steps
    assert second.steps[0].stamp_ns > first.outcome.stamp_ns  # the regrasp starts after the first label
    assert not second.steps[0].closed  # the gripper was opened again before the next frame


def test_an_independent_mcap_reader_sees_two_outcomes(regrasped) -> None:
    *_, bag = regrasped
    (mcap_file,) = bag.glob("*.mcap")
    with mcap_file.open("rb") as stream:
        reader = make_reader(stream, decoder_factories=[DecoderFactory()])
        outcomes = [
            (msg.episode_id, msg.success)
            for _, channel, _, msg in reader.iter_decoded_messages()
            if channel.topic == "/grasp/episode_outcome"
        ]
    assert outcomes == [(10, False), (11, True)]


def test_one_attempt_keeps_the_miss(settings: RunSettings) -> None:
    summary, controller, _ = scene(settings, 1)
    assert summary.attempts == 1 and not summary.success and summary.first_attempt_success is False
    assert summary.failure == "missed" and "attempt=" not in summary.label_detail
    assert controller.attempts == 1


def test_no_regrasp_when_the_step_budget_is_spent(settings: RunSettings) -> None:
    summary, controller, _ = scene(settings, 3, max_steps=1)
    assert controller.attempts == 1
    assert summary.attempts == 1 and not summary.success and summary.steps == 1
    assert "regrasp=" not in summary.label_detail  # the last attempt names no next one


def test_the_summary_counts_scenes_by_attempts_and_the_first_attempts(regrasped, settings) -> None:
    summary, *_ = regrasped
    single, _, _ = scene(settings, 1)
    figures = summarise([summary, single])["attempts"]
    assert figures["scenes_by_attempts"] == {"1": 1, "2": 1}
    assert figures["first_attempt_successes"] == 0 and figures["regrasp_successes"] == 1


def test_reopening_after_a_close_opens_the_fingers_and_starts_a_new_audit(settings: RunSettings) -> None:
    world = GraspWorld(world_config(settings))
    world.reset(SEED)
    world.close_gripper()
    assert world.closed and world.gripper_opening() < 0.001  # closed on nothing at the start pose
    world.reopen_gripper()
    assert not world.closed and not world.observe().closed
    assert world.gripper_opening() > 0.8 * world.gripper.max_opening
    truth = world.ground_truth()
    assert truth.target is None and truth.held_after_close is None and truth.collision_with is None


def test_regrasps_are_an_evaluation_setting_with_a_checked_range() -> None:
    with pytest.raises(Exception, match="grasp_attempts"):
        RunSettings(grasp_attempts=0)
