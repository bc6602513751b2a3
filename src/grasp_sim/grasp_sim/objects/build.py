"""Building blocks of the multi-part procedural families: convex parts between points, prisms, frusta,
normalisation to the body-frame convention, and the checks every generated object must pass.

All lengths in metres. Parts are convex (MuJoCo collides each part with its convex hull), so a non-convex
object is a union of several of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from grasp_sim.objects.geometry import GRIPPER_MAX_OPENING, _hull_2d, part_points, quat_to_mat
from grasp_sim.objects.spec import ObjectPart

#: Narrowest width a part must have somewhere for a top-down pinch: 5 mm clearance per finger.
GRASP_WIDTH = GRIPPER_MAX_OPENING - 0.01
#: Longest horizontal extent of any multi-part object (the object region is 16 x 16 cm).
MAX_SPAN = 0.14
#: Tallest object (the procedural families stop at 9 cm; tall thin sticks go to 10 cm).
MAX_HEIGHT = 0.10
#: Lowest object: the fingertips stop about 3 mm above the table, so a pinch needs a part this tall.
MIN_HEIGHT = 0.008

Maker = Callable[[np.random.Generator], list[ObjectPart]]


class RejectedError(Exception):
    """Raised by a family maker for a sample that breaks a constraint; the caller draws again."""


def yaw_quat(yaw: float) -> tuple[float, float, float, float]:
    return (float(np.cos(yaw / 2)), 0.0, 0.0, float(np.sin(yaw / 2)))


def z_to(direction: Sequence[float]) -> tuple[float, float, float, float]:
    """Quaternion (w, x, y, z) rotating the z axis onto ``direction``."""
    d = np.asarray(direction, dtype=float)
    d = d / np.linalg.norm(d)
    z = np.array([0.0, 0.0, 1.0])
    c = float(np.dot(z, d))
    if c < -1.0 + 1e-12:
        return (0.0, 1.0, 0.0, 0.0)
    axis = np.cross(z, d)
    q = np.array([1.0 + c, *axis])
    return tuple(float(v) for v in q / np.linalg.norm(q))


def make_rotation_z_to(direction: Sequence[float]) -> np.ndarray:
    """Rotation matrix turning the z axis onto ``direction``."""
    return quat_to_mat(z_to(direction))


def rod(kind: str, a: Sequence[float], b: Sequence[float], radius: float) -> ObjectPart:
    """A capsule or cylinder of ``radius`` whose axis runs from point ``a`` to point ``b``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    half = float(np.linalg.norm(b - a)) / 2
    return ObjectPart(kind, size=(radius, half), pos=tuple((a + b) / 2), quat=z_to(b - a))


def bar(
    a: Sequence[float], b: Sequence[float], width: float, height: float, extend: float = 0.0
) -> ObjectPart:
    """A box lying flat from ``(x, y)`` point ``a`` to ``b`` (each end extended by ``extend``), its bottom at
    ``z`` = the third coordinate of ``a`` (0 if absent), ``width`` across and ``height`` tall."""
    a2, b2 = np.asarray(a[:2], dtype=float), np.asarray(b[:2], dtype=float)
    z0 = float(a[2]) if len(a) > 2 else 0.0
    d = b2 - a2
    length = float(np.linalg.norm(d)) + 2 * extend
    mid = (a2 + b2) / 2
    yaw = float(np.arctan2(d[1], d[0]))
    return ObjectPart(
        "box",
        size=(length / 2, width / 2, height / 2),
        pos=(mid[0], mid[1], z0 + height / 2),
        quat=yaw_quat(yaw),
    )


def box(centre: Sequence[float], half: Sequence[float], yaw: float = 0.0) -> ObjectPart:
    return ObjectPart("box", size=tuple(half), pos=tuple(centre), quat=yaw_quat(yaw))


def prism(polygon: np.ndarray, z0: float, z1: float) -> ObjectPart:
    """A vertical prism over a convex (x, y) polygon, from ``z0`` to ``z1``."""
    poly = np.asarray(polygon, dtype=float)
    low = np.column_stack([poly, np.full(len(poly), z0)])
    high = np.column_stack([poly, np.full(len(poly), z1)])
    return ObjectPart("mesh", vertices=np.concatenate([low, high]))


