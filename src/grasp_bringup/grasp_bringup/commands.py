"""The jobs behind the command line: collect (see ``collection``), train, evaluate, bag-info, bag-repair.

Each returns plain data and writes files.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from grasp_bringup.bag_paths import find_bags
from grasp_bringup.collection import collect, resume_collection
from grasp_bringup.evaluation_plot import plot_evaluation
from grasp_bringup.evaluation_stats import mcnemar_exact, summarise
from grasp_bringup.factory import RunSettings, UsageError, preflight, servo_kind_for, world_config
from grasp_bringup.parallel_episodes import run_episodes
from grasp_bringup.run_folders import claim_output_folder

__all__ = ["bag_info", "collect", "evaluate", "repair_bags", "resume_collection", "train"]

EVALUATION_SEED_BASE = 9_000_000  # disjoint from COLLECTION_SEED_BASE: no evaluation scene was trained on


def bag_info(paths: list[Path]) -> dict:
    """Summaries of the bags under ``paths``; unreadable bags are listed with why, unfinished ones named."""
    from grasp_datacollect.bag_reader import MalformedBagError, bag_summary
    from grasp_datacollect.bag_repair import find_unfinished_bags

    bags, unreadable = [], []
    for bag in find_bags(paths, allow_empty=True):
        try:
            bags.append(bag_summary(bag))
        except MalformedBagError as error:
            unreadable.append({"path": str(bag), "error": str(error)})
    unfinished = [str(b) for p in paths for b in find_unfinished_bags(p)]
    if not bags and not unreadable and not unfinished:
        raise FileNotFoundError(f"no rosbag2 folder under {', '.join(map(str, paths))}")
    totals = {key: sum(b[key] for b in bags) for key in ("episodes", "complete_episodes", "steps", "successes")}
    return {"bags": bags, "totals": totals, "unreadable": unreadable, "unfinished": unfinished}


def repair_bags(paths: list[Path]) -> list:
    """Repair every unfinished bag at or below ``paths`` (see ``grasp_datacollect.bag_repair``)."""
    from grasp_datacollect.bag_repair import find_unfinished_bags, repair_bag

    for path in paths:
        if not Path(path).exists():
            raise FileNotFoundError(f"no such bag or folder: {path}")
    unfinished = [bag for path in paths for bag in find_unfinished_bags(path)]
    if not unfinished:
        raise FileNotFoundError(
            f"no unfinished bag (an .mcap file without metadata.yaml) under {', '.join(map(str, paths))}"
        )
    return [repair_bag(bag) for bag in unfinished]


def train(
    bag_paths: list[Path],
    out: Path,
    epochs: int,
    rounds: int,
    data_description: str,
    command: str | None = None,
    progress: bool = True,
) -> dict:
    """Train the grasp-success CNN on the bags and export it to ONNX with its contract."""
    try:
        from grasp_perception.export import export_onnx
        from grasp_perception.train import TrainConfig, build_contract, train_grasp_model
    except ModuleNotFoundError as error:
        raise UsageError(
            f"training needs the dev extras ({error.name} is not installed): run `scripts/setup.sh --dev` "
            "(PyTorch 2.13.0 CPU and onnxscript)"
        ) from None
    from grasp_datacollect.samples import load_grasp_samples

    bags = find_bags(bag_paths)
    samples = load_grasp_samples(bags, progress=progress, skip_malformed=True)
    config = TrainConfig(epochs=epochs)
    model, report = train_grasp_model(
        samples.images, samples.motions, samples.labels, samples.episode_keys, config, progress=progress
    )
    description = data_description or f"{len(bags)} bags"
    contract = build_contract(config, report, command or shlex.join(sys.argv), description, rounds)
    export_onnx(model, out, contract)
    metrics = report.metrics()
    summary = {
        "model": str(out),
        "bags": [str(b) for b in bags],
        "samples": len(samples),
        "positives": int(samples.labels.sum()),
        "episodes": len(set(samples.episode_keys.tolist())),
        "metrics": metrics,
    }
    out.with_suffix(".train.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary


def evaluate(
    settings: RunSettings, episodes: int, out: Path, workers: int, open_loop: bool = True, record: bool = True
) -> dict:
    """Closed loop (and the open-loop baseline) on ``episodes`` scenes: JSON summary, PNG plot, bags."""
    if episodes < 1:
        raise UsageError(f"--episodes must be at least 1, got {episodes}")
    preflight(settings)
    claim_output_folder(out)
    seeds = [EVALUATION_SEED_BASE + i for i in range(episodes)]
    closed = settings.controller if settings.controller in ("cem", "threshold") else servo_kind_for(settings.model)
    conditions = {"closed_loop": replace(settings, controller=closed)}
    if open_loop:
        # One shot, as the baseline of seeds 002 and 004 is: it plans on the first frame, so it never regrasps.
        conditions["open_loop"] = replace(settings, controller="open_loop", grasp_attempts=1)
    results: dict[str, dict] = {}
    steps: dict[str, list[int]] = {}
    outcomes: dict[str, list[bool]] = {}
    for name, condition in conditions.items():
        bag_dir = out / f"bags_{name}" if record else None
        summaries = run_episodes(condition, seeds, workers, bag_dir, name)
        results[name] = summarise(summaries)
        steps[name] = [s.steps for s in summaries]
        outcomes[name] = [s.success for s in summaries]
        results[name]["failures"] = [
            {
                "seed": s.seed,
                "category": s.failure,
                "target": s.target_object,
                "termination": s.termination,
                "detail": s.label_detail,
            }
            for s in summaries
            if not s.success
        ]
    paired = {}
    if "open_loop" in outcomes:  # the same seeds, so the two controllers' outcomes pair up episode by episode
        paired["closed_loop_vs_open_loop"] = {
            "first": "closed_loop",
            "second": "open_loop",
            **mcnemar_exact(outcomes["closed_loop"], outcomes["open_loop"]),
        }
    report = {
        "model": settings.model,
        "robot": settings.robot,
        "object_set": settings.object_set,
        "disturbance": world_config(settings).disturbance,
        "kinematic_noise": settings.kinematic_noise,
        # The CEM servo's finger-clearance check (the threshold servo does not use it).
        "finger_clearance": settings.finger_clearance and settings.controller != "threshold",
        "episodes": episodes,
        "workers": workers,
        "scorer_threads": settings.scorer_threads,
        "results": results,
        "paired": paired,
        "command": shlex.join(sys.argv),
    }
    (out / "summary.json").write_text(json.dumps(report, indent=2))
    title = (
        f"{settings.robot}: {episodes} episodes on '{Path(settings.object_set).name}' objects"
        f"{', disturbed' if settings.disturbance else ''}"
        f"{f', kinematic noise {settings.kinematic_noise}' if settings.kinematic_noise else ''}"
    )
    plot_evaluation(results, steps, out / "evaluation.png", title)
    return report
