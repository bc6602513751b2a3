"""Pinhole depth cameras and rigid mounts: the plain types behind the contract's camera and reprojection.

Conventions (REP 103 / 105, and REP 118 for depth images):

- A camera's *optical frame* has z forward along the viewing axis, x to the right of the image, y down.
  Pixel (row v, column u) looks along ((u - cx) / fx, (v - cy) / fy, 1): pixel centres sit at integer
  coordinates, as in ``sensor_msgs/CameraInfo`` (a 640 px wide image centred on its axis has cx = 319.5).
- A depth pixel holds z, the distance along the optical axis (not along the ray), in metres once decoded.
- A mount is the pose of the optical frame in the tool frame the model's motions refer to (the *pinch*
  frame: the point between the fingertips, z along the approach axis, x along the closing direction),
  given as a translation in metres and a unit quaternion (x, y, z, w).

Numpy only: no rclpy, no MuJoCo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MOUNT_FRAME = "pinch"
"""The only tool frame mounts are given in: the frame gripper poses and motions refer to."""


@dataclass(frozen=True)
class PinholeIntrinsics:
    """Intrinsics of a rectified pinhole camera (the K and size of a ``sensor_msgs/CameraInfo``)."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with these numbers (empty when they describe a usable camera)."""
        found = []
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                found.append(f"{name} must be a positive integer number of pixels, got {value!r}")
        for name in ("fx", "fy", "cx", "cy"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
                found.append(f"{name} must be a number, got {value!r}")
            elif not np.isfinite(value):
                found.append(f"{name} must be finite, got {value!r}")
        if found:
            return found
        for name in ("fx", "fy"):
            if not getattr(self, name) > 0:
                found.append(f"{name} must be > 0 pixels, got {getattr(self, name)!r}")
        # The principal point may sit anywhere inside the image (pixel edges at -0.5 and size - 0.5).
        if not -0.5 <= self.cx <= self.width - 0.5:
            found.append(f"cx must lie inside the image [-0.5, {self.width - 0.5}], got {self.cx!r}")
        if not -0.5 <= self.cy <= self.height - 0.5:
            found.append(f"cy must lie inside the image [-0.5, {self.height - 0.5}], got {self.cy!r}")
        return found

    @classmethod
    def from_fov(cls, width: int, height: int, fov_x_deg: float) -> PinholeIntrinsics:
        """Square pixels, centred principal point, horizontal field of view ``fov_x_deg``."""
        if not 0 < fov_x_deg < 180:
            raise ValueError(f"field of view must be between 0 and 180 degrees, got {fov_x_deg!r}")
        focal = (width / 2) / float(np.tan(np.deg2rad(fov_x_deg) / 2))
        return cls(width, height, focal, focal, (width - 1) / 2, (height - 1) / 2)

    @classmethod
    def from_k(cls, k: Sequence[float] | np.ndarray, width: int, height: int) -> PinholeIntrinsics:
        """From a row-major 3x3 K (9 numbers, or a 3x3 array) and the image size."""
        matrix = np.asarray(k, dtype=np.float64).reshape(-1)
        if matrix.size != 9:
            raise ValueError(f"K must have 9 entries (row-major 3x3), got {matrix.size}")
        matrix = matrix.reshape(3, 3)
        if abs(matrix[0, 1]) > 1e-9 or np.any(np.abs(matrix[2] - [0, 0, 1]) > 1e-9) or abs(matrix[1, 0]) > 1e-9:
            raise ValueError(f"K must be [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] (no skew), got {matrix.tolist()}")
        return cls(int(width), int(height), float(matrix[0, 0]), float(matrix[1, 1]), float(matrix[0, 2]),
                   float(matrix[1, 2]))

    @classmethod
    def from_camera_info(cls, info: Any) -> PinholeIntrinsics:
        """From a ``sensor_msgs/CameraInfo`` (rclpy, rosbags or any object with ``k``/``K``, width, height).

        Distortion (``d``) is ignored: the frame must be rectified, or the lens close to an ideal pinhole (a
        RealSense depth stream is published undistorted). ``binning`` and ``roi`` are not supported.
        """
        k = getattr(info, "k", None)
        if k is None:
            k = getattr(info, "K", None)
        if k is None:
            raise ValueError("camera info has no K matrix (field 'k')")
        for name in ("binning_x", "binning_y"):
            if int(getattr(info, name, 0) or 0) > 1:
                raise ValueError(f"camera info with {name} > 1 is not supported")
        return cls.from_k(k, int(info.width), int(info.height))

    def k(self) -> np.ndarray:
        """The 3x3 matrix K."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    @property
    def fov_deg(self) -> tuple[float, float]:
        """Horizontal and vertical field of view (degrees, for a centred principal point)."""
        return (
            float(np.rad2deg(2 * np.arctan2(self.width / 2, self.fx))),
            float(np.rad2deg(2 * np.arctan2(self.height / 2, self.fy))),
        )

    @property
    def aspect(self) -> float:
        """Width over height of the field of view (in pixels scaled by the focal lengths)."""
        return (self.width / self.fx) / (self.height / self.fy)

    def scaled(self, width: int, height: int) -> PinholeIntrinsics:
        """The same field of view sampled at another resolution (what an area resize of the image gives)."""
        sx, sy = width / self.width, height / self.height
        return PinholeIntrinsics(
            width, height, self.fx * sx, self.fy * sy, (self.cx + 0.5) * sx - 0.5, (self.cy + 0.5) * sy - 0.5
        )

    def rays(self) -> np.ndarray:
        """(height, width, 3) optical-frame directions with z = 1 (multiply by depth to get points)."""
        u = (np.arange(self.width) - self.cx) / self.fx
        v = (np.arange(self.height) - self.cy) / self.fy
        uu, vv = np.meshgrid(u, v)
        return np.stack([uu, vv, np.ones_like(uu)], axis=-1)


def quaternion_to_matrix(xyzw: Sequence[float] | np.ndarray) -> np.ndarray:
    """Rotation matrix of a unit quaternion (x, y, z, w), ROS order."""
    x, y, z, w = (float(c) for c in xyzw)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def matrix_to_quaternion(rotation: np.ndarray) -> tuple[float, float, float, float]:
    """Unit quaternion (x, y, z, w) of a rotation matrix, w >= 0."""
    m = np.asarray(rotation, dtype=np.float64)
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = [0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s, (m[2, 1] - m[1, 2]) / s]
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = [(m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s, (m[0, 2] - m[2, 0]) / s]
    else:
        s = 2.0 * np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = [(m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s, (m[1, 0] - m[0, 1]) / s]
    quat = np.asarray(q) / np.linalg.norm(q)
    if quat[3] < 0:
        quat = -quat
    return tuple(float(c) for c in quat)  # type: ignore[return-value]


@dataclass(frozen=True)
class Mount:
    """Pose of a camera's optical frame in the tool (pinch) frame: p_tool = R p_optical + t."""

    translation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation_xyzw: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    frame: str = MOUNT_FRAME

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        found = []
        t = np.asarray(self.translation, dtype=object)
        q = np.asarray(self.rotation_xyzw, dtype=object)
        if t.shape != (3,) or not all(_is_finite_number(v) for v in t):
            found.append(f"mount translation must be 3 finite numbers (metres), got {self.translation!r}")
        if q.shape != (4,) or not all(_is_finite_number(v) for v in q):
            found.append(f"mount rotation must be a quaternion of 4 finite numbers (x, y, z, w), got "
                         f"{self.rotation_xyzw!r}")
        elif abs(float(np.linalg.norm(q.astype(float))) - 1.0) > 1e-6:
            found.append(f"mount rotation must be a unit quaternion (x, y, z, w), got norm "
                         f"{float(np.linalg.norm(q.astype(float))):.6g}")
        if self.frame != MOUNT_FRAME:
            found.append(f"mount frame: expected {MOUNT_FRAME!r} (the pinch point the motions refer to), "
                         f"got {self.frame!r}")
        return found

    @classmethod
    def from_matrix(cls, transform: np.ndarray) -> Mount:
        """From a 4x4 homogeneous transform tool <- optical."""
        m = np.asarray(transform, dtype=np.float64)
        return cls(tuple(float(v) for v in m[:3, 3]), matrix_to_quaternion(m[:3, :3]))  # type: ignore[arg-type]

    def matrix(self) -> np.ndarray:
        """The 4x4 transform tool <- optical."""
        out = np.eye(4)
        out[:3, :3] = quaternion_to_matrix(self.rotation_xyzw)
        out[:3, 3] = np.asarray(self.translation, dtype=np.float64)
        return out


def _is_finite_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
    )


def relative_transform(target: Mount, source: Mount) -> np.ndarray:
    """4x4 transform target-optical <- source-optical for two cameras mounted on the same tool."""
    return np.linalg.inv(target.matrix()) @ source.matrix()


__all__ = [
    "MOUNT_FRAME",
    "Mount",
    "PinholeIntrinsics",
    "matrix_to_quaternion",
    "quaternion_to_matrix",
    "relative_transform",
]
