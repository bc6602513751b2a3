"""``grasp evaluate --robot all``'s comparison: per-arm success, paired test against the first arm, the plot."""

from __future__ import annotations

import pytest
from grasp_bringup.arm_comparison import arm_comparison, arms_text, plot_arms
from grasp_bringup.commands import EVALUATION_SEED_BASE


def report(robot: str, failed_seeds: list[int], episodes: int = 10) -> dict:
    successes = episodes - len(failed_seeds)
    return {
        "robot": robot,
        "model": "m.onnx",
        "object_set": "heldout",
        "results": {
            "closed_loop": {
                "episodes": episodes,
                "successes": successes,
                "success_rate": successes / episodes,
                "success_ci95": [0.1, 0.9],
                "labels": {"failures_by_category": {"missed": len(failed_seeds)}, "agree": episodes},
                "failures": [{"seed": EVALUATION_SEED_BASE + i} for i in failed_seeds],
            }
        },
    }


def test_each_arm_is_paired_with_the_first_on_the_same_seeds(tmp_path):
    comparison = arm_comparison({"ur5": report("ur5", [0, 1]), "abb": report("abb", [0, 1, 2, 3, 4, 5, 6, 7])})
    assert comparison["reference"] == "ur5" and "vs_ur5" not in comparison["arms"]["ur5"]
    test = comparison["arms"]["abb"]["vs_ur5"]
    # Seeds 2..7 fail on the abb only: 6 discordant pairs, all one way.
    assert test["p_value"] == pytest.approx(2 * 0.5**6)
    text = arms_text(comparison)
    assert "abb    20.0 % (2/10" in text and "vs ur5: McNemar p = 0.03" in text
    plot_arms(comparison, tmp_path / "arms.png")
    assert (tmp_path / "arms.png").stat().st_size > 1000
