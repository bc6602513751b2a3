"""The model contract: JSON round trip, validation and graph consistency (no ONNX file needed)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from grasp_perception.contract import (
    CONTRACT_KEY,
    ImageSpec,
    ModelContract,
    ModelContractError,
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
    with pytest.raises(ModelContractError, match="contract_version: expected 1, got 2"):
        ModelContract.from_dict({**data, "contract_version": 2})
    with pytest.raises(ModelContractError, match="unexpected or missing fields"):
        ModelContract.from_dict({**data, "colour": "red"})


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
