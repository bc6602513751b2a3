"""Every ROS node module imports without ROS 2, exposes main(), and is what the console scripts name."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]
NODE_MODULES = {
    "grasp_servo.ros.servo_node": ("grasp_servo", "servo_node", "ServoNode"),
    "grasp_servo.ros.motion_node": ("grasp_servo", "motion_node", "MotionNode"),
    "grasp_bringup.ros.episode_runner": ("grasp_bringup", "episode_runner", "EpisodeRunner"),
    "grasp_datacollect.ros.collector_node": ("grasp_datacollect", "collector_node", "CollectorNode"),
}
ROS_ONLY = (
    "rclpy",
    "tf2_ros",
    "moveit",
    "launch",
    "launch_ros",
    "sensor_msgs",
    "geometry_msgs",
    "std_srvs",
    "control_msgs",
    "rcl_interfaces",
    "grasp_interfaces",
    "builtin_interfaces",
    "ament_index_python",
)


def ros_available() -> bool:
    try:
        importlib.import_module("rclpy")
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("module_name", sorted(NODE_MODULES))
def test_node_module_imports_and_has_main(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert callable(module.main)
    package, script, node_class = NODE_MODULES[module_name]
    assert hasattr(module, node_class)
    setup = (SRC / package / "setup.py").read_text()
    assert re.search(rf'"{script} = {re.escape(module_name)}:main"', setup), f"{script} missing in {package}/setup.py"


@pytest.mark.parametrize("module_name", sorted(NODE_MODULES))
def test_ros_imports_are_deferred(module_name: str) -> None:
    """Top-level imports of the node modules touch no ROS package except through the guarded base class."""
    path = SRC / module_name.split(".")[0] / Path(*module_name.split(".")).with_suffix(".py")
    tree = ast.parse(path.read_text())
    for statement in tree.body:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            names = (
                [statement.module or ""]
                if isinstance(statement, ast.ImportFrom)
                else [alias.name for alias in statement.names]
            )
            assert not any(name.split(".")[0] in ROS_ONLY for name in names), f"{module_name}: {names}"


@pytest.mark.skipif(ros_available(), reason="rclpy is installed: the nodes are built in test_ros_nodes.py")
@pytest.mark.parametrize("module_name", sorted(NODE_MODULES))
def test_building_a_node_without_ros_says_why(module_name: str) -> None:
    module = importlib.import_module(module_name)
    with pytest.raises(RuntimeError, match="rclpy is not installed"):
        getattr(module, NODE_MODULES[module_name][2])()
    with pytest.raises(RuntimeError, match="rclpy is not installed"):
        module.main([])


@pytest.mark.parametrize("launch_file", sorted((SRC / "grasp_bringup" / "launch").glob("*.launch.py")))
def test_launch_files_compile(launch_file: Path) -> None:
    compile(launch_file.read_text(), str(launch_file), "exec")
    tree = ast.parse(launch_file.read_text())
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "generate_launch_description" in functions
