"""ONNX export, the ONNX Runtime scorer against PyTorch, contract refusals and the benchmark helper."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from grasp_perception.action_encoding import encode_motions
from grasp_perception.benchmark import benchmark_scorer
from grasp_perception.contract import CONTRACT_KEY, ModelContractError
from grasp_perception.metrics import roc_auc
from grasp_perception.scorer import OnnxGraspScorer

torch = pytest.importorskip("torch")


def random_motions(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(-0.1, 0.1, (count, 3)), rng.uniform(-np.pi, np.pi, count)])


def depth_frame(size: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    depth = rng.uniform(0.3, 0.5, (size, size)).astype(np.float32)
    depth[rng.random(depth.shape) < 0.02] = 0.0
    depth[rng.random(depth.shape) < 0.01] = np.nan
    return depth


def torch_scores(model, scorer: OnnxGraspScorer, depth: np.ndarray, motions: np.ndarray) -> np.ndarray:
    """The reference: PyTorch on the same preprocessing and encoding."""
    image = torch.from_numpy(scorer.contract.image.preprocessing()(depth))[None, None]
    actions = torch.from_numpy(encode_motions(motions, scorer.contract.translation_scale))
    with torch.no_grad():
        return model(image, actions).numpy()


def test_export_matches_torch_and_carries_the_contract(exported_64) -> None:
    from grasp_perception.export import OnnxMismatchError, verify_onnx_matches_torch
    from grasp_perception.network import GraspSuccessNet

    model, path = exported_64
    assert verify_onnx_matches_torch(model, path, batch_sizes=(1, 7, 192)) < 1e-4
    proto = onnx.load(str(path))
    metadata = {prop.key: prop.value for prop in proto.metadata_props}
    assert metadata["kind"] == "scoring" and metadata["target"] == "grasp_success"
    assert json.loads(metadata[CONTRACT_KEY])["image"]["height"] == 64
    assert [i.name for i in proto.graph.input] == ["image", "actions"]
    assert [o.name for o in proto.graph.output] == ["success"]
    with pytest.raises(OnnxMismatchError, match="differs from torch"):
        verify_onnx_matches_torch(GraspSuccessNet(64, width=16).eval(), path)


def test_scorer_matches_torch(exported_64) -> None:
    model, path = exported_64
    scorer = OnnxGraspScorer(path, threads=1)
    assert scorer.providers == ["CPUExecutionProvider"]
    depth, motions = depth_frame(128), random_motions(64)
    scores = scorer.score(depth, motions)
    assert scores.shape == (64,) and scores.dtype == np.float32
    np.testing.assert_allclose(scores, torch_scores(model, scorer, depth, motions), atol=1e-5)
    image = scorer.preprocess(depth)
    assert image.shape == (1, 1, 64, 64)
    for seed in range(3):  # one frame, several CEM batches
        batch = random_motions(64, seed)
        np.testing.assert_array_equal(scorer.score_preprocessed(image, batch), scorer.score(depth, batch))
    assert scorer.score_preprocessed(image, motions[:1]).shape == (1,)
    assert scorer.score_preprocessed(image[0, 0], motions[:1]).shape == (1,)
    assert scorer.score_preprocessed(image, np.zeros((0, 4))).shape == (0,)
    with pytest.raises(ValueError, match="preprocessed image"):
        scorer.score_preprocessed(np.zeros((1, 1, 32, 32), np.float32), motions)


def test_smaller_model_scores_128px_frames(trained, tmp_path: Path) -> None:
    """A 32 px model (exported with the legacy exporter) resizes 128 px frames as its contract says."""
    from grasp_perception.export import export_onnx
    from grasp_perception.synthetic import make_synthetic_grasps
    from grasp_perception.train import build_contract

    model, report, config = trained
    path = export_onnx(model, tmp_path / "grasp_32.onnx", build_contract(config, report), dynamo=False)
    scorer = OnnxGraspScorer(path)
    assert (scorer.contract.image.height, scorer.contract.image.width) == (32, 32)
    data = make_synthetic_grasps(n_episodes=40, steps_per_episode=4, size=128, success_radius=0.04, seed=9)
    pairs = list(zip(data.images, data.motions[:, None], strict=True))
    scores = np.concatenate([scorer.score(depth, motion) for depth, motion in pairs])
    reference = np.concatenate([torch_scores(model, scorer, depth, motion) for depth, motion in pairs[:8]])
    np.testing.assert_allclose(scores[:8], reference, atol=1e-5)
    assert roc_auc(data.labels, scores) > 0.75


def rewrite_contract(source: Path, target: Path, change: Callable[[dict], None] | None) -> Path:
    """Copy an ONNX file with its contract edited by ``change`` (or removed when None)."""
    proto = onnx.load(str(source))
    props = {prop.key: prop.value for prop in proto.metadata_props}
    del proto.metadata_props[:]
    if change is not None:
        contract = json.loads(props[CONTRACT_KEY])
        change(contract)
        props[CONTRACT_KEY] = json.dumps(contract)
    else:
        del props[CONTRACT_KEY]
    for key, value in props.items():
        proto.metadata_props.add(key=key, value=value)
    onnx.save(proto, str(target))
    return target


def _set(key: str, value: object) -> Callable[[dict], None]:
    return lambda contract: contract.__setitem__(key, value)


def _resize(contract: dict) -> None:
    contract["image"].update(height=48, width=48)
    contract["inputs"][0]["shape"] = [1, 1, 48, 48]


def _version_1(contract: dict) -> None:
    contract["contract_version"] = 1
    del contract["camera"]


def _camera(**change: object) -> Callable[[dict], None]:
    return lambda contract: contract["camera"].update(change)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (None, "no contract: metadata key 'grasp_contract' is missing"),
        (_set("kind", "policy"), "kind: expected 'scoring', got 'policy'"),
        (_set("target", "lift_height"), "target: expected one of ['grasp_success', 'q_value', 'grasp_distance', "
                                         "'pregrasp_motion', 'grasp_map'], got 'lift_height'"),
        (_set("action_layout", ["dx", "dy", "dz", "dyaw", "pad"]), "action_layout: expected"),
        (_set("action_frame", "base_link"), "action_frame: expected 'yaw_aligned_tool', got 'base_link'"),
        (_resize, "inputs.image.shape: contract says [1, 1, 48, 48], graph has [1, 1, 64, 64]"),
        (_version_1, "contract_version: expected 3, got 1 (a version 1 contract does not say which camera"),
        (_camera(distortion="plumb_bob"), "camera.distortion: expected 'none', got 'plumb_bob'"),
        (_camera(fx=-1.0), "camera.fx must be > 0 pixels, got -1.0"),
        (_camera(depth_encodings={"16UC1": 1.0}), "camera.depth_encodings: 16UC1 is 0.001 m per unit"),
        (_camera(mount={"frame": "tool0", "translation": [0, 0, 0], "rotation_xyzw": [0, 0, 0, 1]}),
         "mount frame: expected 'pinch'"),
    ],
    ids=["missing", "kind", "target", "layout", "frame", "shape", "version1", "distortion", "fx", "encoding",
         "mount"],
)
def test_scorer_refuses_contracts_it_does_not_implement(exported_64, tmp_path: Path, change, message) -> None:
    _, path = exported_64
    bad = rewrite_contract(path, tmp_path / "bad.onnx", change)
    with pytest.raises(ModelContractError, match=re.escape(message)):
        OnnxGraspScorer(bad)


def test_upgrade_adds_the_camera_and_keeps_the_weights(exported_64, tmp_path: Path) -> None:
    from grasp_perception.model_file import read_metadata, upgrade_contract, write_contract

    _, path = exported_64
    old = rewrite_contract(path, tmp_path / "v1.onnx", _version_1)
    with pytest.raises(ModelContractError, match="got 1"):
        OnnxGraspScorer(old)
    contract = upgrade_contract(old, out=tmp_path / "v2.onnx")
    assert contract.contract_version == 3 and contract.camera.intrinsics().fov_deg == pytest.approx((70.0, 70.0))
    upgraded = OnnxGraspScorer(tmp_path / "v2.onnx")
    assert upgraded.contract == contract and "camera" in read_metadata(tmp_path / "v2.onnx")
    graphs = [onnx.load(str(p)).graph.SerializeToString() for p in (old, tmp_path / "v2.onnx")]
    assert graphs[0] == graphs[1]
    depth, motions = depth_frame(64), random_motions(32)
    np.testing.assert_array_equal(upgraded.score(depth, motions), OnnxGraspScorer(path).score(depth, motions))
    with pytest.raises(ModelContractError, match="only version 1 is upgraded"):
        upgrade_contract(tmp_path / "v2.onnx")
    write_contract(tmp_path / "v2.onnx", contract, tmp_path / "v2b.onnx")  # rewriting is idempotent
    assert read_metadata(tmp_path / "v2b.onnx") == read_metadata(tmp_path / "v2.onnx")


def test_scorer_refuses_frames_it_would_squash(exported_64) -> None:
    _, path = exported_64
    scorer = OnnxGraspScorer(path)
    assert (scorer.camera.width, scorer.camera.height) == (64, 64)
    with pytest.raises(ValueError, match=r"640x360 .* squash .* reproject"):
        scorer.preprocess(np.full((360, 640), 0.3, np.float32))
    assert scorer.preprocess(np.full((128, 128), 0.3, np.float32)).shape == (1, 1, 64, 64)


def test_hole_fill_can_be_overridden(exported_64) -> None:
    _, path = exported_64
    depth = np.full((64, 64), 0.3, np.float32)
    depth[20:30, 20:30] = np.nan
    constant = OnnxGraspScorer(path).preprocess(depth)
    inpainted = OnnxGraspScorer(path, hole_fill="inpaint").preprocess(depth)
    assert constant[0, 0, 25, 25] == pytest.approx((0.6 - 0.3) / 0.15)
    assert inpainted[0, 0, 25, 25] == pytest.approx(0.0, abs=1e-5)
    with pytest.raises(ValueError, match="hole_fill"):
        OnnxGraspScorer(path, hole_fill="median")


def test_benchmark_helper_reports_percentiles(exported_64) -> None:
    result = benchmark_scorer(OnnxGraspScorer(exported_64[1]), n_actions=64, repeats=5, warmup=1)
    assert result["n_actions"] == 64 and result["repeats"] == 5
    assert 0 < result["p50_ms"] <= result["p95_ms"]
    assert result["preprocess_p50_ms"] > 0


def test_runtime_modules_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import grasp_perception.scorer, grasp_perception.benchmark, grasp_perception.augment\n"
        "import grasp_perception.metrics, grasp_perception.split, grasp_perception.synthetic\n"
        "import grasp_perception.reproject, grasp_perception.overhead, grasp_perception.score_map\n"
        "import grasp_perception.model_file, grasp_perception.camera_model\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
