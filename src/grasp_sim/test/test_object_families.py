"""Tests for the multi-part families: training ``shapes`` (and the extra ones) and the ``everyday`` test families."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
from grasp_sim.objects import (
    EVERYDAY_FAMILIES,
    GRIPPER_MAX_OPENING,
    SHAPE_FAMILIES,
    ObjectSpec,
    add_object,
    horizontal_widths,
    make_everyday,
    make_shape,
    vertical_extent,
)
from grasp_sim.objects.build import MAX_HEIGHT, MAX_SPAN, MIN_HEIGHT, check_object, coarse_points, widths
from grasp_sim.objects.everyday import EVERYDAY_MAKERS
from grasp_sim.objects.geometry import object_points
from grasp_sim.objects.shapes import EXTRA_SHAPE_FAMILIES, EXTRA_SHAPE_MAKERS, SHAPE_MAKERS

PER_FAMILY = 6
TRAINING = SHAPE_FAMILIES + EXTRA_SHAPE_FAMILIES
MAKERS = {**{f: make_shape for f in TRAINING}, **{f: make_everyday for f in EVERYDAY_FAMILIES}}
LIMITS = {
    f: w for makers in (SHAPE_MAKERS, EXTRA_SHAPE_MAKERS, EVERYDAY_MAKERS) for f, (_, w) in makers.items()
}
# Families whose instances may be a single convex part; every other family is a union of several.
SINGLE_PART = {"plate", "stick", "wedge", "frustum"}


@pytest.fixture(scope="module")
def samples() -> dict[str, list[ObjectSpec]]:
    return {
        family: [maker(family, np.random.default_rng([42, i]), f"{family}_{i}") for i in range(PER_FAMILY)]
        for family, maker in MAKERS.items()
    }


def _signature(obj: ObjectSpec) -> list:
    parts = [
        (p.kind, p.size, p.pos, p.quat, None if p.vertices is None else p.vertices.tolist())
        for p in obj.parts
    ]
    return [obj.name, obj.family, obj.mass, obj.height, obj.friction, *parts]


def test_families_are_distinct_and_named() -> None:
    assert len(SHAPE_FAMILIES) == 8 and len(EVERYDAY_FAMILIES) == 8 and EXTRA_SHAPE_FAMILIES == ("frustum", "plinth")
    assert not set(TRAINING) & set(EVERYDAY_FAMILIES)
    assert set(EVERYDAY_FAMILIES) == {"mug", "bottle", "bracket", "banana", "torus", "rock", "tee", "wedge"}
    with pytest.raises(ValueError, match="unknown family"):
        make_shape("mug", np.random.default_rng(0), "x")  # a test family is not a training shape
    with pytest.raises(ValueError, match="unknown family"):
        make_everyday("hook", np.random.default_rng(0), "x")


def test_objects_are_deterministic(samples: dict[str, list[ObjectSpec]]) -> None:
    for family, maker in MAKERS.items():
        again = maker(family, np.random.default_rng([42, 0]), f"{family}_0")
        assert _signature(again) == _signature(samples[family][0]), family
        other = maker(family, np.random.default_rng([43, 0]), f"{family}_0")
        assert _signature(other) != _signature(samples[family][0]), family


def test_every_object_is_graspable_somewhere_and_in_the_body_frame(
    samples: dict[str, list[ObjectSpec]],
) -> None:
    for family, objs in samples.items():
        for obj in objs:
            assert obj.family == family
            low, high = vertical_extent(obj)
            assert low == pytest.approx(0.0, abs=1e-9), obj.name
            assert high == pytest.approx(obj.height, abs=1e-9), obj.name
            assert MIN_HEIGHT <= obj.height <= MAX_HEIGHT, obj.name
            pts = object_points(obj)
            centre = (pts[:, :2].min(0) + pts[:, :2].max(0)) / 2
            np.testing.assert_allclose(centre, 0.0, atol=1e-9, err_msg=obj.name)
            narrowest, across = horizontal_widths(obj)
            assert max(narrowest, across) <= MAX_SPAN + 1e-3, obj.name
            if LIMITS[family] is not None:
                assert narrowest <= LIMITS[family] + 1e-3, obj.name
            # some part (at least 8 mm tall) fits between the fingers with 5 mm to spare on each side
            pinch = [
                widths(coarse_points(p))[0] for p in obj.parts if coarse_points(p)[:, 2].max() >= MIN_HEIGHT
            ]
            assert min(pinch) <= GRIPPER_MAX_OPENING - 0.01, obj.name
            assert 0.03 <= obj.mass <= 0.4, obj.name  # the procedural mass rule, unchanged
            if family not in SINGLE_PART:
                assert len(obj.parts) >= 2, obj.name
            check_object(list(obj.parts), obj.height, max_width=LIMITS[family])  # raises if it fails


def _solidity(obj: ObjectSpec, rng: np.random.Generator, samples: int = 2000) -> float:
    """Fraction of the object's convex hull filled by the union of its parts (Monte Carlo)."""
    from scipy.spatial import ConvexHull

    def inside(points: np.ndarray, query: np.ndarray) -> np.ndarray:
        eq = ConvexHull(points).equations
        return (query @ eq[:, :3].T + eq[:, 3]).max(axis=1) <= 1e-9

    every = np.concatenate([coarse_points(p, ring=16) for p in obj.parts])
    pts = rng.uniform(every.min(0), every.max(0), size=(samples, 3))
    pts = pts[inside(every, pts)]
    filled = np.zeros(len(pts), dtype=bool)
    for part in obj.parts:
        filled |= inside(coarse_points(part, ring=16), pts)
    return float(filled.mean())


def test_multi_part_families_are_not_convex(samples: dict[str, list[ObjectSpec]]) -> None:
    """Instances of the union families fill clearly less than their convex hull (a convex object fills it)."""
    rng = np.random.default_rng(0)
    for family, objs in samples.items():
        solidity = [_solidity(o, rng) for o in objs]
        for obj, value in zip(objs, solidity, strict=True):
            if len(obj.parts) == 1:
                assert value > 0.97, (obj.name, value)  # what the estimate gives for a convex object
        if family not in SINGLE_PART:
            assert np.median(solidity) < 0.9, (family, solidity)


def test_objects_rest_on_the_table(samples: dict[str, list[ObjectSpec]]) -> None:
    spec = mujoco.MjSpec()
    spec.option.timestep = 0.002
    spec.worldbody.add_geom(type=mujoco.mjtGeom.mjGEOM_BOX, size=[3.0, 3.0, 0.02], pos=[0.0, 0.0, -0.02])
    placed = {}
    for row, (family, objs) in enumerate(samples.items()):
        for col, obj in enumerate(objs[:3]):
            name = f"{family}_{col}"
            add_object(spec, obj, name, pos=(0.2 * col - 0.2, 0.2 * row - 1.6, 0.0))
            placed[name] = obj
    model = spec.compile()
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    start = {name: data.xipos[model.body(name).id, 2] for name in placed}
    for _ in range(500):
        mujoco.mj_step(model, data)
    for name, obj in placed.items():
        body = model.body(name).id
        assert model.body_mass[body] == pytest.approx(obj.mass, rel=1e-6), name
        assert data.xpos[body, 2] > -0.003, (name, "sank into the table")
        # it neither tipped over nor fell: its centre of mass is where it started (lying rods may roll)
        assert abs(data.xipos[body, 2] - start[name]) < 0.003, (name, "tipped over")
        assert np.linalg.norm(data.cvel[body, 3:]) < 0.05, (name, "still moving")
