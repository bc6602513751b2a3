"""Every value the shipped parameter files set lies in its parameter's range (the nodes would refuse it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from grasp_datacollect.ros.parameters import collector_parameters
from grasp_servo.robot_profiles import PROFILES
from grasp_servo.ros.parameters import motion_parameters, servo_parameters

YAML = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml (a rosbags dependency) is not installed").YAML
CONFIG = Path(__file__).resolve().parents[1] / "config"


def parameters(robot: str) -> dict[str, dict[str, Any]]:
    """What the launch files give each node: config/servo.yaml, then config/robots/<robot>.yaml."""
    merged: dict[str, dict[str, Any]] = {}
    for path in (CONFIG / "servo.yaml", CONFIG / "robots" / f"{robot}.yaml"):
        for node, section in YAML(typ="safe").load(path.read_text()).items():
            merged.setdefault(node, {}).update(section["ros__parameters"])
    return merged


@pytest.mark.parametrize("robot", sorted(PROFILES))
def test_parameter_files_pass_the_node_checks(robot: str) -> None:
    files = parameters(robot)
    servo = servo_parameters({**files["grasp_servo"], "robot": robot})
    assert servo.profile.name == robot
    motion = motion_parameters({**files["grasp_motion"], "robot": robot})
    assert motion.workspace == servo.workspace
    collector_parameters(files["grasp_collector"])
