"""A virtual gripper above the table for frames from an overhead camera (no robot pose known).

Reprojection into the model's wrist camera needs the real camera's pose relative to the tool. A wrist
camera has it from calibration (its mount). An overhead camera, like the PrimeSense and PhoXi frames of
gqcnn's examples, looks at a table from 0.8 m with no gripper anywhere: the gripper pose has to be assumed.
``overhead_view`` assumes it the way the embedded world starts an episode: the pinch point ``pinch_height``
(the world's start height, 0.28 m) above the table, on the real camera's optical axis, approach axis along
the table normal, closing direction along the real camera's x axis projected onto the table. The table is
the dominant plane of the frame (RANSAC), so a tilted camera is handled. What the model then scores is
"grasps from a gripper at the start of an episode above this scene", not the real camera's viewpoint.

Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grasp_perception.camera_model import Mount, PinholeIntrinsics
from grasp_perception.reproject import valid_depth

WORLD_START_HEIGHT = 0.28  # metres: the embedded world's start height of the pinch point above the table
MAX_TILT_DEG = 45.0  # a table plane more inclined than this to the optical axis is not "overhead"
MAX_BEHIND = 0.05  # share of points allowed more than BEHIND_MARGIN beyond the table (the floor past its edge)
BEHIND_MARGIN = 0.02  # metres


@dataclass(frozen=True)
class TablePlane:
    """The plane n . p = distance in the camera's optical frame; ``normal`` points away from the camera."""

    normal: np.ndarray
    distance: float
    inlier_fraction: float  # share of valid pixels within the inlier threshold of the plane

    @property
    def tilt_deg(self) -> float:
        """Angle between the camera's optical axis and the table normal."""
        return float(np.rad2deg(np.arccos(np.clip(self.normal[2], -1.0, 1.0))))


@dataclass(frozen=True)
class OverheadView:
    """The assumed virtual gripper for an overhead frame, and the real camera's mount relative to it."""

    table: TablePlane
    pinch_height: float  # metres above the table
    mount: Mount  # the real camera's optical frame in the virtual pinch frame
    axis_distance: float  # metres from the real camera to the table along its optical axis


def fit_table_plane(
    depth: np.ndarray,
    intrinsics: PinholeIntrinsics,
    inlier_threshold: float = 0.005,
    iterations: int = 300,
    max_points: int = 20000,
    seed: int = 0,
) -> TablePlane:
    """The table: the plane with the most points within ``inlier_threshold`` that has (almost) nothing behind
    it (RANSAC, then least squares on its inliers).

    "Nothing behind": at most ``MAX_BEHIND`` of the points lie more than ``BEHIND_MARGIN`` beyond the plane,
    so the large flat top of a box in front of the table is not mistaken for it. Raises ``ValueError`` when
    the frame has too few valid pixels or no such plane within ``MAX_TILT_DEG`` of facing the camera.
    """
    frame = np.asarray(depth, dtype=np.float64)
    mask = valid_depth(frame)
    if mask.sum() < 100:
        raise ValueError(f"only {int(mask.sum())} valid pixels: cannot find the table")
    points = intrinsics.rays()[mask] * frame[mask][:, None]
    rng = np.random.default_rng(seed)
    if len(points) > max_points:
        points = points[rng.choice(len(points), max_points, replace=False)]
    best_count, best = -1, None
    min_cos = np.cos(np.deg2rad(MAX_TILT_DEG))
    for _ in range(iterations):
        a, b, c = points[rng.choice(len(points), 3, replace=False)]
        normal = np.cross(b - a, c - a)
        norm = np.linalg.norm(normal)
        if norm < 1e-12:
            continue
        normal /= norm
        if normal[2] < 0:
            normal = -normal
        if normal[2] < min_cos:
            continue
        offset = points @ normal - normal @ a
        if np.mean(offset > BEHIND_MARGIN) > MAX_BEHIND:
            continue
        count = int(np.sum(np.abs(offset) < inlier_threshold))
        if count > best_count:
            best_count, best = count, (normal, float(normal @ a))
    if best is None:
        raise ValueError(
            f"no plane within {MAX_TILT_DEG:g} degrees of facing the camera with the scene in front of it"
        )
    normal, distance = best
    inliers = points[np.abs(points @ normal - distance) < inlier_threshold]
    centroid = inliers.mean(axis=0)
    _, _, vt = np.linalg.svd(inliers - centroid, full_matrices=False)
    normal = vt[2] if vt[2][2] > 0 else -vt[2]
    distance = float(normal @ centroid)
    fraction = float(np.mean(np.abs(points @ normal - distance) < inlier_threshold))
    return TablePlane(normal, distance, fraction)


def overhead_view(
    depth: np.ndarray,
    intrinsics: PinholeIntrinsics,
    pinch_height: float = WORLD_START_HEIGHT,
    table: TablePlane | None = None,
) -> OverheadView:
    """The virtual gripper ``pinch_height`` above the table on the camera's optical axis (see module doc)."""
    if not pinch_height > 0:
        raise ValueError(f"pinch_height must be > 0, got {pinch_height!r}")
    table = table or fit_table_plane(depth, intrinsics)
    axis = np.array([0.0, 0.0, 1.0])
    hit = axis * (table.distance / float(table.normal @ axis))  # where the optical axis meets the table
    z = table.normal
    x = np.array([1.0, 0.0, 0.0]) - z[0] * z
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    rotation = np.column_stack([x, y, z])  # pinch axes in the camera frame
    origin = hit - pinch_height * z
    camera_from_pinch = np.eye(4)
    camera_from_pinch[:3, :3] = rotation
    camera_from_pinch[:3, 3] = origin
    mount = Mount.from_matrix(np.linalg.inv(camera_from_pinch))
    return OverheadView(table, pinch_height, mount, float(hit[2]))


__all__ = ["WORLD_START_HEIGHT", "OverheadView", "TablePlane", "fit_table_plane", "overhead_view"]
