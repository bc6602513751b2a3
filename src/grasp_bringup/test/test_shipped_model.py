"""The model shipped in the repository: its contract, its card, and that it learned where objects are."""

import json

import numpy as np
import pytest
from grasp_bringup.factory import DEFAULT_MODEL
from grasp_perception.scorer import OnnxGraspScorer
from grasp_servo.pose import GripperPose, motion_between
from grasp_sim.world import GraspWorld
from grasp_sim.world_config import WorldConfig


@pytest.fixture(scope="module")
def scorer():
    assert DEFAULT_MODEL.is_file(), f"the shipped model is missing: {DEFAULT_MODEL}"
    return OnnxGraspScorer(DEFAULT_MODEL)


def test_contract_records_two_rounds_of_own_data(scorer):
    contract = scorer.contract
    assert contract.kind == "scoring" and contract.target == "grasp_success"
    assert contract.provenance.rounds >= 2
    assert "learned" in contract.provenance.data_description
    card = DEFAULT_MODEL.parent / "MODEL_CARD.md"
    assert card.is_file() and "grasp pipeline" in card.read_text()
    record = json.loads((DEFAULT_MODEL.parent / "pipeline.json").read_text())
    assert record["stages"][-1]["stage"] == f"train round {contract.provenance.rounds}"
    assert record["stages"][0]["settings"]["controller"] in ("random", "biased")


def test_model_prefers_grasping_the_object_to_grasping_beside_it(scorer):
    world = GraspWorld(WorldConfig(min_objects=1, max_objects=1, object_set="heldout"))
    wins = 0
    scenes = 8
    for seed in range(scenes):
        world.reset(700 + seed)
        target = world.object_states()[0]
        pose = world.gripper_pose()
        world.move_to(GripperPose(target.position[0] + 0.02, target.position[1] - 0.02, 0.12, pose.yaw))
        observation = world.observe()
        at_object = [
            motion_between(observation.pose, GripperPose(target.position[0], target.position[1], 0.015, yaw))
            for yaw in np.linspace(-np.pi / 2, np.pi / 2, 8, endpoint=False) + observation.pose.yaw
        ]
        beside = [m + np.array([0.09 * np.cos(a), 0.09 * np.sin(a), 0, 0]) for a, m in enumerate(at_object)]
        scores_at = scorer.score(observation.depth, np.array(at_object))
        scores_beside = scorer.score(observation.depth, np.array(beside))
        wins += scores_at.max() > scores_beside.max()
    assert wins >= scenes - 1
