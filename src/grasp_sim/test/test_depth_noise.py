"""The depth sensor noise model: noise growing with z^2, quantisation, range, shadows and holes at edges."""

import dataclasses

import numpy as np
import pytest
from grasp_sim.depth_noise import DepthNoiseConfig, add_depth_noise, edge_mask, shadow_mask

D435 = DepthNoiseConfig.realsense_d435()
QUIET = dataclasses.replace(D435, dropout=0.0, edge_dropout=0.0, shadows=False, max_range=10.0)
FOCAL = 45.7  # the world's 64 px, 70 degree camera


def plane(z: float, size: int = 128) -> np.ndarray:
    return np.full((size, size), z, dtype=np.float32)


def box_scene(size: int = 128) -> np.ndarray:
    depth = plane(0.4, size)
    depth[40:88, 40:88] = 0.3
    return depth


def test_noise_grows_with_the_square_of_depth() -> None:
    rng = np.random.default_rng(0)
    measured = []
    for z in (0.3, 0.6, 1.0, 2.0, 3.0):
        out = add_depth_noise(plane(z, 256), QUIET, rng, FOCAL)
        assert np.isfinite(out).all()
        measured.append(float(np.std(out)))
        expected = np.sqrt(QUIET.sigma(z) ** 2 + max(QUIET.depth_unit, QUIET.quantisation_step(z)) ** 2 / 12)
        if z >= 1.0:  # there the disparity noise dominates the 1 mm depth unit
            assert measured[-1] == pytest.approx(expected, rel=0.1)
        assert abs(float(np.mean(out)) - z) < 3 * expected / 256 + QUIET.depth_unit / 2  # no bias
    assert measured == sorted(measured) and measured[-1] > 50 * measured[0]
    assert D435.sigma(1.0) == pytest.approx(0.08 / (446.8 * 0.05))  # Intel's RMS formula: 3.6 mm at 1 m


def test_quantisation_steps_follow_disparity_and_the_depth_unit() -> None:
    exact = dataclasses.replace(QUIET, subpixel_rms=0.0)
    ramp = np.linspace(1.5, 2.5, 4000, dtype=np.float32)[None, :].repeat(2, axis=0)
    out = add_depth_noise(ramp, exact, np.random.default_rng(0), FOCAL)[0]
    np.testing.assert_allclose(out / 0.001, np.round(out / 0.001), atol=1e-3)  # 16UC1 millimetres
    levels = np.unique(out)
    steps = np.diff(levels)
    expected = exact.quantisation_step(levels[:-1])  # z^2 / (32 f b): 3.1 mm at 1.5 m, 8.7 mm at 2.5 m
    assert np.all(np.abs(steps - expected) <= 0.0011)
    assert steps[-1] > 2.5 * steps[0]
    assert np.max(np.abs(out - ramp[0])) <= expected.max() / 2 + 0.0006
    mm_only = dataclasses.replace(exact, disparity_step=0.0)
    out = add_depth_noise(ramp, mm_only, np.random.default_rng(0), FOCAL)[0]
    assert np.allclose(np.diff(np.unique(out)), 0.001, atol=1e-6)


def test_out_of_range_reads_minus_and_plus_infinity() -> None:
    rng = np.random.default_rng(1)
    assert np.isneginf(add_depth_noise(plane(0.1), QUIET, rng, FOCAL)).all()  # nearer than Min-Z 0.19 m
    assert np.isposinf(add_depth_noise(plane(3.5), dataclasses.replace(QUIET, max_range=3.0), rng, FOCAL)).all()
    ideal = plane(0.4)
    ideal[:, :10] = np.inf  # nothing hit
    out = add_depth_noise(ideal, QUIET, rng, FOCAL)
    assert np.isposinf(out[:, :10]).all() and np.isfinite(out[:, 10:]).all()


def test_holes_at_depth_edges_and_random_dropout() -> None:
    depth = box_scene()
    edges = edge_mask(depth, D435.edge_jump)
    assert edges.sum() == (4 * 48 - 4) + 4 * 48  # the box's outline and the table's ring around it
    config = dataclasses.replace(D435, shadows=False, dropout=0.0)
    out = add_depth_noise(depth, config, np.random.default_rng(2), FOCAL)
    holes = np.isnan(out)
    assert holes[edges].mean() == pytest.approx(0.5, abs=0.08)
    assert not holes[~edges].any()
    config = dataclasses.replace(D435, shadows=False, dropout=0.05)
    holes = np.isnan(add_depth_noise(depth, config, np.random.default_rng(3), FOCAL))
    assert holes[~edges].mean() == pytest.approx(0.05, abs=0.01)


def test_shadows_fall_beside_near_objects_away_from_the_second_imager() -> None:
    depth = box_scene()
    shadow = shadow_mask(depth, D435.baseline, FOCAL)
    # The table at column u shows at u - f b / 0.4 in the second view, the box's left edge at 40 - f b / 0.3:
    # table pixels landing right of that edge are hidden (1.9 px of background, pixel centres 38.1-40).
    fb = FOCAL * D435.baseline
    hidden = (np.arange(128) - fb / 0.4 >= 40 - fb / 0.3) & (np.arange(128) < 40)
    assert hidden.sum() == 1
    rows = slice(40, 88)
    np.testing.assert_array_equal(shadow[rows, :40], np.broadcast_to(hidden[:40], (48, 40)))
    assert not shadow[:, 88:].any() and not shadow[rows, 40:88].any()  # not right of it, nor on it
    assert not shadow_mask(plane(0.4), D435.baseline, FOCAL).any()
    only_shadows = dataclasses.replace(D435, dropout=0.0, edge_dropout=0.0)
    out = add_depth_noise(depth, only_shadows, np.random.default_rng(0), FOCAL)
    assert np.isnan(out[shadow]).all()


def test_same_rng_same_frame_and_a_fixed_number_of_draws() -> None:
    a = add_depth_noise(box_scene(), D435, np.random.default_rng(7), FOCAL)
    b = add_depth_noise(box_scene(), D435, np.random.default_rng(7), FOCAL)
    np.testing.assert_array_equal(a, b)
    first, second = np.random.default_rng(9), np.random.default_rng(9)
    add_depth_noise(box_scene(), D435, first, FOCAL)
    add_depth_noise(plane(0.25), D435, second, FOCAL)
    assert first.random() == second.random()  # the draws do not depend on the scene


def test_primesense_preset_matches_its_published_error_model() -> None:
    kinect = DepthNoiseConfig.primesense()
    assert kinect.sigma(1.0) == pytest.approx(1.425e-3)  # Khoshelham and Oude Elberink 2012
    assert kinect.quantisation_step(1.0) == pytest.approx(2.85e-3, rel=0.15)
    assert (kinect.min_range, kinect.max_range) == (0.35, 1.4)


def test_d405_preset_sees_from_7_cm_with_more_noise_than_the_d435() -> None:
    d405 = DepthNoiseConfig.realsense_d405()
    assert (d405.min_range, d405.baseline) == (0.07, 0.018)
    assert d405.sigma(0.3) == pytest.approx(D435.sigma(0.3) * 0.050 / 0.018)  # shorter baseline, same imagers
    assert d405.sigma(0.3) < 0.001  # under a millimetre at wrist distances


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"baseline": 0.0}, "baseline must be > 0"),
        ({"dropout": 1.5}, "dropout must be a probability"),
        ({"min_range": 2.0, "max_range": 1.0}, "min_range"),
        ({"subpixel_rms": -0.1}, "subpixel_rms must be >= 0"),
    ],
)
def test_bad_noise_settings_are_refused(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(D435, **change)
