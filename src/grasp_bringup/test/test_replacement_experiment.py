"""Seed 004's Table 1: a bin grasped without replacement (objects taken out, arm back to start) and its table."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
from grasp_bringup.episode_loop import NullSink, run_episode
from grasp_bringup.factory import RunSettings, build_controller, world_config
from grasp_bringup.replacement_experiment import (
    SEED_WITHOUT_REPLACEMENT,
    table1_markdown,
    without_replacement,
)
from grasp_servo.pose import GripperPose
from grasp_sim.arm_model import CAMERA_SITE
from grasp_sim.world import GraspWorld

SETTINGS = RunSettings(controller="biased", object_set="heldout", min_objects=5, max_objects=5)


@pytest.fixture()
def world() -> GraspWorld:
    world = GraspWorld(world_config(SETTINGS))
    world.reset(9_500_000)
    assert len(world.objects) >= 3
    return world


def _contacts_of(world: GraspWorld, body: int) -> int:
    geoms = world.data.contact.geom[: world.data.ncon]
    return int(np.sum(world.model.geom_bodyid[geoms] == body))


def test_remove_object_takes_it_out_of_the_scene_the_frame_and_the_contacts(world):
    name = world.object_names()[0]
    body = world.model.body(name).id
    # Put the gripper right above it, close enough that it fills the frame.
    position = world.data.xpos[body]
    world.place_gripper(GripperPose(position[0], position[1], 0.12, 0.0))
    world.step(10)
    before = world.depth_frame()
    assert _contacts_of(world, body) > 0  # it rests on the table
    world.remove_object(name)
    world.step(500)  # one simulated second: it must stay parked, not fall or drift
    assert name not in world.object_names() and name not in [s.name for s in world.object_states()]
    assert len(world.objects) == len(world.object_names())
    assert world.data.xpos[body][2] < -9.0 and np.linalg.norm(world.data.cvel[body]) < 1e-3
    assert _contacts_of(world, body) == 0
    after = world.depth_frame()
    assert np.all(after >= before - 1e-4) and np.sum(after > before + 0.01) > 20  # only deeper: the table behind
    centre = after[after.shape[0] // 2, after.shape[1] // 2]
    assert centre == pytest.approx(world.data.site_xpos[world.model.site(CAMERA_SITE).id][2], abs=0.002)
    # The ray caster cannot hit it even if it were in view.
    geoms = np.flatnonzero(world.model.geom_bodyid == body)
    assert np.all(world.model.geom_contype[geoms] == 0) and np.all(world.model.geom_group[geoms] == 5)
    with pytest.raises(KeyError):
        world.remove_object(name)


def test_return_to_start_keeps_the_other_objects_where_they_lie(world):
    names = world.object_names()
    world.remove_object(names[1])
    mujoco.mj_forward(world.model, world.data)
    before = {s.name: s.position for s in world.object_states()}
    world.close_gripper()  # as after an attempt
    assert world.return_to_start(123) == [n for n in names if n != names[1]]
    after = {s.name: s.position for s in world.object_states()}
    for name, position in before.items():
        assert np.linalg.norm(after[name] - position) < 0.003, name
    pose = world.gripper_pose()
    assert abs(pose.z - world.config.start_height) < 0.005
    assert world.gripper_opening() > 0.9 * world.gripper.max_opening
    observation = world.observe()
    assert not observation.closed and np.isfinite(observation.depth).all()


def test_after_a_real_grasp_the_bin_is_ready_for_the_next_attempt(world):
    summary = run_episode(world, build_controller(SETTINGS), NullSink(), 0, 9_500_001)
    assert summary.success and summary.truth_success  # this seed's scripted grasp lifts an object
    world.remove_object(summary.lifted_object)
    before = {s.name: s.position for s in world.object_states()}
    assert len(before) == len(summary.object_names) - 1
    world.return_to_start(9_500_002)
    for state in world.object_states():
        assert np.linalg.norm(state.position - before[state.name]) < 0.003, state.name
    assert abs(world.gripper_pose().z - world.config.start_height) < 0.005


def test_a_tiny_run_without_replacement_gives_cells_with_counts_and_the_markdown_table():
    result = without_replacement(SETTINGS, attempts=(2, 4), repetitions=1, objects_per_bin=2)
    assert set(result["cells"]) == {2, 4}
    for k, cell in result["cells"].items():
        assert cell["attempts"] + cell["not_made"] == k
        assert 0 <= cell["failures"] <= cell["attempts"] and 0.0 <= cell["failure_rate"] <= 1.0
        low, high = cell["failure_ci95"]
        assert 0.0 <= low <= cell["failure_rate"] <= high <= 1.0
    attempts = result["attempts"]
    assert [a["attempt"] for a in attempts] == list(range(4))  # refill on: the bin never runs dry
    for a in attempts:
        assert (a["removed"] is not None) <= a["success"]  # only a success takes an object out
    grasped = sum(a["removed"] is not None for a in attempts)
    assert result["bins"][0]["grasped"] == grasped
    text = table1_markdown({"without_replacement": {"biased": result}})
    assert "first 2: ours" in text and "first 4: ours" in text and "(N = 4)" in text
    for row in ("random", "hand-designed", "open loop", "our method (closed loop)", "biased"):
        assert f"| {row} |" in text
    with_ = {
        "attempts": 3,
        "results": {"random": {"attempts": 3, "failures": 2, "failure_rate": 2 / 3, "failure_ci95": [0.2, 0.9]}},
    }
    text = table1_markdown({"with_replacement": with_})
    assert "| random | 69.0 % | 66.7 % [20–90] (N = 3) |" in text and "seed (N = 100)" in text
    assert f"{SEED_WITHOUT_REPLACEMENT['closed_loop'][10]:.1f} %" == "10.0 %"


def test_without_refill_an_empty_bin_stops_and_the_attempts_not_made_are_counted():
    result = without_replacement(SETTINGS, attempts=(6,), repetitions=1, objects_per_bin=1, refill=False)
    cell, run = result["cells"][6], result["bins"][0]
    assert cell["attempts"] == run["attempts_made"] and cell["not_made"] == 6 - run["attempts_made"]
    if run["stopped_empty"]:
        assert run["grasped"] + run["lost"] == 1
