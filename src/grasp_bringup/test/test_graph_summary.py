"""summary.json of a ROS graph run: the schema of grasp evaluate's closed loop, plus the graph's own figures."""

from __future__ import annotations

import json
from pathlib import Path

from grasp_bringup.graph_summary import GraphEpisode, graph_summary, summary_line, write_summary


def episodes() -> list[GraphEpisode]:
    held = GraphEpisode(9_000_000, ["box_1__0"], episode_id=0, success=True, steps=5, termination="servo_close",
                        label_method="gripper_opening", label_detail="held", truth_success=True, labels_agree=True,
                        target_object="box_1", target_family="box", wall_seconds=4.0, frame_to_goal_ms=[8.0, 12.0])
    slipped = GraphEpisode(9_000_001, ["cyl_2__0"], episode_id=1, success=False, steps=6, termination="servo_close",
                           label_method="gripper_opening", label_detail="not held", truth_success=False,
                           labels_agree=True, failure="slipped", target_family="cylinder", wall_seconds=5.0,
                           frame_to_goal_ms=[10.0])
    aborted = GraphEpisode(9_000_002, [], aborted="no usable frame for 3.0 s")
    return [held, slipped, aborted]


def test_summary_has_the_closed_loop_schema_and_the_graph_figures(tmp_path: Path) -> None:
    summary = graph_summary(episodes(), {"graph": "ros2", "robot": "ur5"})
    closed = summary["results"]["closed_loop"]
    assert (closed["episodes"], closed["successes"]) == (3, 1)
    assert closed["labels"]["audited"] == 2 and closed["labels"]["agree"] == 2
    assert closed["labels"]["failures_by_category"] == {"slipped": 1, "other": 1}  # the aborted one: other
    assert closed["by_family"]["box"]["successes"] == 1 and closed["terminations"]["aborted"] == 1
    assert closed["aborted"] == [{"seed": 9_000_002, "why": "no usable frame for 3.0 s"}]
    assert [f["seed"] for f in closed["failures"]] == [9_000_001, 9_000_002]
    assert summary["seeds"] == [9_000_000, 9_000_001, 9_000_002] and summary["outcomes"] == [True, False, False]
    assert closed["wall_seconds_per_episode"] == 4.5
    write_summary(tmp_path / "run" / "summary.json", summary)
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["robot"] == "ur5"
    assert not list((tmp_path / "run").glob("*.tmp"))


def test_summary_line_says_rate_audit_aborts_and_latency() -> None:
    summary = graph_summary(episodes(), {})
    summary["results"]["closed_loop"]["latency_ms"]["frame_to_goal"] = {"p50": 10.0, "p95": 12.0, "count": 3}
    line = summary_line(summary)
    assert line.startswith("success 1/3 = 33.3 % (95 % CI")
    assert "labels agree with the simulator on 2/2" in line and "1 aborted" in line
    assert "frame-to-goal p50 10.0 ms, p95 12.0 ms over 3 steps" in line
