"""A fixed set of candidate grasp motions to show, where they end in the camera frame, and their colours.

The perception node scores these with the head on the latest encoded frame and draws each as an arrow in
the depth camera's optical frame, red (score 0) to green (score 1). Approximations, for display only:

- The tool is assumed top-down: the pinch frame's z (approach) points straight down, so a motion
  (dx, dy, dz) in the yaw-aligned tool frame is (dx, -dy, -dz) in the pinch frame (as in ``score_map``).
- "Descend" candidates go down to ``GRASP_HEIGHT`` above the farthest depth inside the model's range, taken
  as the table (objects, when the table lies beyond the model's far clip); the camera's distance behind the
  pinch point comes from the model camera's mount.
- An arrow runs from the candidate's point at the current height down to its end point (or, without a
  descent, is a short arrow along the approach ending there).

Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grasp_perception.camera_model import Mount
from grasp_perception.reproject import FrameQuality
from grasp_perception.score_map import GRASP_HEIGHT

GRID_SIDE = 5
GRID_HALF_WIDTH = 0.04  # metres: the grid spans +-4 cm in x and y around the current pinch point
SHORT_ARROW = 0.03  # metres: arrow length of candidates without a descent


@dataclass(frozen=True)
class Candidates:
    """Motions (N, 4) and their arrows in the camera optical frame: from ``starts`` (N, 3) to ``ends`` (N, 3)."""

    motions: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def descent(quality: FrameQuality | None, model_mount: Mount, grasp_height: float = GRASP_HEIGHT) -> float:
    """dz (<= 0) from the current pinch height down to ``grasp_height`` above the farthest in-range depth;
    0 when the frame says nothing about it."""
    if quality is None or not np.isfinite(quality.depth_max):
        return 0.0
    pinch_ahead_of_camera = -float(model_mount.translation[2])  # metres along the approach axis
    height = quality.depth_max - pinch_ahead_of_camera
    return float(min(0.0, grasp_height - height))


def candidate_motions(dz: float = 0.0, side: int = GRID_SIDE, half_width: float = GRID_HALF_WIDTH) -> np.ndarray:
    """(side * side, 4) motions: an x, y grid, all with ``dz`` and no yaw (rows from +dy to -dy)."""
    steps = np.linspace(-half_width, half_width, side)
    yy, xx = np.meshgrid(steps[::-1], steps, indexing="ij")
    return np.column_stack([xx.ravel(), yy.ravel(), np.full(xx.size, dz), np.zeros(xx.size)])


def candidates_in_camera(motions: np.ndarray, camera_mount: Mount) -> Candidates:
    """The arrows of ``motions`` in the optical frame of a camera mounted at ``camera_mount``."""
    motions = np.asarray(motions, dtype=np.float64)
    ends = np.column_stack([motions[:, 0], -motions[:, 1], -motions[:, 2]])  # pinch frame, top-down tool
    starts = ends.copy()
    starts[:, 2] = np.where(np.abs(motions[:, 2]) > 0.01, 0.0, ends[:, 2] - SHORT_ARROW)
    camera_from_pinch = np.linalg.inv(camera_mount.matrix())

    def to_camera(points: np.ndarray) -> np.ndarray:
        return points @ camera_from_pinch[:3, :3].T + camera_from_pinch[:3, 3]

    return Candidates(motions, to_camera(starts), to_camera(ends))


def score_colour(score: float) -> tuple[float, float, float, float]:
    """RGBA from red (0) through yellow to green (1)."""
    s = float(np.clip(score, 0.0, 1.0)) if np.isfinite(score) else 0.0
    return (min(1.0, 2.0 * (1.0 - s)), min(1.0, 2.0 * s), 0.0, 1.0)


__all__ = ["Candidates", "candidate_motions", "candidates_in_camera", "descent", "score_colour"]
