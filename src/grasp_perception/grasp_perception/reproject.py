"""Reprojection of any depth camera's frame into the model's camera, and checks that a frame is usable.

A model expects the frames of the camera it was trained with (``ModelContract.camera``): a fixed field of
view, looking along the approach axis from a fixed point on the tool. A real camera differs in
resolution, aspect ratio, field of view and mount; resizing its frame would squash a 16:9 image into 1:1
and misplace every object. Instead every valid pixel is back-projected to 3-D with the source intrinsics,
moved into the model camera's optical frame through the two mounts, and splatted into the model camera's
image with a z-buffer (the nearest surface wins). Pixels nothing lands on are holes (NaN); the scorer's
preprocessing then fills holes as the contract says (``image.invalid_fill``).

Invalid source pixels (0, NaN, +-inf, or outside the source camera's [min_range, max_range]) are holes and
never become depth. Lens distortion is ignored: feed rectified frames (a RealSense depth stream is
published rectified; a CameraInfo with non-zero D describes the raw image, rectify it first).

``assess_frame`` says whether a frame (raw, or reprojected) carries anything the model can use; scoring a
frame that is all holes, all beyond the model's depth range, or one flat value gives meaningless scores,
so ``DegenerateFrameError`` is raised instead.

Numpy only (no rclpy, no MuJoCo).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grasp_perception.camera_model import Mount, PinholeIntrinsics, relative_transform

MAX_SPLAT_RADIUS = 4  # pixels: a source point covers at most a (2 r + 1)^2 block of the target image
MIN_IN_RANGE_FRACTION = 0.10  # below this share of pixels with depth inside the model's range: degenerate
MIN_DEPTH_SPAN = 1e-3  # metres: a frame whose depths all lie within this span is "one value"
SAME_SURFACE = 0.01  # metres: points of one target pixel this close to the nearest are the same surface


class DegenerateFrameError(ValueError):
    """The frame holds nothing a model can score (all holes, all out of range, or one flat value)."""


@dataclass(frozen=True)
class SourceCamera:
    """A real (or any) depth camera: its intrinsics, where it sits on the tool, and the depths it can measure.

    ``mount`` is the pose of its optical frame in the pinch frame (see ``camera_model``); ``min_range`` /
    ``max_range`` are the sensor's working range in metres: depths outside it are treated as holes.
    """

    intrinsics: PinholeIntrinsics
    mount: Mount
    min_range: float = 0.0
    max_range: float = float("inf")

    def __post_init__(self) -> None:
        if not (0 <= self.min_range < self.max_range) or np.isnan(self.max_range):
            raise ValueError(f"expected 0 <= min_range < max_range, got {self.min_range!r}, {self.max_range!r}")


def valid_depth(depth: np.ndarray, min_range: float = 0.0, max_range: float = float("inf")) -> np.ndarray:
    """Boolean mask of pixels that hold a depth: finite, > 0 and inside [min_range, max_range]."""
    frame = np.asarray(depth)
    with np.errstate(invalid="ignore"):
        return np.isfinite(frame) & (frame > 0) & (frame >= min_range) & (frame <= max_range)


def reproject_depth(
    depth: np.ndarray,
    source: PinholeIntrinsics,
    target: PinholeIntrinsics,
    target_from_source: np.ndarray,
    min_range: float = 0.0,
    max_range: float = float("inf"),
) -> np.ndarray:
    """The (target.height, target.width) float32 depth image the target camera would have seen.

    ``depth``: (source.height, source.width) metres along the source optical axis. ``target_from_source``:
    the 4x4 transform taking points from the source optical frame to the target optical frame. Each valid
    source pixel becomes a 3-D point; in each target pixel the nearest surface wins (z-buffer), its point
    closest to the pixel centre giving the depth. Target pixels no point lands in take the nearest of the
    source pixels whose footprint covers them (a coarse source). Pixels that receive nothing are NaN.
    """
    frame = np.asarray(depth, dtype=np.float64)
    if frame.shape != (source.height, source.width):
        raise ValueError(
            f"depth frame is {frame.shape[1] if frame.ndim == 2 else '?'}x{frame.shape[0]} "
            f"(shape {frame.shape}) but the camera info says {source.width}x{source.height}"
        )
    transform = np.asarray(target_from_source, dtype=np.float64)
    if transform.shape != (4, 4) or not np.all(np.isfinite(transform)):
        raise ValueError(f"target_from_source must be a finite 4x4 transform, got shape {transform.shape}")
    out = np.full(target.height * target.width, np.inf)
    mask = valid_depth(frame, min_range, max_range)
    z_source = frame[mask]
    points = source.rays()[mask] * z_source[:, None]
    points = points @ transform[:3, :3].T + transform[:3, 3]
    z = points[:, 2]
    ahead = z > 1e-6
    points, z, z_source = points[ahead], z[ahead], z_source[ahead]
    u = target.fx * points[:, 0] / z + target.cx
    v = target.fy * points[:, 1] / z + target.cy
    col = np.rint(u).astype(np.int64)
    row = np.rint(v).astype(np.int64)
    inside = (row >= 0) & (row < target.height) & (col >= 0) & (col < target.width)
    pixel = row[inside] * target.width + col[inside]
    # Pass 1, the points themselves: the nearest surface wins each pixel, and of its points (those within
    # SAME_SURFACE of the nearest) the one closest to the pixel centre gives the depth, as a ray through the
    # centre would.
    z_in = z[inside]
    nearest = np.full(out.shape, np.inf)
    np.minimum.at(nearest, pixel, z_in)
    candidate = z_in <= nearest[pixel] + SAME_SURFACE
    offset = (u[inside] - col[inside]) ** 2 + (v[inside] - row[inside]) ** 2
    closest = np.full(out.shape, np.inf)
    np.minimum.at(closest, pixel[candidate], offset[candidate])
    chosen = candidate & (offset == closest[pixel])
    out[pixel[chosen]] = z_in[chosen]
    # Pass 2, footprints: a source pixel seen larger than one target pixel also covers the target pixels
    # around its point, where pass 1 left nothing.
    footprint = np.maximum(z_source / source.fx * target.fx, z_source / source.fy * target.fy) / z
    radius = np.clip(np.ceil((footprint - 1.0) / 2.0 - 1e-3), 0, MAX_SPLAT_RADIUS).astype(np.int64)
    if radius.max(initial=0) > 0:
        splat = np.full(out.shape, np.inf)
        for r in range(1, int(radius.max()) + 1):
            use = radius >= r
            for dr, dc in _ring(r):
                rr, cc = row[use] + dr, col[use] + dc
                ok = (rr >= 0) & (rr < target.height) & (cc >= 0) & (cc < target.width)
                np.minimum.at(splat, rr[ok] * target.width + cc[ok], z[use][ok])
        empty = np.isinf(out)
        out[empty] = splat[empty]
    out[np.isinf(out)] = np.nan
    return out.reshape(target.height, target.width).astype(np.float32)


def _ring(r: int) -> list[tuple[int, int]]:
    """Offsets at Chebyshev distance exactly r."""
    if r == 0:
        return [(0, 0)]
    return [(dr, dc) for dr in range(-r, r + 1) for dc in range(-r, r + 1) if max(abs(dr), abs(dc)) == r]


def reproject_to_camera(
    depth: np.ndarray,
    source: SourceCamera,
    target: PinholeIntrinsics,
    target_mount: Mount,
    target_min_range: float = 0.0,
    target_max_range: float = float("inf"),
) -> np.ndarray:
    """Reproject a frame of ``source`` into a camera with intrinsics ``target`` mounted at ``target_mount``.

    Holes are NaN; surfaces nearer than ``target_min_range`` read -inf and farther than ``target_max_range``
    +inf (REP 118), as the target camera would report them.
    """
    out = reproject_depth(
        depth,
        source.intrinsics,
        target,
        relative_transform(target_mount, source.mount),
        source.min_range,
        source.max_range,
    )
    with np.errstate(invalid="ignore"):
        out[out > target_max_range] = np.inf
        out[out < target_min_range] = -np.inf
    return out


@dataclass(frozen=True)
class FrameQuality:
    """What share of a frame the model can use, and whether it is degenerate (then ``reason`` says why)."""

    holes: float  # share of pixels without depth (0, NaN, +-inf)
    in_range: float  # share of pixels with depth strictly inside the model's (near, far)
    beyond_far: float  # share of pixels with depth >= far (the model sees them as far, like the table edge)
    depth_min: float  # metres, over in-range pixels (NaN when there are none)
    depth_max: float
    reason: str | None = None

    @property
    def degenerate(self) -> bool:
        return self.reason is not None


def assess_frame(
    depth: np.ndarray,
    near: float,
    far: float,
    min_in_range: float = MIN_IN_RANGE_FRACTION,
    min_span: float = MIN_DEPTH_SPAN,
) -> FrameQuality:
    """How much of ``depth`` lies inside the model's depth range (near, far), and whether that is enough.

    Degenerate: fewer than ``min_in_range`` of the pixels hold a depth inside (near, far) (all holes, or
    everything beyond the clip, like a table 0.8 m away for a model clipping at 0.6 m), or those depths all
    lie within ``min_span`` metres (one flat value: nothing to tell one motion from another).
    """
    frame = np.asarray(depth, dtype=np.float64)
    if frame.ndim != 2 or frame.size == 0:
        raise ValueError(f"depth must have shape (H, W), got {frame.shape}")
    valid = valid_depth(frame)
    inside = valid & (frame > near) & (frame < far)
    holes = float(1.0 - valid.mean())
    share = float(inside.mean())
    beyond = float((valid & (frame >= far)).mean())
    values = frame[inside]
    low, high = (float(values.min()), float(values.max())) if values.size else (float("nan"), float("nan"))
    reason = None
    if share < min_in_range:
        reason = (
            f"only {share:.1%} of pixels hold depth inside the model's range {near:g}-{far:g} m "
            f"(holes {holes:.1%}, at or beyond {far:g} m {beyond:.1%}); is the camera farther from the scene "
            "than the model's camera, or not reprojected into it?"
        )
    elif high - low < min_span:
        reason = (
            f"all in-range depths lie within {1000 * (high - low):.2f} mm of {low:.4f} m: one flat value, "
            "nothing to score"
        )
    return FrameQuality(holes, share, beyond, low, high, reason)


class CameraFrameAdapter:
    """Turns frames of one source camera into frames of a model's camera, checking each one.

    Build it once per camera (CameraInfo + mount), call it on every frame::

        adapter = CameraFrameAdapter(source, scorer.contract.camera.intrinsics(),
                                     scorer.contract.camera.mount.to_mount(), near, far)
        depth = adapter(frame)        # raises DegenerateFrameError for an unusable frame
    """

    def __init__(
        self,
        source: SourceCamera,
        target: PinholeIntrinsics,
        target_mount: Mount,
        near: float,
        far: float,
        target_min_range: float = 0.0,
        target_max_range: float = float("inf"),
    ) -> None:
        self.source = source
        self.target = target
        self.target_mount = target_mount
        self.near = near
        self.far = far
        self.target_min_range = target_min_range
        self.target_max_range = target_max_range
        self.last_quality: FrameQuality | None = None

    def reproject(self, depth: np.ndarray) -> np.ndarray:
        return reproject_to_camera(
            depth, self.source, self.target, self.target_mount, self.target_min_range, self.target_max_range
        )

    def __call__(self, depth: np.ndarray) -> np.ndarray:
        out = self.reproject(depth)
        self.last_quality = assess_frame(out, self.near, self.far)
        if self.last_quality.degenerate:
            raise DegenerateFrameError(f"after reprojection into the model's camera: {self.last_quality.reason}")
        return out


__all__ = [
    "CameraFrameAdapter",
    "DegenerateFrameError",
    "FrameQuality",
    "SourceCamera",
    "assess_frame",
    "reproject_depth",
    "reproject_to_camera",
    "valid_depth",
]
