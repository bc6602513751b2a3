"""The evaluation plot: the legend hides no marker, steps get whole-number ticks, no condition does not crash."""

import math

import matplotlib.pyplot as plt
import pytest
from grasp_bringup.episode_loop import EpisodeSummary
from grasp_bringup.evaluation_plot import evaluation_figure, plot_evaluation
from grasp_bringup.evaluation_stats import summarise


def episodes(step_counts, perception_s):
    return [
        EpisodeSummary(i, i, i % 2 == 0, steps, "servo_close", "", ["a"], [perception_s] * steps, [0.001] * steps)
        for i, steps in enumerate(step_counts)
    ]


def results(perception_s=0.040):
    closed = episodes([5, 5, 6, 5, 5, 5], perception_s)
    open_loop = episodes([5] * 6, 0.003)
    return (
        {"closed_loop": summarise(closed), "open_loop": summarise(open_loop)},
        {"closed_loop": [e.steps for e in closed], "open_loop": [e.steps for e in open_loop]},
    )


@pytest.mark.parametrize("perception_s", [0.005, 0.030, 0.040, 0.120])
def test_the_p95_marker_is_never_behind_the_legend(perception_s):
    summary, steps = results(perception_s)
    figure = evaluation_figure(summary, steps, "test")
    try:
        figure.canvas.draw()
        ax_latency = figure.axes[2]
        legend, axes_box = ax_latency.get_legend().get_window_extent(), ax_latency.get_window_extent()
        assert legend.y1 <= axes_box.y0  # below the panel: it can cover no bar, line or marker
        p95 = summary["closed_loop"]["latency_ms"]["servo_step"]["p95"]
        assert ax_latency.get_ylim()[1] > p95  # the marker is inside the panel
        assert legend.y0 >= figure.bbox.y0  # and the legend is on the page
    finally:
        plt.close(figure)


def test_steps_axis_has_whole_number_ticks():
    summary, steps = results()
    figure = evaluation_figure(summary, steps, "test")
    try:
        ax_steps = figure.axes[1]
        low, high = ax_steps.get_ylim()
        ticks = [t for t in ax_steps.get_yticks() if low <= t <= high]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
    finally:
        plt.close(figure)


def test_no_condition_and_missing_latencies_still_plot(tmp_path):
    plot_evaluation({}, {}, tmp_path / "empty.png", "nothing")
    assert (tmp_path / "empty.png").stat().st_size > 0
    summary, steps = results()
    for latency in summary["closed_loop"]["latency_ms"].values():
        latency.update(p50=math.nan, p95=math.nan, mean=math.nan, count=0)  # no step asked the model
    figure = evaluation_figure(summary, steps, "no latency samples")
    try:
        assert all(math.isfinite(v) for v in figure.axes[2].get_ylim())
    finally:
        plt.close(figure)


def test_regrasps_mark_the_first_attempts_on_the_closed_loop_bar():
    summary, steps = results()
    plain = evaluation_figure(summary, steps, "one attempt")
    try:
        bars = len(plain.axes[0].collections)  # the error bars
        assert not any("first attempts" in t.get_text() for t in plain.axes[0].texts)  # one attempt per scene
    finally:
        plt.close(plain)
    closed = episodes([5, 5, 6, 5, 5, 5], 0.04)
    for e in closed[:2]:
        e.success, e.attempts, e.first_attempt_success = True, 2, False
    summary["closed_loop"] = summarise(closed)
    figure = evaluation_figure(summary, steps, "regrasps")
    try:
        assert len(figure.axes[0].collections) == bars + 1
        line = figure.axes[0].collections[-1]
        assert line.get_segments()[0][0][1] == pytest.approx(summary["closed_loop"]["attempts"]
                                                             ["first_attempt_success_rate"] * 100)
        assert any("first attempts" in t.get_text() for t in figure.axes[0].texts)
    finally:
        plt.close(figure)
