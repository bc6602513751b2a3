"""Latency benchmarks: a scorer scoring one batch of candidate motions; a split model's encoder and head.

    python -m grasp_perception.benchmark [--model M.onnx] [--repeats 500] [--threads 1]

prints the encoder's and the head's p50 / p95 milliseconds (the perception node runs the encoder on every
frame; the servo runs the head on each CEM batch).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from grasp_perception.scorer import OnnxGraspScorer


def _percentiles(seconds: list[float]) -> tuple[float, float, float]:
    millis = np.asarray(seconds) * 1e3
    return float(np.percentile(millis, 50)), float(np.percentile(millis, 95)), float(millis.mean())


def benchmark_scorer(
    scorer: OnnxGraspScorer,
    n_actions: int = 64,
    repeats: int = 200,
    warmup: int = 10,
    frame_size: int = 128,
    seed: int = 0,
) -> dict[str, Any]:
    """Time ``score_preprocessed`` on ``n_actions`` random motions, and ``preprocess`` on a square frame.

    Returns p50/p95/mean milliseconds for scoring (``p50_ms``, ``p95_ms``, ``mean_ms``) and for
    preprocessing (``preprocess_p50_ms``, ``preprocess_p95_ms``), plus the settings used.
    """
    rng = np.random.default_rng(seed)
    depth = rng.uniform(0.2, 0.6, size=(frame_size, frame_size)).astype(np.float32)
    motions = np.column_stack(
        [rng.uniform(-0.05, 0.05, size=(n_actions, 3)), rng.uniform(-np.pi / 2, np.pi / 2, n_actions)]
    )
    image = scorer.preprocess(depth)
    for _ in range(warmup):
        scorer.score_preprocessed(image, motions)
    score_times: list[float] = []
    preprocess_times: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        scorer.preprocess(depth)
        middle = time.perf_counter()
        scorer.score_preprocessed(image, motions)
        score_times.append(time.perf_counter() - middle)
        preprocess_times.append(middle - start)
    p50, p95, mean = _percentiles(score_times)
    pre_p50, pre_p95, _ = _percentiles(preprocess_times)
    return {
        "n_actions": n_actions,
        "repeats": repeats,
        "frame_size": frame_size,
        "threads": scorer.threads,
        "providers": scorer.providers,
        "p50_ms": p50,
        "p95_ms": p95,
        "mean_ms": mean,
        "preprocess_p50_ms": pre_p50,
        "preprocess_p95_ms": pre_p95,
    }


def _timed(call: Callable[[], Any], repeats: int, warmup: int) -> tuple[float, float, float]:
    for _ in range(warmup):
        call()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return _percentiles(seconds)


def benchmark_split(
    model: str | Path,
    n_actions: Sequence[int] = (64, 192),
    repeats: int = 500,
    warmup: int = 20,
    threads: int = 1,
    providers: list[str] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Time a split model on a frame of the model's camera: ``encode`` (frame check, preprocessing and the
    encoder), the encoder session alone, and the head on each of ``n_actions`` random motions.

    Returns ``encode_*_ms``, ``encoder_*_ms`` and ``head_<n>_*_ms`` (p50, p95, mean), plus the settings.
    """
    from grasp_perception.split_model import FrameEncoder, HeadScorer, SplitModel

    split = SplitModel(model)
    encoder = FrameEncoder(split, threads, providers)
    head = HeadScorer(split, threads, providers)
    rng = np.random.default_rng(seed)
    camera = split.contract.camera
    depth = rng.uniform(0.2, 0.5, size=(camera.height, camera.width)).astype(np.float32)
    image = split.checked.preprocess(depth)
    result: dict[str, Any] = {"model": str(model), "threads": threads, "providers": encoder.providers,
                              "repeats": repeats, "frame": f"{camera.width}x{camera.height}"}
    for key, call in (("encode", lambda: encoder.encode(depth)), ("encoder", lambda: encoder._run(image))):
        p50, p95, mean = _timed(call, repeats, warmup)
        result.update({f"{key}_p50_ms": p50, f"{key}_p95_ms": p95, f"{key}_mean_ms": mean})
    features = head.preprocess(encoder.encode(depth))
    for n in n_actions:
        motions = np.column_stack([rng.uniform(-0.05, 0.05, size=(n, 3)), rng.uniform(-np.pi / 2, np.pi / 2, n)])
        p50, p95, mean = _timed(lambda m=motions: head.score_preprocessed(features, m), repeats, warmup)
        result.update({f"head_{n}_p50_ms": p50, f"head_{n}_p95_ms": p95, f"head_{n}_mean_ms": mean})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grasp_perception.benchmark", description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="ONNX scoring model (default: the model shipped with grasp_bringup)")
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--actions", type=int, nargs="+", default=[64, 192])
    args = parser.parse_args(argv)
    model = args.model
    if model is None:
        from grasp_perception.ros.parameters import shipped_model_path

        model = shipped_model_path()
        if model is None:
            parser.error("no model shipped with grasp_bringup is installed: pass --model")
    r = benchmark_split(model, args.actions, args.repeats, threads=args.threads,
                        providers=["CPUExecutionProvider"])
    print(f"{r['model']}: {r['frame']} frame, {r['threads']} thread(s), {','.join(r['providers'])}, "
          f"{r['repeats']} runs each")
    rows = [("encode (check + preprocess + encoder)", "encode"), ("encoder session only", "encoder")]
    rows += [(f"head, {n} candidates", f"head_{n}") for n in args.actions]
    for label, key in rows:
        print(f"  {label:<40} p50 {r[key + '_p50_ms']:7.3f} ms   p95 {r[key + '_p95_ms']:7.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
