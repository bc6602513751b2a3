"""The GG-CNN family (seed 002) end to end: thinning the truths, training, ONNX for the threshold servo, the table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from grasp_bringup.family_datasets import PREGRASP_HEIGHT, DatasetSpec, grasp_map_dataset, save_dataset
from grasp_bringup.ggcnn_family import (
    all_rectangles,
    labelled_frames,
    load_grasp_map_data,
    rectangle_experiment,
    seed002_markdown,
    thin_indices,
    thin_rectangles,
    train_ggcnn_family,
)
from grasp_perception.grasp_rectangles import GraspRectangle, is_grasp_correct
from grasp_perception.onnx_model import read_model_contract
from grasp_perception.preprocess import DepthPreprocessing
from grasp_perception.regressor import OnnxMotionRegressor
from grasp_perception.torch_threads import torch_threads


@pytest.fixture(autouse=True)
def _one_thread() -> Any:
    with torch_threads(1):
        yield


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(train, test): 3 scenes of the training shapes, 4 frames each, and 2 of the held-out objects, 3 each."""
    folder = tmp_path_factory.mktemp("grasp_map")
    paths = []
    for name, object_set, scenes, seed, frames in (("train", "shapes_train", 3, 3, 4), ("test", "heldout", 2, 9, 3)):
        spec = DatasetSpec("grasp_map", object_set, scenes, seed, images_per_scene=frames)
        data = grasp_map_dataset(spec, DepthPreprocessing(), progress=False)
        paths.append(save_dataset(folder / f"{name}.npz", data, spec))
    return paths[0], paths[1]


def _rows(*rects: tuple[float, float, float, float, float]) -> np.ndarray:
    return np.asarray(rects, dtype=np.float64).reshape(-1, 5)


def test_thin_indices_keeps_all_of_few_and_spreads_many() -> None:
    few = _rows((10, 10, 0, 12, 5), (20, 20, 1, 12, 5))
    assert sorted(thin_indices(few, 5)) == [0, 1]
    # 50 copies of one grasp, and 4 far-apart ones: the four always survive, the copy only once.
    crowd = [(32, 32, 0.3, 12, 5)] * 50
    far = [(2, 2, 0, 12, 5), (2, 60, 0, 12, 5), (60, 2, 0, 12, 5), (60, 60, 0, 12, 5)]
    rects = _rows(*crowd, *far)
    picked = thin_indices(rects, 5)
    assert len(picked) == len(set(picked.tolist())) == 5
    assert set(range(50, 54)) <= set(picked.tolist()) and len(set(picked.tolist()) & set(range(50))) == 1
    # The angle counts modulo pi: -89.9 deg is next to +89.9 deg, so the crossed grasp at the same centre wins.
    same_centre = _rows((30, 30, math.radians(89.9), 12, 5), (30, 30, math.radians(-89.9), 12, 5), (30, 30, 0.0, 12, 5))
    assert sorted(thin_indices(same_centre, 2).tolist()) in ([0, 2], [1, 2])
    with pytest.raises(ValueError, match="max_count must be >= 1"):
        thin_indices(rects, 0)


def test_thin_rectangles_groups_by_frame() -> None:
    rects = _rows(*[(r, 5.0, 0.0, 10.0, 4.0) for r in range(40)], (7.0, 7.0, 0.5, 9.0, 4.0))
    owners = np.array([2] * 40 + [0])
    thinned = thin_rectangles(rects, owners, frames=4, max_per_frame=10)
    assert [len(t) for t in thinned] == [1, 0, 10, 0]
    assert thinned[0] == [GraspRectangle(7.0, 7.0, 0.5, 9.0, 4.0)]
    rows = sorted(t.row for t in thinned[2])
    assert rows[0] == 0 and rows[-1] == 39  # the ends of the line
    assert min(np.diff(rows)) >= 2 and max(np.diff(rows)) <= 5  # spread: no neighbours, no gaps
    assert [len(t) for t in all_rectangles(rects, owners, 4)] == [1, 0, 40, 0]
    with pytest.raises(ValueError, match="must index 2 frames"):
        thin_rectangles(rects, owners, frames=2)


def test_thinned_truths_barely_change_the_metric(tiny_data) -> None:
    data = load_grasp_map_data([tiny_data[0]])
    frames = len(data["images"])
    thinned = thin_rectangles(data["rectangles"], data["rectangle_image"], frames, 30)
    everything = all_rectangles(data["rectangles"], data["rectangle_image"], frames)
    crowded = [i for i in range(frames) if len(everything[i]) > 30]
    assert crowded and all(len(thinned[i]) == 30 for i in crowded)
    assert all(set(thinned[i]) <= set(everything[i]) for i in range(frames))  # never easier: a subset
    rng = np.random.default_rng(0)
    probes = [everything[i][j] for i in crowded for j in rng.choice(len(everything[i]), 5, replace=False)]
    owners = [i for i in crowded for _ in range(5)]
    matched = np.mean([is_grasp_correct(p, thinned[i]) for p, i in zip(probes, owners, strict=True)])
    assert matched >= 0.95  # hardly harder: a true grasp still matches one of the kept ones


def test_labelled_frames_take_whole_scenes() -> None:
    keys = np.repeat(np.arange(20), 3)
    chosen = labelled_frames(keys, 0.1, seed=1)
    assert len(chosen) == 6 and len(np.unique(keys[chosen])) == 2
    assert len(labelled_frames(keys, 1.0)) == 60
    with pytest.raises(ValueError, match="label fraction"):
        labelled_frames(keys, 0.0)


