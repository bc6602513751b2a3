"""Grasp rectangles in image pixels, rotated-rectangle IoU and the Cornell rectangle metric.

A rectangle is centred at (row, col). ``angle`` is the closing direction of the jaws measured from the
image column (x) axis towards the row (y) axis, i.e. a positive rotation about the camera's optical z axis
(clockwise as an image is displayed); it is taken modulo pi, since a parallel gripper is symmetric.
``width`` is the opening along the closing direction and ``height`` the jaw size across it, both in pixels.

The metric (Jiang et al. 2011, used by GG-CNN and seed 002): a predicted rectangle is correct when, for at
least one ground-truth rectangle, the angles differ by at most 30 degrees (modulo pi) and the IoU
(Jaccard index) exceeds 0.25. Plain numpy: the IoU clips one convex polygon by the other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ANGLE_THRESHOLD = math.pi / 6  # 30 degrees
IOU_THRESHOLD = 0.25
_ANGLE_EPS = 1e-9  # an angle difference of exactly 30 degrees still counts


def wrap_angle(angle: float) -> float:
    """The same grasp angle in [-pi/2, pi/2)."""
    return float((angle + math.pi / 2) % math.pi - math.pi / 2)


def angle_difference(a: float, b: float) -> float:
    """Absolute difference of two grasp angles modulo pi, in [0, pi/2]."""
    return abs(wrap_angle(a - b))


@dataclass(frozen=True)
class GraspRectangle:
    """An oriented grasp rectangle in pixels (see the module docstring for the conventions)."""

    row: float
    col: float
    angle: float  # radians, closing direction from the column axis towards the row axis (modulo pi)
    width: float  # opening along the closing direction (px)
    height: float  # jaw size across the closing direction (px)

    @property
    def direction(self) -> tuple[float, float]:
        """Unit closing direction as (d_row, d_col)."""
        return math.sin(self.angle), math.cos(self.angle)

    def corners(self) -> np.ndarray:
        """(4, 2) corners as (row, col); corner 0 -> 1 runs along the closing direction (Cornell order)."""
        return rectangle_corners(self)

    @classmethod
    def from_corners(cls, corners: np.ndarray) -> GraspRectangle:
        """The rectangle from 4 (row, col) corners in order, the edge 0 -> 1 along the closing direction."""
        points = np.asarray(corners, dtype=np.float64).reshape(4, 2)
        closing = points[1] - points[0]
        across = points[2] - points[1]
        row, col = points.mean(axis=0)
        angle = wrap_angle(math.atan2(closing[0], closing[1]))
        return cls(float(row), float(col), angle, float(np.hypot(*closing)), float(np.hypot(*across)))


def rectangle_corners(rect: GraspRectangle) -> np.ndarray:
    """(4, 2) float64 corners (row, col) of ``rect``, in order around it, starting with the closing edge."""
    d_row, d_col = rect.direction
    along = np.array([d_row, d_col]) * (rect.width / 2)  # closing direction
    across = np.array([d_col, -d_row]) * (rect.height / 2)  # perpendicular to it
    centre = np.array([rect.row, rect.col])
    return np.stack(
        [centre - along - across, centre + along - across, centre + along + across, centre - along + across]
    )


def polygon_area(points: np.ndarray) -> float:
    """Signed area (shoelace) of a polygon given as (n, 2) points; positive for counter-clockwise in (x, y)."""
    p = np.asarray(points, dtype=np.float64)
    if len(p) < 3:
        return 0.0
    x, y = p[:, 0], p[:, 1]
    return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def convex_intersection(subject: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """Intersection polygon (m, 2) of two convex polygons (Sutherland-Hodgman); (0, 2) when disjoint."""
    subject = _counter_clockwise(subject)
    clip = _counter_clockwise(clip)
    output = subject
    for i in range(len(clip)):
        if len(output) == 0:
            break
        a, b = clip[i], clip[(i + 1) % len(clip)]
        edge = b - a
        side = edge[0] * (output[:, 1] - a[1]) - edge[1] * (output[:, 0] - a[0])  # >= 0: inside (left)
        kept: list[np.ndarray] = []
        for j in range(len(output)):
            k = (j + 1) % len(output)
            p, q, sp, sq = output[j], output[k], side[j], side[k]
            if sp >= 0:
                kept.append(p)
            if (sp >= 0) != (sq >= 0):
                kept.append(p + (q - p) * (sp / (sp - sq)))
        output = np.array(kept, dtype=np.float64).reshape(-1, 2)
    return output


def rectangle_iou(a: GraspRectangle, b: GraspRectangle) -> float:
    """Intersection over union of two rotated rectangles (0 when either has no area)."""
    area_a = abs(a.width * a.height)
    area_b = abs(b.width * b.height)
    if area_a <= 0 or area_b <= 0:
        return 0.0
    inter = abs(polygon_area(convex_intersection(rectangle_corners(a), rectangle_corners(b))))
    union = area_a + area_b - inter
    return float(min(max(inter / union, 0.0), 1.0)) if union > 0 else 0.0


def is_grasp_correct(
    prediction: GraspRectangle,
    truths: Sequence[GraspRectangle],
    angle_threshold: float = ANGLE_THRESHOLD,
    iou_threshold: float = IOU_THRESHOLD,
) -> bool:
    """Cornell rectangle metric for one prediction: some truth within ``angle_threshold`` and IoU above it."""
    return any(
        angle_difference(prediction.angle, truth.angle) <= angle_threshold + _ANGLE_EPS
        and rectangle_iou(prediction, truth) > iou_threshold
        for truth in truths
    )


def rectangle_accuracy(
    predictions: Sequence[GraspRectangle | Sequence[GraspRectangle] | None],
    truths_per_image: Sequence[Sequence[GraspRectangle]],
    angle_threshold: float = ANGLE_THRESHOLD,
    iou_threshold: float = IOU_THRESHOLD,
) -> float:
    """Fraction of images whose top prediction is correct (Cornell rectangle metric); NaN for no images.

    Each entry of ``predictions`` is one rectangle, a ranked sequence (its first element is scored) or None
    (no grasp found: counts as wrong).
    """
    if len(predictions) != len(truths_per_image):
        raise ValueError(f"{len(predictions)} predictions for {len(truths_per_image)} images")
    if len(predictions) == 0:
        return float("nan")
    correct = 0
    for prediction, truths in zip(predictions, truths_per_image, strict=True):
        top = _top(prediction)
        if top is not None and is_grasp_correct(top, truths, angle_threshold, iou_threshold):
            correct += 1
    return correct / len(predictions)


def _top(prediction: GraspRectangle | Sequence[GraspRectangle] | None) -> GraspRectangle | None:
    if prediction is None or isinstance(prediction, GraspRectangle):
        return prediction
    return prediction[0] if len(prediction) else None


def _counter_clockwise(points: np.ndarray) -> np.ndarray:
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return p[::-1].copy() if polygon_area(p) < 0 else p
