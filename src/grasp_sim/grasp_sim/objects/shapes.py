"""Training shape families: non-convex objects built from convex parts, for shape diversity.

Eight families, each a small function of a random generator (sizes in metres; checks in ``build``):

- ``compound``: a box or cylinder base with 1-3 primitives (box, cylinder, sphere, capsule) on top or on its
  sides;
- ``extrusion``: a random star-shaped (non-convex) polygon of 5-9 corners, extruded 1.2-6 cm (a fan of
  triangular prisms);
- ``cross``: 3-5 arms (flat bars or lying capsules) radiating from a hub at near-equal angles (plus, Y, star);
- ``hook``: a flat polyline of 3-4 bars or capsules turning by 60-150 degrees (U, C, J, S, zigzag);
- ``plate``: a thin convex plate (8-15 mm), sometimes with a knob or a rib on top;
- ``stick``: a thin rod (8-22 mm), standing 5-10 cm tall or lying 7-14 cm long; round, square or hexagonal;
- ``channel``: a U-channel (two flanges on a web), open side up (trough) or down (bridge);
- ``dumbbell``: two equal ends (spheres, discs or blocks) on a thin bar, lying; or a standing spool.

None of them is one of the ``everyday`` test families (mug, bottle, bracket, banana, torus, rock, tee,
wedge): no hollow cups, necks, L or T profiles, curved rods, closed rings, lumpy hulls or wedges.

Two more families (``EXTRA_SHAPE_MAKERS``, in ``extra_train`` / ``diverse_train`` only, so that the sets above keep
their objects):

- ``frustum``: a truncated pyramid over a random convex polygon of 3-12 corners, its top face the base scaled by
  0.15-0.75 (its slanted edges 5-49 degrees from the vertical in ``extra_train``; a flat top, never a ridge);
- ``plinth``: a box or cylinder standing on a thin plate (3-7 mm) that sticks out 0-25 mm on each side.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np

from grasp_sim.objects.build import RejectedError, bar, box, generate, prism, rod, strip
from grasp_sim.objects.procedural import MAX_WIDTH, finish_object
from grasp_sim.objects.spec import ObjectPart, ObjectSpec

_TAU = 2 * np.pi
_LYING_X = (np.sqrt(0.5), 0.0, np.sqrt(0.5), 0.0)  # part z axis onto body x


def _primitive(rng: np.random.Generator, xy: np.ndarray, z_bottom: float, s: float) -> ObjectPart:
    """A random box, cylinder, sphere or capsule of characteristic half-size ``s``, its bottom at
    ``z_bottom`` over ``xy``."""
    kind = str(rng.choice(["box", "cylinder", "sphere", "capsule"]))
    x, y = float(xy[0]), float(xy[1])
    yaw = rng.uniform(0, _TAU)
    if kind == "box":
        half = (s, s * rng.uniform(0.5, 1.0), s * rng.uniform(0.5, 1.2))
        return box((x, y, z_bottom + half[2]), half, yaw)
    if kind == "sphere":
        return ObjectPart("sphere", size=(s,), pos=(x, y, z_bottom + s))
    radius = s * rng.uniform(0.5, 0.9)
    half = s * rng.uniform(0.6, 1.4)
    if rng.uniform() < 0.5:  # standing
        top = z_bottom + 2 * half + (2 * radius if kind == "capsule" else 0.0)
        return (
            rod(kind, (x, y, z_bottom), (x, y, top), radius)
            if kind == "cylinder"
            else rod(kind, (x, y, z_bottom + radius), (x, y, top - radius), radius)
        )
    d = half * np.array([np.cos(yaw), np.sin(yaw), 0.0])
    centre = np.array([x, y, z_bottom + radius])
    return rod(kind, centre - d, centre + d, radius)


def _compound(rng: np.random.Generator) -> list[ObjectPart]:
    if rng.uniform() < 0.5:
        half = rng.uniform([0.012, 0.012, 0.006], [0.04, 0.03, 0.02])
        parts = [box((0.0, 0.0, half[2]), half)]
        top, reach = 2 * half[2], half[:2]
    else:
        radius, height = rng.uniform(0.012, 0.03), rng.uniform(0.012, 0.04)
        parts = [ObjectPart("cylinder", size=(radius, height / 2), pos=(0.0, 0.0, height / 2))]
        top, reach = height, np.array([radius, radius]) / np.sqrt(2)
    for _ in range(int(rng.integers(1, 4))):
        s = rng.uniform(0.006, 0.02)
        if rng.uniform() < 0.5:  # on top, sunk 1 mm so the parts overlap
            parts.append(_primitive(rng, rng.uniform(-1, 1, 2) * reach, top - 0.001, s))
        else:  # against a side, protruding
            angle = rng.uniform(0, _TAU)
            direction = np.array([np.cos(angle), np.sin(angle)])
            edge = reach * direction / np.max(np.abs(direction))
            parts.append(_primitive(rng, edge + 0.6 * s * direction, rng.uniform(0.0, 0.5 * top), s))
    return parts


def _extrusion(rng: np.random.Generator) -> list[ObjectPart]:
    n = int(rng.integers(5, 10))
    step = _TAU / n
    angles = step * np.arange(n) + rng.uniform(-0.3, 0.3, n) * step
    radii = rng.uniform(0.015, 0.038, n)
    inner = radii[int(rng.integers(2)) :: 2]  # every other corner pulled in: a star, not convex
    inner *= rng.uniform(0.35, 0.75, len(inner))
    poly = np.column_stack([radii * np.cos(angles), radii * np.sin(angles) * rng.uniform(0.6, 1.0)])
    height = rng.uniform(0.012, 0.06)
    centre = np.zeros(2)
    return [
        prism(np.array([centre, a, b]), 0.0, height) for a, b in zip(poly, np.roll(poly, -1, 0), strict=True)
    ]


def _cross(rng: np.random.Generator) -> list[ObjectPart]:
    n = int(rng.integers(3, 6))
    angles = _TAU / n * np.arange(n) + rng.uniform(-0.2, 0.2, n) + rng.uniform(0, _TAU)
    lengths = rng.uniform(0.025, 0.065, n)
    tips = lengths[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
    if rng.uniform() < 0.5:
        width, height = rng.uniform(0.01, 0.025), rng.uniform(0.01, 0.03)
        return [bar((0.0, 0.0), tip, width, height) for tip in tips]  # the arms' ends cover the hub
    radius = rng.uniform(0.006, 0.013)
    return [rod("capsule", (0.0, 0.0, radius), (tip[0], tip[1], radius), radius) for tip in tips]


def _segment_distance(p: np.ndarray, q: np.ndarray, r: np.ndarray, s: np.ndarray) -> float:
    """Shortest distance between 2-D segments pq and rs (they do not cross when it is positive)."""

    def point_segment(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        t = np.clip(np.dot(x - a, b - a) / max(np.dot(b - a, b - a), 1e-18), 0.0, 1.0)
        return float(np.linalg.norm(x - (a + t * (b - a))))

    def cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))

    if cross(p, q, r) * cross(p, q, s) < 0 and cross(r, s, p) * cross(r, s, q) < 0:
        return 0.0
    return min(point_segment(p, r, s), point_segment(q, r, s), point_segment(r, p, q), point_segment(s, p, q))


def _hook(rng: np.random.Generator) -> list[ObjectPart]:
    segments = int(rng.integers(3, 5))
    curl = rng.uniform() < 0.6
    sign = float(rng.choice([-1.0, 1.0]))
    heading, points = rng.uniform(0, _TAU), [np.zeros(2)]
    for k in range(segments):
        if k:
            heading += sign * np.radians(rng.uniform(60, 150))
            if not curl:
                sign = -sign
        points.append(points[-1] + rng.uniform(0.025, 0.07) * np.array([np.cos(heading), np.sin(heading)]))
    capsules = rng.uniform() < 0.4
    width = rng.uniform(0.012, 0.024) if capsules else rng.uniform(0.01, 0.022)
    for i in range(segments):
        for j in range(i + 2, segments):
            if _segment_distance(points[i], points[i + 1], points[j], points[j + 1]) < width + 0.005:
                raise RejectedError("hook crosses itself")
    if capsules:
        r = width / 2
        return [rod("capsule", (*a, r), (*b, r), r) for a, b in itertools.pairwise(points)]
    return strip(np.array(points), width, 0.0, rng.uniform(0.01, 0.03))


def _plate(rng: np.random.Generator) -> list[ObjectPart]:
    from grasp_sim.objects.geometry import _hull_2d

    n = int(rng.integers(6, 11))
    angle = np.sort(rng.uniform(0, _TAU, n))
    radius = rng.uniform(0.7, 1.0, n)
    a, b = rng.uniform(0.02, 0.055), rng.uniform(0.015, 0.032)
    poly = _hull_2d(np.column_stack([a * radius * np.cos(angle), b * radius * np.sin(angle)]))
    if poly is None or len(poly) < 4:
        raise RejectedError("degenerate outline")
    thickness = rng.uniform(0.008, 0.015)
    parts = [prism(poly, 0.0, thickness)]
    extra = rng.uniform()
    if extra < 0.35:  # a knob, like a lid
        r = rng.uniform(0.005, 0.012)
        parts.append(ObjectPart("cylinder", size=(r, rng.uniform(0.004, 0.01)), pos=(0.0, 0.0, thickness)))
    elif extra < 0.6:  # a rib across
        along = rng.uniform(0, _TAU)
        d = 0.6 * min(a, b) * np.array([np.cos(along), np.sin(along)])
        parts.append(bar((*(-d), thickness - 0.001), d, rng.uniform(0.004, 0.01), rng.uniform(0.005, 0.015)))
    return parts


def _hexagon(radius: float) -> np.ndarray:
    ang = np.arange(6) * _TAU / 6
    return radius * np.column_stack([np.cos(ang), np.sin(ang)])


def _stick(rng: np.random.Generator) -> list[ObjectPart]:
    section = str(rng.choice(["round", "square", "hex"]))
    if rng.uniform() < 0.5:  # standing
        width, height = rng.uniform(0.012, 0.022), rng.uniform(0.05, 0.10)
        if section == "round":
            return [ObjectPart("cylinder", size=(width / 2, height / 2), pos=(0.0, 0.0, height / 2))]
        if section == "square":
            return [box((0.0, 0.0, height / 2), (width / 2, width / 2 * rng.uniform(0.6, 1.0), height / 2))]
        return [prism(_hexagon(width / 2), 0.0, height)]
    width, length = rng.uniform(0.008, 0.02), rng.uniform(0.07, 0.14)
    if section == "round":
        return [
            ObjectPart("cylinder", size=(width / 2, length / 2), pos=(0.0, 0.0, width / 2), quat=_LYING_X)
        ]
    if section == "square":
        return [box((0.0, 0.0, width / 2), (length / 2, width / 2, width / 2))]
    hexagon = _hexagon(width / 2)  # in the (y, z) plane, a flat face down
    ends = [np.column_stack([np.full(6, x), hexagon[:, 0], hexagon[:, 1]]) for x in (-length / 2, length / 2)]
    return [ObjectPart("mesh", vertices=np.concatenate(ends))]


def _channel(rng: np.random.Generator) -> list[ObjectPart]:
    width, length = rng.uniform(0.025, 0.06), rng.uniform(0.03, 0.11)
    height, t = rng.uniform(0.015, 0.045), rng.uniform(0.003, 0.008)
    web_z = t / 2 if rng.uniform() < 0.5 else height - t / 2  # trough or bridge
    parts = [box((0.0, 0.0, web_z), (length / 2, width / 2 - t, t / 2))]  # between the flanges
    for side in (-1, 1):
        parts.append(box((0.0, side * (width - t) / 2, height / 2), (length / 2, t / 2, height / 2)))
    return parts


def _dumbbell(rng: np.random.Generator) -> list[ObjectPart]:
    if rng.uniform() < 0.6:  # lying, ends on the table, the bar in the air
        half = rng.uniform(0.015, 0.04)
        r_bar = rng.uniform(0.005, 0.011)
        end = str(rng.choice(["sphere", "disc", "block"]))
        if end == "sphere":
            radius = rng.uniform(0.012, 0.024)
            ends = [ObjectPart("sphere", size=(radius,), pos=(x, 0.0, radius)) for x in (-half, half)]
            z = radius
        elif end == "disc":
            radius, thick = rng.uniform(0.014, 0.026), rng.uniform(0.005, 0.012)
            ends = [
                ObjectPart("cylinder", size=(radius, thick), pos=(x, 0.0, radius), quat=_LYING_X)
                for x in (-half, half)
            ]
            z = radius
        else:
            s = rng.uniform(0.01, 0.022, 3)
            ends = [box((x, 0.0, s[2]), s) for x in (-half, half)]
            z = s[2]
        if r_bar > 0.7 * z:
            raise RejectedError("bar too thick for its ends")
        return [*ends, rod("cylinder", (-half, 0.0, z), (half, 0.0, z), r_bar)]
    radius, thick = rng.uniform(0.016, 0.03), rng.uniform(0.004, 0.01)
    core, core_h = rng.uniform(0.006, 0.7 * radius), rng.uniform(0.012, 0.05)
    return [
        ObjectPart("cylinder", size=(radius, thick / 2), pos=(0.0, 0.0, thick / 2)),
        ObjectPart("cylinder", size=(core, core_h / 2 + 0.001), pos=(0.0, 0.0, thick + core_h / 2)),
        ObjectPart("cylinder", size=(radius, thick / 2), pos=(0.0, 0.0, thick + core_h + thick / 2)),
    ]


def _frustum(rng: np.random.Generator) -> list[ObjectPart]:
    from grasp_sim.objects.geometry import _hull_2d

    n = int(rng.choice([3, 4, 5, 6, 8, 12]))
    angle = np.sort(rng.uniform(0, _TAU, n)) if n < 8 else np.arange(n) * _TAU / n + rng.uniform(0, _TAU)
    a, b = rng.uniform(0.015, 0.035), rng.uniform(0.012, 0.035)
    base = _hull_2d(np.column_stack([a * np.cos(angle), b * np.sin(angle)]) * rng.uniform(0.8, 1.0, (n, 1)))
    if base is None or len(base) < 3:
        raise RejectedError("degenerate outline")
    scale, height = rng.uniform(0.15, 0.75), rng.uniform(0.015, 0.05)
    shift = (1 - scale) * 0.3 * min(a, b) * rng.uniform(-1, 1, 2)
    top = base * scale + shift
    low = np.column_stack([base, np.zeros(len(base))])
    high = np.column_stack([top, np.full(len(top), height)])
    return [ObjectPart("mesh", vertices=np.concatenate([low, high]))]


def _plinth(rng: np.random.Generator) -> list[ObjectPart]:
    t, tall = rng.uniform(0.003, 0.007), rng.uniform(0.02, 0.055)
    margins = rng.uniform(0.0, 0.025, 4) * (rng.uniform(size=4) < 0.75)  # -x, +x, -y, +y
    if str(rng.choice(["box", "cylinder"])) == "box":
        half = rng.uniform(0.008, 0.022, 2)
        body = box((0.0, 0.0, t + tall / 2), (half[0], half[1], tall / 2))
    else:
        r = rng.uniform(0.008, 0.022)
        half = np.array([r, r])
        body = ObjectPart("cylinder", size=(r, tall / 2), pos=(0.0, 0.0, t + tall / 2))
    x0, x1 = -half[0] - margins[0], half[0] + margins[1]
    y0, y1 = -half[1] - margins[2], half[1] + margins[3]
    plate = box(((x0 + x1) / 2, (y0 + y1) / 2, t / 2), ((x1 - x0) / 2, (y1 - y0) / 2, t / 2))
    return [plate, body]


#: family -> (maker, largest narrowest-width of the whole object or None for "graspable somewhere")
SHAPE_MAKERS = {
    "compound": (_compound, None),
    "extrusion": (_extrusion, MAX_WIDTH),
    "cross": (_cross, None),
    "hook": (_hook, None),
    "plate": (_plate, MAX_WIDTH),
    "stick": (_stick, MAX_WIDTH),
    "channel": (_channel, MAX_WIDTH),
    "dumbbell": (_dumbbell, MAX_WIDTH),
}
SHAPE_FAMILIES: tuple[str, ...] = tuple(SHAPE_MAKERS)
#: Families only in ``extra_train`` / ``diverse_train`` (added on 2026-11-23 without changing the sets above).
EXTRA_SHAPE_MAKERS = {"frustum": (_frustum, MAX_WIDTH), "plinth": (_plinth, None)}
EXTRA_SHAPE_FAMILIES: tuple[str, ...] = tuple(EXTRA_SHAPE_MAKERS)
_ALL_SHAPE_MAKERS = {**SHAPE_MAKERS, **EXTRA_SHAPE_MAKERS}


def family_seed(family: str) -> int:
    """A stable number per family name, so adding a family never changes the others' objects."""
    return zlib.crc32(family.encode())


def make_multipart(makers: dict, family: str, rng: np.random.Generator, name: str) -> ObjectSpec:
    """One random object of a multi-part ``family`` of ``makers`` (mass, friction, colour as the procedural
    family draws them)."""
    if family not in makers:
        raise ValueError(f"unknown family {family!r}; expected one of {tuple(makers)}")
    maker, max_width = makers[family]
    parts, height = generate(maker, rng, max_width=max_width)
    return finish_object(parts, height, family, rng, name)


def make_shape(family: str, rng: np.random.Generator, name: str) -> ObjectSpec:
    """One random object of a training shape family (see the module docstring)."""
    return make_multipart(_ALL_SHAPE_MAKERS, family, rng, name)
