"""Antipodal top-down grasps on synthetic height maps, and the distance-to-nearest-grasp label (numpy only)."""

import math

import numpy as np
import pytest
from grasp_sim.antipodal import (
    GripperFootprint,
    PlanarGrasps,
    antipodal_grasps,
    grasp_distance,
    grasps_at,
    taught_grasp,
    wrap_yaw,
)
from grasp_sim.heightmap import Heightmap

RES = 0.002
CENTRE = np.array([0.5, 0.0])


def at(dx: float, dy: float = 0.0) -> np.ndarray:
    return CENTRE + np.array([dx, dy])


def table(size: float = 0.24) -> Heightmap:
    cells = round(size / RES) + 1
    origin = (CENTRE[0] - size / 2, CENTRE[1] - size / 2)
    return Heightmap(np.zeros((cells, cells), np.float32), np.full((cells, cells), -1, np.int32), origin, RES)


def _local(hm: Heightmap, centre, yaw: float) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.indices(hm.shape)
    xy = hm.cell_xy(rows, cols) - np.asarray(centre)
    c, s = math.cos(yaw), math.sin(yaw)
    return xy[..., 0] * c + xy[..., 1] * s, -xy[..., 0] * s + xy[..., 1] * c


def add_box(hm: Heightmap, index: int, centre, size, height: float, yaw: float = 0.0) -> Heightmap:
    a, b = _local(hm, centre, yaw)
    return _paint(hm, (np.abs(a) <= size[0] / 2) & (np.abs(b) <= size[1] / 2), height, index)


def add_cylinder(hm: Heightmap, index: int, centre, radius: float, height: float) -> Heightmap:
    a, b = _local(hm, centre, 0.0)
    return _paint(hm, np.hypot(a, b) <= radius, height, index)


def _paint(hm: Heightmap, mask: np.ndarray, height, index: int) -> Heightmap:
    heights, objects = hm.heights.copy(), hm.object_index.copy()
    heights[mask] = height if np.isscalar(height) else height[mask]
    objects[mask] = index
    return Heightmap(heights, objects, hm.origin_xy, hm.resolution)


def sample(hm: Heightmap, seed: int = 0, **kwargs) -> PlanarGrasps:
    rng = np.random.default_rng(seed)
    return antipodal_grasps(hm, GripperFootprint(), samples=kwargs.pop("samples", 3000), rng=rng, **kwargs)


def yaw_error(yaw, target: float) -> np.ndarray:
    return np.abs(wrap_yaw(np.asarray(yaw) - target))


# --- geometry ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("yaw", [0.0, 0.5, -1.2])
def test_a_long_box_is_grasped_across_its_narrow_side_with_its_width(yaw):
    hm = add_box(table(), 0, CENTRE, (0.03, 0.12), 0.04, yaw)  # 120 mm: longer than the 85 mm stroke
    grasps = sample(hm)
    assert len(grasps) > 50
    assert np.all(grasps.object_index == 0)
    tilt = yaw_error(grasps.yaw, yaw)
    assert np.all(tilt < math.radians(30))  # the faces' friction cone (26.6 degrees) and the normals' noise
    assert np.median(tilt) < math.radians(12)
    assert np.all((grasps.quality >= 0) & (grasps.quality <= 1))
    axis, side = np.array([math.cos(yaw), math.sin(yaw)]), np.array([-math.sin(yaw), math.cos(yaw)])
    assert np.all(np.abs((grasps.poses[:, :2] - CENTRE) @ axis) <= 1.5 * RES)  # re-centred between the faces
    # Pads wholly on the faces meet them at a corner of the pad: 24 mm x tan(tilt) more than across the faces.
    inner = np.abs((grasps.poses[:, :2] - CENTRE) @ side) < 0.06 - 0.012 * np.cos(tilt) - 0.03 * np.sin(tilt)
    expected = 0.03 / np.cos(tilt) + 0.024 * np.tan(tilt)
    assert np.all(np.abs(grasps.width - expected)[inner] <= 2 * RES)  # the map's cells: 2 mm
    assert np.all(grasps.width <= expected + 2 * RES)


def test_an_object_wider_than_the_opening_has_no_grasp():
    hm = add_box(table(), 0, CENTRE, (0.10, 0.10), 0.04)
    assert len(sample(hm)) == 0
    assert len(sample(add_cylinder(table(), 0, CENTRE, 0.045, 0.05))) == 0


