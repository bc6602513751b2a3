"""The summary of episodes run through the ROS graph, in the schema of ``grasp evaluate``'s closed loop.

The episode runner node collects, per episode, the Grasp action's result and the simulated robot's
ground-truth audit; ``graph_summary`` turns them into ``EpisodeSummary`` records and the same ``summarise``
figures the embedded evaluation writes (``results.closed_loop``), so the two can be compared seed by seed.
No ROS here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grasp_bringup.episode_loop import EpisodeSummary
from grasp_bringup.evaluation_stats import regrasped, summarise


@dataclass
class GraphEpisode:
    """One attempt through the graph: what the servo's Grasp action returned, and the simulator's audit."""

    seed: int
    object_names: list[str]
    episode_id: int = -1
    success: bool = False
    steps: int = 0
    termination: str = "aborted"
    label_method: str = ""
    label_detail: str = ""
    aborted: str = ""  # why the attempt ended without a label (empty when labelled)
    truth_success: bool | None = None
    labels_agree: bool | None = None
    failure: str | None = None
    lifted_object: str | None = None
    target_object: str | None = None
    target_family: str | None = None
    attempts: int = 1  # grasp attempts (episodes) of the goal; more than 1 with regrasps
    first_attempt_success: bool | None = None
    wall_seconds: float = math.nan
    frame_to_goal_ms: list[float] = field(default_factory=list)

    def summary(self) -> EpisodeSummary:
        detail = self.label_detail or f"aborted: {self.aborted}"
        return EpisodeSummary(
            episode_id=self.episode_id,
            seed=self.seed,
            success=self.success,
            steps=self.steps,
            termination=self.termination,
            label_detail=detail,
            object_names=list(self.object_names),
            label_method=self.label_method,
            truth_success=self.truth_success,
            labels_agree=self.labels_agree,
            lifted_object=self.lifted_object,
            failure=None if self.success else (self.failure or "other"),
            target_object=self.target_object,
            target_family=self.target_family,
            attempts=self.attempts,
            first_attempt_success=self.first_attempt_success,
        )


def graph_summary(episodes: list[GraphEpisode], settings: dict[str, Any]) -> dict[str, Any]:
    """``summary.json`` of a graph run: the closed-loop block of ``grasp evaluate`` plus the graph's own figures."""
    summaries = [e.summary() for e in episodes]
    closed = summarise(summaries)
    closed["failures"] = [
        {"seed": s.seed, "category": s.failure, "target": s.target_object, "termination": s.termination,
         "detail": s.label_detail}
        for s in summaries
        if not s.success
    ]
    closed["aborted"] = [{"seed": e.seed, "why": e.aborted} for e in episodes if e.aborted]
    walls = [e.wall_seconds for e in episodes if math.isfinite(e.wall_seconds)]
    closed["wall_seconds_per_episode"] = sum(walls) / len(walls) if walls else math.nan
    return {
        **settings,
        "episodes": len(episodes),
        "results": {"closed_loop": closed},
        "paired": {},
        "seeds": [e.seed for e in episodes],
        "outcomes": [bool(e.success) for e in episodes],
    }


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    """Write the summary atomically (a crash leaves the previous file or none, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2, default=_jsonable))
    tmp.replace(path)


def summary_line(summary: dict[str, Any]) -> str:
    """One line for the terminal: success rate with its interval, label agreement, regrasps, aborted attempts."""
    closed = summary["results"]["closed_loop"]
    low, high = closed["success_ci95"]
    labels = closed["labels"]
    audit = f"; labels agree with the simulator on {labels['agree']}/{labels['audited']}" if labels["audited"] else ""
    aborted = f"; {len(closed['aborted'])} aborted" if closed["aborted"] else ""
    attempts = closed.get("attempts", {})
    regrasps = (
        f"; first attempts held {attempts['first_attempt_successes']}/{closed['episodes']}, "
        f"{attempts['regrasp_successes']} held after a regrasp"
        if regrasped(attempts) else ""
    )
    latency = closed.get("latency_ms", {}).get("frame_to_goal", {})
    timing = (
        f"; frame-to-goal p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms over {latency['count']} steps"
        if latency.get("count") else ""
    )
    return (
        f"success {closed['successes']}/{closed['episodes']} = {closed['success_rate'] * 100:.1f} % "
        f"(95 % CI {low * 100:.1f}-{high * 100:.1f} %){audit}{regrasps}{aborted}{timing}"
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
