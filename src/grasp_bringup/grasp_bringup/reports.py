"""Human-readable text for what the commands return."""

from __future__ import annotations

import time
from pathlib import Path

from grasp_bringup.evaluation_stats import regrasped


def default_run_dir(kind: str) -> Path:
    return Path("runs") / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}"


def collection_text(report: dict) -> str:
    rate = report["successes"] / max(report["episodes"], 1)
    return (
        f"recorded {report['episodes']} of {report['target_episodes']} attempts ({report['successes']} successes, "
        f"{rate:.1%}) in {report['seconds']:.0f} s: {report['attempts_per_hour']:,.0f} attempts/hour"
    )


def bag_info_text(info: dict) -> str:
    rows = [f"{'bag':50s} {'episodes':>8s} {'complete':>8s} {'steps':>7s} {'success':>8s}  policies"]
    for bag in info["bags"]:
        rate = f"{bag['successes'] / bag['complete_episodes']:.1%}" if bag["complete_episodes"] else "-"
        policies = ", ".join(f"{name} {count}" for name, count in bag["policies"].items())
        rows.append(
            f"{bag['path']:50s} {bag['episodes']:8d} {bag['complete_episodes']:8d} {bag['steps']:7d} "
            f"{rate:>8s}  {policies}"
        )
    t = info["totals"]
    rate = f"{t['successes'] / t['complete_episodes']:.1%}" if t["complete_episodes"] else "-"
    total = f"total ({len(info['bags'])} bags)"
    rows.append(f"{total:50s} {t['episodes']:8d} {t['complete_episodes']:8d} {t['steps']:7d} {rate:>8s}")
    rows += [f"unreadable: {bad['error']}" for bad in info["unreadable"]]
    rows += [f"unfinished (a killed run; recover with `grasp bag-repair`): {path}" for path in info["unfinished"]]
    return "\n".join(rows)


def repair_text(reports: list) -> str:
    return "\n".join(
        f"repaired {r.path}: {r.episodes_kept} finished episodes kept, {r.messages_dropped} messages of the "
        f"episode in flight dropped{' (file was cut mid-record)' if r.truncated else ''}"
        for r in reports
    )


def training_text(summary: dict) -> str:
    m = summary["metrics"]
    best = {k: v for k, v in m.items() if isinstance(v, int | float)}
    shown = ", ".join(f"{k} {v:.4g}" for k, v in best.items())
    return (
        f"trained on {summary['samples']} samples from {summary['episodes']} episodes "
        f"({summary['positives']} positive) -> {summary['model']}\n  {shown}"
    )


def _condition_lines(name: str, result: dict) -> list[str]:
    low, high = result["success_ci95"]
    lat = result["latency_ms"]
    lines = [
        f"  {name:12s} success {result['success_rate']:.1%} ({result['successes']}/{result['episodes']}, "
        f"95% CI {low:.1%}-{high:.1%}), steps mean {result['steps_mean']:.1f} / median {result['steps_p50']:.0f}",
    ]
    attempts = result.get("attempts")
    if regrasped(attempts):
        by_count = ", ".join(f"{n} in {k}" for k, n in attempts["scenes_by_attempts"].items())
        first = attempts["first_attempt_successes"]
        lines.append(
            f"  {'':12s} regrasps: scenes by attempts {by_count}; first attempts held "
            f"{attempts['first_attempt_success_rate']:.1%} ({first}/{result['episodes']}), "
            f"{attempts['regrasp_successes']} held after a regrasp"
        )
    if lat["servo_step"]["count"]:
        lines.append(
            f"  {'':12s} servo step p50 {lat['servo_step']['p50']:.1f} ms / p95 {lat['servo_step']['p95']:.1f} ms"
            f" = perception p50 {lat['perception']['p50']:.1f} / p95 {lat['perception']['p95']:.1f} ms"
            f" + CEM p50 {lat['optimisation']['p50']:.1f} / p95 {lat['optimisation']['p95']:.1f} ms"
        )
    return lines


def _disturbance_words(disturbance: str | bool) -> str:
    if disturbance in (False, "none"):
        return ""
    return " with disturbance" if disturbance is True else f" with {disturbance} disturbance"


def evaluation_text(report: dict, out: Path) -> str:
    noise = report["kinematic_noise"]
    lines = [
        f"{report['episodes']} episodes per condition on '{report['object_set']}'"
        f"{_disturbance_words(report['disturbance'])}"
        f"{f', kinematic noise {noise}' if noise else ''}"
        f" (model {Path(report['model']).name}, robot {report.get('robot', 'ur5')})",
    ]
    for name, result in report["results"].items():
        lines.extend(_condition_lines(name, result))
    for name, result in report["results"].items():
        labels = result.get("labels")
        if labels and labels["audited"]:
            causes = ", ".join(f"{k} {v}" for k, v in labels["failures_by_category"].items()) or "none"
            lines.append(
                f"  {name:12s} labels ({', '.join(labels['label_methods'])}) agree with the simulation's ground truth "
                f"in {labels['agree']}/{labels['audited']}; failures: {causes}"
            )
    closed = report["results"].get("closed_loop", {}).get("by_family", {})
    if len(closed) > 1:
        lines.append(
            "  closed loop by object family: "
            + ", ".join(f"{family} {r['successes']}/{r['episodes']}" for family, r in closed.items())
        )
    for test in report.get("paired", {}).values():
        lines.append(
            f"  paired on the same {test['pairs']} scenes: {test['only_first']} succeeded only with {test['first']}, "
            f"{test['only_second']} only with {test['second']}; McNemar exact p = {test['p_value']:.2g}"
        )
    lines.append(f"  wrote {out / 'summary.json'}, {out / 'evaluation.png'} and the run's bags under {out}")
    return "\n".join(lines)


def benchmark_text(result: dict) -> str:
    return (
        f"servo step over {result['steps']} frames, {result['threads']} onnxruntime thread(s), "
        f"CEM {result['cem']}{', finger clearance' if result.get('finger_clearance') else ''}: "
        f"total p50 {result['total_ms']['p50']:.2f} ms / p95 {result['total_ms']['p95']:.2f} ms; "
        f"perception p50 {result['perception_ms']['p50']:.2f} / p95 {result['perception_ms']['p95']:.2f} ms; "
        f"CEM optimisation p50 {result['optimisation_ms']['p50']:.2f} / p95 {result['optimisation_ms']['p95']:.2f} ms"
    )
