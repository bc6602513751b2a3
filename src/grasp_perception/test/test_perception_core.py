"""The perception node's plain cores: parameters, the frame gate and the marker candidates (no ROS needed)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from grasp_perception.candidate_markers import candidate_motions, candidates_in_camera, descent, score_colour
from grasp_perception.reproject import FrameQuality
from grasp_perception.ros.parameters import (
    PARAMS,
    ParameterError,
    perception_parameters,
    resolve_providers,
    shipped_model_path,
)
from grasp_perception.ros.perception_core import FrameRefusal, FrameResult, PerceptionCore
from grasp_perception.split_model import FrameEncoder, HeadScorer, SplitModel

SHIPPED = Path(__file__).resolve().parents[2] / "grasp_bringup" / "grasp_bringup" / "models" / "grasp_success.onnx"
SECOND = 1_000_000_000


@pytest.fixture(scope="module")
def model() -> SplitModel:
    return SplitModel(SHIPPED)


def scene(size: int = 64) -> np.ndarray:
    depth = np.full((size, size), 0.34, np.float32)
    depth[size // 3 : size // 2, size // 3 : size // 2 + 4] = 0.29
    return depth


def image(depth: np.ndarray, encoding: str = "32FC1") -> SimpleNamespace:
    if encoding == "16UC1":
        data = np.nan_to_num(depth * 1000, nan=0).astype("<u2").tobytes()
        step = depth.shape[1] * 2
    else:
        data, step = depth.astype("<f4").tobytes(), depth.shape[1] * 4
    return SimpleNamespace(encoding=encoding, height=depth.shape[0], width=depth.shape[1], step=step,
                           is_bigendian=0, data=data)


def core_with_info(model: SplitModel, size: int = 64, **kwargs: object) -> PerceptionCore:
    core = PerceptionCore(FrameEncoder(model), **kwargs)  # type: ignore[arg-type]
    k = model.contract.camera.intrinsics().scaled(size, size).k().ravel()
    assert core.on_camera_info(size, size, k) is None
    return core


def test_defaults_are_valid_and_bad_values_are_named() -> None:
    params = perception_parameters({} if shipped_model_path() else {"model_path": str(SHIPPED)})
    assert params.model_path.name == "grasp_success.onnx" and params.threads == 1
    assert params.providers[-1] == "CPUExecutionProvider" and params.camera_mount is None
    assert params.expected_encodings == ("32FC1", "16UC1") and params.max_frame_age_ns == 500_000_000
    assert {p.name for p in PARAMS} >= {"model_path", "threads", "depth_topic", "camera_info_topic",
                                        "expected_encodings", "max_frame_age_s", "markers", "marker_rate_hz",
                                        "providers", "warn_throttle_s"}
    for values, name in (
        ({"threads": -1}, "threads"),
        ({"expected_encodings": ["rgb8"]}, "expected_encodings"),
        ({"marker_rate_hz": 0.0}, "marker_rate_hz"),
        ({"model_path": "/no/such/model.onnx"}, "model_path"),
        ({"depth_topic": "not a topic"}, "depth_topic"),
        ({"camera_mount": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]}, "camera_mount"),
        ({"colour": "red"}, "colour"),
    ):
        with pytest.raises(ParameterError, match=name):
            perception_parameters(values)
    mount = perception_parameters({"camera_mount": [0.0, 0.01, -0.05, 0.0, 0.0, 0.0, 1.0]}).camera_mount
    assert mount is not None and mount.translation == (0.0, 0.01, -0.05)


def test_providers() -> None:
    offered = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert resolve_providers("auto", offered) == offered
    assert resolve_providers("auto", ["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert resolve_providers("cpu", offered) == ["CPUExecutionProvider"]
    assert resolve_providers("cuda", offered) == offered
    with pytest.raises(ParameterError, match="TensorrtExecutionProvider, which this ONNX Runtime does not offer"):
        resolve_providers("tensorrt,cuda", offered)


def test_good_frames_are_encoded_like_the_encoder(model: SplitModel) -> None:
    core = core_with_info(model, max_frame_age_ns=SECOND)
    depth = scene()
    result = core.on_image(image(depth), 5 * SECOND, 5 * SECOND + 1000, "wrist_camera_depth_optical_frame")
    assert isinstance(result, FrameResult) and not result.reprojected
    np.testing.assert_array_equal(result.encoded.features, FrameEncoder(model).encode(depth).features)
    assert result.stamp_ns == 5 * SECOND and result.frame_id == "wrist_camera_depth_optical_frame"
    millimetres = core.on_image(image(depth, "16UC1"), 5 * SECOND, 5 * SECOND)
    assert isinstance(millimetres, FrameResult)
    np.testing.assert_allclose(millimetres.encoded.features, result.encoded.features, atol=1e-4)


def test_bad_frames_are_refused_and_the_next_good_one_is_encoded(model: SplitModel) -> None:
    core = PerceptionCore(FrameEncoder(model), expected_encodings=("32FC1",), max_frame_age_ns=SECOND // 2)
    now = 10 * SECOND
    refused = core.on_image(image(scene()), now, now)
    assert isinstance(refused, FrameRefusal) and "no camera_info" in refused.reason
    k = model.contract.camera.intrinsics().k().ravel()
    assert "camera_info is unusable" in (core.on_camera_info(64, 64, np.zeros(9)) or "")
    assert isinstance(core.on_image(image(scene()), now, now), FrameRefusal)
    assert core.on_camera_info(64, 64, k) is None
    cases = {
        "encoding '16UC1' is not one of the expected 32FC1": image(scene(), "16UC1"),
        "frame is 32x32 but camera_info says 64x64": image(scene(32)),
        "only 0.0% of pixels": image(np.full((64, 64), np.nan, np.float32)),
    }
    for reason, frame in cases.items():
        result = core.on_image(frame, now, now)
        assert isinstance(result, FrameRefusal) and reason in result.reason, result
    assert core.on_camera_info(64, 64, k, "wrist_camera_depth_optical_frame") is None
    other = core.on_image(image(scene()), now, now, "other_camera_optical_frame")
    assert isinstance(other, FrameRefusal) and "describes 'wrist_camera_depth_optical_frame'" in other.reason
    assert isinstance(core.on_image(image(scene()), now, now, "wrist_camera_depth_optical_frame"), FrameResult)
    stale = core.on_image(image(scene()), now - SECOND, now)
    assert isinstance(stale, FrameRefusal) and "1.000 s old" in stale.reason
    broken = image(scene())
    broken.data = broken.data[:-4]
    assert "undecodable" in core.on_image(broken, now, now).reason  # type: ignore[union-attr]
    assert isinstance(core.on_image(image(scene()), now, now), FrameResult)
    # One flat value in range from the model's own camera (the gripper pressed onto a surface) is scored, as the
    # embedded loop scores it: the servo decides to raise instead of stopping.
    assert isinstance(core.on_image(image(np.full((64, 64), 0.3, np.float32)), now, now), FrameResult)


def test_another_camera_is_reprojected(model: SplitModel) -> None:
    core = PerceptionCore(FrameEncoder(model))
    k = np.array([100.0, 0, 79.5, 0, 100.0, 59.5, 0, 0, 1])
    assert core.on_camera_info(160, 120, k) is None and core.reprojects
    depth = np.full((120, 160), 0.34, np.float32)
    depth[40:70, 60:100] = 0.3
    result = core.on_image(image(depth), 0, 0)
    assert isinstance(result, FrameResult) and result.reprojected


def test_marker_candidates_scored_with_the_head(model: SplitModel) -> None:
    core = core_with_info(model)
    head = HeadScorer(model)
    assert core.score_candidates(head) is None
    core.on_image(image(scene()), 0, 0, "cam")
    scored = core.score_candidates(head)
    assert scored is not None and scored.scores.shape == (25,) and scored.frame_id == "cam"
    assert np.all((scored.scores >= 0) & (scored.scores <= 1))
    expected = head.score(FrameEncoder(model).encode(scene()), scored.candidates.motions)
    np.testing.assert_array_equal(scored.scores, expected)
    # Descending to 1.5 cm above the farthest in-range depth (the table, 0.34 m from the camera).
    assert scored.candidates.motions[0, 2] == pytest.approx(-(0.34 - 0.058 - 0.015), abs=1e-3)
    flat = core.score_candidates(head, descend=False)
    assert flat is not None and np.all(flat.candidates.motions[:, 2] == 0)


def test_candidate_geometry_in_the_camera_frame(model: SplitModel) -> None:
    mount = model.contract.camera.mount.to_mount()  # 5.8 cm behind the pinch, axes aligned
    motions = candidate_motions(-0.2)
    assert motions.shape == (25, 4) and np.all(motions[:, 3] == 0)
    arrows = candidates_in_camera(motions, mount)
    # +x motion -> +x in the image; +y motion -> -y (up) in the image; the descent is along the optical axis.
    np.testing.assert_allclose(arrows.ends[:, 0], motions[:, 0])
    np.testing.assert_allclose(arrows.ends[:, 1], -motions[:, 1])
    np.testing.assert_allclose(arrows.ends[:, 2], 0.058 + 0.2)
    np.testing.assert_allclose(arrows.starts[:, 2], 0.058)
    short = candidates_in_camera(candidate_motions(0.0), mount)
    np.testing.assert_allclose(short.ends[:, 2] - short.starts[:, 2], 0.03)
    quality = FrameQuality(0.0, 1.0, 0.0, 0.25, 0.34)
    assert descent(quality, mount) == pytest.approx(-(0.34 - 0.058 - 0.015))
    assert descent(None, mount) == 0.0
    assert score_colour(0.0) == (1.0, 0.0, 0.0, 1.0) and score_colour(1.0) == (0.0, 1.0, 0.0, 1.0)
    assert score_colour(0.5) == (1.0, 1.0, 0.0, 1.0) and score_colour(float("nan"))[0] == 1.0
