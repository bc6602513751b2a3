"""The parameter files set only parameters the nodes declare, with the declared types, for every robot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from grasp_datacollect.ros.collector_node import COLLECTOR_SPECS
from grasp_servo.robot_profiles import PROFILES, get_profile
from grasp_servo.ros.parameters import motion_specs, servo_specs, workspace_bounds

YAML = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml (a rosbags dependency) is not installed").YAML
CONFIG = Path(__file__).resolve().parents[1] / "config"


def load(path: Path) -> dict[str, Any]:
    return YAML(typ="safe").load(path.read_text())


def specs_by_node(robot: str) -> dict[str, dict[str, Any]]:
    profile = get_profile(robot)
    return {
        "grasp_servo": {s.name: s.default for s in servo_specs(profile)},
        "grasp_motion": {s.name: s.default for s in motion_specs(profile)},
        "grasp_collector": {s.name: s.default for s in COLLECTOR_SPECS},
    }


def same_type(value: Any, default: Any) -> bool:
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, float) for v in value)
    return type(value) is type(default)  # ROS 2 parameters are typed: 1 is not 1.0


@pytest.mark.parametrize("robot", sorted(PROFILES))
def test_files_set_declared_parameters_with_their_types(robot: str) -> None:
    specs = specs_by_node(robot)
    for path in (CONFIG / "servo.yaml", CONFIG / "robots" / f"{robot}.yaml"):
        for node, section in load(path).items():
            assert node in specs, f"{path.name}: unknown node {node}"
            for name, value in section["ros__parameters"].items():
                assert name in specs[node], f"{path.name}: {node} declares no parameter {name}"
                assert same_type(value, specs[node][name]), f"{path.name}: {node}.{name}={value!r} has the wrong type"


@pytest.mark.parametrize("robot", sorted(PROFILES))
def test_robot_files_match_the_profiles(robot: str) -> None:
    profile = get_profile(robot)
    sections = load(CONFIG / "robots" / f"{robot}.yaml")
    motion = sections["grasp_motion"]["ros__parameters"]
    assert motion["planning_group"] == profile.planning_group and motion["base_frame"] == profile.base_frame
    assert sections["grasp_servo"]["ros__parameters"]["base_frame"] == profile.base_frame
    assert motion["pose_link"] == motion["pinch_frame"] == profile.pinch_frame
    gripper = profile.gripper
    assert (motion["trajectory_action"], motion["gripper_action"], motion["gripper_joint"]) == (
        profile.trajectory_action, gripper.action, gripper.joint)
    assert (motion["gripper_open_position"], motion["gripper_closed_position"]) == (
        gripper.open_position, gripper.closed_position)
    assert motion.get("max_joint_speed", 0.0) <= profile.max_joint_speed
    for node in ("grasp_servo", "grasp_motion"):
        assert sections[node]["ros__parameters"]["workspace"] == pytest.approx(workspace_bounds(profile.workspace))


def test_every_profile_has_a_robot_file_and_a_launch_choice() -> None:
    assert sorted(p.stem for p in (CONFIG / "robots").glob("*.yaml")) == sorted(PROFILES)
    launch = (CONFIG.parent / "launch" / "servo.launch.py").read_text()
    assert "ROBOTS = (" + ", ".join(f'"{name}"' for name in PROFILES) + ")" in launch


def test_moveit_file_is_a_wildcard_parameter_file() -> None:
    moveit = load(CONFIG / "moveit_py.yaml")
    params = moveit["/**"]["ros__parameters"]
    assert params["planning_pipelines"]["pipeline_names"] and params["plan_request_params"]["planning_pipeline"]


def test_docs_list_every_parameter() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "ros.md").read_text()
    for robot_specs in specs_by_node("ur5").values():
        for name in robot_specs:
            assert f"| `{name}` |" in docs, f"docs/ros.md does not describe parameter {name}"
