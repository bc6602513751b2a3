"""GG-CNN grasp maps: rendered from ground-truth rectangles for training, decoded back into rectangles.

Four maps per image, in this channel order (``MAP_CHANNELS``), as in GG-CNN (Morrison et al. 2018):

- quality: 1 on the pixels inside the centre third (``quality_fraction``) of each rectangle's width, at its
  full jaw height; 0 elsewhere,
- cos(2 phi) and sin(2 phi) of the rectangle angle phi on those pixels (0 elsewhere),
- width: the rectangle's opening divided by ``max_width`` (clipped to [0, 1]) on those pixels.

Where rectangles overlap, the later one wins (as GG-CNN draws them). Decoding Gaussian-filters the
predicted maps, takes the strongest local maxima of the quality map, places each to a fraction of a pixel with a
parabola through its neighbours (``subpixel``), and reads the angle as 0.5 atan2(sin, cos) and the opening from
the width map; the jaw height is ``jaw_fraction`` of the opening. How much the angle can be trusted is
|(cos, sin)| / quality at the peak, both filtered alike (``angle_confidence``): near 1 where the network agrees
on one angle, near 0 where it averages many (a round object, whose every angle is a grasp).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from grasp_perception.grasp_rectangles import GraspRectangle, wrap_angle

MAP_CHANNELS = ("quality", "cos", "sin", "width")


@dataclass(frozen=True)
class GraspMapSpec:
    """How rectangles become maps and maps become rectangles; training and decoding must share it."""

    max_width: float = 32.0  # px mapped to 1.0 in the width map (GG-CNN: 150 px of 300)
    quality_fraction: float = 1 / 3  # centre fraction of a rectangle's width marked as graspable
    jaw_fraction: float = 0.5  # decoded jaw height as a fraction of the decoded width (GG-CNN: 1/2)
    quality_sigma: float = 2.0  # Gaussian filter of the predicted quality map (px; 0 = none)
    map_sigma: float = 1.0  # Gaussian filter of the predicted cos / sin / width maps (px; 0 = none)
    min_distance: int = 4  # px between two decoded peaks (Chebyshev)
    min_quality: float | None = None  # peaks below are dropped; None keeps at least the best pixel
    subpixel: bool = True  # place peaks between pixels (a parabola through each axis' neighbours)

    def __post_init__(self) -> None:
        if not self.max_width > 0:
            raise ValueError(f"max_width must be > 0, got {self.max_width}")
        if not 0 < self.quality_fraction <= 1:
            raise ValueError(f"quality_fraction must be in (0, 1], got {self.quality_fraction}")
        if self.min_distance < 1:
            raise ValueError(f"min_distance must be >= 1, got {self.min_distance}")


@dataclass(frozen=True)
class GraspDetection:
    """A decoded grasp: its rectangle, the (filtered) quality at its centre pixel, how sure its angle is (0-1)."""

    rectangle: GraspRectangle
    quality: float
    angle_confidence: float = 1.0


def render_grasp_maps(
    rectangles: Sequence[GraspRectangle], shape: tuple[int, int], spec: GraspMapSpec | None = None
) -> np.ndarray:
    """(4, H, W) float32 training maps (quality, cos 2phi, sin 2phi, width / max_width) for one image.

    Pixel (r, c) is inside a rectangle when its centre is; the pixel nearest to each rectangle's centre is
    always marked, so tiny rectangles are not lost.
    """
    spec = spec or GraspMapSpec()
    height, width = shape
    maps = np.zeros((4, height, width), dtype=np.float32)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    for rect in rectangles:
        d_row, d_col = rect.direction
        offset_row, offset_col = rows - rect.row, cols - rect.col
        along = offset_row * d_row + offset_col * d_col
        across = offset_col * d_row - offset_row * d_col
        inside = (np.abs(along) <= rect.width * spec.quality_fraction / 2) & (np.abs(across) <= rect.height / 2)
        centre_row, centre_col = round(rect.row), round(rect.col)
        if 0 <= centre_row < height and 0 <= centre_col < width:
            inside[centre_row, centre_col] = True
        maps[0][inside] = 1.0
        maps[1][inside] = math.cos(2 * rect.angle)
        maps[2][inside] = math.sin(2 * rect.angle)
        maps[3][inside] = min(max(rect.width / spec.max_width, 0.0), 1.0)
    return maps


def render_grasp_maps_batch(
    truths_per_image: Sequence[Sequence[GraspRectangle]], shape: tuple[int, int], spec: GraspMapSpec | None = None
) -> np.ndarray:
    """(N, 4, H, W) float32 training maps for N images."""
    out = np.zeros((len(truths_per_image), 4, *shape), dtype=np.float32)
    for index, rectangles in enumerate(truths_per_image):
        out[index] = render_grasp_maps(rectangles, shape, spec)
    return out


def decode_grasps(maps: np.ndarray, spec: GraspMapSpec | None = None, count: int = 1) -> list[GraspDetection]:
    """Up to ``count`` grasps from one (4, H, W) map stack, best first (see the module docstring)."""
    spec = spec or GraspMapSpec()
    stack = np.asarray(maps, dtype=np.float64)
    if stack.ndim != 3 or stack.shape[0] != 4:
        raise ValueError(f"maps must have shape (4, H, W), got {stack.shape}")
    quality, cos2, sin2, width = (_blur(channel, sigma) for channel, sigma in zip(stack, _sigmas(spec), strict=True))
    peaks = _peaks(quality, spec, count)
    angle_weight = _blur(stack[0], spec.map_sigma)  # quality filtered as cos / sin are: their ratio is the agreement
    detections = []
    for row, col in peaks:
        angle = wrap_angle(0.5 * math.atan2(sin2[row, col], cos2[row, col]))
        opening = float(np.clip(width[row, col], 0.0, 1.0)) * spec.max_width
        d_row, d_col = _subpixel_offset(quality, row, col) if spec.subpixel else (0.0, 0.0)
        rect = GraspRectangle(row + d_row, col + d_col, angle, opening, opening * spec.jaw_fraction)
        weight = float(angle_weight[row, col])
        confidence = math.hypot(cos2[row, col], sin2[row, col]) / weight if weight > 1e-6 else 0.0
        detections.append(GraspDetection(rect, float(quality[row, col]), float(min(confidence, 1.0))))
    return detections


def _subpixel_offset(quality: np.ndarray, row: int, col: int) -> tuple[float, float]:
    """Where a parabola through the peak and its two neighbours peaks, per axis (within half a pixel)."""
    height, width = quality.shape
    across_rows = quality[row - 1 : row + 2, col] if 0 < row < height - 1 else None
    across_cols = quality[row, col - 1 : col + 2] if 0 < col < width - 1 else None
    return _parabola_peak(across_rows), _parabola_peak(across_cols)


def _parabola_peak(values: np.ndarray | None) -> float:
    """Offset of the vertex of the parabola through (-1, 0, +1) -> ``values``; 0 without a neighbour or a peak."""
    if values is None:
        return 0.0
    before, centre, after = (float(v) for v in values)
    curvature = before - 2.0 * centre + after
    return float(np.clip(0.5 * (before - after) / curvature, -0.5, 0.5)) if curvature < -1e-9 else 0.0


def best_grasp(maps: np.ndarray, spec: GraspMapSpec | None = None) -> GraspRectangle | None:
    """The best grasp rectangle of one (4, H, W) map stack, or None when no peak passes ``min_quality``."""
    detections = decode_grasps(maps, spec, count=1)
    return detections[0].rectangle if detections else None


def transform_maps(
    maps: np.ndarray, flip_cols: bool = False, flip_rows: bool = False, transpose: bool = False
) -> np.ndarray:
    """Apply an exact image symmetry to (..., 4, H, W) maps, fixing the angle channels to match.

    ``transpose`` swaps rows and columns first (angle -> pi/2 - angle), then ``flip_cols`` mirrors columns
    (angle -> pi - angle) and ``flip_rows`` mirrors rows (angle -> -angle). The image gets the same
    ``transform_images`` call. Together they reach all 8 symmetries of a square.
    """
    out = np.asarray(maps)
    if transpose:
        out = np.swapaxes(out, -1, -2).copy()
        out[..., 1, :, :] *= -1  # cos(pi - 2a) = -cos 2a; sin(pi - 2a) = sin 2a
    if flip_cols:
        out = out[..., ::-1].copy()
        out[..., 2, :, :] *= -1  # sin(2 pi - 2a) = -sin 2a
    if flip_rows:
        out = out[..., ::-1, :].copy()
        out[..., 2, :, :] *= -1  # sin(-2a) = -sin 2a
    return np.ascontiguousarray(out)


def transform_images(
    images: np.ndarray, flip_cols: bool = False, flip_rows: bool = False, transpose: bool = False
) -> np.ndarray:
    """The image counterpart of ``transform_maps`` for (..., H, W) images."""
    out = np.asarray(images)
    if transpose:
        out = np.swapaxes(out, -1, -2)
    if flip_cols:
        out = out[..., ::-1]
    if flip_rows:
        out = out[..., ::-1, :]
    return np.ascontiguousarray(out)


def random_symmetries(images: np.ndarray, maps: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Apply one random square symmetry (of 8) to each (image (H, W), maps (4, H, W)) pair of a batch."""
    if images.shape[-1] != images.shape[-2]:
        raise ValueError(f"symmetries need square images, got {images.shape[-2:]}")
    images_out = np.empty_like(images)
    maps_out = np.empty_like(maps)
    flags = rng.random((len(images), 3)) < 0.5
    for index, (flip_cols, flip_rows, transpose) in enumerate(flags):
        images_out[index] = transform_images(images[index], flip_cols, flip_rows, transpose)
        maps_out[index] = transform_maps(maps[index], flip_cols, flip_rows, transpose)
    return images_out, maps_out


