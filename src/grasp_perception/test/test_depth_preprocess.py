"""Depth preprocessing: invalid pixels, clipping, area resize and normalisation."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_perception.preprocess import DepthPreprocessing, preprocess_depth

DEFAULT = DepthPreprocessing()


def normalised(depth_m: float) -> float:
    return (depth_m - DEFAULT.offset) / DEFAULT.scale


def test_defaults_match_the_stack_conventions() -> None:
    assert (DEFAULT.height, DEFAULT.width) == (64, 64)
    assert (DEFAULT.near, DEFAULT.far, DEFAULT.offset, DEFAULT.scale) == (0.0, 0.6, 0.3, 0.15)
    assert DEFAULT.fill_value == DEFAULT.far


def test_invalid_pixels_become_the_far_clip() -> None:
    depth = np.full((64, 64), 0.45, dtype=np.float32)
    depth[0, 0], depth[1, 1], depth[2, 2], depth[3, 3] = 0.0, np.nan, np.inf, -np.inf
    out = preprocess_depth(depth)
    assert out.dtype == np.float32 and out.shape == (64, 64)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[[0, 1, 2, 3], [0, 1, 2, 3]], normalised(0.6), rtol=1e-6)
    np.testing.assert_allclose(out[10, 10], normalised(0.45), rtol=1e-6)


def test_depths_are_clipped_to_near_and_far() -> None:
    params = DepthPreprocessing(height=4, width=4, near=0.2, far=0.5)
    depth = np.array([[0.1, 0.3, 0.9, 0.5]] * 4, dtype=np.float32)
    out = params(depth) * params.scale + params.offset
    np.testing.assert_allclose(out[0], [0.2, 0.3, 0.5, 0.5], rtol=1e-6)


def test_resize_from_128_averages_areas() -> None:
    depth = np.full((128, 128), 0.2, dtype=np.float32)
    depth[:, 64:] = 0.5
    depth[:, 62:64] = 0.0  # invalid: filled with far (0.6) before averaging
    out = preprocess_depth(depth)
    assert out.shape == (64, 64)
    np.testing.assert_allclose(out[:, :31], normalised(0.2), rtol=1e-5)
    np.testing.assert_allclose(out[:, 31], normalised(0.6), rtol=1e-5)
    np.testing.assert_allclose(out[:, 32:], normalised(0.5), rtol=1e-5)


def test_resize_from_472_keeps_the_mean_and_orientation() -> None:
    rng = np.random.default_rng(0)
    depth = rng.uniform(0.25, 0.55, size=(472, 472)).astype(np.float32)
    depth[:, :236] -= 0.1  # left half nearer
    out = preprocess_depth(depth)
    assert out.shape == (64, 64)
    assert out.mean() == pytest.approx(normalised(float(depth.mean())), abs=1e-3)
    assert out[:, :32].mean() < out[:, 32:].mean()


def test_non_square_model_input_and_batches() -> None:
    params = DepthPreprocessing(height=48, width=64)
    frames = np.full((3, 96, 128), 0.3, dtype=np.float32)
    out = params.batch(frames)
    assert out.shape == (3, 48, 64)
    np.testing.assert_allclose(out, 0.0, atol=1e-6)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        preprocess_depth(np.zeros((2, 8, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="far"):
        DepthPreprocessing(near=0.5, far=0.4)


def test_inpaint_fills_missing_pixels_from_their_surroundings() -> None:
    params = DepthPreprocessing(hole_fill="inpaint")
    depth = np.full((64, 64), 0.4, dtype=np.float32)
    depth[:, 32:] = 0.2
    depth[10:14, 5:9] = np.nan  # inside the 0.4 region
    depth[40:44, 50:54] = 0.0  # inside the 0.2 region
    depth[60, 10] = -np.inf  # too close: no measurement either
    depth[0, :8] = np.inf  # too far: far
    out = params(depth) * params.scale + params.offset
    np.testing.assert_allclose(out[10:14, 5:9], 0.4, atol=1e-4)
    np.testing.assert_allclose(out[40:44, 50:54], 0.2, atol=1e-4)
    assert out[60, 10] == pytest.approx(0.4, abs=1e-4)
    np.testing.assert_allclose(out[0, :8], 0.6, rtol=1e-6)
    # A frame with nothing valid becomes the invalid fill; a frame without holes is untouched.
    np.testing.assert_allclose(params(np.full((8, 8), np.nan, np.float32)), normalised(0.6), rtol=1e-6)
    clean = np.random.default_rng(0).uniform(0.1, 0.5, (64, 64)).astype(np.float32)
    np.testing.assert_array_equal(params(clean), preprocess_depth(clean))
    with pytest.raises(ValueError, match="hole_fill"):
        DepthPreprocessing(hole_fill="zeros")
