"""Procedural object family: boxes, standing cylinders, spheres, lying capsules, random convex hulls.

Every object is graspable top-down by the 0.085 m parallel-jaw gripper: narrowest horizontal width in
[MIN_WIDTH, MAX_WIDTH], height in [MIN_HEIGHT, MAX_HEIGHT], length at most MAX_LENGTH.
"""

from __future__ import annotations

import colorsys
import dataclasses
import functools

import numpy as np

from grasp_sim.objects.geometry import horizontal_widths, hull_volume
from grasp_sim.objects.spec import ObjectPart, ObjectSpec

FAMILIES: tuple[str, ...] = ("box", "cylinder", "sphere", "capsule", "convex")
SPLITS: tuple[str, ...] = ("train", "heldout")

MIN_WIDTH = 0.015  # m, narrowest horizontal width
MAX_WIDTH = 0.065
MIN_HEIGHT = 0.02
MAX_HEIGHT = 0.09
MAX_LENGTH = 0.14  # m, longest horizontal extent (elongated boxes and capsules)
MIN_MASS = 0.03  # kg
MAX_MASS = 0.4

_LYING = (np.sqrt(0.5), 0.0, np.sqrt(0.5), 0.0)  # rotates the part's z axis onto body x


def _box(rng: np.random.Generator) -> tuple[list[ObjectPart], float]:
    width = rng.uniform(0.02, 0.06)
    length = rng.uniform(width, 0.12)
    height = rng.uniform(MIN_HEIGHT, min(0.08, 3 * width))
    part = ObjectPart("box", size=(length / 2, width / 2, height / 2), pos=(0.0, 0.0, height / 2))
    return [part], height


def _cylinder(rng: np.random.Generator) -> tuple[list[ObjectPart], float]:
    radius = rng.uniform(0.01, MAX_WIDTH / 2)
    height = rng.uniform(MIN_HEIGHT, min(MAX_HEIGHT, 6 * radius))  # at most 3x its diameter
    return [ObjectPart("cylinder", size=(radius, height / 2), pos=(0.0, 0.0, height / 2))], height


def _sphere(rng: np.random.Generator) -> tuple[list[ObjectPart], float]:
    radius = rng.uniform(0.01, MAX_WIDTH / 2)
    return [ObjectPart("sphere", size=(radius,), pos=(0.0, 0.0, radius))], 2 * radius


def _capsule(rng: np.random.Generator) -> tuple[list[ObjectPart], float]:
    radius = rng.uniform(0.01, 0.03)
    half_length = rng.uniform(0.01, MAX_LENGTH / 2 - radius)
    part = ObjectPart("capsule", size=(radius, half_length), pos=(0.0, 0.0, radius), quat=_LYING)
    return [part], 2 * radius


def _convex(rng: np.random.Generator) -> tuple[list[ObjectPart], float]:
    """Hull of 12-30 random points, set down on its most probable stable face, scaled to random extents.

    Scaling along the axes keeps the resting face stable (an affine map keeps the centre of mass
    projection inside the face), so the canonical pose is a static equilibrium.
    """
    import trimesh

    while True:
        extents = rng.uniform(0.025, [0.09, MAX_WIDTH, 0.08])  # length, width, height
        points = rng.uniform(-0.5, 0.5, size=(int(rng.integers(12, 31)), 3))
        hull = trimesh.convex.convex_hull(points)
        poses, probabilities = hull.compute_stable_poses()
        verts = trimesh.transform_points(hull.vertices, poses[int(np.argmax(probabilities))])
        lo, hi = verts.min(0), verts.max(0)
        verts = (verts - (lo + hi) / 2) / (hi - lo) * extents + [0.0, 0.0, extents[2] / 2]
        part = ObjectPart("mesh", vertices=verts)
        probe = ObjectSpec(name="probe", parts=(part,), mass=1.0, height=extents[2], family="convex")
        if MIN_WIDTH <= horizontal_widths(probe)[0] <= MAX_WIDTH and hull_volume(verts) > 2e-6:
            return [part], float(extents[2])