def test_ggcnn_trains_exports_and_drives_the_regressor(tiny_data, tmp_path: Path) -> None:
    train, test = tiny_data
    out = tmp_path / "ggcnn.onnx"
    record = train_ggcnn_family([train], out, epochs=1, progress=False, test=[test])
    assert record["model_kind"] == "ggcnn" and record["labelled_frames"] == record["frames"] > 0
    assert record["report"]["n_train"] + record["report"]["n_val"] == record["frames"]
    assert 0 <= record["test"]["heldout"]["accuracy"] <= record["test"]["heldout"]["accuracy_all_truths"] <= 1
    assert json.loads(out.with_suffix(".train.json").read_text())["model"] == str(out)
    contract = read_model_contract(out)
    assert (contract.target, contract.kind, contract.map_width_scale) == ("grasp_map", "regression", 32.0)
    assert contract.pregrasp_height == PREGRASP_HEIGHT and contract.grasp_motion == [0, 0, -PREGRASP_HEIGHT, 0]
    assert contract.camera.width == 64 and contract.provenance.dataset_sizes["unlabelled_frames"] == 0
    regressor = OnnxMotionRegressor(out)
    image = load_grasp_map_data([test])["images"][:1][None]
    assert regressor.raw_output(image).shape == (4, 64, 64)
    motion = regressor.predict_preprocessed(image)
    assert motion.shape == (3,) and np.all(np.isfinite(motion)) and abs(motion[2]) <= math.pi / 2
    assert np.hypot(motion[0], motion[1]) < 0.3  # a pixel of the view, not somewhere else
    unsure = OnnxMotionRegressor(out, min_angle_confidence=1.01).predict_preprocessed(image)
    assert unsure[2] == 0.0 and unsure[:2] == pytest.approx(motion[:2])  # an angle it cannot trust: keep the yaw
    candidates = regressor.predict_candidates(image, 3)
    assert 1 <= len(candidates) <= 3 and candidates[0] == pytest.approx(motion)  # the best first
    assert len({tuple(np.round(c[:2], 6)) for c in candidates}) == len(candidates)  # distinct peaks


def test_train_family_command_trains_a_gg_cnn(tiny_data, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grasp_bringup.cli import main

    train, test = tiny_data
    out = tmp_path / "cli.onnx"
    argv = ["train-family", "--family", "grasp_map", "--data", str(train), "--test", str(test), "--epochs", "1",
            "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "val_rectangle_accuracy" in printed and "heldout_rectangle_accuracy" in printed
    assert read_model_contract(out).target == "grasp_map"
    assert main(["train-family", "--family", "pregrasp", "--data", str(train), "--test", str(test),
                 "--out", str(tmp_path / "x.onnx")]) != 0
    assert "only for --family grasp_map" in capsys.readouterr().err
    assert main(["train-family", "--family", "grasp_map", "--data", str(tmp_path / "none.npz"),
                 "--out", str(tmp_path / "y.onnx")]) != 0
    assert "dataset not found" in capsys.readouterr().err


def test_train_family_sizes_the_gg_cnn_with_channels(tiny_data, tmp_path: Path, capsys) -> None:
    from grasp_bringup.cli import main

    train, _ = tiny_data
    wide, narrow = tmp_path / "wide.onnx", tmp_path / "narrow.onnx"
    base = ["train-family", "--family", "grasp_map", "--data", str(train), "--epochs", "1"]
    assert main([*base, "--out", str(wide), "--channels", "32,32,32"]) == 0
    assert main([*base, "--out", str(narrow), "--channels", "8,8,8"]) == 0
    assert json.loads(wide.with_suffix(".train.json").read_text())["channels"] == [32, 32, 32]
    assert wide.stat().st_size > 2 * narrow.stat().st_size  # the weights are what the file holds
    assert OnnxMotionRegressor(wide).raw_output(np.zeros((1, 1, 64, 64), np.float32)).shape == (4, 64, 64)
    capsys.readouterr()
    with pytest.raises(SystemExit):  # argparse's usage error
        main([*base, "--out", str(tmp_path / "bad.onnx"), "--channels", "32,0,8"])
    assert "at least 1" in capsys.readouterr().err
    assert main(["train-family", "--family", "pregrasp", "--data", str(train), "--out", str(tmp_path / "p.onnx"),
                 "--channels", "8,8,8"]) != 0
    assert "only for --family grasp_map" in capsys.readouterr().err


def test_semi_supervised_run_and_the_seed_002_table(tiny_data, tmp_path: Path) -> None:
    train, test = tiny_data
    out = tmp_path / "semi.onnx"
    record = train_ggcnn_family([train], out, epochs=1, label_fraction=0.5, vqvae_epochs=1, progress=False)
    assert record["model_kind"] == "vqvae+ggcnn" and record["epochs"] == 2  # half the labels, twice the epochs
    assert record["labelled_scenes"] == 2 and record["vqvae_frames"] == record["frames"] > record["labelled_frames"]
    assert np.all(np.isfinite(OnnxMotionRegressor(out).predict_preprocessed(np.zeros((1, 1, 64, 64), np.float32))))

    result = rectangle_experiment([train], test, epochs=1, vqvae_epochs=1, fractions=(1.0, 0.5))
    assert [(c["model"], c["labels"]) for c in result["cells"]] == [
        ("ggcnn", "all"),
        ("vqvae+ggcnn", "all"),
        ("ggcnn", "50%"),
        ("vqvae+ggcnn", "50%"),
    ]
    assert all(c["test"]["heldout"]["frames"] > 0 for c in result["cells"])
    text = seed002_markdown(result)
    assert text.count("\n| ggcnn") == 2 and text.count("\n| vqvae+ggcnn") == 2 and "test: heldout" in text
    tenth = seed002_markdown({**result, "cells": [{**c, "labels": "10%"} for c in result["cells"]]})
    assert "76.4 %" in tenth and "85.4 %" in tenth  # the seed's own numbers beside ours
