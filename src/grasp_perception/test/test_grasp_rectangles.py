"""Grasp rectangles: corners, rotated IoU and the Cornell rectangle metric."""

from __future__ import annotations

import math

import numpy as np
import pytest
from grasp_perception.grasp_rectangles import (
    GraspRectangle,
    angle_difference,
    is_grasp_correct,
    rectangle_accuracy,
    rectangle_iou,
    wrap_angle,
)

SQUARE = GraspRectangle(20.0, 20.0, 0.0, 10.0, 10.0)


def test_corners_follow_the_conventions_and_round_trip() -> None:
    rect = GraspRectangle(10.0, 30.0, math.radians(90), 8.0, 4.0)  # closing along +row
    corners = rect.corners()
    np.testing.assert_allclose(corners[1] - corners[0], [8.0, 0.0], atol=1e-12)  # closing edge first
    np.testing.assert_allclose(corners.mean(axis=0), [10.0, 30.0])
    back = GraspRectangle.from_corners(corners)
    assert (back.row, back.col, back.width, back.height) == pytest.approx((10.0, 30.0, 8.0, 4.0))
    assert angle_difference(back.angle, rect.angle) == pytest.approx(0.0, abs=1e-12)
    skew = GraspRectangle(5.0, 6.0, 2.5, 7.0, 3.0)  # angle outside [-pi/2, pi/2) comes back wrapped
    assert GraspRectangle.from_corners(skew.corners()).angle == pytest.approx(wrap_angle(2.5))


def test_iou_identical_disjoint_and_known_overlaps() -> None:
    assert rectangle_iou(SQUARE, SQUARE) == pytest.approx(1.0)
    flipped = GraspRectangle(20.0, 20.0, math.pi, 10.0, 10.0)  # the same rectangle, angle + pi
    assert rectangle_iou(SQUARE, flipped) == pytest.approx(1.0)
    assert rectangle_iou(SQUARE, GraspRectangle(20.0, 40.0, 0.3, 10.0, 10.0)) == 0.0
    half = GraspRectangle(20.0, 25.0, 0.0, 10.0, 10.0)  # shifted by half a side: 50 / 150
    assert rectangle_iou(SQUARE, half) == pytest.approx(1 / 3)
    diamond = GraspRectangle(20.0, 20.0, math.pi / 4, 10.0, 10.0)  # concentric, 45 deg: octagon, IoU 1/sqrt(2)
    assert rectangle_iou(SQUARE, diamond) == pytest.approx(1 / math.sqrt(2))
    inner = GraspRectangle(20.0, 20.0, 0.0, 4.0, 5.0)  # contained: 20 / 100
    assert rectangle_iou(SQUARE, inner) == pytest.approx(0.2)
    assert rectangle_iou(SQUARE, GraspRectangle(20.0, 20.0, 0.0, 0.0, 5.0)) == 0.0


def test_metric_angle_threshold_is_30_degrees_modulo_pi() -> None:
    truth = [GraspRectangle(20.0, 20.0, 0.0, 12.0, 4.0)]

    def at(degrees: float) -> GraspRectangle:
        return GraspRectangle(20.0, 20.0, math.radians(degrees), 12.0, 4.0)

    assert is_grasp_correct(at(29), truth)
    assert not is_grasp_correct(at(31), truth)
    assert is_grasp_correct(at(-29), truth)
    assert is_grasp_correct(at(180 + 29), truth)  # modulo pi
    assert is_grasp_correct(at(180 - 29), truth)
    assert not is_grasp_correct(at(180 - 31), truth)
    assert is_grasp_correct(at(30), truth)  # "at most" 30 degrees
    assert angle_difference(math.radians(179), math.radians(1)) == pytest.approx(math.radians(2))


def test_metric_iou_threshold_and_any_truth() -> None:
    # Axis-aligned 10 x 10 squares shifted by d overlap (10 - d) * 10: IoU 0.25 at d = 6.
    assert rectangle_iou(SQUARE, GraspRectangle(20.0, 26.0, 0.0, 10.0, 10.0)) == pytest.approx(0.25)
    assert is_grasp_correct(GraspRectangle(20.0, 25.9, 0.0, 10.0, 10.0), [SQUARE])
    assert not is_grasp_correct(GraspRectangle(20.0, 26.1, 0.0, 10.0, 10.0), [SQUARE])
    far = GraspRectangle(60.0, 60.0, 0.0, 10.0, 10.0)
    assert is_grasp_correct(GraspRectangle(20.0, 21.0, 0.1, 10.0, 10.0), [far, SQUARE])  # any truth will do
    # Angle and IoU must hold for the same truth: a good overlap at the wrong angle does not count.
    crossed = GraspRectangle(20.0, 20.0, math.pi / 2, 10.0, 10.0)
    assert not is_grasp_correct(GraspRectangle(20.0, 20.0, 0.0, 10.0, 10.0), [far, crossed])
    assert not is_grasp_correct(SQUARE, [])


def test_rectangle_accuracy_scores_the_top_prediction() -> None:
    good = GraspRectangle(20.0, 21.0, 0.1, 10.0, 10.0)
    bad = GraspRectangle(50.0, 50.0, 0.0, 10.0, 10.0)
    truths = [[SQUARE]] * 4
    assert rectangle_accuracy([good, [good, bad], [bad, good], None], truths) == pytest.approx(0.5)
    assert rectangle_accuracy([[], good, good, good], truths) == pytest.approx(0.75)
    assert math.isnan(rectangle_accuracy([], []))
    with pytest.raises(ValueError, match="predictions"):
        rectangle_accuracy([good], truths)
