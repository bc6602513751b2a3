"""Flip and turn augmentations of (wrist image, motion) pairs.

Image columns point along motion +dx and image rows along -dy, with the image centre under the pinch
point, so mirroring the image mirrors the motion: a left-right flip maps (dx, dyaw) -> (-dx, -dyaw), an
up-down flip maps (dy, dyaw) -> (-dy, -dyaw) and both together are a half turn.

Turning the image by an angle about its centre turns the scene about the approach axis: the same grasp then
needs the motion turned with it ((dx, dy) rotated, dyaw + angle). For a camera on the tool axis looking along it
(the embedded wrist camera) that is exact but for the corners, which come in from the border; it is not for a
frame that shows the fingers, which do not turn with the scene.
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


def turn_motions(motions: np.ndarray, angles: np.ndarray | float) -> np.ndarray:
    """Turn (N, 4) motions by ``angles`` (rad, counter-clockwise seen from the camera, per row or one for all)."""
    out = as_motion_array(motions).copy()
    angle = np.broadcast_to(np.asarray(angles, dtype=np.float64), out.shape[:1])
    cos, sin = np.cos(angle), np.sin(angle)
    dx, dy = out[:, 0].copy(), out[:, 1].copy()
    out[:, 0], out[:, 1] = cos * dx - sin * dy, sin * dx + cos * dy
    out[:, 3] = wrap_half_turn(out[:, 3] + angle)
    return out


def turn_images(images: np.ndarray, angles: np.ndarray | float) -> np.ndarray:
    """Turn (N, H, W) images about their centre by ``angles`` (rad; counter-clockwise with rows along -dy, so
    content at motion (dx, dy) moves to ``turn_motions``' (dx, dy)); bilinear, the border repeated."""
    import cv2

    frames = np.asarray(images)
    angle = np.broadcast_to(np.asarray(angles, dtype=np.float64), frames.shape[:1])
    height, width = frames.shape[1:]
    centre = ((width - 1) / 2, (height - 1) / 2)
    out = np.empty_like(frames)
    for i, frame in enumerate(frames):
        matrix = cv2.getRotationMatrix2D(centre, float(np.degrees(angle[i])), 1.0)
        out[i] = cv2.warpAffine(
            frame, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    return out


def random_turns(images: np.ndarray, motions: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Turn each (image, motion) pair by its own uniform angle in [-pi, pi)."""
    angles = rng.uniform(-np.pi, np.pi, len(images))
    return turn_images(images, angles), turn_motions(motions, angles)