def strip(points: np.ndarray, width: float, z0: float, z1: float) -> list[ObjectPart]:
    """A flat polyline ``points`` (N, 2) of ``width``, from ``z0`` to ``z1``: one prism per segment, mitred at
    the joints so that the segments neither overlap nor leave gaps (square free ends)."""
    pts = np.asarray(points, dtype=float)
    d = np.diff(pts, axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    left = np.column_stack([-d[:, 1], d[:, 0]])
    offsets = [left[0] * width / 2]
    for j in range(1, len(pts) - 1):
        bisector = left[j - 1] + left[j]
        bisector /= np.linalg.norm(bisector)
        offsets.append(bisector * width / 2 / float(np.dot(bisector, left[j])))
    offsets.append(left[-1] * width / 2)
    parts = []
    for i in range(len(pts) - 1):
        quad = np.array(
            [
                pts[i] - offsets[i],
                pts[i + 1] - offsets[i + 1],
                pts[i + 1] + offsets[i + 1],
                pts[i] + offsets[i],
            ]
        )
        edges = np.roll(quad, -1, axis=0) - quad
        turns = (
            edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
        )
        if not (turns > 1e-12).all():
            raise RejectedError("mitre folds over a short segment")
        parts.append(prism(quad, z0, z1))
    return parts


def ring(inner: float, outer: float, sides: int, z0: float, z1: float) -> list[ObjectPart]:
    """A polygonal tube (``sides`` trapezoid prisms, tiling it exactly) whose inner and outer walls touch the
    circles of radius ``inner`` and ``outer``."""
    step = 2 * np.pi / sides
    scale = 1.0 / np.cos(step / 2)
    parts = []
    for k in range(sides):
        a, b = (k - 0.5) * step, (k + 0.5) * step
        ua, ub = np.array([np.cos(a), np.sin(a)]), np.array([np.cos(b), np.sin(b)])
        quad = scale * np.array([inner * ua, outer * ua, outer * ub, inner * ub])
        parts.append(prism(quad, z0, z1))
    return parts


def frustum(r0: float, r1: float, z0: float, z1: float, sides: int = 20) -> ObjectPart:
    """A vertical truncated cone (as a mesh of ``sides`` sides), radius ``r0`` at ``z0`` and ``r1`` at ``z1``."""
    ang = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    ring = np.column_stack([np.cos(ang), np.sin(ang)])
    low = np.column_stack([r0 * ring, np.full(sides, z0)])
    high = np.column_stack([r1 * ring, np.full(sides, z1)])
    return ObjectPart("mesh", vertices=np.concatenate([low, high]))


def transform_part(part: ObjectPart, rotation: np.ndarray, shift: Sequence[float]) -> ObjectPart:
    """``part`` moved by ``x -> rotation @ x + shift`` (``rotation`` a proper rotation matrix)."""
    shift = np.asarray(shift, dtype=float)
    if part.kind == "mesh":
        verts = part.vertices @ quat_to_mat(part.quat).T + np.asarray(part.pos)
        return ObjectPart("mesh", vertices=verts @ rotation.T + shift)
    pos = rotation @ np.asarray(part.pos) + shift
    return ObjectPart(
        part.kind, size=part.size, pos=tuple(pos), quat=_mat_quat(rotation @ quat_to_mat(part.quat))
    )


def _mat_quat(m: np.ndarray) -> tuple[float, float, float, float]:
    """Unit quaternion (w, x, y, z) of a rotation matrix."""
    tr = np.trace(m)
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = [(m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s]
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = [(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s]
    else:
        s = 2.0 * np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = [(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s]
    q = np.asarray(q)
    return tuple(float(v) for v in q / np.linalg.norm(q))


def normalise(parts: list[ObjectPart]) -> tuple[list[ObjectPart], float]:
    """Parts shifted so the bounding box's bottom centre is the origin (the ``ObjectSpec`` frame
    convention), and the object's height."""
    pts = np.concatenate([part_points(p) for p in parts])
    lo, hi = pts.min(0), pts.max(0)
    shift = np.array([-(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2, -lo[2]])
    return [transform_part(p, np.eye(3), shift) for p in parts], float(hi[2] - lo[2])


def part_centroid(part: ObjectPart) -> np.ndarray:
    if part.kind != "mesh":
        return np.asarray(part.pos, dtype=float)
    import trimesh

    return np.asarray(trimesh.convex.convex_hull(part.vertices).center_mass, dtype=float)


def centre_of_mass(parts: Sequence[ObjectPart]) -> np.ndarray:
    """Volume-weighted centroid of the parts (uniform density; overlaps counted twice)."""
    from grasp_sim.objects.geometry import part_volume

    volumes = np.array([part_volume(p) for p in parts])
    centres = np.array([part_centroid(p) for p in parts])
    return volumes @ centres / volumes.sum()


def coarse_points(part: ObjectPart, ring: int = 48) -> np.ndarray:
    """Surface points of a part like ``geometry.part_points``, with ``ring`` points per circle (48: widths
    within 0.2 % of a radius; a tenth of the points, for the checks run on every sample)."""
    s = part.size
    if part.kind in ("box", "mesh"):
        return part_points(part)
    ang = np.linspace(0.0, 2 * np.pi, ring, endpoint=False)
    if part.kind == "cylinder":
        circle = np.column_stack([s[0] * np.cos(ang), s[0] * np.sin(ang), np.zeros(ring)])
        up = np.array([0.0, 0.0, s[1]])
        local = np.concatenate([circle - up, circle + up])
    else:
        lat = np.linspace(-np.pi / 2, np.pi / 2, 13)
        la, lo = np.meshgrid(lat, ang, indexing="ij")
        ball = s[0] * np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], -1).reshape(
            -1, 3
        )
        up = np.array([0.0, 0.0, s[1] if part.kind == "capsule" else 0.0])
        local = ball if part.kind == "sphere" else np.concatenate([ball - up, ball + up])
    return local @ quat_to_mat(part.quat).T + np.asarray(part.pos)


def widths(points: np.ndarray) -> tuple[float, float]:
    """(narrowest, across) horizontal caliper widths of a point set, as ``geometry.horizontal_widths``."""
    hull = _hull_2d(points[:, :2])
    if hull is None:
        return 0.0, float(np.ptp(points[:, :2], axis=0).max())
    edges = np.roll(hull, -1, axis=0) - hull
    edges /= np.linalg.norm(edges, axis=1, keepdims=True)
    normals = np.column_stack([-edges[:, 1], edges[:, 0]])
    across_normal = np.ptp(hull @ normals.T, axis=0)
    best = int(np.argmin(across_normal))
    return float(across_normal[best]), float(np.ptp(hull @ edges[best]))


def support_margin(parts: Sequence[ObjectPart], tolerance: float = 5e-4) -> float:
    """How far (m) the centre of mass lies inside the support polygon (the hull of the points touching
    the table, z <= ``tolerance``); negative when outside, ``-inf`` when the support is a point or a line."""
    pts = np.concatenate([coarse_points(p) for p in parts])
    base = np.unique(np.round(pts[pts[:, 2] <= pts[:, 2].min() + tolerance][:, :2], 6), axis=0)
    com = centre_of_mass(parts)[:2]
    hull = _hull_2d(base) if len(base) >= 3 else None
    if hull is None:  # rests on a line (a lying rod rolls: neutral) or on a point
        if len(base) < 2:
            return -np.inf
        a, b = base[np.argmin(base @ (base[-1] - base[0]))], base[np.argmax(base @ (base[-1] - base[0]))]
        axis = (b - a) / np.linalg.norm(b - a)
        along = float(np.dot(com - a, axis))
        if abs(float(axis[0] * (com - a)[1] - axis[1] * (com - a)[0])) > 5e-4:
            return -np.inf
        return min(along, float(np.linalg.norm(b - a)) - along)
    margin = np.inf
    for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        edge = b - a
        normal = np.array([edge[1], -edge[0]]) / np.linalg.norm(edge)  # outward for a CCW hull
        margin = min(margin, float(np.dot(a - com, normal)))
    return margin


def part_pinch_width(part: ObjectPart) -> float:
    """Narrowest horizontal width of one part (what the fingers must straddle to pinch it alone)."""
    return widths(coarse_points(part))[0]


def check_object(parts: list[ObjectPart], height: float, *, max_width: float | None = None) -> None:
    """Raise ``RejectedError`` unless the normalised object is graspable somewhere and rests on its base.

    - height in [MIN_HEIGHT, MAX_HEIGHT]; narrowest width and the extent across it at most MAX_SPAN;
    - some part at least MIN_HEIGHT tall is at most GRASP_WIDTH wide (the gripper can pinch it);
    - ``max_width``: if given, the whole object's narrowest width must not exceed it;
    - the centre of mass lies at least 1 mm inside the support polygon (it does not tip over).
    """
    if not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise RejectedError(f"height {height:.3f}")
    points = [coarse_points(p) for p in parts]
    narrowest, across = widths(np.concatenate(points))
    if max(narrowest, across) > MAX_SPAN:
        raise RejectedError(f"span {across:.3f}")
    if max_width is not None and narrowest > max_width:
        raise RejectedError(f"width {narrowest:.3f}")
    pinchable = (pts[:, 2].max() >= MIN_HEIGHT and widths(pts)[0] <= GRASP_WIDTH for pts in points)
    if narrowest > GRASP_WIDTH and not any(pinchable):
        raise RejectedError("no part narrow enough to pinch")
    if support_margin(parts) < 0.001:
        raise RejectedError("tips over")


def generate(
    maker: Maker, rng: np.random.Generator, *, max_width: float | None = None, tries: int = 200
) -> tuple[list[ObjectPart], float]:
    """Draw from ``maker`` until a sample passes ``check_object``; returns normalised parts and height."""
    for _ in range(tries):
        try:
            parts, height = normalise(maker(rng))
            check_object(parts, height, max_width=max_width)
        except RejectedError:
            continue
        return parts, height
    raise RuntimeError(f"{maker.__name__}: no valid sample in {tries} draws")
