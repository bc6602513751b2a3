"""Everyday test families: procedural stand-ins for the shapes users grasp, built from convex parts.

A TEST set only: none of these families is in any training set (``train``, ``shapes_train``,
``urdf_train``), so success on it measures generalisation to shape families never seen in training.

- ``mug``: a thin wall of 12-16 box segments around a bottom disc, with a C-shaped handle;
- ``bottle``: body, shoulder (a frustum), neck and cap; standing, or lying on its side;
- ``bracket``: an L angle bracket, one flange on the table, the other upright;
- ``banana``: 5-7 lying cylinders along a flat arc, thinner towards the rounded ends;
- ``torus``: a ring of 10-16 lying cylinders;
- ``rock``: 3-5 convex blobs fused into a lumpy, non-convex stone, on its most stable side;
- ``tee``: a flat T of bars, or a pipe tee of two lying cylinders;
- ``wedge``: a triangular prism lying on its rectangular face (doorstop or ridge).
"""

from __future__ import annotations

import numpy as np

from grasp_sim.objects.build import (
    RejectedError,
    bar,
    box,
    frustum,
    make_rotation_z_to,
    ring,
    rod,
    transform_part,
)
from grasp_sim.objects.procedural import MAX_WIDTH
from grasp_sim.objects.shapes import make_multipart
from grasp_sim.objects.spec import ObjectPart, ObjectSpec

_TAU = 2 * np.pi


def _mug(rng: np.random.Generator) -> list[ObjectPart]:
    outer, wall = rng.uniform(0.022, 0.032), rng.uniform(0.003, 0.005)
    height, segments = rng.uniform(0.05, 0.095), int(rng.integers(12, 17))
    parts = ring(outer - wall, outer, segments, 0.0, height)
    bottom = rng.uniform(0.004, 0.007)
    parts.append(ObjectPart("cylinder", size=(outer - wall, bottom / 2), pos=(0.0, 0.0, bottom / 2)))
    reach, thick = rng.uniform(0.014, 0.022), rng.uniform(0.005, 0.009)
    low, high = height * rng.uniform(0.15, 0.3), height * rng.uniform(0.7, 0.85)
    x0, x1 = outer, outer + reach - thick  # two arms from the wall to an upright
    for z in (low, high):
        parts.append(box(((x0 + x1) / 2, 0.0, z), ((x1 - x0) / 2, thick / 2, thick / 2)))
    parts.append(
        box((x1 + thick / 2, 0.0, (low + high) / 2), (thick / 2, thick / 2, (high - low) / 2 + thick / 2))
    )
    return parts


def _bottle(rng: np.random.Generator) -> list[ObjectPart]:
    radius, body = rng.uniform(0.016, 0.03), rng.uniform(0.04, 0.065)
    neck_r, shoulder = rng.uniform(0.007, min(0.013, 0.6 * radius)), rng.uniform(0.008, 0.02)
    neck, cap = rng.uniform(0.008, 0.02), rng.uniform(0.006, 0.01)
    z = [0.0, body, body + shoulder, body + shoulder + neck, body + shoulder + neck + cap]
    parts = [
        ObjectPart("cylinder", size=(radius, body / 2), pos=(0.0, 0.0, body / 2)),
        frustum(radius, neck_r, z[1] - 0.001, z[2] + 0.001),
        ObjectPart("cylinder", size=(neck_r, neck / 2), pos=(0.0, 0.0, (z[2] + z[3]) / 2)),
        ObjectPart("cylinder", size=(neck_r + 0.0015, cap / 2), pos=(0.0, 0.0, (z[3] + z[4]) / 2)),
    ]
    if rng.uniform() < 0.6:
        return parts
    lying = make_rotation_z_to((1.0, 0.0, 0.0))  # on its side, body down
    return [transform_part(p, lying, (0.0, 0.0, radius)) for p in parts]


def _bracket(rng: np.random.Generator) -> list[ObjectPart]:
    length, foot, rise = rng.uniform(0.03, 0.1), rng.uniform(0.02, 0.045), rng.uniform(0.02, 0.05)
    t = rng.uniform(0.003, 0.007)
    return [
        box((0.0, 0.0, t / 2), (length / 2, foot / 2, t / 2)),
        box((0.0, -foot / 2 + t / 2, (t + rise) / 2), (length / 2, t / 2, (rise - t) / 2)),  # on the foot
    ]


def _chain(points: np.ndarray, radii: np.ndarray, closed: bool) -> list[ObjectPart]:
    """Lying cylinders from point to point, each resting on the table; a sphere rounds each free end.

    Cylinders rather than capsules: a chain of capsules counts a whole ball twice at every joint, and the
    world's mass is density x the parts' summed volume. Butted end to end, they overlap inside each bend as
    much as they leave open outside it (a notch under 2 mm deep for bends of 36 degrees or less), so the
    summed volume is that of the smooth shape within a few percent.
    """
    parts = [
        rod("cylinder", (*a, r), (*b, r), r) for a, b, r in zip(points[:-1], points[1:], radii, strict=True)
    ]
    if not closed:
        for point, r in ((points[0], radii[0]), (points[-1], radii[-1])):
            parts.append(ObjectPart("sphere", size=(r,), pos=(point[0], point[1], r)))
    return parts


