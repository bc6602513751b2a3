"""The model contract: JSON round trip, validation and graph consistency (no ONNX file needed)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from grasp_perception.contract import (
    CONTRACT_KEY,
    CONTRACT_VERSION,
    CameraSpec,
    ImageSpec,
    ModelContract,
    ModelContractError,
    MountSpec,
    Provenance,
)

GRAPH_INPUTS = {"image": [1, 1, 64, 64], "actions": ["batch", 5]}
GRAPH_OUTPUTS = {"success": ["batch"]}


def test_default_contract_is_valid_and_round_trips() -> None:
    contract = ModelContract(provenance=Provenance(training_command="grasp train", dataset_sizes={"n": 3}))
    contract.validate()
    contract.check_graph(GRAPH_INPUTS, GRAPH_OUTPUTS)
    metadata = contract.metadata()
    assert metadata["kind"] == "scoring" and metadata["target"] == "grasp_success"
    data = json.loads(metadata[CONTRACT_KEY])
    assert data["action_layout"] == ["dx/s", "dy/s", "dz/s", "sin(dyaw)", "cos(dyaw)"]
    assert data["action_frame"] == "yaw_aligned_tool" and data["units"] == ["m", "rad"]
    assert data["image"]["encoding"] == "depth_m" and data["translation_scale"] == 0.1
    assert data["inputs"][1] == {"name": "actions", "shape": ["batch", 5], "dtype": "float32"}
    assert ModelContract.from_metadata(metadata) == contract


def test_image_spec_drives_the_input_shape() -> None:
    contract = ModelContract(image=ImageSpec(height=32, width=32))
    assert contract.inputs[0].shape == [1, 1, 32, 32]
    assert contract.image.preprocessing().height == 32


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "policy"}, "kind: expected 'scoring', got 'policy'"),
        ({"target": "grasp_quality"}, "target: expected one of"),
        ({"action_layout": ["dx", "dy", "dz", "dyaw"]}, "action_layout: expected"),
        ({"action_frame": "base_link"}, "action_frame: expected 'yaw_aligned_tool', got 'base_link'"),
        ({"units": ["mm", "deg"]}, "units"),
        ({"output": "logit"}, "output: expected 'probability'"),
        ({"translation_scale": 0.0}, "translation_scale"),
    ],
)
def test_unsupported_contracts_are_refused(change: dict, message: str) -> None:
    contract = dataclasses.replace(ModelContract(), **change)
    with pytest.raises(ModelContractError, match=re.escape(message)):
        contract.validate()


def test_missing_bad_or_newer_contracts_are_refused() -> None:
    with pytest.raises(ModelContractError, match=r"no contract.*grasp_contract"):
        ModelContract.from_metadata({"kind": "scoring"})
    with pytest.raises(ModelContractError, match="not valid JSON"):
        ModelContract.from_json("{")
    data = json.loads(ModelContract().to_json())
    with pytest.raises(ModelContractError, match=r"contract_version: expected one of \[2, 3\], got 4 .*newer"):
        ModelContract.from_dict({**data, "contract_version": 4})
    with pytest.raises(ModelContractError, match="unexpected or missing fields"):
        ModelContract.from_dict({**data, "colour": "red"})
    with pytest.raises(ModelContractError, match=r"camera\.mount|unexpected or missing fields"):
        ModelContract.from_dict({**data, "camera": {**data["camera"], "mount": {"frame": "pinch", "pos": [0, 0, 0]}}})
    without_camera = {key: value for key, value in data.items() if key != "camera"}
    with pytest.raises(ModelContractError, match="no camera description"):
        ModelContract.from_dict(without_camera)


def test_version_1_is_refused_with_the_way_to_upgrade() -> None:
    data = json.loads(ModelContract().to_json())
    del data["camera"]
    with pytest.raises(ModelContractError, match=r"expected 3, got 1 .*camera.*upgrade_contract"):
        ModelContract.from_dict({**data, "contract_version": 1})


def test_camera_fields_are_in_the_metadata_and_round_trip() -> None:
    assert CONTRACT_VERSION == 3
    contract = ModelContract()
    data = json.loads(contract.metadata()[CONTRACT_KEY])["camera"]
    assert {"width", "height", "fx", "fy", "cx", "cy", "image_orientation", "mount", "depth", "depth_units",
            "depth_encodings", "min_range", "max_range", "distortion", "sees_gripper", "noise"} <= set(data)
    assert data["depth_encodings"] == {"32FC1": 1.0, "16UC1": 0.001}
    assert data["image_orientation"] == "x_right_y_down" and data["depth"] == "z" and data["depth_units"] == "m"
    assert data["mount"] == {"frame": "pinch", "translation": [0.0, 0.0, -0.058], "rotation_xyzw": [0, 0, 0, 1]}
    assert contract.camera.intrinsics().fov_deg == pytest.approx((70.0, 70.0))
    assert (data["cx"], data["cy"]) == (31.5, 31.5)
    assert "70.0 x 70.0 deg" in contract.metadata()["camera"]
    other = ModelContract(camera=CameraSpec.embedded_wrist(32, 32), image=ImageSpec(height=32, width=32))
    other.validate()
    assert ModelContract.from_json(other.to_json()) == other
    assert other.camera.fx == pytest.approx(contract.camera.fx / 2)


def _camera(**change) -> ModelContract:
    return ModelContract(camera=dataclasses.replace(CameraSpec(), **change))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fx": 0.0}, "camera.fx must be > 0"),
        ({"fy": -3.0}, "camera.fy must be > 0"),
        ({"fx": float("nan")}, "camera.fx must be finite"),
        ({"cx": 80.0}, "camera.cx must lie inside the image"),
        ({"width": 0}, "camera.width must be a positive integer"),
        ({"height": 12.5}, "camera.height must be a positive integer"),
        ({"distortion": "plumb_bob"}, "camera.distortion: expected 'none', got 'plumb_bob'"),
        ({"projection": "fisheye"}, "camera.projection: expected 'pinhole'"),
        ({"image_orientation": "rotated_180"}, "camera.image_orientation: expected 'x_right_y_down'"),
        ({"depth": "ray_length"}, "camera.depth: expected 'z', got 'ray_length'"),
        ({"depth_units": "mm"}, "camera.depth_units: expected 'm', got 'mm'"),
        ({"depth_encodings": {"16UC1": 1.0}}, "camera.depth_encodings: 16UC1 is 0.001 m per unit, got 1.0"),
        ({"depth_encodings": {"8UC1": 0.01}}, "camera.depth_encodings: '8UC1' is not one this code decodes"),
        ({"depth_encodings": {}}, "camera.depth_encodings: expected a non-empty mapping"),
        ({"min_range": 0.5, "max_range": 0.2}, "expected 0 <= min_range < max_range"),
        ({"max_range": float("inf")}, "min_range and max_range must be finite"),
        ({"sees_gripper": "yes"}, "camera.sees_gripper: expected true or false"),
        ({"mount": MountSpec(frame="tool0")}, "mount frame: expected 'pinch'"),
        ({"mount": MountSpec(rotation_xyzw=[0.0, 0.0, 0.0, 2.0])}, "must be a unit quaternion"),
        ({"mount": MountSpec(translation=[0.0, 0.0])}, "mount translation must be 3 finite numbers"),
    ],
)
def test_camera_fields_the_runtime_cannot_honour_are_refused(change: dict, message: str) -> None:
    with pytest.raises(ModelContractError, match=re.escape(message)):
        _camera(**change).validate()


def test_graph_must_match_the_contract() -> None:
    contract = ModelContract()
    with pytest.raises(ModelContractError, match=r"inputs\.image\.shape"):
        contract.check_graph({**GRAPH_INPUTS, "image": [1, 1, 32, 32]}, GRAPH_OUTPUTS)
    with pytest.raises(ModelContractError, match="inputs: contract declares"):
        contract.check_graph({"depth": [1, 1, 64, 64], "actions": ["batch", 5]}, GRAPH_OUTPUTS)
    with pytest.raises(ModelContractError, match=r"inputs\.actions\.shape"):
        contract.check_graph({**GRAPH_INPUTS, "actions": [64, 5]}, GRAPH_OUTPUTS)  # batch not dynamic
    with pytest.raises(ModelContractError, match="outputs"):
        contract.check_graph(GRAPH_INPUTS, {"probability": ["batch"]})
