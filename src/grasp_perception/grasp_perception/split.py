"""Train/validation split by episode: every sample of an episode lands on the same side."""

from __future__ import annotations

import numpy as np


def split_by_episode(episode_keys: np.ndarray, val_fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices (train, val); about ``val_fraction`` of the episodes (at least one when > 0) go to val.

    With a single episode, or ``val_fraction`` 0, the validation side is empty.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    keys = np.asarray(episode_keys)
    unique, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.ravel()
    n_val = 0
    if val_fraction > 0 and len(unique) > 1:
        n_val = min(max(round(val_fraction * len(unique)), 1), len(unique) - 1)
    val_episodes = np.random.default_rng(seed).permutation(len(unique))[:n_val]
    is_val = np.isin(inverse, val_episodes)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)
