"""Tests for grasp_sim.objects.placement: non-overlapping drop positions, unchanged where they always were."""

from __future__ import annotations

import copy
import math

import mujoco
import numpy as np
import pytest
from grasp_sim.objects import (
    ObjectPart,
    ObjectSpec,
    add_object,
    bounding_radius,
    draw_objects,
    footprint_radius,
    place_objects,
    resolve_object_set,
)
from grasp_sim.objects.build import coarse_points
from grasp_sim.objects.placement import Footprint, footprints_clear, part_footprint
from grasp_sim.objects.sets import shape_object

X, Y = (0.42, 0.58), (-0.08, 0.08)  # WorldConfig's object region


def _old_placement(
    objects: list[ObjectSpec], rng: np.random.Generator
) -> tuple[list[tuple[float, float, float]], bool]:
    """What GraspWorld.reset drew before place_objects: positions (200 tries each), then one yaw per object;
    and whether every object found a free spot."""
    placed: list[tuple[float, float, float]] = []
    fitted = True
    for obj in objects:
        radius = footprint_radius(obj)
        for _attempt in range(200):
            x, y = rng.uniform(*X), rng.uniform(*Y)
            if all(math.hypot(x - px, y - py) > radius + pr + 0.005 for px, py, pr in placed):
                break
        else:
            fitted = False
        placed.append((x, y, radius))
    return [(x, y, rng.uniform(-np.pi, np.pi)) for x, y, _ in placed], fitted


def _penetrating_pairs(objects: list[ObjectSpec], placements: list) -> int:
    """Object-object contacts with penetration right after the drop, as MuJoCo computes them."""
    spec = mujoco.MjSpec()
    spec.worldbody.add_geom(type=mujoco.mjtGeom.mjGEOM_BOX, size=[0.5, 0.5, 0.02], pos=[0.5, 0.0, -0.02])
    for k, p in enumerate(placements):
        add_object(spec, objects[p.index], f"o{k}", pos=(p.x, p.y, 0.002), quat=p.quat)
    model = spec.compile()
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    count = 0
    for contact in data.contact[: data.ncon]:
        a, b = model.geom_bodyid[contact.geom1], model.geom_bodyid[contact.geom2]
        count += bool(a and b and a != b and contact.dist < 0)
    return count


@pytest.mark.parametrize("object_set", ["train", "heldout"])
def test_scenes_that_always_fitted_are_unchanged_draw_for_draw(object_set: str) -> None:
    pool = resolve_object_set(object_set)
    fitted_scenes = 0
    for seed in range(60):
        rng = np.random.default_rng(seed)
        objects = draw_objects(pool, int(rng.integers(1, 6)), rng)
        old_rng = copy.deepcopy(rng)
        old, fitted = _old_placement(objects, old_rng)
        new = place_objects(objects, rng, X, Y)
        assert _penetrating_pairs(objects, new) == 0, seed
        if fitted:
            assert [(p.index, p.x, p.y, p.yaw) for p in new] == [(i, *pose) for i, pose in enumerate(old)]
            assert (
                rng.bit_generator.state == old_rng.bit_generator.state
            )  # the rest of reset() draws the same
            fitted_scenes += 1
    assert fitted_scenes >= 50  # about 9 in 10 scenes of 1-5 objects fitted the old way


def test_crowded_scenes_do_not_overlap_and_keep_at_least_one() -> None:
    pool = [shape_object(f, i) for f in ("cross", "hook", "channel", "compound") for i in range(8)]
    dropped = 0
    for seed in range(25):
        rng = np.random.default_rng(seed)
        objects = draw_objects(pool, 5, rng)
        placements = place_objects(objects, rng, X, Y)
        assert placements and placements[0].index == 0
        assert [p.index for p in placements] == sorted({p.index for p in placements})
        for p in placements:
            assert X[0] <= p.x <= X[1] and Y[0] <= p.y <= Y[1] and -np.pi <= p.yaw <= np.pi
        poses = [Footprint(objects[p.index]).at(p.x, p.y, p.yaw) for p in placements]
        for i in range(len(poses)):
            for j in range(i):
                assert footprints_clear(poses[i], poses[j], 0.005)
        assert _penetrating_pairs(objects, placements) == 0, seed
        dropped += len(objects) - len(placements)
    assert dropped < 25 * 5 / 2  # it packs, rather than giving up


def test_objects_that_cannot_fit_are_left_out() -> None:
    big = shape_object("cross", 0)
    rng = np.random.default_rng(0)
    placements = place_objects([big, big, big], rng, (0.5, 0.501), (0.0, 0.001))
    assert [p.index for p in placements] == [0]
    assert place_objects([], rng, X, Y) == []


def test_footprints_contain_the_parts_seen_from_above() -> None:
    parts = [
        ObjectPart("box", size=(0.03, 0.01, 0.02), pos=(0.01, 0.0, 0.02), quat=(0.9, 0.1, 0.3, 0.2)),
        ObjectPart("cylinder", size=(0.01, 0.04), pos=(0.0, 0.02, 0.01), quat=(0.7071, 0.0, 0.7071, 0.0)),
        ObjectPart("capsule", size=(0.012, 0.03), pos=(-0.01, 0.0, 0.012), quat=(0.8, 0.0, 0.6, 0.0)),
        ObjectPart("sphere", size=(0.02,), pos=(0.03, -0.02, 0.02)),
        ObjectPart("mesh", vertices=np.random.default_rng(1).uniform(-0.02, 0.02, (12, 3))),
    ]
    for part in parts:
        polygon = part_footprint(part)
        edges = np.roll(polygon, -1, axis=0) - polygon
        pts = coarse_points(part, ring=96)[:, :2]
        rel = pts[:, None, :] - polygon[None, :, :]
        cross = edges[None, :, 0] * rel[:, :, 1] - edges[None, :, 1] * rel[:, :, 0]
        assert (cross >= -1e-9).all(), part.kind  # every point left of every counter-clockwise edge


def test_bounding_radius_covers_lying_cylinders_and_equals_the_old_bound_otherwise() -> None:
    lying = ObjectSpec(
        name="rod",
        parts=(
            ObjectPart("cylinder", size=(0.01, 0.06), pos=(0.0, 0.0, 0.01), quat=(0.7071, 0.0, 0.7071, 0.0)),
        ),
        mass=0.1,
        height=0.02,
        family="test",
    )
    assert footprint_radius(lying) == pytest.approx(0.01)  # the old bound misses its length
    assert bounding_radius(lying) == pytest.approx(0.07)
    for obj in resolve_object_set("heldout"):
        assert bounding_radius(obj) <= footprint_radius(obj) + 1e-9
