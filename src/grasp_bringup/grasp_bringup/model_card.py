"""Writes the model card of a trained model from the pipeline record and evaluation summaries.

    python -m grasp_bringup.model_card --pipeline runs/p/pipeline.json --eval runs/e1/summary.json ... \
        --benchmark runs/bench.json --out src/grasp_bringup/grasp_bringup/models/MODEL_CARD.md
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path


def _portable(command: str) -> str:
    """A recorded command line without this machine's paths: ``grasp ...`` with run folders under runs/."""
    command = re.sub(r"\S*/bin/grasp\b", "grasp", command)
    return re.sub(r"(?<!\S)/\S*/runs/", "runs/", command)


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _evaluation_rows(summary: dict) -> list[str]:
    condition = ("disturbed" if summary["disturbance"] not in (False, "none") else "undisturbed") + (
        f", kinematic noise {summary['kinematic_noise']}" if summary["kinematic_noise"] else ""
    )
    rows = []
    for name, r in summary["results"].items():
        low, high = r["success_ci95"]
        lat = r["latency_ms"]
        rows.append(
            f"| {Path(summary['object_set']).name} | {condition} | {name} | {r['successes']}/{r['episodes']} = "
            f"{_pct(r['success_rate'])} | {_pct(low)} - {_pct(high)} | {r['steps_mean']:.1f} | "
            f"{lat['perception']['p50']:.1f} / {lat['perception']['p95']:.1f} | "
            f"{lat['optimisation']['p50']:.1f} / {lat['optimisation']['p95']:.1f} |"
        )
    return rows


def render_card(pipeline: dict, evaluations: list[dict], benchmark: dict | None) -> str:
    lines = [
        "# Model card: grasp_success.onnx",
        "",
        "Grasp-success predictor g(I_t, v_t) after seed 004, sized for a 64 x 64 wrist depth camera: the depth",
        "image enters at the bottom, the motion (dx, dy, dz in the yaw-aligned tool frame, divided by 0.1 m, and",
        "sin / cos of the rotation about the vertical) is added to the middle feature map, a sigmoid comes out.",
        "One image is encoded once per call and scored against a batch of motions (CEM asks 3 x 64 + 1 per step).",
        "The ONNX metadata (`grasp_contract`) carries the full contract: kind, target, inputs, action layout,",
        "frame and units, preprocessing, provenance.",
        "",
        "## Data",
        "",
        "All data were collected by this project in its embedded MuJoCo world (UR5-class arm, parallel-jaw gripper,",
        "wrist depth camera, 1-5 procedural objects from the 200 training instances; labels from the lift test).",
        "",
        "| round | policy | attempts | successes | attempts / hour (2 workers) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in pipeline["stages"]:
        if s["stage"].startswith("collect"):
            round_name = (
                s["stage"].rsplit("round ", 1)[-1]
                if "round" in s["stage"]
                else ("2" if s["settings"]["controller"] == "learned" else "1")
            )
            lines.append(
                f"| {round_name} | {s['settings']['controller']} | {s['episodes']} | {s['successes']} "
                f"({_pct(s['successes'] / max(s['episodes'], 1))}) | {s['attempts_per_hour']:,.0f} |"
            )
    lines += ["", "## Training", ""]
    for s in pipeline["stages"]:
        if s["stage"].startswith("train"):
            m = s["metrics"]
            lines.append(
                f"- {s['stage']}: {s['samples']:,} samples from {s['episodes']:,} episodes ({s['positives']:,} "
                f"positive); best epoch {m.get('best_epoch')}, validation loss {m.get('val_loss', float('nan')):.4f}, "
                f"accuracy {m.get('val_accuracy', float('nan')):.3f}, AUC {m.get('val_auc', float('nan')):.3f} "
                "(validation split by episode)."
            )
    lines += [
        "",
        "The shipped file is the last round's model (trained on every round's data). Reproduce it with:",
        "",
        "```bash",
        _portable(pipeline["command"]),
        "```",
        "",
        "## Evaluation (held-out objects, scenes never used for training)",
        "",
        "| objects | condition | controller | success | 95 % CI | steps | perception p50 / p95 ms | CEM p50 / p95 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for summary in evaluations:
        lines += _evaluation_rows(summary)
    lines += ["", "Commands:", ""]
    lines += [f"- `{_portable(s['command'])}`" for s in evaluations]
    if benchmark:
        lines += [
            "",
            "## Servo-step latency, one CPU core",
            "",
            f"`grasp benchmark` ({benchmark['steps']} steps, {benchmark['threads']} onnxruntime thread, CEM "
            f"{benchmark['cem']}): total p50 {benchmark['total_ms']['p50']:.2f} ms, p95 "
            f"{benchmark['total_ms']['p95']:.2f} ms; perception p50 {benchmark['perception_ms']['p50']:.2f} ms; "
            f"CEM optimisation p50 {benchmark['optimisation_ms']['p50']:.2f} ms.",
        ]
    lines += [
        "",
        "Latencies in the evaluation table were measured with 2 worker processes sharing 2 cores with the",
        "physics; the benchmark line is the one-core figure.",
        "",
        "## Limits",
        "",
        "Trained only on simulated depth from the embedded world (ray-cast, noise-free); top-down grasps; objects",
        "narrower than the 85 mm opening. Expect to fine-tune on data from your own cell before trusting it on a",
        "real arm.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="write a model card from pipeline and evaluation records")
    parser.add_argument("--pipeline", type=Path, required=True)
    parser.add_argument("--eval", type=Path, nargs="*", default=[])
    parser.add_argument("--benchmark", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    pipeline = json.loads(args.pipeline.read_text())
    evaluations = [json.loads(p.read_text()) for p in args.eval]
    benchmark = json.loads(args.benchmark.read_text()) if args.benchmark else None
    args.out.write_text(render_card(pipeline, evaluations, benchmark))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
