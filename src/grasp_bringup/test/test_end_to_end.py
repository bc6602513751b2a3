"""The whole embedded loop on real parts: MuJoCo episodes -> MCAP bags -> training -> ONNX -> CEM servo."""

import json
import subprocess
import sys

import pytest
from grasp_bringup.bag_paths import find_bags
from grasp_bringup.factory import RunSettings
from grasp_datacollect.bag_reader import read_episodes

from grasp_bringup import commands

pytest.importorskip("torch", reason="training needs the dev extra (scripts/setup.sh --dev)")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    report = commands.collect(RunSettings(controller="biased", max_objects=2), 12, root / "bags", workers=2)
    model = root / "model.onnx"
    summary = commands.train([root / "bags"], model, epochs=1, rounds=1, data_description="test", progress=False)
    return root, report, model, summary


def test_collection_writes_readable_bags_with_every_attempt(trained):
    root, report, _, _ = trained
    assert report["episodes"] == 12
    episodes = [e for bag in find_bags([root / "bags"]) for e in read_episodes(bag)]
    assert len(episodes) == 12
    assert all(e.outcome is not None and e.outcome.label_method == "gripper_opening" for e in episodes)
    assert sum(e.outcome.success for e in episodes) == report["successes"]
    assert all(len(e.steps) >= 1 and e.steps[0].depth.shape == (64, 64) for e in episodes)
    assert json.loads((root / "bags" / "collection.json").read_text())["attempts_per_hour"] > 0


def test_trained_model_drives_closed_and_open_loop_evaluation(trained):
    root, _, model, summary = trained
    assert summary["samples"] > 12 and model.is_file()
    settings = RunSettings(controller="cem", model=str(model), max_objects=2, step_budget=4)
    report = commands.evaluate(settings, 3, root / "eval", workers=1)
    for name in ("closed_loop", "open_loop"):
        result = report["results"][name]
        assert result["episodes"] == 3 and 1 <= result["steps_max"] <= 4
    assert report["results"]["closed_loop"]["latency_ms"]["perception"]["count"] >= 3
    assert (root / "eval" / "evaluation.png").stat().st_size > 10_000
    saved = json.loads((root / "eval" / "summary.json").read_text())
    assert saved["results"]["closed_loop"]["success_ci95"][0] <= saved["results"]["closed_loop"]["success_rate"]
    episodes = list(read_episodes(root / "eval" / "bags_closed_loop" / "w0_0000"))
    assert len(episodes) == 3 and episodes[0].info.policy == "cem"


def test_cli_refuses_bad_input_with_clear_errors(tmp_path):
    def grasp(*args):
        return subprocess.run([sys.executable, "-m", "grasp_bringup.cli", *args], capture_output=True, text=True)

    missing = grasp("evaluate", "--model", str(tmp_path / "nope.onnx"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "model file not found" in missing.stderr
    tmp_path.joinpath("exists").mkdir()
    tmp_path.joinpath("exists", "data.txt").write_text("recorded")
    exists = grasp("collect", "--episodes", "1", "--out", str(tmp_path / "exists"))
    assert exists.returncode == 2 and "already exists" in exists.stderr
    no_bags = grasp("train", "--bags", str(tmp_path / "exists"), "--out", str(tmp_path / "m.onnx"))
    assert no_bags.returncode == 2 and "no rosbag2 folder" in no_bags.stderr
    learned = grasp("collect", "--policy", "learned", "--episodes", "1", "--out", str(tmp_path / "x"))
    assert learned.returncode == 2 and "needs a model" in learned.stderr
