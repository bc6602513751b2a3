"""A synthetic, learnable grasp dataset for tests and smoke runs (no simulator needed).

Each episode is a table (flat depth) with one round object (a nearer disk) somewhere around the image
centre. A motion succeeds when its horizontal translation ends within ``success_radius`` of the object,
using the image convention: columns point along +dx, rows along -dy, centre under the pinch point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SyntheticGraspData:
    images: np.ndarray  # (N, H, W) float32 depth in metres (0 where invalid)
    motions: np.ndarray  # (N, 4) dx, dy, dz, dyaw
    labels: np.ndarray  # (N,) float32 in {0, 1}
    episode_keys: np.ndarray  # (N,) int


def make_synthetic_grasps(
    n_episodes: int = 200,
    steps_per_episode: int = 8,
    size: int = 64,
    max_offset_m: float = 0.08,
    success_radius: float = 0.03,
    seed: int = 0,
) -> SyntheticGraspData:
    """Build the dataset; half the motions are aimed at the object (successes), half are uniform."""
    rng = np.random.default_rng(seed)
    metres_per_pixel = 2 * max_offset_m / (size / 2)  # the offset range spans half the image
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    centre = (size - 1) / 2
    images, motions, labels, keys = [], [], [], []
    for episode in range(n_episodes):
        target = rng.uniform(-max_offset_m, max_offset_m, size=2)  # object position (x, y) in metres
        u = centre + target[0] / metres_per_pixel
        v = centre - target[1] / metres_per_pixel
        radius_px = rng.uniform(0.06, 0.1) * size
        for _ in range(steps_per_episode):
            depth = np.full((size, size), 0.45, dtype=np.float32)
            depth += rng.normal(0.0, 0.003, size=depth.shape).astype(np.float32)
            depth[(cols - u) ** 2 + (rows - v) ** 2 <= radius_px**2] = 0.35
            depth[rng.random(depth.shape) < 0.01] = 0.0  # dropouts
            if rng.random() < 0.5:  # aimed at the object, inside the success radius
                angle, reach = rng.uniform(0, 2 * np.pi), success_radius * np.sqrt(rng.uniform(0, 0.95))
                xy = target + reach * np.array([np.cos(angle), np.sin(angle)])
            else:
                xy = rng.uniform(-0.1, 0.1, size=2)
            motion = np.array([xy[0], xy[1], rng.uniform(-0.05, 0.0), rng.uniform(-np.pi / 2, np.pi / 2)])
            images.append(depth)
            motions.append(motion)
            labels.append(float(np.hypot(*(xy - target)) < success_radius))
            keys.append(episode)
    return SyntheticGraspData(
        images=np.stack(images),
        motions=np.stack(motions),
        labels=np.asarray(labels, dtype=np.float32),
        episode_keys=np.asarray(keys),
    )
