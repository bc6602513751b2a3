"""The jobs behind the command line: collect, train, evaluate. Each returns plain data and writes files."""

from __future__ import annotations

import json
import shlex
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from tqdm import tqdm

from grasp_bringup.bag_paths import find_bags
from grasp_bringup.episode_loop import EpisodeSummary
from grasp_bringup.evaluation_plot import plot_evaluation
from grasp_bringup.evaluation_stats import summarise
from grasp_bringup.factory import RunSettings
from grasp_bringup.parallel_episodes import run_parallel

# Seeds of scenes: collection and evaluation draw from disjoint ranges so no evaluation scene was trained on.
COLLECTION_SEED_BASE = 1_000_000
EVALUATION_SEED_BASE = 9_000_000


def refuse_existing(path: Path) -> None:
    """Never overwrite recorded data."""
    if path.exists():
        raise FileExistsError(f"{path} already exists: choose a new output path (recorded data is never overwritten)")


def run_episodes(
    settings: RunSettings, seeds: list[int], workers: int, bag_dir: Path | None, label: str
) -> list[EpisodeSummary]:
    """Run episodes with a progress bar showing success rate and attempts per hour."""
    summaries: list[EpisodeSummary] = []
    began = time.monotonic()
    with tqdm(total=len(seeds), desc=label, unit="attempt", dynamic_ncols=True, file=sys.stderr) as bar:
        for summary in run_parallel(settings, seeds, workers, bag_dir):
            summaries.append(summary)
            elapsed = max(time.monotonic() - began, 1e-6)
            rate = sum(s.success for s in summaries) / len(summaries)
            bar.set_postfix(success=f"{rate:.0%}", per_hour=f"{len(summaries) / elapsed * 3600:,.0f}")
            bar.update(1)
    summaries.sort(key=lambda s: s.episode_id)
    return summaries


def collect(settings: RunSettings, episodes: int, out: Path, workers: int, seed_offset: int = 0) -> dict:
    """Record ``episodes`` attempts with a collection policy into bags under ``out``."""
    refuse_existing(out)
    out.mkdir(parents=True)
    seeds = [COLLECTION_SEED_BASE + seed_offset + i for i in range(episodes)]
    began = time.monotonic()
    summaries = run_episodes(settings, seeds, workers, out, f"collect ({settings.controller})")
    seconds = time.monotonic() - began
    report = {
        "settings": asdict(settings),
        "episodes": len(summaries),
        "successes": sum(s.success for s in summaries),
        "seconds": seconds,
        "attempts_per_hour": len(summaries) / max(seconds, 1e-6) * 3600,
        "command": shlex.join(sys.argv),
    }
    (out / "collection.json").write_text(json.dumps(report, indent=2))
    return report


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
    from grasp_datacollect.samples import load_grasp_samples
    from grasp_perception.export import export_onnx
    from grasp_perception.train import TrainConfig, build_contract, train_grasp_model

    bags = find_bags(bag_paths)
    samples = load_grasp_samples(bags, progress=progress)
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
    refuse_existing(out)
    out.mkdir(parents=True)
    seeds = [EVALUATION_SEED_BASE + i for i in range(episodes)]
    conditions = {"closed_loop": replace(settings, controller="cem")}
    if open_loop:
        conditions["open_loop"] = replace(settings, controller="open_loop")
    results: dict[str, dict] = {}
    steps: dict[str, list[int]] = {}
    for name, condition in conditions.items():
        bag_dir = out / f"bags_{name}" if record else None
        summaries = run_episodes(condition, seeds, workers, bag_dir, name)
        results[name] = summarise(summaries)
        steps[name] = [s.steps for s in summaries]
        results[name]["failures"] = [
            {"seed": s.seed, "termination": s.termination, "detail": s.label_detail} for s in summaries if not s.success
        ][:50]
    report = {
        "model": settings.model,
        "object_set": settings.object_set,
        "disturbance": settings.disturbance,
        "kinematic_noise": settings.kinematic_noise,
        "episodes": episodes,
        "workers": workers,
        "scorer_threads": settings.scorer_threads,
        "results": results,
        "command": shlex.join(sys.argv),
    }
    (out / "summary.json").write_text(json.dumps(report, indent=2))
    title = (
        f"{episodes} episodes on '{Path(settings.object_set).name}' objects"
        f"{', disturbed' if settings.disturbance else ''}"
        f"{f', kinematic noise {settings.kinematic_noise}' if settings.kinematic_noise else ''}"
    )
    plot_evaluation(results, steps, out / "evaluation.png", title)
    return report