def open_pads(grasps: PlanarGrasps, shrink: float = RES) -> np.ndarray:
    """(N, P, 2) points covering both open pads' footprints (less ``shrink`` all round)."""
    t = np.linspace(0.0425 + shrink, 0.0525 - shrink, 4)
    s = np.linspace(-0.012 + shrink, 0.012 - shrink, 9)
    tt, ss = (g.ravel() for g in np.meshgrid(np.concatenate([t, -t]), s))
    u = np.stack([np.cos(grasps.yaw), np.sin(grasps.yaw)], axis=-1)[:, None, :]
    v = np.stack([-np.sin(grasps.yaw), np.cos(grasps.yaw)], axis=-1)[:, None, :]
    return grasps.poses[:, None, :2] + tt[None, :, None] * u + ss[None, :, None] * v


def test_a_neighbour_beside_the_box_blocks_the_finger_on_its_side():
    box = add_box(table(), 0, CENTRE, (0.03, 0.12), 0.04)
    # 10 mm from the box's +x face, 40 mm long: where the open finger comes down (42.5-52.5 mm from the centre).
    neighbour = at(0.035)
    hm = add_box(box, 1, neighbour, (0.02, 0.04), 0.03)
    alone = sample(box)
    mine = sample(hm).select(sample(hm).object_index == 0)
    assert len(mine) > 20
    blocked = np.all(np.abs(open_pads(alone) - neighbour) <= [0.01, 0.02], axis=-1).any(axis=1)
    assert blocked.sum() > 20  # without the neighbour, these grasps exist ...
    assert not np.any(np.all(np.abs(open_pads(mine) - neighbour) <= [0.01, 0.02], axis=-1))  # ... with it, none
    straight = mine.select(yaw_error(mine.yaw, 0.0) < math.radians(5))
    assert not np.any(np.abs(straight.y - CENTRE[1]) < 0.02 + 0.012 - RES)
    assert np.any(np.abs(mine.y - CENTRE[1]) > 0.04)  # the box's ends are still free
    # A neighbour lower than the fingertips (3 mm at the grasp) blocks nothing.
    low = sample(add_box(box, 1, neighbour, (0.02, 0.04), 0.002))
    assert np.any(np.abs(low.select(low.object_index == 0).y - CENTRE[1]) < 0.01)


def test_a_cylinder_is_grasped_through_its_centre_at_every_angle():
    hm = add_cylinder(table(), 0, CENTRE, 0.02, 0.05)
    yaws = np.linspace(-math.pi / 2, math.pi / 2, 36, endpoint=False)
    grasps, valid = grasps_at(hm, np.tile(CENTRE, (36, 1)), yaws)
    assert valid.all()
    assert np.allclose(grasps.width, 0.04, atol=1.5 * RES)
    assert np.allclose(grasps.poses[:, :2], CENTRE, atol=RES)
    assert np.allclose(grasps.yaw, yaws)
    sampled = sample(hm)
    assert len(sampled) > 30
    assert np.histogram(sampled.yaw, bins=6, range=(-math.pi / 2, math.pi / 2))[0].min() > 0
    across = np.stack([-np.sin(sampled.yaw), np.cos(sampled.yaw)], axis=-1)
    offset = np.abs(np.sum(across * (sampled.poses[:, :2] - CENTRE), axis=-1))  # of the closing line
    assert offset.max() <= 0.008 + RES  # a point contact: the centre well inside the 24 mm pads


def test_a_square_box_is_not_grasped_corner_to_corner():
    hm = add_box(table(), 0, CENTRE, (0.05, 0.05), 0.04, yaw=0.3)
    grasps = sample(hm)
    assert len(grasps) > 20
    assert np.all(yaw_error(grasps.yaw, 0.3 + math.pi / 4) > math.radians(12))  # the diagonal: two edges
    faces = np.minimum(yaw_error(grasps.yaw, 0.3), yaw_error(grasps.yaw, 0.3 + math.pi / 2))
    assert np.median(faces) < math.radians(12)


def test_a_low_slope_squeezes_out_and_a_flat_disc_is_too_low():
    a, b = _local(table(), CENTRE, 0.0)
    cone = np.clip(0.03 - np.hypot(a, b), 0.0, None)  # 45 degree sides, 30 mm high, 60 mm across
    assert len(sample(_paint(table(), cone > 0, cone, 0))) == 0
    assert len(sample(add_cylinder(table(), 0, CENTRE, 0.02, 0.008))) == 0  # under contact_height (10 mm)


