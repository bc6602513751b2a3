"""The split model: encoder then head scores exactly as the whole model, and models without the split point
are refused by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from grasp_perception.camera_model import Mount, PinholeIntrinsics
from grasp_perception.contract import ModelContract, ModelContractError
from grasp_perception.reproject import DegenerateFrameError, SourceCamera
from grasp_perception.scorer import OnnxGraspScorer
from grasp_perception.source_camera import (
    decimate,
    decimation_step,
    matches_model_camera,
    mount_from_values,
    source_camera,
)
from grasp_perception.split_model import (
    EncodedFeatures,
    FeatureMismatchError,
    FrameEncoder,
    HeadScorer,
    SplitModel,
    features_from_fields,
)
from onnx import TensorProto, helper

SHIPPED = Path(__file__).resolve().parents[2] / "grasp_bringup" / "grasp_bringup" / "models" / "grasp_success.onnx"
ATOL = 1e-5


def motions(n: int = 96, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(-0.06, 0.06, (n, 2)), rng.uniform(-0.3, 0.0, n), rng.uniform(-2, 2, n)])


def synthetic_frames(size: int = 64, count: int = 4, seed: int = 0) -> list[np.ndarray]:
    """A table 0.34 m away with a few boxes and holes, at ``size`` px."""
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        depth = np.full((size, size), 0.34, np.float32) + rng.normal(0, 0.002, (size, size)).astype(np.float32)
        for _ in range(rng.integers(1, 4)):
            r, c = rng.integers(0, size - size // 4, 2)
            depth[r : r + size // 5, c : c + size // 6] = rng.uniform(0.25, 0.32)
        depth[rng.random((size, size)) < 0.02] = np.nan
        frames.append(depth)
    return frames


def world_frames(count: int = 3) -> list[np.ndarray]:
    world_module = pytest.importorskip("grasp_sim.world", reason="grasp_sim (MuJoCo) is not installed")
    from grasp_sim.world_config import WorldConfig

    world = world_module.GraspWorld(WorldConfig(min_objects=2, max_objects=3))
    frames = []
    for seed in range(count):
        world.reset(100 + seed)
        frames.append(world.observe().depth)
    return frames


def assert_split_matches(path: Path, frames: list[np.ndarray]) -> None:
    full = OnnxGraspScorer(path, providers=["CPUExecutionProvider"])
    model = SplitModel(path)
    encoder = FrameEncoder(model, providers=["CPUExecutionProvider"])
    head = HeadScorer(model, providers=["CPUExecutionProvider"])
    for i, depth in enumerate(frames):
        encoded = encoder.encode(depth)
        assert encoded.features.dtype == np.float32 and encoded.features.shape == encoder.feature_shape
        assert 0.0 < encoded.valid_fraction <= 1.0 and encoded.model_sha256 == head.sha256
        for n in (1, 64, 192):
            expected = full.score(depth, motions(n, seed=i))
            actual = head.score_preprocessed(head.preprocess(encoded.features), motions(n, seed=i))
            np.testing.assert_allclose(actual, expected, atol=ATOL, rtol=0)


@pytest.fixture(scope="module")
def shipped() -> SplitModel:
    assert SHIPPED.is_file(), f"the shipped model is missing: {SHIPPED}"
    return SplitModel(SHIPPED)


def test_shipped_model_splits_where_the_action_is_added(shipped: SplitModel) -> None:
    assert shipped.graph.feature_shape == (32, 8, 8)
    assert [i.name for i in shipped.graph.encoder.graph.input] == ["image"]
    assert sorted(i.name for i in shipped.graph.head.graph.input) == sorted(["actions", shipped.graph.features])
    assert len(shipped.sha256) == 64 and shipped.sha256 == FrameEncoder(shipped).sha256


def test_shipped_model_split_equals_whole_on_synthetic_frames() -> None:
    assert_split_matches(SHIPPED, synthetic_frames(64) + synthetic_frames(128, 2, seed=1))


def test_shipped_model_split_equals_whole_on_world_frames() -> None:
    assert_split_matches(SHIPPED, world_frames())


@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
def test_freshly_exported_model_split_equals_whole(tmp_path: Path, dynamo: bool) -> None:
    torch = pytest.importorskip("torch")
    from grasp_perception.export import export_onnx
    from grasp_perception.network import GraspSuccessNet

    torch.manual_seed(3)
    net = GraspSuccessNet(32, width=8).eval()
    with torch.no_grad():  # random batch-norm statistics, so the features are not all alike
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
    contract = ModelContract()
    contract.image.height = contract.image.width = 32
    contract.__post_init__()
    contract.inputs = []
    contract.__post_init__()
    path = export_onnx(net, tmp_path / "small.onnx", contract, dynamo=dynamo)
    assert_split_matches(path, synthetic_frames(32) + synthetic_frames(64, 2, seed=2))


def _contract_model(build_body: list[onnx.NodeProto], initializers: list[onnx.TensorProto], path: Path) -> Path:
    """A model with the scoring contract's inputs and output but the given body (no GraspSuccessNet)."""
    graph = helper.make_graph(
        build_body,
        "not_grasp_net",
        [
            helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 64, 64]),
            helper.make_tensor_value_info("actions", TensorProto.FLOAT, ["batch", 5]),
        ],
        [helper.make_tensor_value_info("success", TensorProto.FLOAT, ["batch"])],
        initializers,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10)
    for key, value in ModelContract().metadata().items():
        proto.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return path


