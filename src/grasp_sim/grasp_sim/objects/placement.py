"""Where objects are dropped: positions and yaws whose footprints do not overlap.

``place_objects`` first draws exactly as ``GraspWorld.reset`` always has (for each object up to 200 uniform
positions until its footprint circle clears the others by 5 mm, then one uniform yaw per object), so every scene
in which that worked is unchanged, draw for draw. Only when an object found no free spot (the old code then
dropped it overlapping) does it look further: that object is placed against the others' actual footprints (the
top view of each convex part, at the yaw it has), trying new positions and yaws; an object that still does not fit
is left out. The first object always fits, so a scene keeps at least one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grasp_sim.objects.geometry import _hull_2d, quat_to_mat
from grasp_sim.objects.spec import ObjectPart, ObjectSpec

CLEARANCE = 0.005  # m between footprints
ATTEMPTS = 200  # random positions per object, as GraspWorld always drew
EXTRA_ATTEMPTS = 400  # positions and yaws per object that found no spot in the first pass
_SIDES = 16  # polygon sides for round parts (circumscribed, so the polygon contains the circle)


@dataclass(frozen=True)
class Placement:
    """Object ``index`` of the list given to ``place_objects``, its body origin at (x, y), turned by ``yaw``."""

    index: int
    x: float
    y: float
    yaw: float

    @property
    def quat(self) -> tuple[float, float, float, float]:
        return (math.cos(self.yaw / 2), 0.0, 0.0, math.sin(self.yaw / 2))


def footprint_radius(obj: ObjectSpec) -> float:
    """Radius of a vertical cylinder around the object's origin that contains all its parts (m)."""
    radius = 0.0
    for part in obj.parts:
        centre = float(np.hypot(part.pos[0], part.pos[1]))
        if part.kind == "mesh":
            reach = float(np.max(np.hypot(part.vertices[:, 0], part.vertices[:, 1])))
        elif part.kind == "box":
            reach = centre + float(np.hypot(part.size[0], part.size[1]))
        elif part.kind == "capsule":
            reach = centre + part.size[0] + part.size[1]
        else:
            reach = centre + part.size[0]
        radius = max(radius, reach)
    return radius


def bounding_radius(obj: ObjectSpec) -> float:
    """Radius of a vertical cylinder around the object's origin that contains all its parts, for parts in any
    orientation (``footprint_radius`` takes every cylinder as standing, so it misses a lying one's length)."""
    radius = 0.0
    for part in obj.parts:
        rot, pos = quat_to_mat(part.quat), np.asarray(part.pos)
        s = part.size
        if part.kind == "mesh":
            pts = np.asarray(part.vertices) @ rot.T + pos
            reach = float(np.max(np.hypot(pts[:, 0], pts[:, 1])))
        elif part.kind == "box":
            corners = np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)]) * np.array(s)
            pts = corners @ rot.T + pos
            reach = float(np.max(np.hypot(pts[:, 0], pts[:, 1])))
        elif part.kind == "sphere":
            reach = float(np.hypot(pos[0], pos[1])) + s[0]
        else:  # capsule or cylinder: the end centres, plus the radius
            ends = [pos - rot[:, 2] * s[1], pos + rot[:, 2] * s[1]]
            reach = max(float(np.hypot(e[0], e[1])) for e in ends) + s[0]
        radius = max(radius, reach)
    return radius


def _circle(centre: np.ndarray, radius: float) -> np.ndarray:
    ang = np.linspace(0.0, 2 * np.pi, _SIDES, endpoint=False)
    r = radius / math.cos(math.pi / _SIDES)
    return centre[:2] + r * np.column_stack([np.cos(ang), np.sin(ang)])


def part_footprint(part: ObjectPart) -> np.ndarray:
    """Convex polygon (K, 2), counter-clockwise, containing the top view of ``part`` in the body frame."""
    rot, pos = quat_to_mat(part.quat), np.asarray(part.pos)
    s = part.size
    if part.kind == "mesh":
        pts = (np.asarray(part.vertices) @ rot.T + pos)[:, :2]
    elif part.kind == "box":
        corners = np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)]) * np.array(s)
        pts = (corners @ rot.T + pos)[:, :2]
    elif part.kind == "sphere":
        pts = _circle(pos, s[0])
    elif part.kind == "capsule":
        axis = rot[:, 2] * s[1]
        pts = np.concatenate([_circle(pos - axis, s[0]), _circle(pos + axis, s[0])])
    else:  # cylinder: the hull of its two end discs, each inside a polygon of circumscribed rings
        ang = np.linspace(0.0, 2 * np.pi, _SIDES, endpoint=False)
        r = s[0] / math.cos(math.pi / _SIDES)
        ring = np.column_stack([r * np.cos(ang), r * np.sin(ang), np.zeros(_SIDES)])
        ends = np.concatenate([ring - np.array([0.0, 0.0, s[1]]), ring + np.array([0.0, 0.0, s[1]])])
        pts = (ends @ rot.T + pos)[:, :2]
    hull = _hull_2d(pts)
    if hull is None:  # a part seen edge-on: pad it to a thin rectangle
        lo, hi = pts.min(0) - 1e-4, pts.max(0) + 1e-4
        hull = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
    return hull


