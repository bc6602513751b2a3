"""Latency benchmark of a scorer: how long one batch of candidate motions takes to score."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from grasp_perception.scorer import OnnxGraspScorer


def _percentiles(seconds: list[float]) -> tuple[float, float, float]:
    millis = np.asarray(seconds) * 1e3
    return float(np.percentile(millis, 50)), float(np.percentile(millis, 95)), float(millis.mean())


def benchmark_scorer(
    scorer: OnnxGraspScorer,
    n_actions: int = 64,
    repeats: int = 200,
    warmup: int = 10,
    frame_size: int = 128,
    seed: int = 0,
) -> dict[str, Any]:
    """Time ``score_preprocessed`` on ``n_actions`` random motions, and ``preprocess`` on a square frame.

    Returns p50/p95/mean milliseconds for scoring (``p50_ms``, ``p95_ms``, ``mean_ms``) and for
    preprocessing (``preprocess_p50_ms``, ``preprocess_p95_ms``), plus the settings used.
    """
    rng = np.random.default_rng(seed)
    depth = rng.uniform(0.2, 0.6, size=(frame_size, frame_size)).astype(np.float32)
    motions = np.column_stack(
        [rng.uniform(-0.05, 0.05, size=(n_actions, 3)), rng.uniform(-np.pi / 2, np.pi / 2, n_actions)]
    )
    image = scorer.preprocess(depth)
    for _ in range(warmup):
        scorer.score_preprocessed(image, motions)
    score_times: list[float] = []
    preprocess_times: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        scorer.preprocess(depth)
        middle = time.perf_counter()
        scorer.score_preprocessed(image, motions)
        score_times.append(time.perf_counter() - middle)
        preprocess_times.append(middle - start)
    p50, p95, mean = _percentiles(score_times)
    pre_p50, pre_p95, _ = _percentiles(preprocess_times)
    return {
        "n_actions": n_actions,
        "repeats": repeats,
        "frame_size": frame_size,
        "threads": scorer.threads,
        "providers": scorer.providers,
        "p50_ms": p50,
        "p95_ms": p95,
        "mean_ms": mean,
        "preprocess_p50_ms": pre_p50,
        "preprocess_p95_ms": pre_p95,
    }