def _common(merge: str) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    """image -> mean (1, 1); actions -> (batch, 1); merged by ``merge``; -> sigmoid -> (batch,)."""
    weights = helper.make_tensor("w", TensorProto.FLOAT, [5, 1], [0.1] * 5)
    axes = helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3])
    squeeze = helper.make_tensor("squeeze_axes", TensorProto.INT64, [1], [1])
    flat = helper.make_tensor("flat", TensorProto.INT64, [2], [1, 1])
    nodes = [
        helper.make_node("ReduceMean", ["image", "axes"], ["pooled"], keepdims=1),
        helper.make_node("Reshape", ["pooled", "flat"], ["image_feature"]),
        helper.make_node("MatMul", ["actions", "w"], ["action_feature"]),
        helper.make_node(merge, ["image_feature", "action_feature"], ["merged"]),
        helper.make_node("Sigmoid", ["merged"], ["probability"]),
        helper.make_node("Squeeze", ["probability", "squeeze_axes"], ["success"]),
    ]
    return nodes, [weights, axes, squeeze, flat]


def test_model_without_merge_point_is_refused_naming_the_file(tmp_path: Path) -> None:
    nodes, initializers = _common("Mul")
    path = _contract_model(nodes, initializers, tmp_path / "multiplies.onnx")
    OnnxGraspScorer(path)  # a valid scoring model by its contract
    with pytest.raises(ModelContractError, match=r"multiplies\.onnx: cannot split .*no Add of a tensor"):
        FrameEncoder(path)
    with pytest.raises(ModelContractError, match=r"multiplies\.onnx"):
        HeadScorer(path)


def test_model_using_the_image_after_the_merge_is_refused(tmp_path: Path) -> None:
    nodes, initializers = _common("Add")
    nodes[3:4] = [
        helper.make_node("Add", ["image_feature", "action_feature"], ["first"]),
        helper.make_node("ReduceMax", ["image", "axes"], ["peak"], keepdims=1),
        helper.make_node("Reshape", ["peak", "flat"], ["peak_feature"]),
        helper.make_node("Add", ["first", "peak_feature"], ["merged"]),  # the image again, past the merge
    ]
    path = _contract_model(nodes, initializers, tmp_path / "twice.onnx")
    with pytest.raises(ModelContractError, match=r"twice\.onnx: .*image is used again"):
        SplitModel(path)