class Footprint:
    """The top view of an object as convex polygons (one per part), for overlap tests at any pose."""

    def __init__(self, obj: ObjectSpec):
        self.polygons = [part_footprint(p) for p in obj.parts]
        self.radius = max(float(np.max(np.linalg.norm(p, axis=1))) for p in self.polygons)

    def at(self, x: float, y: float, yaw: float) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Each polygon at the pose, with its centre and bounding radius."""
        c, s = math.cos(yaw), math.sin(yaw)
        rot = np.array([[c, -s], [s, c]])
        placed = []
        for poly in self.polygons:
            moved = poly @ rot.T + [x, y]
            centre = moved.mean(0)
            placed.append((moved, centre, float(np.max(np.linalg.norm(moved - centre, axis=1)))))
        return placed


def _separated(a: np.ndarray, b: np.ndarray, clearance: float) -> bool:
    """True if convex polygons ``a`` and ``b`` are at least ``clearance`` apart along one of their edge normals
    (which proves their distance is at least ``clearance``)."""
    for poly in (a, b):
        edges = np.roll(poly, -1, axis=0) - poly
        normals = np.column_stack([edges[:, 1], -edges[:, 0]])
        normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-18
        pa, pb = a @ normals.T, b @ normals.T
        gap = np.maximum(pb.min(0) - pa.max(0), pa.min(0) - pb.max(0))
        if np.any(gap >= clearance):
            return True
    return False


def footprints_clear(
    first: list[tuple[np.ndarray, np.ndarray, float]],
    second: list[tuple[np.ndarray, np.ndarray, float]],
    clearance: float = CLEARANCE,
) -> bool:
    """True if no part polygon of ``first`` comes within ``clearance`` of one of ``second``."""
    for pa, ca, ra in first:
        for pb, cb, rb in second:
            if math.hypot(*(ca - cb)) >= ra + rb + clearance:
                continue
            if not _separated(pa, pb, clearance):
                return False
    return True


def place_objects(
    objects: Sequence[ObjectSpec],
    rng: np.random.Generator,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    *,
    clearance: float = CLEARANCE,
    attempts: int = ATTEMPTS,
    extra_attempts: int = EXTRA_ATTEMPTS,
) -> list[Placement]:
    """Drop positions (body origins inside ``x_range`` x ``y_range``) and yaws for ``objects`` with footprints at
    least ``clearance`` apart; objects that do not fit are left out (never the first). See the module docstring.

    Returns one ``Placement`` per kept object, in the order of ``objects``.
    """
    spots: list[tuple[float, float, float]] = []
    misses: list[int] = []
    for i, obj in enumerate(objects):
        # The bound GraspWorld always used, unless a lying cylinder makes it too small: the same number for
        # every object of the old families, so their scenes are unchanged.
        radius, bound = footprint_radius(obj), bounding_radius(obj)
        radius = bound if bound > radius + 1e-9 else radius
        fits = False
        for _attempt in range(attempts):
            x = rng.uniform(*x_range)
            y = rng.uniform(*y_range)
            if all(math.hypot(x - px, y - py) > radius + pr + clearance for px, py, pr in spots):
                fits = True
                break
        spots.append((x, y, radius))
        if not fits:
            misses.append(i)
    yaws = [rng.uniform(-np.pi, np.pi) for _ in objects]
    if not misses:
        return [Placement(i, x, y, yaw) for i, ((x, y, _), yaw) in enumerate(zip(spots, yaws, strict=True))]

    footprints = {id(obj): Footprint(obj) for obj in objects}
    kept: dict[int, tuple[float, float, float]] = {
        i: (spots[i][0], spots[i][1], yaws[i]) for i in range(len(objects)) if i not in misses
    }
    placed = {i: footprints[id(objects[i])].at(*pose) for i, pose in kept.items()}
    for i in misses:
        footprint = footprints[id(objects[i])]
        for _attempt in range(extra_attempts):
            x, y, yaw = rng.uniform(*x_range), rng.uniform(*y_range), rng.uniform(-np.pi, np.pi)
            candidate = footprint.at(x, y, yaw)
            if all(
                math.hypot(x - kept[j][0], y - kept[j][1])
                >= footprint.radius + footprints[id(objects[j])].radius + clearance
                or footprints_clear(candidate, placed[j], clearance)
                for j in placed
            ):
                kept[i] = (x, y, yaw)
                placed[i] = candidate
                break
    return [Placement(i, *kept[i]) for i in sorted(kept)]
