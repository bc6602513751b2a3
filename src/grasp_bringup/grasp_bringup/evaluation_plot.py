"""A one-page PNG of an evaluation: success rates with intervals, steps per episode, step latency."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grasp_bringup.evaluation_stats import regrasped

CAMERA_PERIOD_MS = 33


def _finite(values: list[float]) -> list[float]:
    """The values with NaN (a condition without samples) drawn as nothing: 0 height, no marker."""
    return [v if math.isfinite(v) else 0.0 for v in values]


def plot_evaluation(results: dict[str, dict], per_episode_steps: dict[str, list[int]], path: Path, title: str) -> None:
    """Write the plot. ``results`` maps a condition name to its ``summarise`` output (none gives empty panels)."""
    figure = evaluation_figure(results, per_episode_steps, title)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def evaluation_figure(results: dict[str, dict], per_episode_steps: dict[str, list[int]], title: str) -> Figure:
    """The three panels of ``plot_evaluation``; close the figure when done with it."""
    names = list(results)
    figure, (ax_success, ax_steps, ax_latency) = plt.subplots(1, 3, figsize=(15, 4.8))
    rates = [results[n]["success_rate"] * 100 for n in names]
    low = [max(0.0, rates[i] - results[n]["success_ci95"][0] * 100) for i, n in enumerate(names)]
    high = [max(0.0, results[n]["success_ci95"][1] * 100 - rates[i]) for i, n in enumerate(names)]
    colours = ["tab:green" if "closed" in n else "tab:gray" for n in names]
    ax_success.bar(names, rates, yerr=[low, high], capsize=6, color=colours)
    for i, rate in enumerate(rates):
        ax_success.text(i, 3, f"{rate:.1f}%", ha="center", color="white", fontweight="bold")
    for i, name in enumerate(names):  # with regrasps: where the first attempts alone stood
        attempts = results[name].get("attempts")
        if regrasped(attempts):
            first = attempts["first_attempt_success_rate"] * 100
            ax_success.hlines(first, i - 0.4, i + 0.4, colors="black", linestyles="dashed")
            ax_success.text(i, first - 7, f"first attempts {first:.1f}%", ha="center", color="white", fontsize=8)
    ax_success.set_ylim(0, 110)
    ax_success.set_ylabel("success rate (%) with 95 % interval")
    ax_success.set_title("lift-test success")
    ax_success.tick_params(axis="x", rotation=20)

    steps = [per_episode_steps.get(n, []) for n in names]
    if any(steps):
        ax_steps.boxplot(steps, tick_labels=names)
    ax_steps.yaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    ax_steps.set_ylabel("servo steps per episode")
    ax_steps.set_title("steps to close")
    ax_steps.tick_params(axis="x", rotation=20)

    closed = [n for n in names if "closed" in n]
    perception = _finite([results[n]["latency_ms"]["perception"]["p50"] for n in closed])
    optimisation = _finite([results[n]["latency_ms"]["optimisation"]["p50"] for n in closed])
    total_p95 = [results[n]["latency_ms"]["servo_step"]["p95"] for n in closed]
    shown_p95 = [(n, t) for n, t in zip(closed, total_p95, strict=True) if math.isfinite(t)]
    ax_latency.bar(closed, perception, label="perception p50 (preprocess + CNN)")
    ax_latency.bar(closed, optimisation, bottom=perception, label="CEM optimisation p50")
    ax_latency.scatter(
        [n for n, _ in shown_p95], [t for _, t in shown_p95], marker="_", s=800, color="black",
        label="servo step p95", zorder=3,
    )
    ax_latency.axhline(CAMERA_PERIOD_MS, color="red", linestyle="--", label=f"camera rate ({CAMERA_PERIOD_MS} ms)")
    ax_latency.set_ylabel("ms per servo step")
    ax_latency.set_title("servo step latency (CEM 3 x 64)")
    ax_latency.set_ylim(0, max([45.0, *(1.3 * t for _, t in shown_p95)]))
    # Below the axes, so that no marker or bar can hide behind it, whatever the latencies.
    ax_latency.legend(
        fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False, markerscale=0.5
    )
    figure.suptitle(title)
    figure.tight_layout()
    return figure