def test_simple_model_with_one_merge_splits(tmp_path: Path) -> None:
    nodes, initializers = _common("Add")
    path = _contract_model(nodes, initializers, tmp_path / "adds.onnx")
    model = SplitModel(path)
    assert model.graph.features == "image_feature" and model.graph.feature_shape == (1,)
    depth = synthetic_frames(64, 1)[0]
    np.testing.assert_allclose(
        HeadScorer(model).score(FrameEncoder(model).encode(depth), motions(8)),
        OnnxGraspScorer(path).score(depth, motions(8)), atol=ATOL,
    )


def test_head_refuses_features_of_another_shape_or_model(shipped: SplitModel) -> None:
    head = HeadScorer(shipped)
    with pytest.raises(FeatureMismatchError, match=r"shape \(32, 8, 8\)"):
        head.preprocess(np.zeros((16, 8, 8), np.float32))
    other = EncodedFeatures(np.zeros((32, 8, 8), np.float32), 1.0, "0" * 64)
    with pytest.raises(FeatureMismatchError, match="features of model 000000000000"):
        head.score(other, motions(4))
    assert head.score_preprocessed(head.preprocess(np.zeros((1, 32, 8, 8))), np.zeros((0, 4))).shape == (0,)


def test_features_from_message_fields_round_trip(shipped: SplitModel) -> None:
    encoded = FrameEncoder(shipped).encode(synthetic_frames(64, 1)[0])
    back = features_from_fields(list(encoded.features.shape), encoded.features.ravel().tolist(), encoded.model_sha256,
                                encoded.valid_fraction)
    np.testing.assert_array_equal(back.features, encoded.features)
    head = HeadScorer(shipped)
    np.testing.assert_array_equal(head.score(back, motions(16)), head.score(encoded, motions(16)))
    with pytest.raises(FeatureMismatchError, match="do not fill the shape"):
        features_from_fields([32, 8, 8], [0.0] * 10, encoded.model_sha256)


def test_head_drives_the_closed_loop_controller_like_the_whole_model(shipped: SplitModel) -> None:
    controllers = pytest.importorskip("grasp_servo.controllers", reason="grasp_servo is not installed")
    from grasp_servo.pose import GripperPose
    from grasp_servo.servo import CEMServo, ServoConfig
    from grasp_servo.workspace import Workspace

    workspace = Workspace(0.2, 0.8, -0.3, 0.3, 0.0, 0.5)
    depth = synthetic_frames(64, 1, seed=4)[0]
    pose = GripperPose(0.5, 0.0, 0.28, 0.3)
    whole = controllers.ClosedLoopController(OnnxGraspScorer(SHIPPED), CEMServo(ServoConfig(), workspace))
    split = controllers.ClosedLoopController(HeadScorer(shipped), CEMServo(ServoConfig(), workspace))
    expected = whole.decide(depth, pose, 0, np.random.default_rng(7))
    actual = split.decide(FrameEncoder(shipped).encode(depth), pose, 0, np.random.default_rng(7))
    assert actual.command == expected.command
    np.testing.assert_allclose(actual.motion, expected.motion, atol=1e-6)


def test_another_camera_is_reprojected_like_score_camera_frame(shipped: SplitModel) -> None:
    full = OnnxGraspScorer(SHIPPED)
    encoder, head = FrameEncoder(shipped), HeadScorer(shipped)
    model_camera = shipped.contract.camera
    # A wider 4:3 camera 1 cm beside the model's: its frame of a flat table with a box.
    k = PinholeIntrinsics.from_fov(160, 120, 87.0)
    mount = Mount((0.01, 0.0, -0.058), (0.0, 0.0, 0.0, 1.0))
    source = source_camera(160, 120, k.k().ravel(), model_camera, mount)
    assert not matches_model_camera(source, model_camera)
    depth = np.full((120, 160), 0.34, np.float32)
    depth[50:70, 70:95] = 0.29
    encoded = encoder.encode(depth, source)
    np.testing.assert_allclose(head.score(encoded, motions(32)), full.score_camera_frame(depth, source, motions(32)),
                               atol=ATOL)
    assert encoded.valid_fraction == pytest.approx(full.assess(full.reproject(depth, source)).in_range)


