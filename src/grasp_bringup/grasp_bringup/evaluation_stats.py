"""Summary statistics of an evaluation run: success with a 95 % interval, steps, latencies."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from grasp_bringup.episode_loop import EpisodeSummary

Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % by default)."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return (low, high)


def mcnemar_exact(first: Sequence[bool], second: Sequence[bool]) -> dict:
    """McNemar's exact test on paired outcomes (the same seeds run by two controllers).

    ``only_first``: pairs the first controller won and the second lost; ``only_second``: the reverse. The
    two-sided p-value is the binomial probability of a split at least this uneven among the discordant pairs.
    """
    if len(first) != len(second):
        raise ValueError(f"paired outcomes need equal lengths, got {len(first)} and {len(second)}")
    only_first = sum(bool(a) and not bool(b) for a, b in zip(first, second, strict=True))
    only_second = sum(bool(b) and not bool(a) for a, b in zip(first, second, strict=True))
    n = only_first + only_second
    k = min(only_first, only_second)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n if n else 1.0
    return {"pairs": len(first), "only_first": only_first, "only_second": only_second, "p_value": min(1.0, 2 * tail)}


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean in milliseconds (NaN when empty)."""
    values = np.asarray(list(seconds), dtype=float) * 1000
    if values.size == 0:
        return {"p50": float("nan"), "p95": float("nan"), "mean": float("nan"), "count": 0}
    return {
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "mean": float(values.mean()),
        "count": int(values.size),
    }


def success_by(episodes: Sequence[EpisodeSummary], key: str) -> dict[str, dict]:
    """Success per value of an episode attribute (e.g. ``target_family``), with 95 % intervals, by name."""
    groups: dict[str, list[bool]] = {}
    for e in episodes:
        groups.setdefault(str(getattr(e, key) or "none"), []).append(e.success)
    table = {}
    for name in sorted(groups):
        outcomes = groups[name]
        low, high = wilson_interval(sum(outcomes), len(outcomes))
        table[name] = {
            "episodes": len(outcomes),
            "successes": sum(outcomes),
            "success_rate": sum(outcomes) / len(outcomes),
            "success_ci95": [low, high],
        }
    return table


def label_audit(episodes: Sequence[EpisodeSummary]) -> dict:
    """How often the automatic label agreed with the simulation's ground truth, and why attempts failed."""
    audited = [e for e in episodes if e.labels_agree is not None]
    failures: dict[str, int] = {}
    for e in episodes:
        if not e.success:
            failures[e.failure or "unknown"] = failures.get(e.failure or "unknown", 0) + 1
    agree = sum(bool(e.labels_agree) for e in audited)
    return {
        "label_methods": sorted({e.label_method for e in episodes if e.label_method}),
        "audited": len(audited),
        "agree": agree,
        "agreement": agree / len(audited) if audited else float("nan"),
        "failures_by_category": dict(sorted(failures.items(), key=lambda kv: -kv[1])),
    }


def attempt_counts(episodes: Sequence[EpisodeSummary]) -> dict:
    """With regrasps: how many scenes took 1, 2, ... grasp attempts, and the first attempts' success."""
    first = [e.success if e.first_attempt_success is None else e.first_attempt_success for e in episodes]
    successes = sum(first)
    low, high = wilson_interval(successes, len(first))
    counts: dict[str, int] = {}
    for e in episodes:
        counts[str(e.attempts)] = counts.get(str(e.attempts), 0) + 1
    return {
        "scenes_by_attempts": dict(sorted(counts.items(), key=lambda kv: int(kv[0]))),
        "first_attempt_successes": successes,
        "first_attempt_success_rate": successes / len(first),
        "first_attempt_success_ci95": [low, high],
        "regrasp_successes": sum(e.success and e.attempts > 1 for e in episodes),
    }


def regrasped(attempts: dict | None) -> bool:
    """Whether any scene of a summary's ``attempts`` (``attempt_counts``) took more than one attempt."""
    return bool(attempts) and set(attempts["scenes_by_attempts"]) != {"1"}


def summarise(episodes: Sequence[EpisodeSummary]) -> dict:
    """The figures an evaluation reports for one controller; ValueError for no episodes (no rate to give)."""
    if not episodes:
        raise ValueError("no episodes to summarise")
    successes = sum(e.success for e in episodes)
    trials = len(episodes)
    low, high = wilson_interval(successes, trials)
    # Servo-step latency: steps where the model was asked (perception > 0).
    perception, optimisation, total = [], [], []
    for e in episodes:
        for p, o in zip(e.perception_seconds, e.optimisation_seconds, strict=True):
            if p > 0:
                perception.append(p)
                optimisation.append(o)
                total.append(p + o)
    steps = np.array([e.steps for e in episodes], dtype=float)
    terminations: dict[str, int] = {}
    for e in episodes:
        terminations[e.termination] = terminations.get(e.termination, 0) + 1
    return {
        "episodes": trials,
        "successes": successes,
        "success_rate": successes / trials,
        "success_ci95": [low, high],
        "steps_mean": float(steps.mean()),
        "steps_p50": float(np.median(steps)),
        "steps_max": int(steps.max()),
        "terminations": terminations,
        "attempts": attempt_counts(episodes),
        "labels": label_audit(episodes),
        "by_family": success_by(episodes, "target_family"),
        "by_object": success_by(episodes, "target_object"),
        "latency_ms": {
            "servo_step": percentiles_ms(total),
            "perception": percentiles_ms(perception),
            "optimisation": percentiles_ms(optimisation),
        },
    }
