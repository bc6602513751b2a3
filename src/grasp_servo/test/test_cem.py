"""CEM finds the best motion under workspace and rotation constraints; the servo applies seed 004's rules."""

import numpy as np
import pytest
from grasp_servo.cem import CEMConfig, CrossEntropyMotionOptimizer
from grasp_servo.pose import GripperPose, apply_motion
from grasp_servo.robot_profiles import get_profile
from grasp_servo.servo import CEMServo, ServoConfig, limit_translation

WORKSPACE = get_profile("ur5").workspace
START = GripperPose(0.5, 0.0, 0.25, 0.3)


def peaked_score(target_xy, target_dyaw=0.0, width=0.03):
    """A smooth success model peaking when the motion ends at target_xy (world) with dyaw = target_dyaw."""

    def score(motions):
        ends = WORKSPACE.motion_endpoints(START, motions)
        distance = np.linalg.norm(ends[:, :2] - np.asarray(target_xy), axis=1)
        return 0.95 * np.exp(-((distance / width) ** 2)) * np.cos(motions[:, 3] - target_dyaw) ** 2

    return score


def test_cem_finds_the_peak_and_scores_in_batches_of_n():
    calls = []
    score = peaked_score((0.53, -0.04), target_dyaw=0.5)
    optimizer = CrossEntropyMotionOptimizer(CEMConfig(), WORKSPACE)
    result = optimizer.optimise(START, lambda m: calls.append(len(m)) or score(m), np.random.default_rng(0))
    assert calls == [64, 64, 64]
    end = apply_motion(START, result.motion)
    assert np.hypot(end.x - 0.53, end.y + 0.04) < 0.01
    assert result.motion[3] == pytest.approx(0.5, abs=0.15)
    assert end.z == pytest.approx(WORKSPACE.z_min)  # projected to the grasp height, as in seed 004
    assert result.score > 0.85
    assert result.scored == 192


def test_cem_candidates_respect_workspace_and_rotation_limit():
    seen = []
    config = CEMConfig(initial_std_xy=0.5, initial_std_yaw=3.0, rotation_limit=0.5)
    optimizer = CrossEntropyMotionOptimizer(config, WORKSPACE)
    optimizer.optimise(START, lambda m: seen.append(m.copy()) or np.ones(len(m)), np.random.default_rng(1))
    motions = np.concatenate(seen)
    assert np.all(np.abs(motions[:, 3]) <= 0.5 + 1e-9)
    assert np.all(WORKSPACE.contains(WORKSPACE.motion_endpoints(START, motions), margin=-1e-9))


def test_cem_rejects_bad_parameters_and_bad_scores():
    with pytest.raises(ValueError, match="elites"):
        CEMConfig(samples=8, elites=8)
    optimizer = CrossEntropyMotionOptimizer(CEMConfig(), WORKSPACE)
    with pytest.raises(ValueError, match="score function"):
        optimizer.optimise(START, lambda m: np.full(len(m), np.nan), np.random.default_rng(0))


def make_servo(**kwargs):
    return CEMServo(ServoConfig(**kwargs), WORKSPACE)


def test_servo_closes_when_no_motion_is_nearly_as_good():
    servo = make_servo()
    start = GripperPose(START.x, START.y, WORKSPACE.z_min + 0.04, START.yaw)
    decision = servo.decide(start, lambda m: np.full(len(m), 0.8), 0, np.random.default_rng(0))
    assert decision.command == "close" and decision.reason == "servo_close"
    np.testing.assert_allclose(decision.motion, [0, 0, -0.04, 0], atol=1e-12)


def test_servo_raises_when_closing_now_is_much_worse():
    servo = make_servo()
    score = peaked_score((0.56, 0.05))
    decision = servo.decide(START, score, 0, np.random.default_rng(0))
    assert decision.command == "raise"
    end = apply_motion(START, decision.motion)
    assert np.linalg.norm(decision.motion[:3]) <= servo.config.max_step_translation + 1e-9
    # Raised moves head for a height 4-10 cm above the grasp height, not for the table.
    assert end.z > WORKSPACE.z_min + 0.01


def test_servo_moves_between_the_two_thresholds():
    servo = make_servo(max_step_translation=1.0)
    start = GripperPose(0.5, 0.0, WORKSPACE.z_min, 0.0)

    def score(motions):  # no motion: 0.6; the best motion: 0.9 -> ratio 0.67, between 0.5 and 0.9
        return 0.6 + 0.3 * np.exp(-((np.linalg.norm(motions[:, :2] - [0.01, 0.0], axis=1) / 0.003) ** 2))

    decision = servo.decide(start, score, 0, np.random.default_rng(0))
    assert decision.command == "move"
    assert decision.motion[0] == pytest.approx(0.01, abs=0.004)


def test_step_budget_forces_a_close_and_says_so():
    servo = make_servo(step_budget=3)
    decision = servo.decide(START, peaked_score((0.56, 0.05)), 2, np.random.default_rng(0))
    assert decision.command == "close" and decision.reason == "step_budget"


def test_limit_translation_scales_long_motions_only():
    np.testing.assert_allclose(limit_translation(np.array([0.01, 0, 0, 0.2]), 0.05), [0.01, 0, 0, 0.2])
    limited = limit_translation(np.array([0.3, 0.4, 0.0, 0.0]), 0.05)
    assert np.linalg.norm(limited[:3]) == pytest.approx(0.05)


def test_servo_config_validation():
    with pytest.raises(ValueError, match="raise_ratio"):
        ServoConfig(close_ratio=0.4, raise_ratio=0.5)
    with pytest.raises(ValueError, match="unknown robot"):
        get_profile("kuka")


def test_close_verdict_high_up_descends_one_step_and_closes_near_the_table():
    servo = make_servo()
    flat = lambda m: np.full(len(m), 0.8)  # noqa: E731 - no motion is as good as any
    high = servo.decide(START, flat, 0, np.random.default_rng(0))
    assert high.command == "move" and high.reason == "descend"
    np.testing.assert_allclose(high.motion, [0, 0, -servo.config.max_step_translation, 0], atol=1e-12)
    low_pose = GripperPose(START.x, START.y, WORKSPACE.z_min + 0.03, START.yaw)
    low = servo.decide(low_pose, flat, 1, np.random.default_rng(0))
    assert low.command == "close" and low.reason == "servo_close"
