"""Wilson interval and latency summaries."""

import pytest
from grasp_bringup.episode_loop import EpisodeSummary
from grasp_bringup.evaluation_stats import percentiles_ms, summarise, wilson_interval


def test_wilson_interval_matches_known_values():
    low, high = wilson_interval(90, 100)
    assert low == pytest.approx(0.8256, abs=1e-3) and high == pytest.approx(0.9448, abs=1e-3)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_summarise_counts_successes_steps_and_latencies():
    episodes = [
        EpisodeSummary(0, 1, True, 3, "servo_close", "", ["a"], [0.010, 0.012, 0.011], [0.001, 0.002, 0.001]),
        EpisodeSummary(1, 2, False, 5, "step_budget", "", ["b"], [0.020] * 5, [0.003] * 5),
    ]
    result = summarise(episodes)
    assert result["successes"] == 1 and result["success_rate"] == 0.5
    assert result["steps_mean"] == 4.0 and result["terminations"] == {"servo_close": 1, "step_budget": 1}
    assert result["latency_ms"]["perception"]["count"] == 8
    assert result["latency_ms"]["servo_step"]["p50"] == pytest.approx(percentiles_ms([0.023])["p50"], rel=0.2)


def test_summarise_refuses_no_episodes():
    with pytest.raises(ValueError, match=r"^no episodes to summarise$"):
        summarise([])


def test_mcnemar_exact_matches_the_binomial_tail():
    from grasp_bringup.evaluation_stats import mcnemar_exact

    closed = [True] * 10 + [False] * 2 + [True] * 5
    opened = [False] * 10 + [True] * 2 + [True] * 5
    result = mcnemar_exact(closed, opened)
    assert (result["only_first"], result["only_second"], result["pairs"]) == (10, 2, 17)
    # two-sided exact p for 2 of 12 discordant pairs: 2 * (1 + 12 + 66) / 4096
    assert abs(result["p_value"] - 2 * 79 / 4096) < 1e-12
    assert mcnemar_exact([True, False], [True, False])["p_value"] == 1.0
    import pytest

    with pytest.raises(ValueError, match="equal lengths"):
        mcnemar_exact([True], [])


def test_success_by_family_and_the_label_audit():
    from grasp_bringup.episode_loop import EpisodeSummary
    from grasp_bringup.evaluation_stats import label_audit, success_by

    def episode(success, family, agree=True, failure=None):
        e = EpisodeSummary(0, 0, success, 5, "servo_close", "", [], label_method="gripper_opening")
        e.target_family, e.labels_agree, e.failure = family, agree, failure
        return e

    runs = [episode(True, "mug"), episode(False, "mug", failure="slipped"), episode(True, "box")]
    runs.append(episode(False, None, agree=False, failure="missed"))
    table = success_by(runs, "target_family")
    assert table["mug"]["episodes"] == 2 and table["mug"]["success_rate"] == 0.5
    assert table["box"]["successes"] == 1 and "none" in table
    audit = label_audit(runs)
    assert (audit["agree"], audit["audited"]) == (3, 4)
    assert audit["failures_by_category"] == {"slipped": 1, "missed": 1}
    assert audit["label_methods"] == ["gripper_opening"]
