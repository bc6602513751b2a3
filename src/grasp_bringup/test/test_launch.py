"""The launch files with the real launch / launch_ros (run in the docker/ros image; skipped without ROS 2)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: these tests run in the docker/ros image")
launch = pytest.importorskip("launch", reason="ROS 2 launch is not installed: these tests run in the docker/ros image")
pytest.importorskip("launch_ros", reason="launch_ros is not installed: these tests run in the docker/ros image")

LAUNCH_DIR = Path(__file__).resolve().parents[1] / "launch"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name.replace(".", "_"), LAUNCH_DIR / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("servo.launch.py", {"robot", "model", "use_sim_time", "record", "bag_path", "params_file"}),
        ("collect.launch.py", {"bag_path", "params_file", "use_sim_time"}),
    ],
)
def test_launch_description_declares_its_arguments(name: str, arguments: set[str]) -> None:
    description = load(name).generate_launch_description()
    assert isinstance(description, launch.LaunchDescription)
    declared = {argument.name for argument in description.get_launch_arguments()}
    assert arguments <= declared


def test_servo_launch_resolves_nodes_for_every_robot() -> None:
    """Run the OpaqueFunction against a real LaunchContext (needs grasp_bringup installed: colcon workspace)."""
    pytest.importorskip("ament_index_python")
    from ament_index_python.packages import PackageNotFoundError, get_package_share_directory

    try:
        get_package_share_directory("grasp_bringup")
    except PackageNotFoundError:
        pytest.skip("grasp_bringup is not installed in a sourced colcon workspace")
    from launch.utilities import perform_substitutions
    from launch_ros.actions import Node

    module = load("servo.launch.py")
    for robot in module.ROBOTS:
        context = launch.LaunchContext()
        description = module.generate_launch_description()
        for argument in description.get_launch_arguments():
            context.launch_configurations[argument.name] = perform_substitutions(context, argument.default_value)
        context.launch_configurations.update({"robot": robot, "record": "true"})
        nodes = module.launch_setup(context)
        # sim_robot, perception, servo, motion, collector (episodes:=0: no runner)
        assert len(nodes) == 5 and all(isinstance(node, Node) for node in nodes)