def test_a_fine_frame_is_thinned_before_reprojection_with_scores_nearly_unchanged(shipped: SplitModel) -> None:
    full = OnnxGraspScorer(SHIPPED)
    model_camera = shipped.contract.camera
    k = PinholeIntrinsics.from_fov(640, 480, 87.0)
    source = source_camera(640, 480, k.k().ravel(), model_camera)
    assert decimation_step(source, model_camera.intrinsics()) == 3
    assert decimation_step(source, model_camera.intrinsics(), oversampling=0) == 1
    rng = np.random.default_rng(5)
    depth = np.full((480, 640), 0.34, np.float32) + rng.normal(0, 0.001, (480, 640)).astype(np.float32)
    depth[200:300, 250:400] = 0.3
    depth[rng.random(depth.shape) < 0.03] = 0.0
    thinned, camera = decimate(depth, source, 3)
    assert thinned.shape == (160, 214) and (camera.intrinsics.width, camera.intrinsics.height) == (214, 160)
    np.testing.assert_allclose(camera.intrinsics.rays()[7, 11], source.intrinsics.rays()[21, 33])  # same rays
    head = HeadScorer(shipped)
    exact = FrameEncoder(shipped, oversampling=0).encode(depth, source)
    np.testing.assert_allclose(head.score(exact, motions(64)), full.score_camera_frame(depth, source, motions(64)),
                               atol=ATOL)
    fast = FrameEncoder(shipped).encode(depth, source)
    difference = np.abs(head.score(fast, motions(64)) - head.score(exact, motions(64)))
    assert difference.max() < 0.05 and difference.mean() < 0.01
    assert fast.valid_fraction == pytest.approx(exact.valid_fraction, abs=0.02)


def test_the_model_camera_at_another_resolution_is_not_reprojected(shipped: SplitModel) -> None:
    model_camera = shipped.contract.camera
    scaled = model_camera.intrinsics().scaled(128, 128)
    source = source_camera(128, 128, scaled.k().ravel(), model_camera)
    assert matches_model_camera(source, model_camera)
    depth = synthetic_frames(128, 1)[0]
    encoder = FrameEncoder(shipped)
    np.testing.assert_array_equal(encoder.encode(depth, source).features, encoder.encode(depth).features)
    moved = SourceCamera(source.intrinsics, mount_from_values([0.0, 0.02, -0.058, 0.0, 0.0, 0.0, 1.0]))
    assert not matches_model_camera(moved, model_camera)


def test_degenerate_frames_are_refused(shipped: SplitModel) -> None:
    encoder = FrameEncoder(shipped)
    with pytest.raises(DegenerateFrameError, match=r"only 0\.0% of pixels"):
        encoder.encode(np.full((64, 64), np.nan, np.float32))
    # One flat value in range from the model's own camera is encoded (as the embedded loop scores it).
    assert encoder.encode(np.full((64, 64), 0.3, np.float32)).quality.degenerate
    far_camera = source_camera(64, 64, shipped.contract.camera.intrinsics().k().ravel(), shipped.contract.camera,
                               Mount((0.0, 0.0, -0.6), (0.0, 0.0, 0.0, 1.0)))
    with pytest.raises(DegenerateFrameError, match="after reprojection"):
        encoder.encode(np.full((64, 64), 0.9, np.float32), far_camera)
    with pytest.raises(ValueError, match=r"shape \(H, W\)"):
        encoder.encode(np.zeros(5, np.float32))
