"""Seed 001's controller as a CEM configuration: minimise d, step r toward the best, descend, then grasp."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_servo.distance_servo import DistanceServo, DistanceServoConfig
from grasp_servo.pose import GripperPose, apply_motion
from grasp_servo.servo import CLOSE, MOVE
from grasp_servo.workspace import Workspace

WORKSPACE = Workspace(0.30, 0.70, -0.25, 0.25, 0.015, 0.35)
GRASP = np.array([0.55, 0.04])


def _distance_to_grasp(pose: GripperPose):
    """d(I, a) of a scene with one grasp at GRASP (any yaw): the planar distance of the displaced hand."""

    def distance(motions: np.ndarray) -> np.ndarray:
        ends = np.array([apply_motion(pose, m).as_array()[:2] for m in motions])
        return np.linalg.norm(ends - GRASP, axis=1)

    return distance


def test_steps_a_fraction_toward_the_least_distance_and_descends_linearly() -> None:
    servo = DistanceServo(DistanceServoConfig(approach_steps=10), WORKSPACE)
    rng = np.random.default_rng(0)
    pose = GripperPose(0.50, 0.0, 0.28, 0.3)
    first = servo.decide(pose, _distance_to_grasp(pose), 0, rng)
    assert first.command == MOVE and first.reason == "distance_step"
    end = apply_motion(pose, first.best_motion).as_array()[:2]
    assert np.linalg.norm(end - GRASP) < 0.01  # CEM found the grasp
    np.testing.assert_allclose(first.motion[[0, 1, 3]], 0.2 * first.best_motion[[0, 1, 3]], atol=1e-12)
    goal_z = 0.015 + 0.077
    assert pose.z + first.motion[2] == pytest.approx(0.28 + (goal_z - 0.28) / 9)  # reached after 9 moves
    assert first.best_score == pytest.approx(np.linalg.norm(end - GRASP))  # metres, not negated


def test_converges_on_the_grasp_and_closes_after_the_descent() -> None:
    servo = DistanceServo(DistanceServoConfig(approach_steps=25), WORKSPACE)
    rng = np.random.default_rng(1)
    pose = GripperPose(0.48, -0.03, 0.28, 0.0)
    for step in range(25):
        decision = servo.decide(pose, _distance_to_grasp(pose), step, rng)
        if decision.command == CLOSE:
            break
        pose = apply_motion(pose, decision.motion)
    assert step == 24 and decision.reason == "servo_close"
    assert pose.z == pytest.approx(0.015 + 0.077, abs=1e-9)
    assert np.linalg.norm(pose.as_array()[:2] - GRASP) < 0.01  # 0.8^24 of the start offset left
    np.testing.assert_allclose(decision.motion, [0, 0, 0.015 - pose.z, 0])  # straight down to grasp


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="step_fraction must be in"):
        DistanceServoConfig(step_fraction=0.0)
    with pytest.raises(ValueError, match="approach_steps must be >= 1"):
        DistanceServoConfig(approach_steps=0)