def test_sampling_is_deterministic_and_deduplicated():
    hm = add_box(add_cylinder(table(), 0, at(-0.05), 0.02, 0.05), 1, at(0.04), (0.03, 0.1), 0.04)
    first, again = sample(hm, seed=3), sample(hm, seed=3)
    assert np.array_equal(first.as_array(), again.as_array())
    assert set(np.unique(first.object_index)) == {0, 1}
    assert np.all(np.diff(first.quality) <= 0)  # best first
    bins = np.stack([first.x // 0.003, first.y // 0.003, (first.yaw + math.pi / 2) // math.radians(6)], axis=-1)
    assert len(np.unique(bins, axis=0)) == len(first)


def test_planar_grasps_round_trip_and_empty_scene():
    grasps = sample(add_cylinder(table(), 0, CENTRE, 0.02, 0.05))
    back = PlanarGrasps.from_array(grasps.as_array())
    assert np.array_equal(back.as_array(), grasps.as_array()) and back.object_index.dtype.kind == "i"
    assert len(sample(table())) == 0 and sample(table()).poses.shape == (0, 3)


def test_footprint_from_the_simulated_gripper():
    from grasp_sim.arms.gripper import KINOVA_KG2, ROBOTIQ_2F85

    assert GripperFootprint.from_gripper(ROBOTIQ_2F85) == GripperFootprint()
    wide = GripperFootprint.from_gripper(KINOVA_KG2)
    assert wide.max_opening == pytest.approx(0.175)
    hm = add_box(table(0.3), 0, CENTRE, (0.1, 0.2), 0.04)
    assert len(sample(hm)) == 0
    kg2 = antipodal_grasps(hm, wide, rng=np.random.default_rng(0))
    assert len(kg2) > 20 and np.all(yaw_error(kg2.yaw, 0.0) < math.radians(30))
    assert kg2.width.min() == pytest.approx(0.1, abs=1.5 * RES)  # straight across (tilted: wider, see the box test)


# --- labels -----------------------------------------------------------------------------------------------------


def test_distance_wraps_yaw_by_a_half_turn_and_weights_degrees():
    grasps = np.array([[0.5, 0.0, 0.0], [0.6, 0.1, 1.0]])
    poses = np.array(
        [
            [0.5, 0.0, math.pi - math.radians(2)],  # 2 degrees from grasp 0, the other way round
            [0.53, 0.04, 0.0],  # 50 mm away, same yaw
            [0.5, 0.0, math.radians(10)],  # 10 degrees: 0.01 m
            [0.6, 0.1, 1.0 + math.pi],
        ]
    )
    distance, nearest = grasp_distance(poses, grasps)
    assert distance == pytest.approx([0.002, 0.05, 0.01, 0.0], abs=1e-9)
    assert nearest.tolist() == [0, 0, 0, 1]
    heavy, _ = grasp_distance(poses[2:3], grasps, angle_weight=0.01)
    assert heavy[0] == pytest.approx(0.1)
    # Translation and rotation add: 30 mm and 20 degrees from grasp 0.
    combined, _ = grasp_distance(np.array([[0.53, 0.0, math.radians(20)]]), grasps)
    assert combined[0] == pytest.approx(0.03 + 0.02)


def test_distance_picks_the_nearest_of_many_and_handles_no_grasps():
    rng = np.random.default_rng(1)
    grasps = np.column_stack([rng.uniform(0.4, 0.6, 500), rng.uniform(-0.1, 0.1, 500), rng.uniform(-1.5, 1.5, 500)])
    poses = np.column_stack([rng.uniform(0.4, 0.6, 300), rng.uniform(-0.1, 0.1, 300), rng.uniform(-3, 3, 300)])
    distance, nearest = grasp_distance(poses, grasps)
    brute = np.hypot(*(poses[:, None, :2] - grasps[None, :, :2]).transpose(2, 0, 1)) + 0.001 * np.degrees(
        np.abs(wrap_yaw(poses[:, None, 2] - grasps[None, :, 2]))
    )
    assert np.allclose(distance, brute.min(axis=1)) and np.array_equal(nearest, brute.argmin(axis=1))
    empty, index = grasp_distance(poses, PlanarGrasps.empty())
    assert np.all(np.isinf(empty)) and np.all(index == -1)


def test_taught_grasp_is_the_best_near_the_objects_centre():
    hm = add_box(add_cylinder(table(), 0, at(-0.05), 0.02, 0.05), 1, at(0.04), (0.03, 0.1), 0.04)
    grasps = sample(hm)
    for index, centre in ((0, at(-0.05)), (1, at(0.04))):
        best = taught_grasp(grasps, index, hm)
        assert best is not None and grasps.object_index[best] == index
        assert np.hypot(*(grasps.poses[best, :2] - centre)) <= 0.01
        near = (grasps.object_index == index) & (np.hypot(grasps.x - centre[0], grasps.y - centre[1]) <= 0.01)
        assert grasps.quality[best] == grasps.quality[near].max()
        assert taught_grasp(grasps, index, hm) == best
    assert taught_grasp(grasps, 7, hm) is None