_MAKERS = {"box": _box, "cylinder": _cylinder, "sphere": _sphere, "capsule": _capsule, "convex": _convex}


def make_object(family: str, rng: np.random.Generator, name: str) -> ObjectSpec:
    """One random object of ``family`` (mass from a random density, clipped to 0.03-0.4 kg)."""
    if family not in _MAKERS:
        raise ValueError(f"unknown family {family!r}; expected one of {FAMILIES}")
    parts, height = _MAKERS[family](rng)
    return finish_object(parts, height, family, rng, name)


def finish_object(
    parts: list[ObjectPart], height: float, family: str, rng: np.random.Generator, name: str
) -> ObjectSpec:
    """An ``ObjectSpec`` from its parts, with the random mass, friction and colour every family gets.

    Shared by this module's families and the other procedural ones (``shapes``, ``everyday``).
    """
    probe = ObjectSpec(name=name, parts=tuple(parts), mass=1.0, height=height, family=family)
    density = rng.uniform(150.0, 1500.0)  # kg/m^3: foam to dense plastic
    mass = float(np.clip(density * probe.volume, MIN_MASS, MAX_MASS))
    friction = (float(rng.uniform(0.5, 1.0)), 0.005, 0.0001)
    rgb = colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(0.4, 0.9), rng.uniform(0.5, 0.95))
    return dataclasses.replace(probe, mass=mass, friction=friction, rgba=(*map(float, rgb), 1.0))


@functools.lru_cache(maxsize=256)
def _catalogue_entry(seed: int, index: int) -> ObjectSpec:
    family = FAMILIES[index % len(FAMILIES)]
    return make_object(family, np.random.default_rng([seed, index]), f"{family}_{index:03d}")


def object_catalogue(seed: int = 0, count: int = 250) -> list[ObjectSpec]:
    """``count`` objects named ``{family}_{index:03d}``, families in turn; deterministic in ``seed``.

    Object ``i`` depends only on ``(seed, i)``, so a shorter catalogue is a prefix of a longer one.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    return [_catalogue_entry(seed, i) for i in range(count)]


def split_catalogue(
    catalogue: list[ObjectSpec], heldout_fraction: float = 0.2, seed: int = 0
) -> dict[str, list[ObjectSpec]]:
    """Fixed seeded split by instance, stratified by family; objects renamed ``{split}_{name}``.

    Every family lands in both halves (each needs at least two instances).
    """
    if not 0.0 < heldout_fraction < 1.0:
        raise ValueError(f"heldout_fraction must be in (0, 1), got {heldout_fraction}")
    rng = np.random.default_rng(seed)
    heldout: set[int] = set()
    for family in sorted({o.family for o in catalogue}):
        idx = [i for i, o in enumerate(catalogue) if o.family == family]
        if len(idx) < 2:
            raise ValueError(f"family {family!r} has {len(idx)} instance(s); a split needs at least 2")
        n_held = min(max(1, round(heldout_fraction * len(idx))), len(idx) - 1)
        heldout.update(rng.permutation(idx)[:n_held].tolist())
    return {
        split: [
            dataclasses.replace(o, name=f"{split}_{o.name}")
            for i, o in enumerate(catalogue)
            if (i in heldout) == (split == "heldout")
        ]
        for split in SPLITS
    }


@functools.lru_cache(maxsize=1)
def _default_splits() -> dict[str, tuple[ObjectSpec, ...]]:
    return {k: tuple(v) for k, v in split_catalogue(object_catalogue()).items()}


def sample_objects(split: str, count: int, rng: np.random.Generator) -> list[ObjectSpec]:
    """``count`` distinct instances drawn from the ``"train"`` or ``"heldout"`` half of the default split."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    pool = _default_splits()[split]
    if not 0 <= count <= len(pool):
        raise ValueError(f"cannot draw {count} distinct objects from the {len(pool)} in split {split!r}")
    return [pool[i] for i in rng.choice(len(pool), size=count, replace=False)]
