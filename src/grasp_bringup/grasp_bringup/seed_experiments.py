"""The seeds' experiments, regenerated on our world side by side (``grasp experiments``).

Each experiment writes its JSON, a Markdown table (with how many trials stand behind every cell, and the
seed's own figure beside ours) and a plot where one helps; ``report.md`` joins the tables.

- 001 (Fig. 5): distance of the final pose to the nearest true grasp; seed 001's controller vs one shot, with
  and without the kinematic-noise model (``servo_precision.distance_trials``).
- 003: threshold servoing's final error and iterations from random and partial-view starts, for models
  trained on uniform and Gaussian data (``servo_precision.threshold_trials``), and in the seed's own setting: one
  part whose pregrasp pose was taught once, servoed to by a model trained on that part (``--part-003``).
- 004 (Table 1): failure rates of random, open loop and closed loop, with and without replacement
  (``replacement_experiment``).
- 002: rectangle-metric accuracy of GG-CNN with all labels vs 10 %, with and without the VQ-VAE
  (``grasp_map_experiment``).
- 000: the Q-function's success on held-out objects, still and pushed during the grasp, beside the success
  predictor on the same seeds (``commands.evaluate``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from grasp_bringup import servo_precision

EXPERIMENTS = ("001", "003", "004", "002", "000")


def seed001(out: Path, model: str, trials: int, approach_steps: int) -> str:
    """Seed 001 Fig. 5: five scenarios, ``trials`` scenes each; the Markdown table."""
    rows: dict[str, dict[str, Any]] = {}
    finals: dict[str, list[float]] = {}
    for mode in ("closed_loop", "one_shot"):
        for noise in (0.0, 0.4):
            name = f"{'CTR' if mode == 'closed_loop' else 'one shot'}, {'with' if noise else 'no'} noise"
            results = servo_precision.distance_trials(model, trials, mode, noise, approach_steps)
            rows[name] = servo_precision.distance_summary(results)
            finals[name] = [r.final_distance_m for r in results]
            if "INIT" not in rows:
                rows["INIT"] = servo_precision.distance_summary(
                    [servo_precision.DistanceTrial(r.seed, r.initial_distance_m, r.initial_distance_m) for r in results]
                )
                finals["INIT"] = [r.initial_distance_m for r in results]
    rows = {"INIT": rows.pop("INIT"), **rows}
    finals = {"INIT": finals.pop("INIT"), **finals}
    (out / "seed001.json").write_text(json.dumps(rows, indent=2))
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, values in finals.items():
        axis.hist([100 * v for v in values], bins=30, range=(0, 15), histtype="step", label=name)
    axis.set_xlabel("distance of the final pose to the nearest true grasp (cm; 1 deg = 0.1 cm)")
    axis.set_ylabel("trials")
    axis.set_title(f"Seed 001 Fig. 5 on our world ({trials} scenes per scenario)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "seed001.png", dpi=120)
    plt.close(figure)
    lines = [
        f"### Seed 001, Fig. 5: distance to the nearest true grasp ({approach_steps}-frame descent, r = 0.2)",
        "",
        "| scenario | trials | median (cm) | 90th percentile (cm) | within 1 cm | within 2 cm |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['trials']} | {100 * row['final_median_m']:.2f} | {100 * row['final_p90_m']:.2f} | "
            f"{row['final_within_1cm']:.0%} | {row['final_within_2cm']:.0%} |"
        )
    lines += ["", "![seed 001](seed001.png)", ""]
    return "\n".join(lines)


def seed003(out: Path, models: dict[str, str], trials: int, part: str = "", part_model: str = "",
            part_camera_px: int = 64) -> str:
    """Seed 003: threshold servoing from random and partial-view starts, per training distribution; with
    ``part`` and ``part_model``, also in the seed's own setting (one taught part, its pose fixed to it, seen by a
    ``part_camera_px`` camera)."""
    rows: dict[str, dict[str, Any]] = {}
    conditions = [(f"{sampling} data", model, "heldout", False, 64) for sampling, model in models.items()]
    if part and part_model:
        label = f"taught part {part.rsplit(':', 1)[-1]} ({part_camera_px} px camera)"
        conditions.append((label, part_model, part, True, part_camera_px))
    for label, model, object_set, taught_part, camera_px in conditions:
        for partial in (False, True):
            name = f"{label}, {'partial-view' if partial else 'random'} starts"
            rows[name] = servo_precision.threshold_summary(servo_precision.threshold_trials(
                model, trials, object_set=object_set, partial_view=partial, taught_part=taught_part,
                camera_px=camera_px,
            ))
    (out / "seed003.json").write_text(json.dumps(rows, indent=2))
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for name, row in rows.items():
        trials_ = row.get("per_trial", [])
        axes[0].hist([t["translation_error_mm"] for t in trials_], bins=30, range=(0, 10), histtype="step", label=name)
        axes[1].hist([t["iterations"] for t in trials_], bins=range(0, 12), histtype="step", label=name)
    axes[0].set_xlabel("final translation error (mm)")
    axes[1].set_xlabel("iterations")
    axes[0].set_ylabel("trials")
    axes[1].legend(fontsize=7)
    figure.suptitle("Seed 003 on our world: threshold servoing to the taught pregrasp pose")
    figure.tight_layout()
    figure.savefig(out / "seed003.png", dpi=120)
    plt.close(figure)
    lines = [
        "### Seed 003: threshold servoing (thresholds 0.5 mm / 0.5 deg; seed: 0.8 mm / 0.6 deg, 2-3 iterations)",
        "",
        "| condition | trials | converged | translation median / p90 (mm) | rotation median / p90 (deg) | "
        "within 0.5 mm and 0.5 deg | within 1 mm and 1 deg | iterations median / p90 | within 3 iterations |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in rows.items():
        if not row.get("trials"):
            continue
        lines.append(
            f"| {name} | {row['trials']} | {row['converged']} | {row['translation_error_mm_median']:.2f} / "
            f"{row['translation_error_mm_p90']:.2f} | {row['rotation_error_deg_median']:.2f} / "
            f"{row['rotation_error_deg_p90']:.2f} | {row['within_0.5mm_and_0.5deg']:.0%} | "
            f"{row['within_1mm_and_1deg']:.0%} | {row['iterations_median']:.0f} / {row['iterations_p90']:.0f} | "
            f"{row['within_3_iterations']:.0%} |"
        )
    lines += ["", "![seed 003](seed003.png)", ""]
    return "\n".join(lines)


def seed004(out: Path, model: str, attempts: int, repetitions: int, workers: int) -> str:
    """Seed 004 Table 1: failure rates with and without replacement (``replacement_experiment``)."""
    from grasp_bringup.replacement_experiment import run_table1, table1_markdown, table1_settings

    result = run_table1(table1_settings(model), with_attempts=attempts, repetitions=repetitions, workers=workers)
    (out / "seed004.json").write_text(json.dumps(result, indent=2, default=str))
    return "### Seed 004, Table 1: failure rates\n\n" + table1_markdown(result) + "\n"


def seed000(out: Path, q_model: str, success_model: str, episodes: int, workers: int) -> str:
    """Seed 000: the Q-function on held-out objects, still and pushed during the grasp, beside the success CNN.

    Both models run on the same seeds, so McNemar's exact test compares them episode by episode.
    """
    from grasp_bringup.commands import EVALUATION_SEED_BASE, evaluate
    from grasp_bringup.evaluation_stats import mcnemar_exact
    from grasp_bringup.factory import RunSettings

    seeds = [EVALUATION_SEED_BASE + i for i in range(episodes)]
    rows, record = [], {}
    for condition, disturbed in (("still", False), ("pushed during the grasp", True)):
        outcomes, closed = {}, {}
        for name, model in (("Q-function (seed 000)", q_model), ("success CNN (seed 004)", success_model)):
            tag = f"{'pushed' if disturbed else 'still'}_{'q' if model == q_model else 'success'}"
            settings = RunSettings(controller="cem", model=model, object_set="heldout", disturbance=disturbed)
            report = evaluate(settings, episodes, out / f"seed000_{tag}", workers, open_loop=False, record=False)
            closed[name] = report["results"]["closed_loop"]
            failed = {f["seed"] for f in closed[name]["failures"]}
            outcomes[name] = [seed not in failed for seed in seeds]
        q_name, s_name = list(closed)
        paired = mcnemar_exact(outcomes[q_name], outcomes[s_name])
        record[condition] = {"results": closed, "q_vs_success": paired}
        for name, result in closed.items():
            low, high = result["success_ci95"]
            test = f"p = {paired['p_value']:.2g}" if name == q_name else ""
            rows.append(
                f"| {condition} | {name} | {result['successes']}/{result['episodes']} = "
                f"{100 * result['success_rate']:.1f} % ({100 * low:.1f}-{100 * high:.1f}) | "
                f"{result['labels'].get('agree', '')} | {test} |"
            )
    (out / "seed000.json").write_text(json.dumps(record, indent=2, default=str))
    return "\n".join([
        "### Seed 000: the Q-function on held-out objects (seed: 78 % unseen objects, 84 % objects moved)",
        "",
        "| condition | model | closed-loop success (95 % CI) | labels agree | McNemar vs the success CNN |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
    ])


def write_report(out: Path, sections: dict[str, Callable[[], str]]) -> Path:
    """Run each experiment in ``sections`` (name -> callable giving its Markdown) and join them."""
    out.mkdir(parents=True, exist_ok=True)
    parts = ["# The seeds' experiments on our world", ""]
    for name, run in sections.items():
        print(f"== seed {name} ==", flush=True)
        text = run()
        (out / f"seed{name}.md").write_text(text + "\n")
        parts.append(text)
    report = out / "report.md"
    report.write_text("\n".join(parts) + "\n")
    return report


def run_experiments(
    seeds: list[str], out: Path, models: dict[str, str], trials: dict[str, int], workers: int = 2,
    approach_steps: int = 25, part_003: str = "", part_camera_px_003: int = 64,
) -> Path:
    """The chosen seeds' experiments into ``out`` (``report.md`` + per-seed JSON, Markdown and plots).

    ``part_003`` / ``part_camera_px_003``: seed 003's own setting (the part ``models["pregrasp_part"]`` was taught,
    and the camera it was trained with); empty: that condition is left out.
    """
    unknown = [seed for seed in seeds if seed not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"unknown experiment(s) {unknown}: choose from {', '.join(EXPERIMENTS)}")
    sections: dict[str, Callable[[], str]] = {}
    for seed in seeds:
        if seed == "001":
            sections[seed] = lambda: seed001(out, models["distance"], trials["001"], approach_steps)
        elif seed == "003":
            pregrasp = {"uniform": models["pregrasp"], "gaussian": models["pregrasp_gaussian"]}
            sections[seed] = lambda p=pregrasp: seed003(out, p, trials["003"], part_003,
                                                        models.get("pregrasp_part", ""), part_camera_px_003)
        elif seed == "004":
            sections[seed] = lambda: seed004(out, models["success"], trials["004"], 4, workers)
        elif seed == "002":
            sections[seed] = lambda: seed002(out, models, trials["002"])
        elif seed == "000":
            sections[seed] = lambda: seed000(out, models["q"], models["success"], trials["000"], workers)
    return write_report(out, sections)


def seed002(out: Path, models: dict[str, str], epochs: int) -> str:
    """Seed 002: the rectangle metric, all labels vs 10 %, with and without the VQ-VAE (trains the models)."""
    from grasp_bringup.ggcnn_family import rectangle_experiment, seed002_markdown

    train = [Path(p) for p in models["grasp_map_train"].split(",")]
    result = rectangle_experiment(train, Path(models["grasp_map_test"]), epochs=epochs, vqvae_epochs=epochs)
    (out / "seed002.json").write_text(json.dumps(result, indent=2, default=str))
    return seed002_markdown(result)