def _banana(rng: np.random.Generator) -> list[ObjectPart]:
    bend, arc = rng.uniform(0.05, 0.11), np.radians(rng.uniform(50, 110))
    n, r_max = int(rng.integers(5, 8)), rng.uniform(0.011, 0.018)
    s = np.linspace(0.0, 1.0, n + 1)
    angle = (s - 0.5) * arc
    points = bend * np.column_stack([np.sin(angle), np.cos(angle) - 1.0])
    profile = r_max * (0.55 + 0.45 * np.sin(np.pi * (s[:-1] + s[1:]) / 2))
    return _chain(points, profile, closed=False)


def _torus(rng: np.random.Generator) -> list[ObjectPart]:
    major, minor, n = rng.uniform(0.016, 0.028), rng.uniform(0.0045, 0.009), int(rng.integers(10, 17))
    if major - minor < 0.008:
        raise RejectedError("hole too small")
    angle = _TAU * np.arange(n + 1) / n
    points = major * np.column_stack([np.cos(angle), np.sin(angle)])
    return _chain(points, np.full(n, minor), closed=True)


def _inside(points: np.ndarray, query: np.ndarray) -> bool:
    from scipy.spatial import ConvexHull

    eq = ConvexHull(points).equations
    return bool((eq[:, :3] @ query + eq[:, 3]).max() <= 0.0)


def _rock(rng: np.random.Generator) -> list[ObjectPart]:
    """3-5 blobs (hulls of 14-24 points on random ellipsoids), each fused to an earlier one (both contain the
    midpoint of their centres), set down on the union's most stable face and scaled to 3.5-8.5 cm long."""
    import trimesh

    def blob(centre: np.ndarray) -> np.ndarray:
        direction = rng.normal(size=(int(rng.integers(14, 25)), 3))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        return centre + direction * rng.uniform(0.3, 0.5, 3) * rng.uniform(0.8, 1.0, (len(direction), 1))

    chunks = [blob(np.zeros(3))]
    while len(chunks) < 3 + int(rng.integers(0, 3)):
        parent = chunks[int(rng.integers(len(chunks)))]
        centre = parent.mean(0) + rng.normal(size=3) * [0.3, 0.3, 0.15]
        chunk = blob(centre)
        middle = (parent.mean(0) + chunk.mean(0)) / 2
        if _inside(parent, middle) and _inside(chunk, middle):
            chunks.append(chunk)
    volumes = np.array([trimesh.convex.convex_hull(c).volume for c in chunks])
    com = volumes @ np.array([trimesh.convex.convex_hull(c).center_mass for c in chunks]) / volumes.sum()
    poses, probabilities = trimesh.convex.convex_hull(np.concatenate(chunks)).compute_stable_poses(
        center_mass=com
    )
    posed = [trimesh.transform_points(c, poses[int(np.argmax(probabilities))]) for c in chunks]
    allp = np.concatenate(posed)
    lo, hi = allp.min(0), allp.max(0)
    scale = rng.uniform(0.035, 0.085) / (hi - lo)[:2].max() * rng.uniform(0.85, 1.15, 3)
    return [ObjectPart("mesh", vertices=(c - (lo + hi) / 2) * scale) for c in posed]


def _tee(rng: np.random.Generator) -> list[ObjectPart]:
    if rng.uniform() < 0.5:  # flat T of bars
        top, stem = rng.uniform(0.04, 0.1), rng.uniform(0.03, 0.08)
        width, height = rng.uniform(0.01, 0.025), rng.uniform(0.008, 0.03)
        return [
            bar((-top / 2, 0.0), (top / 2, 0.0), width, height),
            bar((0.0, -width / 2 + 0.001), (0.0, -stem), width, height),
        ]
    radius, run, branch = rng.uniform(0.008, 0.016), rng.uniform(0.04, 0.09), rng.uniform(0.02, 0.045)
    return [
        rod("cylinder", (-run / 2, 0.0, radius), (run / 2, 0.0, radius), radius),
        rod("cylinder", (0.0, 0.0, radius), (0.0, -branch - radius, radius), radius * rng.uniform(0.8, 1.0)),
    ]


def _wedge(rng: np.random.Generator) -> list[ObjectPart]:
    base, length, height = rng.uniform(0.03, 0.065), rng.uniform(0.03, 0.09), rng.uniform(0.015, 0.05)
    apex = rng.choice([0.0, rng.uniform(0.0, 1.0)])  # 0: right-angled doorstop
    profile = np.array([[-base / 2, 0.0], [base / 2, 0.0], [-base / 2 + apex * base, height]])
    ends = [np.column_stack([profile[:, 0], np.full(3, y), profile[:, 1]]) for y in (-length / 2, length / 2)]
    return [ObjectPart("mesh", vertices=np.concatenate(ends))]


#: family -> (maker, largest narrowest-width of the whole object or None for "graspable somewhere")
EVERYDAY_MAKERS = {
    "mug": (_mug, MAX_WIDTH),
    "bottle": (_bottle, MAX_WIDTH),
    "bracket": (_bracket, MAX_WIDTH),
    "banana": (_banana, None),
    "torus": (_torus, None),
    "rock": (_rock, MAX_WIDTH),
    "tee": (_tee, None),
    "wedge": (_wedge, MAX_WIDTH),
}
EVERYDAY_FAMILIES: tuple[str, ...] = tuple(EVERYDAY_MAKERS)


def make_everyday(family: str, rng: np.random.Generator, name: str) -> ObjectSpec:
    """One random object of an everyday test family (see the module docstring)."""
    return make_multipart(EVERYDAY_MAKERS, family, rng, name)
