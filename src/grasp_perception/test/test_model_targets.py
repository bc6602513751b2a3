"""Every family's contract: what it declares, what is refused, and which servo may use it."""

from __future__ import annotations

import json

import pytest
from grasp_perception.contract import ModelContract, ModelContractError
from grasp_perception.model_targets import TARGETS, check_servo_pairing, target_spec


def _contract(target: str, **fields) -> ModelContract:
    spec = target_spec(target)
    extra = {"pregrasp_height": 0.12, "grasp_motion": [0.0, 0.0, -0.12, 0.0]} if not spec.scoring else {}
    if target == "grasp_map":
        extra["map_width_scale"] = 32.0
    return ModelContract(**{"kind": spec.kind, "target": target, "output": spec.output, **extra, **fields})


@pytest.mark.parametrize("target", list(TARGETS))
def test_each_target_declares_its_graph_and_round_trips(target: str) -> None:
    contract = _contract(target)
    contract.validate()
    spec = target_spec(target)
    assert [s.name for s in contract.inputs] == list(spec.inputs)
    assert [s.name for s in contract.outputs] == [spec.output_name]
    again = ModelContract.from_json(contract.to_json())
    again.validate()
    assert again == contract and contract.contract_version == 3


def test_shapes_of_the_new_inputs_and_outputs() -> None:
    shapes = {s.name: s.shape for s in _contract("q_value").inputs}
    assert shapes["state"] == [1, 2] and shapes["actions"] == ["batch", 5]
    assert _contract("pregrasp_motion").outputs[0].shape == [1, 3]
    assert _contract("grasp_map").outputs[0].shape == [1, 4, 64, 64]
    assert _contract("grasp_distance").outputs[0].shape == ["batch"]


@pytest.mark.parametrize(
    ("target", "fields", "message"),
    [
        ("pregrasp_motion", {"pregrasp_height": 0.0}, "pregrasp_height: expected > 0 metres"),
        ("pregrasp_motion", {"grasp_motion": [0.0, 0.0]}, "grasp_motion: expected 4 finite numbers"),
        ("grasp_map", {"map_width_scale": -1.0}, "map_width_scale: expected > 0 pixels"),
        ("q_value", {"state_layout": ["open"]}, "state_layout: expected"),
        ("grasp_distance", {"output": "probability"}, "output: expected 'metres', got 'probability'"),
        ("pregrasp_motion", {"kind": "scoring"}, "kind: expected 'regression', got 'scoring'"),
    ],
)
def test_bad_family_contracts_are_refused(target: str, fields: dict, message: str) -> None:
    with pytest.raises(ModelContractError, match=message.replace("(", r"\(").replace("[", r"\[")):
        _contract(target, **fields).validate()


def test_version_2_files_are_success_models_only() -> None:
    data = json.loads(_contract("grasp_success").to_json())
    ModelContract.from_dict({**data, "contract_version": 2}).validate()  # the shipped model's version
    q = json.loads(_contract("q_value").to_json())
    with pytest.raises(ModelContractError, match="target 'q_value' needs contract_version 3, got 2"):
        ModelContract.from_dict({**q, "contract_version": 2}).validate()


def test_servo_pairing_names_the_servo_that_fits() -> None:
    for target, spec in TARGETS.items():
        check_servo_pairing(target, spec.servo)
    with pytest.raises(ValueError, match=r"regression model \(pregrasp_motion.*needs the threshold servo, not cem"):
        check_servo_pairing("pregrasp_motion", "cem")
    with pytest.raises(ValueError, match=r"scoring model \(q_value.*needs the cem servo, not threshold"):
        check_servo_pairing("q_value", "threshold")
    with pytest.raises(ValueError, match="unknown servo kind 'pid'"):
        check_servo_pairing("grasp_success", "pid")
    with pytest.raises(ValueError, match="unknown model target 'lift'"):
        target_spec("lift")
