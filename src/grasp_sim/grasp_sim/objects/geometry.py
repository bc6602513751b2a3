"""Geometric measures of object parts: volumes, surface points, and top-down grasp widths."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from grasp_sim.objects.spec import ObjectPart, ObjectSpec

#: Maximum opening of the parallel-jaw gripper (m).
GRIPPER_MAX_OPENING = 0.085

_RING = 128  # points per circle when sampling round parts


def quat_to_mat(quat: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """Rotation matrix of a unit quaternion (w, x, y, z)."""
    w, x, y, z = np.asarray(quat, dtype=float) / np.linalg.norm(quat)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def hull_volume(vertices: np.ndarray) -> float:
    """Volume (m^3) of the convex hull of a point set; 0 for a degenerate (flat) set."""
    import trimesh  # local: trimesh pulls in scipy, needed only for meshes

    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(trimesh.convex.convex_hull(np.asarray(vertices, dtype=float)).volume)
    except Exception:  # qhull fails on coplanar / too few points
        return 0.0


def part_volume(part: ObjectPart) -> float:
    """Volume (m^3) of one part, as MuJoCo computes it for inertia (hull volume for meshes)."""
    s = part.size
    if part.kind == "box":
        return 8.0 * s[0] * s[1] * s[2]
    if part.kind == "cylinder":
        return np.pi * s[0] ** 2 * 2.0 * s[1]
    if part.kind == "sphere":
        return 4.0 / 3.0 * np.pi * s[0] ** 3
    if part.kind == "capsule":
        return np.pi * s[0] ** 2 * 2.0 * s[1] + 4.0 / 3.0 * np.pi * s[0] ** 3
    return hull_volume(part.vertices)


def _sphere_points(radius: float, n_lat: int = 33) -> np.ndarray:
    lat = np.linspace(-np.pi / 2, np.pi / 2, n_lat)  # odd count keeps the equator ring
    lon = np.linspace(0.0, 2 * np.pi, _RING, endpoint=False)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    unit = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], -1)
    return radius * unit.reshape(-1, 3)


def part_points(part: ObjectPart) -> np.ndarray:
    """Points (N, 3) on the surface of a part, in the object's body frame (exact for boxes/meshes)."""
    s = part.size
    up = np.array([0.0, 0.0, s[1] if len(s) > 1 else 0.0])  # cylinder/capsule half-length
    if part.kind == "box":
        local = np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)]) * np.array(s)
    elif part.kind == "cylinder":
        ang = np.linspace(0.0, 2 * np.pi, _RING, endpoint=False)
        ring = np.stack([s[0] * np.cos(ang), s[0] * np.sin(ang), np.zeros_like(ang)], -1)
        local = np.concatenate([ring - up, ring + up])
    elif part.kind == "sphere":
        local = _sphere_points(s[0])
    elif part.kind == "capsule":
        ball = _sphere_points(s[0])
        local = np.concatenate([ball - up, ball + up])
    else:
        local = np.asarray(part.vertices)
    return local @ quat_to_mat(part.quat).T + np.asarray(part.pos)


def object_points(obj: ObjectSpec) -> np.ndarray:
    """Surface points (N, 3) of all parts of an object, in its body frame."""
    return np.concatenate([part_points(p) for p in obj.parts])


def _hull_2d(points: np.ndarray) -> np.ndarray | None:
    """Convex hull vertices (counter-clockwise) of 2-D points; None if they are collinear."""
    from scipy.spatial import ConvexHull, QhullError  # scipy comes with trimesh's hull support

    try:
        return points[ConvexHull(points).vertices]
    except (QhullError, ValueError):
        return None


def horizontal_widths(obj: ObjectSpec, quat: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0)) -> tuple[float, float]:
    """(narrowest, across) horizontal extents (m) of the object seen from above.

    ``narrowest`` is the smallest caliper width over all horizontal directions (the opening a top-down
    parallel-jaw grasp needs at best); ``across`` is the extent perpendicular to that direction.
    ``quat`` optionally rotates the object (world from body) before projecting.
    """
    pts = object_points(obj) @ quat_to_mat(quat).T
    hull = _hull_2d(pts[:, :2])
    if hull is None:
        return 0.0, float(np.ptp(pts[:, :2], axis=0).max())
    best = (np.inf, 0.0)
    for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        edge = (b - a) / np.linalg.norm(b - a)
        normal = np.array([-edge[1], edge[0]])
        width = float(np.ptp(hull @ normal))
        if width < best[0]:
            best = (width, float(np.ptp(hull @ edge)))
    return best


def vertical_extent(obj: ObjectSpec) -> tuple[float, float]:
    """(lowest, highest) z (m) of the object in its body frame."""
    z = object_points(obj)[:, 2]
    return float(z.min()), float(z.max())