def _sigmas(spec: GraspMapSpec) -> tuple[float, float, float, float]:
    return spec.quality_sigma, spec.map_sigma, spec.map_sigma, spec.map_sigma


def _blur(channel: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0:
        return channel
    blurred = cv2.GaussianBlur(np.asarray(channel, dtype=np.float32), (0, 0), sigmaX=sigma, sigmaY=sigma,
                               borderType=cv2.BORDER_REPLICATE)
    return blurred.astype(np.asarray(channel).dtype, copy=False)


def _peaks(quality: np.ndarray, spec: GraspMapSpec, count: int) -> list[tuple[int, int]]:
    """Local maxima of ``quality``, strongest first, at least ``min_distance`` apart (greedy suppression)."""
    size = 2 * spec.min_distance + 1
    single = np.asarray(quality, dtype=np.float32)  # OpenCV filters float32: compare in the same precision
    local_max = single >= cv2.dilate(single, np.ones((size, size), np.uint8), borderType=cv2.BORDER_REPLICATE)
    if spec.min_quality is not None:
        local_max &= quality >= spec.min_quality
    candidates = np.argwhere(local_max)
    if len(candidates) == 0 and spec.min_quality is None:
        candidates = np.argwhere(quality == quality.max())
    order = np.argsort(-quality[candidates[:, 0], candidates[:, 1]], kind="stable")
    kept: list[tuple[int, int]] = []
    for row, col in candidates[order]:
        if len(kept) >= count:
            break
        if all(max(abs(row - r), abs(col - c)) >= spec.min_distance for r, c in kept):
            kept.append((int(row), int(col)))
    return kept
