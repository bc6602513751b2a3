"""GG-CNN grasp maps: rendering from rectangles, decoding back, and the exact symmetries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from grasp_perception.grasp_maps import (
    GraspMapSpec,
    best_grasp,
    decode_grasps,
    random_symmetries,
    render_grasp_maps,
    render_grasp_maps_batch,
    transform_images,
    transform_maps,
)
from grasp_perception.grasp_rectangles import GraspRectangle, angle_difference

SPEC = GraspMapSpec(max_width=32.0)
SHAPE = (64, 64)


def test_render_marks_the_centre_third_with_angle_and_width() -> None:
    rect = GraspRectangle(30.0, 20.0, 0.0, 18.0, 8.0)  # closing along columns
    maps = render_grasp_maps([rect], SHAPE, SPEC)
    assert maps.shape == (4, 64, 64) and maps.dtype == np.float32
    rows, cols = np.nonzero(maps[0])
    assert (rows.min(), rows.max()) == (26, 34)  # full jaw height: |row - 30| <= 4
    assert (cols.min(), cols.max()) == (17, 23)  # a third of the width: |col - 20| <= 3
    inside = maps[0] > 0
    np.testing.assert_allclose(maps[1][inside], 1.0)  # cos(0)
    np.testing.assert_allclose(maps[2][inside], 0.0)
    np.testing.assert_allclose(maps[3][inside], 18.0 / 32.0)
    assert not maps[:, ~inside].any()  # nothing outside the graspable pixels
    wide = render_grasp_maps([GraspRectangle(30.0, 20.0, math.pi / 4, 80.0, 2.0)], SHAPE, SPEC)
    assert wide[3].max() == 1.0 and wide[2].max() == pytest.approx(1.0)  # width clipped; sin(pi/2)
    tiny = render_grasp_maps([GraspRectangle(10.2, 10.7, 0.3, 0.5, 0.5)], SHAPE, SPEC)
    assert tiny[0].sum() == 1 and tiny[0, 10, 11] == 1  # the centre pixel is always marked
    batch = render_grasp_maps_batch([[rect], []], SHAPE, SPEC)
    assert batch.shape == (2, 4, 64, 64) and not batch[1].any()


@pytest.mark.parametrize(
    "rect",
    [
        GraspRectangle(30.0, 20.0, 0.0, 18.0, 8.0),
        GraspRectangle(41.0, 33.0, math.radians(60), 24.0, 10.0),
        GraspRectangle(22.0, 45.0, math.radians(-85), 12.0, 6.0),
        GraspRectangle(33.4, 28.6, math.radians(89), 15.0, 9.0),  # near the +-pi/2 wrap, off-pixel centre
    ],
)
def test_render_then_decode_recovers_the_rectangle(rect: GraspRectangle) -> None:
    detections = decode_grasps(render_grasp_maps([rect], SHAPE, SPEC), SPEC)
    assert len(detections) == 1
    found = detections[0].rectangle
    assert math.hypot(found.row - rect.row, found.col - rect.col) <= 1.0
    assert angle_difference(found.angle, rect.angle) < math.radians(3)
    assert found.width == pytest.approx(rect.width, abs=1.0)
    assert found.height == pytest.approx(found.width * SPEC.jaw_fraction)
    assert 0.0 < detections[0].quality <= 1.0


def test_decode_ranks_several_peaks_and_honours_min_quality() -> None:
    big = GraspRectangle(16.0, 16.0, 0.0, 24.0, 12.0)
    small = GraspRectangle(48.0, 44.0, math.pi / 2, 9.0, 3.0)
    maps = render_grasp_maps([small, big], SHAPE, SPEC)
    detections = decode_grasps(maps, SPEC, count=3)
    assert len(detections) >= 2
    first, second = detections[0].rectangle, detections[1].rectangle
    assert (first.row, first.col) == pytest.approx((16, 16), abs=1)  # the larger area survives the blur best
    assert (second.row, second.col) == pytest.approx((48, 44), abs=1)
    assert detections[0].quality >= detections[1].quality
    strict = GraspMapSpec(max_width=32.0, min_quality=0.5)
    assert best_grasp(np.zeros((4, 64, 64), np.float32), strict) is None
    assert best_grasp(np.zeros((4, 64, 64), np.float32), SPEC) is not None  # None keeps the best pixel
    with pytest.raises(ValueError, match="shape"):
        decode_grasps(np.zeros((3, 64, 64)), SPEC)


def _gaussian_maps(row: float, col: float, angles: list[float]) -> np.ndarray:
    """A smooth quality peak at a fractional (row, col), with the mean of unit angle vectors of ``angles``."""
    rows, cols = np.mgrid[0:64, 0:64].astype(np.float64)
    quality = np.exp(-((rows - row) ** 2 + (cols - col) ** 2) / (2 * 3.0**2))
    cos2 = np.mean([math.cos(2 * a) for a in angles]) * quality
    sin2 = np.mean([math.sin(2 * a) for a in angles]) * quality
    return np.stack([quality, cos2, sin2, 0.5 * np.ones_like(quality)]).astype(np.float32)


def test_peaks_are_placed_between_pixels() -> None:
    maps = _gaussian_maps(30.3, 20.7, [0.4])
    found = decode_grasps(maps, SPEC)[0].rectangle
    assert (found.row, found.col) == pytest.approx((30.3, 20.7), abs=0.08)
    whole = decode_grasps(maps, GraspMapSpec(max_width=32.0, subpixel=False))[0].rectangle
    assert (whole.row, whole.col) == (30.0, 21.0)  # the old decoding: the peak pixel
    edge = decode_grasps(_gaussian_maps(0.0, 63.0, [0.4]), SPEC)[0].rectangle
    assert (edge.row, edge.col) == (0.0, 63.0)  # no neighbour beyond the border: stays on the pixel


def test_angle_confidence_is_low_where_the_map_averages_many_angles() -> None:
    sure = decode_grasps(_gaussian_maps(32.0, 32.0, [0.4]), SPEC)[0]
    assert sure.angle_confidence == pytest.approx(1.0, abs=0.02)
    assert angle_difference(sure.rectangle.angle, 0.4) < math.radians(1)
    round_object = decode_grasps(_gaussian_maps(32.0, 32.0, [0.0, math.pi / 3, 2 * math.pi / 3]), SPEC)[0]
    assert round_object.angle_confidence < 0.05  # three angles 60 deg apart cancel in (cos 2a, sin 2a)
    half = decode_grasps(_gaussian_maps(32.0, 32.0, [0.0, math.pi / 2, 0.0]), SPEC)[0]
    assert half.angle_confidence == pytest.approx(1 / 3, abs=0.02)


def _moved(row: float, col: float, angle: float, flags: tuple[bool, bool, bool]) -> tuple[float, float, float]:
    """Where a point / direction goes under ``transform_maps(..., *flags)`` (transpose, then the flips)."""
    flip_cols, flip_rows, transpose = flags
    if transpose:
        row, col, angle = col, row, math.pi / 2 - angle
    if flip_cols:
        col, angle = SHAPE[1] - 1 - col, math.pi - angle
    if flip_rows:
        row, angle = SHAPE[0] - 1 - row, -angle
    return row, col, angle


@pytest.mark.parametrize(
    "flags", [(True, False, False), (False, True, False), (False, False, True), (True, True, True)]
)
def test_symmetries_move_the_maps_with_the_image(flags: tuple[bool, bool, bool]) -> None:
    rect = GraspRectangle(21.3, 40.7, 0.4, 17.3, 7.1)
    moved = GraspRectangle(*_moved(rect.row, rect.col, rect.angle, flags), rect.width, rect.height)
    expected = render_grasp_maps([moved], SHAPE, SPEC)
    np.testing.assert_allclose(transform_maps(render_grasp_maps([rect], SHAPE, SPEC), *flags), expected, atol=1e-6)
    image = np.arange(64 * 64, dtype=np.float32).reshape(SHAPE)
    marker = np.argwhere(transform_images(image, *flags) == image[21, 40])[0]
    assert tuple(marker) == _moved(21, 40, 0.0, flags)[:2]


def test_random_symmetries_keep_pairs_consistent() -> None:
    rng = np.random.default_rng(0)
    rects = [[GraspRectangle(float(r), float(c), 0.3, 12.0, 6.0)] for r, c in rng.uniform(15, 49, (16, 2))]
    maps = render_grasp_maps_batch(rects, SHAPE, SPEC)
    images = maps[:, 0].copy()  # an image equal to its quality map must stay equal to it
    out_images, out_maps = random_symmetries(images, maps, np.random.default_rng(1))
    np.testing.assert_array_equal(out_images, out_maps[:, 0])
    assert not np.array_equal(out_maps, maps)
    np.testing.assert_allclose(out_maps[:, 1] ** 2 + out_maps[:, 2] ** 2, out_maps[:, 0], atol=1e-6)
