"""``grasp evaluate --robot all``: the same evaluation on every arm, side by side.

Each arm runs ``grasp evaluate`` on the same seeds into ``out/<robot>/``; then ``out/arms.json`` holds the
closed-loop success per arm with its 95 % interval and McNemar's exact test against the first arm on the paired
seeds, and ``out/arms.png`` plots them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from grasp_bringup import commands
from grasp_bringup.evaluation_stats import mcnemar_exact
from grasp_bringup.factory import RunSettings
from grasp_bringup.run_folders import claim_output_folder


def evaluate_arms(
    settings: RunSettings,
    robots: Sequence[str],
    episodes: int,
    out: Path,
    workers: int,
    open_loop: bool = True,
    record: bool = True,
) -> dict:
    """Evaluate ``settings`` on each of ``robots`` (same seeds); returns and writes the per-arm comparison."""
    claim_output_folder(out)
    reports = {
        robot: commands.evaluate(replace(settings, robot=robot), episodes, out / robot, workers, open_loop, record)
        for robot in robots
    }
    comparison = arm_comparison(reports)
    (out / "arms.json").write_text(json.dumps(comparison, indent=2))
    plot_arms(comparison, out / "arms.png")
    return comparison


def arm_comparison(reports: dict[str, dict]) -> dict:
    """Closed-loop success per arm, and each arm against the first on the paired seeds (McNemar's exact test)."""
    first = next(iter(reports))
    outcomes = {robot: _outcomes(report) for robot, report in reports.items()}
    arms = {}
    for robot, report in reports.items():
        closed = report["results"]["closed_loop"]
        row = {
            "episodes": closed["episodes"],
            "successes": closed["successes"],
            "success_rate": closed["success_rate"],
            "success_ci95": closed["success_ci95"],
            "failures_by_category": closed["labels"]["failures_by_category"] if closed.get("labels") else {},
            "labels_agree": closed["labels"]["agree"] if closed.get("labels") else None,
        }
        if "open_loop" in report["results"]:
            row["open_loop_success_rate"] = report["results"]["open_loop"]["success_rate"]
        if robot != first:
            row[f"vs_{first}"] = mcnemar_exact(outcomes[robot], outcomes[first])
        arms[robot] = row
    any_report = reports[first]
    return {"object_set": any_report["object_set"], "model": any_report["model"], "reference": first, "arms": arms}


def _outcomes(report: dict) -> list[bool]:
    """Per-seed closed-loop success, in seed order (the failures list every failed seed)."""
    closed = report["results"]["closed_loop"]
    failed = {failure["seed"] for failure in closed["failures"]}
    return [commands.EVALUATION_SEED_BASE + i not in failed for i in range(closed["episodes"])]


def arms_text(comparison: dict) -> str:
    """The comparison as a few readable lines."""
    reference = comparison["reference"]
    lines = [f"closed-loop success per arm on '{comparison['object_set']}' (same seeds)"]
    for robot, row in comparison["arms"].items():
        low, high = row["success_ci95"]
        line = (
            f"  {robot:5s} {row['success_rate'] * 100:5.1f} % ({row['successes']}/{row['episodes']}, "
            f"95 % CI {low * 100:.1f}-{high * 100:.1f} %)"
        )
        if "open_loop_success_rate" in row:
            line += f", open loop {row['open_loop_success_rate'] * 100:.1f} %"
        test = row.get(f"vs_{reference}")
        if test:
            line += f"; vs {reference}: McNemar p = {test['p_value']:.2f}"
        lines.append(line)
    return "\n".join(lines)


def plot_arms(comparison: dict, path: Path) -> None:
    """Bar chart of closed-loop success per arm with 95 % intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    robots = list(comparison["arms"])
    rates = [comparison["arms"][r]["success_rate"] * 100 for r in robots]
    lows = [rate - comparison["arms"][r]["success_ci95"][0] * 100 for r, rate in zip(robots, rates, strict=True)]
    highs = [comparison["arms"][r]["success_ci95"][1] * 100 - rate for r, rate in zip(robots, rates, strict=True)]
    figure, axes = plt.subplots(figsize=(5, 3.2))
    axes.bar(robots, rates, yerr=[lows, highs], capsize=4, color="#4c72b0")
    for x, robot in enumerate(robots):
        row = comparison["arms"][robot]
        axes.text(x, 3, f"{row['successes']}/{row['episodes']}", ha="center", color="white", fontsize=8)
    axes.set_ylim(0, 100)
    axes.set_ylabel("closed-loop success (%)")
    axes.set_title(f"success per arm, '{comparison['object_set']}' objects (95 % CI)", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
