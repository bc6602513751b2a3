"""ServoSession: the arm never moves on stale or invalid data, waits for goals, closes and gets labelled."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_servo.pose import GripperPose, apply_motion
from grasp_servo.ros.conversions import DepthFrame, GripperSample
from grasp_servo.ros.servo_session import (
    AWAITING_LABEL,
    IDLE,
    RUNNING,
    PlannedStep,
    Refusal,
    ServoSession,
    SessionConfig,
)
from grasp_servo.servo import ServoDecision
from grasp_servo.stamp_buffer import StampBuffer

MS = 1_000_000
START = 1_000 * MS
POSE = GripperPose(0.5, 0.0, 0.3, 0.0)


class ScriptedController:
    """Returns the scripted commands in order; records what it was asked."""

    def __init__(self, commands: list[str], motion: tuple[float, ...] = (0.02, 0.0, -0.05, 0.1)) -> None:
        self.commands = list(commands)
        self.motion = np.array(motion)
        self.calls: list[tuple[GripperPose, int]] = []
        self.begun = 0

    def begin_episode(self, hints: object) -> None:
        self.begun += 1

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision:
        self.calls.append((pose, step))
        command = self.commands.pop(0)
        motion = np.array([0.0, 0.0, -0.28, 0.0]) if command == "close" else self.motion
        return ServoDecision(command, motion, motion, 0.9, 0.5, "servo_close" if command == "close" else command,
                             0.01, 0.01)


def frame(stamp: int, depth: np.ndarray | None = None) -> DepthFrame:
    return DepthFrame(stamp, "cam", np.full((8, 8), 0.3, np.float32) if depth is None else depth)


def states_at(*entries: tuple[int, GripperPose]) -> StampBuffer[GripperSample]:
    buffer: StampBuffer[GripperSample] = StampBuffer(100)
    for stamp, pose in entries:
        buffer.add(stamp, GripperSample(pose, 0.08, False))
    return buffer


def running(commands: list[str], **config: object) -> tuple[ServoSession, ScriptedController]:
    controller = ScriptedController(commands)
    session = ServoSession(controller, SessionConfig(**config))  # type: ignore[arg-type]
    session.start(episode_id=3, now_ns=START)
    return session, controller


def test_idle_session_never_moves() -> None:
    controller = ScriptedController(["move"])
    session = ServoSession(controller, SessionConfig())
    result = session.on_frame(frame(START), START, states_at((START, POSE)))
    assert isinstance(result, Refusal) and not result.warn and controller.calls == []


@pytest.mark.parametrize(
    ("frame_stamp", "now", "fragment"),
    [
        (START, START + 300 * MS, "stale frame"),
        (START + 500 * MS, START + 100 * MS, "future"),
    ],
)
def test_stale_or_future_frames_are_refused(frame_stamp: int, now: int, fragment: str) -> None:
    session, controller = running(["move"])
    result = session.on_frame(frame(frame_stamp), now, states_at((frame_stamp, POSE)))
    assert isinstance(result, Refusal) and result.warn and fragment in result.reason
    assert controller.calls == []


def test_invalid_frames_are_refused() -> None:
    session, controller = running(["move"], expected_shape=(8, 8))
    states = states_at((START + 10 * MS, POSE))
    now = START + 20 * MS
    undecodable = DepthFrame(START + 10 * MS, "cam", None, "unsupported depth encoding 'rgb8'")
    wrong_size = frame(START + 10 * MS, np.ones((4, 4), np.float32))
    no_valid = frame(START + 10 * MS, np.array([[np.nan, 0.0], [np.inf, -1.0]], np.float32).repeat(4, 0).repeat(4, 1))
    for bad, fragment in [(undecodable, "rgb8"), (wrong_size, "expected 8x8"), (no_valid, "no finite")]:
        result = session.on_frame(bad, now, states)
        assert isinstance(result, Refusal) and result.warn and fragment in result.reason
    assert controller.calls == []


def test_frame_needs_a_gripper_state_taken_with_it() -> None:
    session, controller = running(["move"])
    stamp = START + 100 * MS
    missing = session.on_frame(frame(stamp), stamp + 10 * MS, states_at())
    assert isinstance(missing, Refusal) and "no gripper state received" in missing.reason
    stale = session.on_frame(frame(stamp), stamp + 10 * MS, states_at((stamp - 80 * MS, POSE)))
    assert isinstance(stale, Refusal) and "within 50 ms" in stale.reason
    assert controller.calls == []


def test_frames_from_before_the_episode_are_ignored() -> None:
    session, controller = running(["move"])
    result = session.on_frame(frame(START - 10 * MS), START + 5 * MS, states_at((START - 10 * MS, POSE)))
    assert isinstance(result, Refusal) and not result.warn and controller.calls == []


def test_step_uses_the_state_nearest_the_frame_and_waits_for_the_goal() -> None:
    session, controller = running(["move", "move"])
    elsewhere = GripperPose(0.45, 0.0, 0.3, 0.0)
    t1 = START + 100 * MS
    states = states_at((t1 - 30 * MS, elsewhere), (t1 + 5 * MS, POSE))
    step = session.on_frame(frame(t1), t1 + 20 * MS, states)
    assert isinstance(step, PlannedStep)
    assert controller.calls == [(POSE, 0)] and step.step == 0 and step.episode_id == 3 and step.stamp_ns == t1
    assert step.goal == apply_motion(POSE, controller.motion) and not step.closes

    # Arm still where it was: later frames only wait (no warning), nothing is decided.
    t2 = t1 + 100 * MS
    states.add(t2, GripperSample(POSE, 0.08, False))
    waiting = session.on_frame(frame(t2), t2 + 10 * MS, states)
    assert isinstance(waiting, Refusal) and not waiting.warn and len(controller.calls) == 1

    # The same frame again is not a new step.
    assert isinstance(session.on_frame(frame(t1), t2, states), Refusal)

    # Arm at the goal: the next frame drives step 1 from there.
    t3 = t2 + 100 * MS
    states.add(t3, GripperSample(step.goal, 0.08, False))
    second = session.on_frame(frame(t3), t3 + 10 * MS, states)
    assert isinstance(second, PlannedStep) and second.step == 1 and controller.calls[-1] == (step.goal, 1)


def test_unreached_goal_times_out_and_replans_from_the_current_pose() -> None:
    session, controller = running(["move", "move"], step_timeout_ns=1_000 * MS)
    t1 = START + 10 * MS
    first = session.on_frame(frame(t1), t1, states_at((t1, POSE)))
    assert isinstance(first, PlannedStep)
    t2 = t1 + 1_500 * MS
    second = session.on_frame(frame(t2), t2 + 10 * MS, states_at((t2, POSE)))
    assert isinstance(second, PlannedStep) and "did not reach" in second.note
    assert controller.calls[-1] == (POSE, 1)


def test_close_awaits_a_label_then_reports_the_closed_pose() -> None:
    session, _ = running(["close"])
    t1 = START + 10 * MS
    step = session.on_frame(frame(t1), t1 + 5 * MS, states_at((t1, POSE)))
    assert isinstance(step, PlannedStep) and step.closes and step.goal.z == pytest.approx(0.02)
    assert session.state == AWAITING_LABEL
    assert isinstance(session.on_frame(frame(t1 + 50 * MS), t1 + 60 * MS, states_at((t1 + 50 * MS, POSE))), Refusal)

    closed_at = GripperPose(0.5, 0.0, 0.021, 0.0)
    session.observe_state(t1 + 1, GripperSample(POSE, 0.08, False))
    session.observe_state(t1 + 200 * MS, GripperSample(closed_at, 0.01, True))
    session.observe_state(t1 + 900 * MS, GripperSample(GripperPose(0.5, 0, 0.2, 0), 0.01, True))  # lifted
    finished = session.label(None)
    assert finished is not None and finished.final_pose == closed_at
    assert (finished.episode_id, finished.steps, finished.termination) == (3, 1, "servo_close")
    assert session.state == IDLE and session.label(None) is None


def test_stop_and_restart() -> None:
    session, controller = running(["move", "move"])
    assert session.state == RUNNING
    with pytest.raises(RuntimeError):
        session.start(4, START)
    assert session.stop() and session.state == IDLE and not session.stop()
    session.start(4, START + 10 * MS)
    assert session.episode_id == 4 and session.steps == 0 and controller.begun == 2


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        SessionConfig(max_frame_age_ns=0)
    with pytest.raises(ValueError):
        SessionConfig(expected_shape=(0, 4))


def test_a_regrasp_episode_counts_its_steps_from_zero_and_the_budget_from_the_scene() -> None:
    controller = ScriptedController(["move", "move"])
    session = ServoSession(controller, SessionConfig())
    session.start(episode_id=8, now_ns=START, first_step=5)
    first = session.on_frame(frame(START + 10 * MS), START + 10 * MS, states_at((START + 10 * MS, POSE)))
    assert isinstance(first, PlannedStep) and first.episode_id == 8 and first.step == 0
    assert controller.calls[-1][1] == 5  # the controller's budget counts the scene's steps
    assert session.steps == 1 and session.scene_steps == 6
    session.stop()
    session.start(episode_id=9, now_ns=START + 20 * MS)  # a new scene
    assert session.scene_steps == 0


def test_frames_wait_while_the_gripper_reports_closed() -> None:
    session, controller = running(["move"])
    stamp = START + 10 * MS
    states: StampBuffer[GripperSample] = StampBuffer(10)
    states.add(stamp, GripperSample(POSE, 0.0, True))
    result = session.on_frame(frame(stamp), stamp, states)
    assert isinstance(result, Refusal) and result.reason == "waiting for the gripper to open"
    assert controller.calls == []  # the arm does not move until the fingers are open
    later = stamp + 10 * MS
    states.add(later, GripperSample(POSE, 0.08, False))
    assert isinstance(session.on_frame(frame(later), later, states), PlannedStep)
