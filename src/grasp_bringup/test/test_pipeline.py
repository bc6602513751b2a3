"""The model-reproduction pipeline, tiny: two rounds on real episodes, and resuming a finished run."""

import json

import pytest
from grasp_bringup.pipeline import run_pipeline
from grasp_perception.scorer import OnnxGraspScorer

pytest.importorskip("torch", reason="training needs the dev extra (scripts/setup.sh --dev)")


def test_two_rounds_then_resume_reuses_every_stage(tmp_path):
    out = tmp_path / "pipeline"
    record_path = run_pipeline(
        out, round1_episodes=10, later_round_episodes=4, random_fraction=0.3, epochs=1, workers=2, rounds=2
    )
    record = json.loads(record_path.read_text())
    stages = [s["stage"] for s in record["stages"]]
    assert stages == ["collect random", "collect biased", "train round 1", "collect learned", "train round 2"]
    assert record["stages"][3]["settings"]["model"].endswith("model_round1.onnx")
    contract = OnnxGraspScorer(out / "grasp_success.onnx").contract
    assert contract.provenance.rounds == 2 and "round 2: 4 attempts" in contract.provenance.data_description
    model_bytes = (out / "grasp_success.onnx").read_bytes()

    again = json.loads(run_pipeline(out, 10, 4, 0.3, 1, 2, rounds=2, resume=True).read_text())
    assert [s["stage"] for s in again["stages"]] == stages
    assert (out / "grasp_success.onnx").read_bytes() == model_bytes  # nothing was redone
    with pytest.raises(FileExistsError):
        run_pipeline(out, 10, 4, 0.3, 1, 2)
