"""Action encoding and the exact flip augmentations."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_perception.action_encoding import ACTION_LAYOUT, encode_motions, wrap_half_turn
from grasp_perception.augment import flip_images, flip_motions, random_flips


def test_layout_and_values() -> None:
    assert list(ACTION_LAYOUT) == ["dx/s", "dy/s", "dz/s", "sin(dyaw)", "cos(dyaw)"]
    motions = np.array([[0.05, -0.02, -0.1, 0.3], [0.0, 0.0, 0.0, 0.0]])
    encoded = encode_motions(motions, translation_scale=0.1)
    assert encoded.dtype == np.float32 and encoded.shape == (2, 5)
    np.testing.assert_allclose(encoded[0], [0.5, -0.2, -1.0, np.sin(0.3), np.cos(0.3)], rtol=1e-6)
    np.testing.assert_allclose(encoded[1], [0, 0, 0, 0, 1], atol=1e-7)


def test_yaw_is_wrapped_to_a_half_turn() -> None:
    angles = np.array([np.pi / 2, -np.pi / 2, np.pi, 3.0, -1.7])
    wrapped = wrap_half_turn(angles)
    assert ((wrapped >= -np.pi / 2) & (wrapped < np.pi / 2)).all()
    np.testing.assert_allclose(np.sin(2 * wrapped), np.sin(2 * angles), atol=1e-12)
    encoded = encode_motions(np.column_stack([np.zeros((5, 3)), angles]))
    np.testing.assert_allclose(encoded[:, 3], np.sin(wrapped), atol=1e-6)
    assert (encoded[:, 4] >= 0).all()  # cos of a wrapped yaw is never negative


def test_shapes_are_checked() -> None:
    assert encode_motions(np.zeros(4)).shape == (1, 5)
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        encode_motions(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="translation_scale"):
        encode_motions(np.zeros((1, 4)), translation_scale=0.0)


def test_flip_motions_follow_the_image_convention() -> None:
    motion = np.array([[0.01, 0.02, -0.03, 0.4]])
    np.testing.assert_allclose(flip_motions(motion, True, False), [[-0.01, 0.02, -0.03, -0.4]])
    np.testing.assert_allclose(flip_motions(motion, False, True), [[0.01, -0.02, -0.03, -0.4]])
    np.testing.assert_allclose(flip_motions(motion, True, True), [[-0.01, -0.02, -0.03, 0.4]])
    edge = flip_motions(np.array([[0.0, 0.0, 0.0, -np.pi / 2]]), True, False)
    assert edge[0, 3] == pytest.approx(-np.pi / 2)  # +pi/2 is the same grasp, wrapped back


def test_flip_images_both_ways_is_a_half_turn() -> None:
    images = np.random.default_rng(0).random((2, 5, 7))
    np.testing.assert_array_equal(flip_images(images, True, False), images[:, :, ::-1])
    np.testing.assert_array_equal(flip_images(images, False, True), images[:, ::-1, :])
    np.testing.assert_array_equal(flip_images(images, True, True), np.rot90(images, 2, axes=(1, 2)))
    mixed = flip_images(images, np.array([True, False]), np.array([False, False]))
    np.testing.assert_array_equal(mixed[1], images[1])


# A synthetic rule that reads the object from the image: success when the motion ends near the object
# centre and closes across its long axis. It depends on the sign conventions of both dx/dy and dyaw.
SIZE, METRES_PER_PIXEL, RADIUS_M, YAW_TOLERANCE = 64, 0.004, 0.02, np.pi / 8


def object_image(rng: np.random.Generator) -> np.ndarray:
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    u0, v0 = rng.uniform(16, 48, size=2)
    theta = rng.uniform(0, np.pi)  # long axis angle in image coordinates
    du, dv = cols - u0, rows - v0
    along = du * np.cos(theta) + dv * np.sin(theta)
    across = -du * np.sin(theta) + dv * np.cos(theta)
    depth = np.full((SIZE, SIZE), 0.45, dtype=np.float32)
    depth[(along / 9) ** 2 + (across / 3) ** 2 <= 1] = 0.35
    return depth


def object_pose(depth: np.ndarray) -> tuple[float, float, float]:
    """Object centre (x, y) in metres and long-axis yaw in the motion frame, from the image alone."""
    rows, cols = np.nonzero(depth < 0.4)
    centre = (SIZE - 1) / 2
    x = (cols - centre) * METRES_PER_PIXEL  # columns along +dx
    y = -(rows - centre) * METRES_PER_PIXEL  # rows along -dy
    cov = np.cov(np.vstack([x, y]))
    yaw = 0.5 * np.arctan2(2 * cov[0, 1], cov[0, 0] - cov[1, 1])
    return float(x.mean()), float(y.mean()), float(yaw)


def rule_label(depth: np.ndarray, motion: np.ndarray) -> bool:
    x, y, long_axis = object_pose(depth)
    near = np.hypot(motion[0] - x, motion[1] - y) < RADIUS_M
    across = abs(float(wrap_half_turn(motion[3] - long_axis - np.pi / 2))) < YAW_TOLERANCE
    return bool(near and across)


def test_flipped_image_with_flipped_motion_keeps_the_label() -> None:
    rng = np.random.default_rng(1)
    labels = []
    for _ in range(40):
        depth = object_image(rng)
        x, y, long_axis = object_pose(depth)
        for _ in range(10):
            aimed = rng.random() < 0.6
            xy = np.array([x, y]) + rng.normal(0, 0.01, 2) if aimed else rng.uniform(-0.1, 0.1, 2)
            yaw = long_axis + np.pi / 2 + rng.normal(0, 0.2) if aimed else rng.uniform(-np.pi, np.pi)
            motion = np.array([xy[0], xy[1], -0.02, float(wrap_half_turn(yaw))])
            label = rule_label(depth, motion)
            labels.append(label)
            for lr, ud in ((True, False), (False, True), (True, True)):
                image = flip_images(depth[None], lr, ud)[0]
                flipped = flip_motions(motion[None], lr, ud)[0]
                assert rule_label(image, flipped) == label
    labels = np.asarray(labels)
    assert 0.2 < labels.mean() < 0.8


def test_flipping_only_the_image_changes_labels() -> None:
    """Guards the test above against a rule that ignores the conventions."""
    rng = np.random.default_rng(2)
    changed = 0
    for _ in range(30):
        depth = object_image(rng)
        x, y, long_axis = object_pose(depth)
        motion = np.array([x, y, 0.0, float(wrap_half_turn(long_axis + np.pi / 2))])
        assert rule_label(depth, motion)
        changed += not rule_label(flip_images(depth[None], True, False)[0], motion)
    assert changed > 20


def test_random_flips_pair_images_and_motions() -> None:
    rng = np.random.default_rng(3)
    depth = np.stack([object_image(rng) for _ in range(16)])
    poses = [object_pose(d) for d in depth]
    motions = np.array([[x, y, 0.0, float(wrap_half_turn(yaw + np.pi / 2))] for x, y, yaw in poses])
    images, flipped = random_flips(depth, motions, np.random.default_rng(4))
    assert all(rule_label(image, motion) for image, motion in zip(images, flipped, strict=True))
    assert not np.array_equal(images, depth)
