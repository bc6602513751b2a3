"""The GG-CNN family (seed 002) on the embedded world's grasp-map datasets: training, export, seed 002's table.

Data: ``grasp dataset --family grasp_map`` npz files (``family_datasets.grasp_map_dataset``): preprocessed wrist
frames at random camera poses and, per frame, the scene's true antipodal grasps seen in it as rectangles. A
frame holds ~170 of them, many near-duplicates; ``thin_rectangles`` keeps a well-spread subset (at most 30 per
frame by default). That subset is what the training maps are rendered from AND what the rectangle metric scores
against: every accuracy this module reports ("accuracy") uses the thinned truths of the frame. The metric can
only get harder (a subset), and barely does: a dropped rectangle nearly always has a kept one within a few
pixels and degrees (499 of 500 random true rectangles of 100 held-out frames still count as correct against the
30 kept), and trained models score 0-1.4 points higher against all truths than against the kept ones on 590
held-out and 587 everyday frames. The accuracy against all truths is reported beside it ("accuracy_all_truths").
Frames with no grasp in view are trained on (an empty quality map) but not scored: the metric needs a truth.

- ``train_ggcnn_family``: GG-CNN on a fraction of the frames labelled (whole scenes), optionally behind a
  VQ-VAE pretrained on all frames, labelled or not (seed 002's semi-supervised GG-CNN); exported to ONNX with a
  ``grasp_map`` contract for the threshold servo (``OnnxMotionRegressor``).
- ``rectangle_experiment`` / ``seed002_markdown``: seed 002's comparison, all labels vs 10 %, with and without
  the VQ-VAE, scored on held-out renders (other objects, other scenes) with the Cornell metric.

A run with fraction f of the labels gets ceil(epochs / f) epochs, so every cell makes about the same number of
optimisation steps; the weights of the epoch with the best accuracy on held-out scenes of the labelled frames
are kept (``ggcnn_training``).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from grasp_perception.family_export import export_family_model
from grasp_perception.ggcnn import GGCNN_ENCODER_CHANNELS
from grasp_perception.ggcnn_training import (
    GGCNNTrainConfig,
    VQVAETrainConfig,
    predict_rectangles,
    train_ggcnn,
    train_vqvae,
)
from grasp_perception.grasp_maps import GraspMapSpec, render_grasp_maps_batch
from grasp_perception.grasp_rectangles import GraspRectangle, rectangle_accuracy, wrap_angle
from grasp_perception.preprocess import DepthPreprocessing
from grasp_perception.split import split_by_episode
from torch import nn

from grasp_bringup.evaluation_stats import wilson_interval
from grasp_bringup.factory import UsageError
from grasp_bringup.family_training import family_contract, load_dataset_npz

MAX_RECTANGLES_PER_FRAME = 30
#: Pixels that one radian of grasp-angle difference weighs in ``thin_rectangles``' distance: 30 degrees (the
#: metric's angle tolerance) weigh like 6 px, about the centre offset at which a typical rectangle's IoU with
#: its copy falls to the metric's 0.25.
ANGLE_PIXELS_PER_RADIAN = 12.0
GRASP_MAP_KEYS = ("images", "rectangles", "rectangle_image", "scene_keys")
#: Seed 002, section V: Cornell grasping dataset, 932 training images of which ~10 % (103 or 104; the paper says
#: both) labelled, 103 test images, Jaccard-index metric (IoU > 0.25 and 30 degrees).
SEED002_ACCURACY = {("ggcnn", "10%"): 0.76404, ("vqvae+ggcnn", "10%"): 0.853933}


def load_grasp_map_data(paths: Sequence[Path]) -> dict[str, np.ndarray]:
    """The arrays of one or more grasp-map npz files, merged (frame and scene indices kept unique)."""
    arrays = load_dataset_npz(paths, GRASP_MAP_KEYS, frame_keys=("rectangle_image",), family="grasp_map")
    if len(arrays["images"]) == 0:
        raise UsageError(f"no frames in {', '.join(str(p) for p in paths)}")
    return {
        "images": arrays["images"].astype(np.float32),
        "rectangles": arrays["rectangles"].astype(np.float64).reshape(-1, 5),
        "rectangle_image": arrays["rectangle_image"].astype(np.int64),
        "scene_keys": arrays["scene_keys"].astype(np.int64),
    }


def thin_indices(
    rectangles: np.ndarray,
    max_count: int = MAX_RECTANGLES_PER_FRAME,
    angle_pixels: float = ANGLE_PIXELS_PER_RADIAN,
) -> np.ndarray:
    """Indices of at most ``max_count`` well-spread rows of one frame's (k, 5) rectangles, in picking order.

    Greedy farthest-point selection in (row, col, angle): start with the rectangle nearest the mean centre, then
    repeatedly take the one farthest from all taken, the distance being sqrt(d_row^2 + d_col^2 + (angle_pixels *
    angle difference modulo pi)^2). All of them when there are at most ``max_count``; exact duplicates are only
    taken once every other rectangle has been.
    """
    rects = np.asarray(rectangles, dtype=np.float64).reshape(-1, 5)
    if max_count < 1:
        raise ValueError(f"max_count must be >= 1, got {max_count}")
    if len(rects) <= max_count:
        return np.arange(len(rects))
    centre = rects[:, :2].mean(axis=0)
    first = int(np.argmin(np.hypot(*(rects[:, :2] - centre).T)))
    picked = [first]
    nearest = _distance(rects, rects[first], angle_pixels)
    for _ in range(max_count - 1):
        nearest[picked[-1]] = -1.0  # never again
        chosen = int(np.argmax(nearest))
        picked.append(chosen)
        nearest = np.minimum(nearest, _distance(rects, rects[chosen], angle_pixels))
    return np.asarray(picked)


def thin_rectangles(
    rectangles: np.ndarray,
    rectangle_image: np.ndarray,
    frames: int,
    max_per_frame: int = MAX_RECTANGLES_PER_FRAME,
    angle_pixels: float = ANGLE_PIXELS_PER_RADIAN,
) -> list[list[GraspRectangle]]:
    """Per frame, a well-spread subset of its truth rectangles (``thin_indices``): training maps and metric truths.

    Args:
        rectangles: (M, 5) row, col, angle, width, height in px (a grasp-map dataset's ``rectangles``).
        rectangle_image: (M,) the frame each rectangle belongs to.
        frames: number of frames (a frame without rectangles gets an empty list).
        max_per_frame: at most this many per frame (``all_rectangles`` keeps every one).
        angle_pixels: weight of the angle in the spreading distance (px per radian).

    The rectangle metric of this module scores predictions against these subsets, not against every truth.
    """
    rects = np.asarray(rectangles, dtype=np.float64).reshape(-1, 5)
    owners = np.asarray(rectangle_image, dtype=np.int64).reshape(-1)
    if len(owners) != len(rects):
        raise ValueError(f"{len(owners)} owners for {len(rects)} rectangles")
    if len(owners) and (owners.min() < 0 or owners.max() >= frames):
        raise ValueError(f"rectangle_image must index {frames} frames, got {owners.min()}..{owners.max()}")
    out: list[list[GraspRectangle]] = [[] for _ in range(frames)]
    order = np.argsort(owners, kind="stable")
    starts = np.searchsorted(owners[order], np.arange(frames + 1))
    for frame in range(frames):
        rows = rects[order[starts[frame] : starts[frame + 1]]]
        if len(rows):
            out[frame] = [_rectangle(rows[i]) for i in thin_indices(rows, max_per_frame, angle_pixels)]
    return out


def all_rectangles(rectangles: np.ndarray, rectangle_image: np.ndarray, frames: int) -> list[list[GraspRectangle]]:
    """Every truth rectangle of every frame (no thinning)."""
    return thin_rectangles(rectangles, rectangle_image, frames, max_per_frame=max(len(rectangles), 1))


def labelled_frames(scene_keys: np.ndarray, fraction: float, seed: int = 0) -> np.ndarray:
    """Indices of the frames of a random ``fraction`` of the scenes (at least one scene): the labelled frames."""
    if not 0 < fraction <= 1:
        raise ValueError(f"label fraction must be in (0, 1], got {fraction}")
    keys = np.asarray(scene_keys)
    scenes = np.unique(keys)
    if fraction >= 1:
        return np.arange(len(keys))
    count = max(1, round(fraction * len(scenes)))
    chosen = np.random.default_rng(seed).permutation(scenes)[:count]
    return np.flatnonzero(np.isin(keys, chosen))


def score_rectangles(
    predictions: Sequence[GraspRectangle | None], truths: Sequence[Sequence[GraspRectangle]]
) -> dict[str, Any]:
    """Cornell accuracy of the top predictions on the frames that have at least one truth (others not scored)."""
    keep = [i for i, frame_truths in enumerate(truths) if len(frame_truths)]
    accuracy = rectangle_accuracy([predictions[i] for i in keep], [truths[i] for i in keep]) if keep else math.nan
    correct = round(accuracy * len(keep)) if keep else 0
    low, high = wilson_interval(correct, len(keep))
    return {"accuracy": accuracy, "correct": correct, "frames": len(keep), "ci95": [low, high]}


def evaluate_on(
    model: nn.Module,
    data: dict[str, np.ndarray],
    spec: GraspMapSpec,
    max_per_frame: int = MAX_RECTANGLES_PER_FRAME,
    all_truths: bool = True,
) -> dict[str, Any]:
    """Rectangle metric of ``model`` on a grasp-map dataset: vs the thinned truths, and (optionally) vs all."""
    frames = len(data["images"])
    predictions = predict_rectangles(model, data["images"], spec)
    result = score_rectangles(
        predictions, thin_rectangles(data["rectangles"], data["rectangle_image"], frames, max_per_frame)
    )
    result["frames_total"] = frames
    if all_truths:
        everything = score_rectangles(predictions, all_rectangles(data["rectangles"], data["rectangle_image"], frames))
        result["accuracy_all_truths"] = everything["accuracy"]
    return result


def train_ggcnn_family(
    data: list[Path],
    out: Path,
    epochs: int,
    label_fraction: float = 1.0,
    vqvae_epochs: int = 0,
    seed: int = 0,
    progress: bool = True,
    test: Sequence[Path] = (),
    max_per_frame: int = MAX_RECTANGLES_PER_FRAME,
    spec: GraspMapSpec | None = None,
    threads: int | None = 1,
    channels: Sequence[int] = GGCNN_ENCODER_CHANNELS,
) -> dict[str, Any]:
    """Train a GG-CNN on grasp-map datasets, export it to ``out`` (ONNX, ``grasp_map`` contract); the record.

    Args:
        data: grasp-map npz files (``grasp dataset --family grasp_map``).
        out: the ONNX file; the record also goes to ``out.with_suffix('.train.json')``.
        epochs: GG-CNN epochs with all labels; a fraction f of them gets ceil(epochs / f) (same step count).
        label_fraction: the fraction of the scenes whose frames are labelled (the others only feed the VQ-VAE).
        vqvae_epochs: > 0: pretrain a VQ-VAE that long on ALL frames and train seed 002's semi-supervised GG-CNN
            (frozen encoder and quantiser, fine-tuned decoder, GG-CNN) on the labelled ones; 0: plain GG-CNN.
        seed: which scenes are labelled, the validation split, initialisation and shuffling.
        test: grasp-map npz files scored after training (e.g. held-out objects), each on its own.
        max_per_frame: truths kept per frame (``thin_rectangles``) for the maps and the metric.
        spec: maps and decoding (``GraspMapSpec()``: width map 1.0 = 32 px, the contract's ``map_width_scale``).
        threads: torch threads while training (None: torch's default).
        channels: the encoder's channels, one per strided convolution (GG-CNN: 32, 16, 8); the head mirrors them.

    The record holds the training report, ``val`` (the rectangle metric on held-out scenes of the labelled
    frames, the epoch kept) and ``test`` (per test file).
    """
    spec = spec or GraspMapSpec()
    arrays = load_grasp_map_data(data)
    model, record = _train(
        arrays, label_fraction, epochs, vqvae_epochs, seed, spec, max_per_frame, threads, progress, channels=channels
    )
    record["test"] = {
        _name(path): evaluate_on(model, load_grasp_map_data([path]), spec, max_per_frame) for path in test
    }
    command = "grasp " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["train-family"] else ""
    what = "VQ-VAE (all frames) + GG-CNN" if vqvae_epochs > 0 else "GG-CNN"
    description = (
        f"{what}: {record['labelled_frames']} labelled frames of {record['labelled_scenes']} scenes "
        f"({label_fraction:g} of {record['frames']} frames of {record['scenes']} scenes), each labelled with at most "
        f"{max_per_frame} well-spread true antipodal grasp rectangles; from {', '.join(str(p) for p in data)}"
    )
    metrics: dict[str, Any] = {"val_rectangle_accuracy": record["val"]["accuracy"]}
    metrics.update({f"test_rectangle_accuracy_{name}": result["accuracy"] for name, result in record["test"].items()})
    sizes = {
        "train_frames": record["report"]["n_train"],
        "val_frames": record["report"]["n_val"],
        "unlabelled_frames": record["vqvae_frames"],
    }
    contract = family_contract(
        "grasp_map", DepthPreprocessing(), command, description, sizes, metrics, map_width_scale=float(spec.max_width)
    )
    export_family_model(model, out, contract)
    record = {"family": "grasp_map", "model": str(out), "data": [str(p) for p in data], **record}
    Path(out).with_suffix(".train.json").write_text(json.dumps(record, indent=2, default=str))
    return record


def rectangle_experiment(
    train: list[Path],
    test: Path | Sequence[Path],
    epochs: int,
    vqvae_epochs: int,
    fractions: Sequence[float] = (1.0, 0.1),
    seeds: Sequence[int] = (0,),
    max_per_frame: int = MAX_RECTANGLES_PER_FRAME,
    spec: GraspMapSpec | None = None,
    threads: int | None = 1,
    progress: bool = False,
    log: Any = None,
) -> dict[str, Any]:
    """Seed 002's comparison on our world: GG-CNN with and without the VQ-VAE, each label fraction, each seed.

    One VQ-VAE per seed is pretrained on all ``train`` frames and shared by that seed's semi-supervised runs; at
    a given fraction and seed both models see the same labelled scenes (a paired comparison). Every model is
    scored on each ``test`` file (its own object set and scenes) with the rectangle metric. ``log``: a callable
    taking one line per finished run (e.g. ``print``).
    """
    spec = spec or GraspMapSpec()
    tests = [Path(test)] if isinstance(test, (str, Path)) else [Path(p) for p in test]
    arrays = load_grasp_map_data(train)
    test_arrays = {_name(path): load_grasp_map_data([path]) for path in tests}
    runs: list[dict[str, Any]] = []
    start = time.perf_counter()
    for seed in seeds:
        vqvae, vqvae_report = _vqvae(arrays, vqvae_epochs, seed, threads, progress)
        for fraction in fractions:
            for encoder in (None,) if vqvae is None else (None, vqvae):
                model, record = _train(
                    arrays, fraction, epochs, 0, seed, spec, max_per_frame, threads, progress, encoder=encoder
                )
                if encoder is not None:
                    record["vqvae_report"] = _vqvae_summary(vqvae_report)
                record["test"] = {
                    name: evaluate_on(model, data, spec, max_per_frame) for name, data in test_arrays.items()
                }
                runs.append(record)
                if log is not None:
                    tests_text = ", ".join(f"{name} {100 * r['accuracy']:.1f} %" for name, r in record["test"].items())
                    log(
                        f"seed {seed} fraction {fraction:g} {record['model_kind']}: val "
                        f"{100 * record['val']['accuracy']:.1f} %, {tests_text} ({record['seconds']:.0f} s)"
                    )
    return {
        "train": [str(p) for p in train],
        "test": [str(p) for p in tests],
        "epochs": epochs,
        "vqvae_epochs": vqvae_epochs,
        "fractions": list(fractions),
        "seeds": list(seeds),
        "max_per_frame": max_per_frame,
        "map_spec": {"max_width": spec.max_width},
        "frames": len(arrays["images"]),
        "scenes": len(np.unique(arrays["scene_keys"])),
        "runs": runs,
        "cells": _cells(runs, list(test_arrays)),
        "seconds": time.perf_counter() - start,
    }


def seed002_markdown(result: dict[str, Any]) -> str:
    """Seed 002's table on our world: rectangle-metric accuracy per model and label fraction, with the seed's."""
    tests = list(result["cells"][0]["test"]) if result["cells"] else []
    header = ["model", "labels", "labelled frames (scenes)", "VQ-VAE frames", "val: held-out scenes"]
    header += [f"test: {name}" for name in tests] + ["seed 002 (Cornell)"]
    rows = []
    for cell in result["cells"]:
        seed_value = SEED002_ACCURACY.get((cell["model"], cell["labels"]))
        seed_text = f"{100 * seed_value:.1f} % (103 test images)" if seed_value is not None else "not run"
        values = [_percent(cell["val"])] + [_percent(cell["test"][name]) for name in tests]
        rows.append(
            f"| {cell['model']} | {cell['labels']} | {cell['labelled_frames']} ({cell['labelled_scenes']}) | "
            f"{cell['vqvae_frames'] or '-'} | " + " | ".join(values) + f" | {seed_text} |"
        )
    seeds = len(result["seeds"])
    lines = [
        "### Seed 002: GG-CNN with all labels vs 10 %, with and without the VQ-VAE (rectangle metric)",
        "",
        f"Training data: {result['frames']} frames of {result['scenes']} scenes ({', '.join(result['train'])}); "
        f"{result['epochs']} GG-CNN epochs at full labels (a fraction f gets epochs / f), VQ-VAE "
        f"{result['vqvae_epochs']} epochs on all frames; {seeds} seed(s), mean over seeds with the pooled "
        "frames' 95 % interval. A frame's truths are at most "
        f"{result['max_per_frame']} well-spread true grasps; the metric against all truths is in brackets. "
        "Frames without a grasp in view are not scored.",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *rows,
        "",
    ]
    return "\n".join(lines)


def _train(
    arrays: dict[str, np.ndarray],
    fraction: float,
    epochs: int,
    vqvae_epochs: int,
    seed: int,
    spec: GraspMapSpec,
    max_per_frame: int,
    threads: int | None,
    progress: bool,
    encoder: Any = None,
    channels: Sequence[int] = GGCNN_ENCODER_CHANNELS,
) -> tuple[nn.Module, dict[str, Any]]:
    """Train one GG-CNN (semi-supervised with ``encoder`` or ``vqvae_epochs``); (model, record without tests)."""
    start = time.perf_counter()
    images, scene_keys = arrays["images"], arrays["scene_keys"]
    vqvae_frames = 0
    vqvae_report = None
    if encoder is None and vqvae_epochs > 0:
        encoder, vqvae_report = _vqvae(arrays, vqvae_epochs, seed, threads, progress)
    if encoder is not None:
        vqvae_frames = len(images)
    labelled = labelled_frames(scene_keys, fraction, seed)
    truths = thin_rectangles(arrays["rectangles"], arrays["rectangle_image"], len(images), max_per_frame)
    truths = [truths[i] for i in labelled]
    maps = render_grasp_maps_batch(truths, images.shape[1:], spec)
    run_epochs = math.ceil(epochs / fraction - 1e-9)
    config = GGCNNTrainConfig(
        epochs=run_epochs, seed=seed, maps=spec, torch_threads=threads,
        encoder_channels=tuple(channels), head_channels=tuple(reversed(channels)),
    )
    groups = scene_keys[labelled]
    model, report = train_ggcnn(images[labelled], maps, config, encoder, truths, groups, progress=progress)
    _, val_idx = split_by_episode(groups, config.val_fraction, config.seed)  # the split train_ggcnn made
    val = score_rectangles(predict_rectangles(model, images[labelled][val_idx], spec), [truths[i] for i in val_idx])
    record: dict[str, Any] = {
        "model_kind": "vqvae+ggcnn" if encoder is not None else "ggcnn",
        "label_fraction": fraction,
        "channels": list(channels),
        "seed": seed,
        "frames": len(images),
        "scenes": len(np.unique(scene_keys)),
        "labelled_frames": len(labelled),
        "labelled_scenes": len(np.unique(groups)),
        "vqvae_frames": vqvae_frames,
        "epochs": run_epochs,
        "max_per_frame": max_per_frame,
        "map_width_scale": spec.max_width,
        "val": val,
        "report": _report_summary(report),
    }
    if vqvae_report is not None:
        record["vqvae_report"] = _vqvae_summary(vqvae_report)
    record["seconds"] = time.perf_counter() - start
    return model, record


def _vqvae(arrays: dict[str, np.ndarray], epochs: int, seed: int, threads: int | None, progress: bool) -> Any:
    if epochs <= 0:
        return None, None
    config = VQVAETrainConfig(epochs=epochs, seed=seed, torch_threads=threads)
    return train_vqvae(arrays["images"], config, arrays["scene_keys"], progress=progress)


def _report_summary(report: Any) -> dict[str, Any]:
    data = report.to_dict()
    best = report.best
    data["best"] = (
        None if best is None else {"epoch": best.epoch, "val_loss": best.val_loss, "val_accuracy": best.val_accuracy}
    )
    return data


def _vqvae_summary(report: Any) -> dict[str, Any]:
    best = next((e for e in report.epochs if e.epoch == report.best_epoch), None)
    return {
        "n_train": report.n_train,
        "n_val": report.n_val,
        "epochs": len(report.epochs),
        "best_epoch": report.best_epoch,
        "seconds": report.seconds,
        "val_reconstruction": None if best is None else best.val_reconstruction,
        "perplexity": None if best is None else best.perplexity,
        "codes_used": None if best is None else best.codes_used,
    }


def _cells(runs: list[dict[str, Any]], tests: list[str]) -> list[dict[str, Any]]:
    """Runs grouped by (model, fraction): mean accuracy over seeds and the pooled frame counts."""
    cells = []
    keys = list(dict.fromkeys((run["model_kind"], run["label_fraction"]) for run in runs))
    for kind, fraction in keys:
        group = [run for run in runs if run["model_kind"] == kind and run["label_fraction"] == fraction]
        cells.append(
            {
                "model": kind,
                "labels": "all" if fraction >= 1 else f"{100 * fraction:g}%",
                "label_fraction": fraction,
                "seeds": [run["seed"] for run in group],
                "labelled_frames": int(np.mean([run["labelled_frames"] for run in group])),
                "labelled_scenes": int(np.mean([run["labelled_scenes"] for run in group])),
                "vqvae_frames": group[0]["vqvae_frames"],
                "val": _pool([run["val"] for run in group]),
                "test": {name: _pool([run["test"][name] for run in group]) for name in tests},
            }
        )
    return cells


def _pool(results: list[dict[str, Any]]) -> dict[str, Any]:
    correct = sum(r["correct"] for r in results)
    frames = sum(r["frames"] for r in results)
    pooled: dict[str, Any] = {
        "accuracy": float(np.mean([r["accuracy"] for r in results])),
        "per_seed": [r["accuracy"] for r in results],
        "frames": frames,
        "frames_per_seed": results[0]["frames"],
        "ci95": list(wilson_interval(correct, frames)),
    }
    if all("accuracy_all_truths" in r for r in results):
        pooled["accuracy_all_truths"] = float(np.mean([r["accuracy_all_truths"] for r in results]))
    return pooled


def _percent(result: dict[str, Any]) -> str:
    low, high = result["ci95"]
    text = f"{100 * result['accuracy']:.1f} % ({100 * low:.1f}-{100 * high:.1f}; {result['frames_per_seed']} frames"
    if len(result.get("per_seed", [])) > 1:
        text += " x " + str(len(result["per_seed"]))
    text += ")"
    if "accuracy_all_truths" in result:
        text += f" [{100 * result['accuracy_all_truths']:.1f} %]"
    return text


def _name(path: Path) -> str:
    """A test file's label: its object set when the npz records it, else its file name."""
    try:
        with np.load(path) as data:
            if "spec" in data:
                text = str(data["spec"])
                marker = "'object_set': '"
                if marker in text:
                    return text.split(marker, 1)[1].split("'", 1)[0]
    except (OSError, ValueError):
        pass
    return Path(path).stem


def _distance(rects: np.ndarray, one: np.ndarray, angle_pixels: float) -> np.ndarray:
    d_angle = np.abs((rects[:, 2] - one[2] + math.pi / 2) % math.pi - math.pi / 2)
    return np.sqrt((rects[:, 0] - one[0]) ** 2 + (rects[:, 1] - one[1]) ** 2 + (angle_pixels * d_angle) ** 2)


def _rectangle(row: np.ndarray) -> GraspRectangle:
    return GraspRectangle(float(row[0]), float(row[1]), wrap_angle(float(row[2])), float(row[3]), float(row[4]))
