"""The ROS servo node's controller choice per model family (a plain function: runs without rclpy)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from grasp_bringup.factory import DEFAULT_MODEL
from grasp_bringup.family_datasets import DatasetSpec, distance_dataset, pregrasp_dataset, save_dataset
from grasp_bringup.family_training import train_family
from grasp_perception.preprocess import DepthPreprocessing
from grasp_servo.controllers import ClosedLoopController
from grasp_servo.distance_servo import DistanceController
from grasp_servo.robot_profiles import get_profile
from grasp_servo.ros.parameters import ParameterError, servo_specs
from grasp_servo.ros.servo_node import build_controller
from grasp_servo.threshold import ThresholdController


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("families")
    pregrasp = DatasetSpec("pregrasp", "train", 2, 3, images_per_scene=4)
    distance = DatasetSpec("distance", "train", 2, 3, images_per_scene=3, actions_per_image=4)
    save_dataset(folder / "p.npz", pregrasp_dataset(pregrasp, DepthPreprocessing(), progress=False), pregrasp)
    save_dataset(folder / "d.npz", distance_dataset(distance, DepthPreprocessing(), progress=False), distance)
    train_family("pregrasp", [folder / "p.npz"], folder / "pregrasp.onnx", epochs=1, progress=False)
    train_family("distance", [folder / "d.npz"], folder / "distance.onnx", epochs=1, progress=False)
    return {"pregrasp": folder / "pregrasp.onnx", "distance": folder / "distance.onnx", "success": DEFAULT_MODEL}


def _values(model: Path, **overrides) -> dict:
    values = {spec.name: spec.default for spec in servo_specs(get_profile("ur5"))}
    values.update(model_path=str(model), **overrides)
    return values


@pytest.mark.parametrize(
    ("family", "frame_source", "expected"),
    [
        ("success", "camera", ClosedLoopController),
        ("success", "perception", ClosedLoopController),
        ("distance", "perception", DistanceController),
        ("pregrasp", "camera", ThresholdController),
    ],
)
def test_auto_picks_the_servo_the_contract_names(models, family, frame_source, expected) -> None:
    controller, path, _ = build_controller(_values(models[family], frame_source=frame_source))
    assert isinstance(controller, expected) and path == str(models[family])


def test_mismatched_or_impossible_pairs_are_refused(models) -> None:
    with pytest.raises(ParameterError, match=r"regression model .* needs the threshold servo, not cem"):
        build_controller(_values(models["pregrasp"], controller="cem"))
    with pytest.raises(ParameterError, match=r"scoring model .* needs the cem servo, not threshold"):
        build_controller(_values(models["success"], controller="threshold"))
    with pytest.raises(ParameterError, match="frame_source must be camera, not perception"):
        build_controller(_values(models["pregrasp"], frame_source="perception"))


def test_the_guarded_descent_takes_a_grasp_map_and_refuses_a_pregrasp_regressor(models) -> None:
    from grasp_bringup.factory import SHIPPED_MODELS

    controller, _, _ = build_controller(_values(SHIPPED_MODELS["grasp_map"], descent_steps=6, track_peaks=3))
    assert isinstance(controller, ThresholdController) and controller.servo.config.descent_steps == 6
    assert controller.servo.config.track_peaks == 3
    with pytest.raises(ParameterError, match=r"descent_steps 6 .*pregrasp_motion.*use 1"):
        build_controller(_values(models["pregrasp"], descent_steps=6))
