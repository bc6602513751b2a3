"""Threshold servoing (seed 003): to the pregrasp height, follow the prediction, grasp under the thresholds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from grasp_servo.pose import GripperPose, apply_motion
from grasp_servo.servo import CLOSE, MOVE
from grasp_servo.threshold import OpenLoopThresholdController, ThresholdConfig, ThresholdController, ThresholdServo
from grasp_servo.workspace import Workspace

WORKSPACE = Workspace(0.30, 0.70, -0.25, 0.25, 0.015, 0.35)
GRASP_MOTION = np.array([0.0, 0.0, -0.12, 0.0])


def _servo(**config) -> ThresholdServo:
    return ThresholdServo(ThresholdConfig(**config), WORKSPACE, pregrasp_height=0.12, grasp_motion=GRASP_MOTION)


def test_goes_to_the_pregrasp_height_first_then_follows_the_prediction() -> None:
    servo = _servo()
    high = GripperPose(0.5, 0.0, 0.28, 0.0)
    first = servo.decide(high, np.array([0.03, -0.02, 0.2]), 0)
    assert first.command == MOVE and first.reason == "to_pregrasp_height"
    np.testing.assert_allclose(first.motion, [0, 0, 0.135 - 0.28, 0])  # straight down, the prediction unused
    at = GripperPose(0.5, 0.0, 0.135, 0.0)
    follow = servo.decide(at, np.array([0.03, -0.02, 0.2]), 1)
    assert follow.command == MOVE and follow.reason == "threshold"
    np.testing.assert_allclose(follow.motion, [0.03, -0.02, 0.0, 0.2], atol=1e-12)
    capped = _servo(max_step_translation=0.01).decide(at, np.array([0.03, 0.04, 0.0]), 1)
    assert np.hypot(*capped.motion[:2]) == pytest.approx(0.01)


def test_grasps_with_the_taught_motion_only_under_both_thresholds() -> None:
    servo = _servo()
    at = GripperPose(0.5, 0.0, 0.135, 0.0)
    close = servo.decide(at, np.array([0.0003, 0.0003, math.radians(0.3)]), 2)
    assert close.command == CLOSE and close.reason == "servo_close"
    np.testing.assert_array_equal(close.motion, GRASP_MOTION)
    assert servo.decide(at, np.array([0.0006, 0.0, 0.0]), 2).command == MOVE  # 0.6 mm: over 0.5 mm
    assert servo.decide(at, np.array([0.0, 0.0, math.radians(0.6)]), 2).command == MOVE  # 0.6 deg
    budget = servo.decide(at, np.array([0.05, 0.0, 0.0]), 19)
    assert budget.command == CLOSE and budget.reason == "step_budget"


def test_bad_predictions_and_settings_are_refused() -> None:
    servo = _servo()
    at = GripperPose(0.5, 0.0, 0.135, 0.0)
    with pytest.raises(ValueError, match="predicted motion must be 3 finite numbers"):
        servo.decide(at, np.array([np.nan, 0.0, 0.0]), 1)
    with pytest.raises(ValueError, match="predicted motion must be 3 finite numbers"):
        servo.decide(at, np.zeros(4), 1)
    with pytest.raises(ValueError, match="translation_threshold must be a finite number > 0"):
        ThresholdConfig(translation_threshold=0.0)
    with pytest.raises(ValueError, match="pregrasp_height must be > 0"):
        ThresholdServo(ThresholdConfig(), WORKSPACE, 0.0, GRASP_MOTION)
    with pytest.raises(ValueError, match="grasp_motion must be 4 finite numbers"):
        ThresholdServo(ThresholdConfig(), WORKSPACE, 0.12, np.zeros(3))


class _Oracle:
    """A regression model that knows the target: the motion from the pose it was last told to the goal."""

    def __init__(self, goal: GripperPose, bias: float = 0.0):
        self.goal, self.bias, self.pose, self.calls = goal, bias, None, 0

    def preprocess(self, depth: np.ndarray) -> np.ndarray:
        return depth

    def predict_preprocessed(self, image: np.ndarray) -> np.ndarray:
        from grasp_servo.pose import motion_between

        self.calls += 1
        motion = motion_between(self.pose, self.goal)
        return np.array([motion[0] * (1 + self.bias), motion[1] * (1 + self.bias), motion[3]])


class _TwoGrasps:
    """A grasp-map-like model with two equally good grasps whose order flips on every frame."""

    def __init__(self, goals: tuple[GripperPose, GripperPose]):
        self.goals, self.pose, self.calls = goals, None, 0

    def preprocess(self, depth: np.ndarray) -> np.ndarray:
        return depth

    def predict_candidates(self, image: np.ndarray, count: int) -> np.ndarray:
        from grasp_servo.pose import motion_between

        self.calls += 1
        goals = self.goals if self.calls % 2 else self.goals[::-1]
        return np.array([motion_between(self.pose, goal)[[0, 1, 3]] for goal in goals])[:count]

    def predict_preprocessed(self, image: np.ndarray) -> np.ndarray:
        return self.predict_candidates(image, 1)[0]


def _run(controller, oracle: _Oracle, start: GripperPose, steps: int = 10) -> tuple[GripperPose, list[str]]:
    pose, reasons = start, []
    rng = np.random.default_rng(0)
    controller.begin_episode([])
    for step in range(steps):
        oracle.pose = pose
        decision = controller.decide(np.zeros((8, 8)), pose, step, rng)
        reasons.append(decision.reason)
        if decision.command == CLOSE:
            break
        pose = apply_motion(pose, decision.motion)
    return pose, reasons


def test_closed_loop_converges_despite_a_biased_model_where_one_look_does_not() -> None:
    goal = GripperPose(0.52, 0.03, 0.135, 0.4)
    start = GripperPose(0.48, -0.02, 0.28, -0.3)
    oracle = _Oracle(goal, bias=-0.3)  # every prediction 30 % short
    servo = _servo()
    pose, reasons = _run(ThresholdController(oracle, servo), oracle, start, steps=20)
    assert reasons[0] == "to_pregrasp_height" and reasons[-1] == "servo_close"
    assert math.hypot(pose.x - goal.x, pose.y - goal.y) < 0.0005 / 0.7  # stops once 70 % of it is < 0.5 mm
    one_look = _Oracle(goal, bias=-0.3)
    pose, reasons = _run(OpenLoopThresholdController(one_look, servo), one_look, start, steps=20)
    assert one_look.calls == 1 and reasons[-1] == "servo_close"
    assert math.hypot(pose.x - goal.x, pose.y - goal.y) > 0.01  # the 30 % shortfall stays


def test_tracking_follows_one_of_two_grasps_where_the_best_alone_flips_between_them() -> None:
    goals = (GripperPose(0.46, 0.0, 0.135, 0.0), GripperPose(0.54, 0.0, 0.135, 0.0))
    start = GripperPose(0.5, 0.0, 0.135, 0.0)
    flipping = _TwoGrasps(goals)
    pose, reasons = _run(ThresholdController(flipping, _servo()), flipping, start, steps=20)
    assert reasons[-1] == "step_budget"  # chased each grasp in turn and never arrived
    tracking = _TwoGrasps(goals)
    pose, reasons = _run(ThresholdController(tracking, _servo(track_peaks=3)), tracking, start, steps=20)
    assert reasons[-1] == "servo_close" and len(reasons) < 10
    assert (pose.x, pose.y) == pytest.approx((0.46, 0.0), abs=0.0005)  # the first frame's best, kept
    with pytest.raises(ValueError, match="track_peaks must be >= 1"):
        ThresholdConfig(track_peaks=0)


def test_turns_stay_within_a_half_turn_of_zero() -> None:
    servo = _servo()
    near_limit = GripperPose(0.5, 0.0, 0.135, -1.5)
    decision = servo.decide(near_limit, np.array([0.01, 0.0, -0.3]), 1)
    # -1.8 rad is the grasp at +1.34: turn toward it the other way (a quarter turn at most per step)
    assert decision.motion[3] == pytest.approx(1.5)
    assert abs(near_limit.yaw + decision.motion[3]) <= math.pi / 2 + 0.1
    inside = servo.decide(GripperPose(0.5, 0.0, 0.135, 0.2), np.array([0.01, 0.0, -0.3]), 1)
    assert inside.motion[3] == pytest.approx(-0.3)


def _execute(servo: ThresholdServo, pose: GripperPose, predictions: list[tuple[float, float, float]], first_step: int):
    """Decide and execute one step per prediction; the decisions and the poses after each."""
    decisions, poses = [], []
    for offset, predicted in enumerate(predictions):
        decision = servo.decide(pose, np.array(predicted), first_step + offset)
        pose = apply_motion(pose, decision.motion)
        decisions.append(decision)
        poses.append(pose)
    return decisions, poses


def test_a_guarded_descent_follows_the_prediction_down_in_steps() -> None:
    servo = _servo(descent_steps=4)
    at = GripperPose(0.5, 0.0, 0.135, 0.0)
    decisions, poses = _execute(servo, at, [(0.0, 0.0, 0.0), (0.002, -0.001, 0.3), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)], 3)
    assert [d.command for d in decisions] == [MOVE, MOVE, MOVE, CLOSE]
    assert [d.reason for d in decisions] == ["descent", "descent", "descent", "servo_close"]
    assert [round(p.z, 6) for p in poses] == [0.105, 0.075, 0.045, 0.015]  # the taught 12 cm in four, to the grasp
    assert (poses[-1].x, poses[-1].y) == pytest.approx((0.502, -0.001))  # followed the prediction sideways ...
    assert poses[-1].yaw == 0.0  # ... but kept the yaw on the way down
    blind = _servo()  # descent_steps 1: seed 003's blind taught motion, unchanged
    close = blind.decide(at, np.zeros(3), 3)
    assert close.command == CLOSE and np.array_equal(close.motion, GRASP_MOTION)


def test_a_guarded_descent_goes_back_up_when_the_target_jumps() -> None:
    servo = _servo(descent_steps=4)
    at = GripperPose(0.5, 0.0, 0.135, 0.0)
    decisions, poses = _execute(servo, at, [(0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.04, 0.01, 0.0), (0.04, 0.01, 0.0)], 2)
    assert [d.reason for d in decisions] == ["descent", "descent", "descent_abort", "threshold"]
    assert poses[2].z == pytest.approx(0.135) and (poses[2].x, poses[2].y) == pytest.approx((0.5, 0.0))  # straight up
    assert (poses[3].x, poses[3].y) == pytest.approx((0.54, 0.01))  # then servoing to where the target went
    servo.begin_episode()  # a new attempt forgets a descent under way
    assert servo.decide(at, np.array([0.01, 0.0, 0.0]), 0).reason == "threshold"


def test_the_step_budget_starts_the_guarded_descent_in_time() -> None:
    servo = _servo(descent_steps=4, step_budget=20)
    at = GripperPose(0.5, 0.0, 0.135, 0.0)
    assert servo.decide(at, np.array([0.01, 0.0, 0.0]), 15).reason == "threshold"  # 5 steps left: still servoing
    decisions, poses = _execute(servo, at, [(0.01, 0.0, 0.0)] * 4, 16)
    assert [d.command for d in decisions] == [MOVE, MOVE, MOVE, CLOSE]
    assert decisions[-1].reason == "step_budget" and poses[-1].z == pytest.approx(0.015)
    late = _servo(descent_steps=4, step_budget=20)  # aborted near the end: the last step closes from where it is
    _execute(late, at, [(0.0, 0.0, 0.0)], 17)
    abort, _ = _execute(late, GripperPose(0.5, 0.0, 0.105, 0.0), [(0.05, 0.0, 0.0)], 18)
    assert abort[0].reason == "descent_abort"
    last = late.decide(GripperPose(0.5, 0.0, 0.135, 0.0), np.array([0.0, 0.0, 0.0]), 19)
    assert last.command == CLOSE and last.motion[2] == pytest.approx(-0.12)
    with pytest.raises(ValueError, match="descent_steps must be >= 1 and below step_budget"):
        ThresholdConfig(descent_steps=20, step_budget=20)
    with pytest.raises(ValueError, match="descent_steps must be >= 1"):
        ThresholdConfig(descent_steps=0)
