"""Exact flip augmentations of (wrist image, motion) pairs.

Image columns point along motion +dx and image rows along -dy, with the image centre under the pinch
point, so mirroring the image mirrors the motion: a left-right flip maps (dx, dyaw) -> (-dx, -dyaw), an
up-down flip maps (dy, dyaw) -> (-dy, -dyaw) and both together are a half turn.
"""

from __future__ import annotations

import numpy as np

from grasp_perception.action_encoding import as_motion_array, wrap_half_turn


def flip_motions(motions: np.ndarray, left_right: np.ndarray | bool, up_down: np.ndarray | bool) -> np.ndarray:
    """Mirror (N, 4) motions to match image flips (per-row booleans or one for all)."""
    out = as_motion_array(motions).copy()
    lr = np.broadcast_to(np.asarray(left_right, dtype=bool), out.shape[:1])
    ud = np.broadcast_to(np.asarray(up_down, dtype=bool), out.shape[:1])
    out[lr, 0] *= -1
    out[ud, 1] *= -1
    mirrored = lr ^ ud
    out[mirrored, 3] = wrap_half_turn(-out[mirrored, 3])
    return out


def flip_images(images: np.ndarray, left_right: np.ndarray | bool, up_down: np.ndarray | bool) -> np.ndarray:
    """Mirror (N, H, W) images: left-right reverses columns, up-down reverses rows."""
    out = np.array(images, copy=True)
    lr = np.broadcast_to(np.asarray(left_right, dtype=bool), out.shape[:1])
    ud = np.broadcast_to(np.asarray(up_down, dtype=bool), out.shape[:1])
    out[lr] = out[lr][:, :, ::-1]
    out[ud] = out[ud][:, ::-1, :]
    return out


def random_flips(images: np.ndarray, motions: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Apply independent random left-right and up-down flips to each (image, motion) pair."""
    count = len(images)
    left_right = rng.random(count) < 0.5
    up_down = rng.random(count) < 0.5
    return flip_images(images, left_right, up_down), flip_motions(motions, left_right, up_down)
