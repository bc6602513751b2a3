"""Encoding of grasp motions (dx, dy, dz, dyaw) into the network's action input.

A motion is expressed in the yaw-aligned tool frame of the current gripper pose (metres, radians).
The network sees five values: the translation divided by a scale, then sin and cos of the wrapped yaw.
"""

from __future__ import annotations

import numpy as np

ACTION_LAYOUT: tuple[str, ...] = ("dx/s", "dy/s", "dz/s", "sin(dyaw)", "cos(dyaw)")
"""Names of the encoded action columns, in order (``s`` is the translation scale)."""

ACTION_DIM: int = len(ACTION_LAYOUT)
ACTION_FRAME: str = "yaw_aligned_tool"
MOTION_UNITS: tuple[str, str] = ("m", "rad")
DEFAULT_TRANSLATION_SCALE: float = 0.1


def wrap_half_turn(angle: np.ndarray | float) -> np.ndarray:
    """Wrap angles to [-pi/2, pi/2): a two-finger gripper is symmetric under a half turn."""
    return (np.asarray(angle, dtype=np.float64) + np.pi / 2) % np.pi - np.pi / 2


def as_motion_array(motions: np.ndarray) -> np.ndarray:
    """Check and return motions as an (N, 4) float64 array; a single (4,) motion becomes (1, 4)."""
    array = np.asarray(motions, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"motions must have shape (N, 4) (dx, dy, dz, dyaw), got {np.shape(motions)}")
    return array


def encode_motions(motions: np.ndarray, translation_scale: float = DEFAULT_TRANSLATION_SCALE) -> np.ndarray:
    """Encode (N, 4) motions as (N, 5) float32 rows laid out as ``ACTION_LAYOUT``."""
    if not translation_scale > 0:
        raise ValueError(f"translation_scale must be > 0, got {translation_scale}")
    array = as_motion_array(motions)
    dyaw = wrap_half_turn(array[:, 3])
    encoded = np.empty((array.shape[0], ACTION_DIM), dtype=np.float32)
    encoded[:, :3] = array[:, :3] / translation_scale
    encoded[:, 3] = np.sin(dyaw)
    encoded[:, 4] = np.cos(dyaw)
    return encoded


def encode_state(height_above_grasp: float | None, gripper_open: bool = True) -> np.ndarray:
    """A Q-function's state input (1, 2) laid out as ``model_targets.STATE_LAYOUT``.

    Raises:
        ValueError: no height, or a non-finite one.
    """
    from grasp_perception.model_targets import STATE_HEIGHT_SCALE

    if height_above_grasp is None or not np.isfinite(height_above_grasp):
        raise ValueError(
            f"a Q-function scores motions from a state: height_above_grasp must be a finite number of metres, "
            f"got {height_above_grasp!r}"
        )
    return np.array([[1.0 if gripper_open else 0.0, height_above_grasp / STATE_HEIGHT_SCALE]], dtype=np.float32)
