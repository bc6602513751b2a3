"""The camera a depth frame came from, built from ``sensor_msgs/CameraInfo`` fields and a mount.

``source_camera`` turns the plain fields of a CameraInfo (width, height, k) plus the optical frame's pose in
the pinch frame (default: the model's own camera mount) into a ``SourceCamera``; ``matches_model_camera``
says whether its frames are already the model camera's (same field of view, principal point and mount, any
resolution), so they need no reprojection; ``decimate`` thins a frame much finer than the model's camera
before reprojecting it (reprojection costs time per source pixel). Plain Python: the perception node only
passes the fields.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grasp_perception.camera_model import Mount, PinholeIntrinsics
from grasp_perception.contract import CameraSpec
from grasp_perception.reproject import SourceCamera

FOCAL_TOLERANCE = 1e-3  # relative difference of fx, fy still "the same camera"
CENTRE_TOLERANCE = 0.05  # pixels of the source image: principal point still "the same camera"
MOUNT_TRANSLATION_TOLERANCE = 1e-4  # metres
MOUNT_ROTATION_TOLERANCE = 1e-4  # radians (about)


def mount_from_values(values: Sequence[float]) -> Mount:
    """A mount from 7 numbers [x, y, z, qx, qy, qz, qw]: the optical frame in the pinch frame (m, unit
    quaternion). ``ValueError`` names what is wrong."""
    numbers = [float(v) for v in values]
    if len(numbers) != 7:
        raise ValueError(f"a mount is 7 numbers [x, y, z, qx, qy, qz, qw], got {len(numbers)}")
    return Mount(tuple(numbers[:3]), tuple(numbers[3:]))  # type: ignore[arg-type]


def source_camera(
    width: int,
    height: int,
    k: Sequence[float] | np.ndarray,
    model_camera: CameraSpec,
    mount: Mount | None = None,
    min_range: float = 0.0,
    max_range: float = float("inf"),
) -> SourceCamera:
    """The camera of a CameraInfo (``width``, ``height``, row-major ``k``) mounted at ``mount`` (default: where
    the model's camera sits). ``ValueError`` for a K with skew, non-positive focal lengths or an empty image."""
    intrinsics = PinholeIntrinsics.from_k(k, int(width), int(height))
    return SourceCamera(intrinsics, mount or model_camera.mount.to_mount(), float(min_range), float(max_range))


def decimation_step(source: SourceCamera, target: PinholeIntrinsics, oversampling: float = 2.0) -> int:
    """The largest pixel stride that keeps at least ``oversampling`` source pixels per target pixel (along
    each axis, at equal depth); 1 when the source is not that much finer, or ``oversampling`` is 0."""
    if oversampling <= 0:
        return 1
    ratio = min(source.intrinsics.fx / target.fx, source.intrinsics.fy / target.fy)
    return max(1, int(ratio / oversampling))


def decimate(depth: np.ndarray, source: SourceCamera, step: int) -> tuple[np.ndarray, SourceCamera]:
    """Every ``step``-th pixel of a frame in both directions, and the camera that sees exactly those pixels
    (pixel i of the result is pixel i * step of the frame: same rays, same depths, fewer of them)."""
    if step <= 1:
        return depth, source
    k = source.intrinsics
    sampled = np.asarray(depth)[::step, ::step]
    intrinsics = PinholeIntrinsics(
        sampled.shape[1], sampled.shape[0], k.fx / step, k.fy / step, k.cx / step, k.cy / step
    )
    return sampled, SourceCamera(intrinsics, source.mount, source.min_range, source.max_range)


def matches_model_camera(source: SourceCamera, camera: CameraSpec) -> bool:
    """Whether frames of ``source`` are frames of the model's camera at another resolution: same field of
    view and principal point (the model's intrinsics scaled to the source size) and the same mount."""
    k = source.intrinsics
    expected = camera.intrinsics().scaled(k.width, k.height)
    focal = all(abs(a - b) <= FOCAL_TOLERANCE * b for a, b in ((k.fx, expected.fx), (k.fy, expected.fy)))
    centre = abs(k.cx - expected.cx) <= CENTRE_TOLERANCE and abs(k.cy - expected.cy) <= CENTRE_TOLERANCE
    model_mount = camera.mount.to_mount()
    moved = np.linalg.norm(np.subtract(source.mount.translation, model_mount.translation))
    turned = 2 * np.arccos(min(1.0, abs(float(np.dot(source.mount.rotation_xyzw, model_mount.rotation_xyzw)))))
    return focal and centre and moved <= MOUNT_TRANSLATION_TOLERANCE and turned <= MOUNT_ROTATION_TOLERANCE


__all__ = ["decimate", "decimation_step", "matches_model_camera", "mount_from_values", "source_camera"]
