"""servo.launch.py / collect.launch.py run against stand-ins for launch and launch_ros (no ROS needed)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import launch_stubs as stubs
import pytest

BRINGUP = Path(__file__).resolve().parents[1]
SRC = BRINGUP.parent


@pytest.fixture
def launch_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ModuleType]]:
    for name, module in stubs.stub_modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    yield {path.name: stubs.load_launch_file(path) for path in sorted((BRINGUP / "launch").glob("*.launch.py"))}


def console_scripts(package: str) -> dict[str, str]:
    text = (SRC / package / "setup.py").read_text()
    return dict(re.findall(r'"(\w+) = ([\w.]+:\w+)"', text))


def run(module: ModuleType, **arguments: str) -> tuple[list[stubs.Node], dict[str, str]]:
    description = module.generate_launch_description()
    context = stubs.context_for(description, **arguments)
    (opaque,) = [e for e in description.entities if isinstance(e, stubs.OpaqueFunction)]
    return opaque.kwargs["function"](context), context.launch_configurations


def params(node: stubs.Node) -> tuple[list[str], dict]:
    files = [p for p in node.kwargs["parameters"] if isinstance(p, str)]
    (overrides,) = [p for p in node.kwargs["parameters"] if isinstance(p, dict)]
    return files, overrides


def test_servo_launch_arguments(launch_files: dict[str, ModuleType]) -> None:
    description = launch_files["servo.launch.py"].generate_launch_description()
    declared = {e.name: e for e in description.entities if isinstance(e, stubs.DeclareLaunchArgument)}
    assert set(declared) >= {"robot", "model", "use_sim_time", "record", "bag_path", "params_file"}
    assert declared["robot"].kwargs["choices"] == ["ur5", "abb", "jaco"]
    assert all(e.kwargs.get("description") for e in declared.values())


def test_default_launch_starts_servo_and_motion(launch_files: dict[str, ModuleType]) -> None:
    nodes, _ = run(launch_files["servo.launch.py"])
    assert [(n.kwargs["package"], n.kwargs["executable"]) for n in nodes] == [
        ("grasp_servo", "servo_node"),
        ("grasp_servo", "moveit_motion_node"),
    ]
    servo_files, servo_overrides = params(nodes[0])
    assert [Path(f).name for f in servo_files] == ["servo.yaml", "ur5.yaml"]
    assert all(Path(f).is_file() for f in servo_files)
    assert servo_overrides == {"use_sim_time": False, "robot": "ur5"}  # empty model: the node's default
    motion_files, _ = params(nodes[1])
    assert Path(motion_files[0]).name == "moveit_py.yaml"  # first: older moveit_py reads only the first file
    assert "name" not in nodes[1].kwargs  # a name remap would also rename MoveItPy's node


def test_record_robot_model_and_sim_time(launch_files: dict[str, ModuleType]) -> None:
    nodes, _ = run(
        launch_files["servo.launch.py"],
        robot="jaco",
        record="true",
        bag_path="/tmp/bags/run_1",
        model="/models/m.onnx",
        use_sim_time="true",
        motion="false",
    )
    assert [n.kwargs["executable"] for n in nodes] == ["servo_node", "collector_node"]
    servo_files, servo_overrides = params(nodes[0])
    assert Path(servo_files[1]).name == "jaco.yaml"
    assert servo_overrides == {"use_sim_time": True, "robot": "jaco", "model_path": "/models/m.onnx"}
    _, collector_overrides = params(nodes[1])
    assert collector_overrides == {"use_sim_time": True, "bag_path": "/tmp/bags/run_1"}


def test_unknown_robot_file_is_an_error(launch_files: dict[str, ModuleType]) -> None:
    with pytest.raises(RuntimeError, match="robot parameter file"):
        run(launch_files["servo.launch.py"], robot="kuka")


def test_collect_launch(launch_files: dict[str, ModuleType]) -> None:
    nodes, _ = run(launch_files["collect.launch.py"], bag_path="/tmp/b")
    (node,) = nodes
    assert (node.kwargs["package"], node.kwargs["executable"]) == ("grasp_datacollect", "collector_node")
    files, overrides = params(node)
    assert Path(files[0]).is_file() and overrides == {"use_sim_time": False, "bag_path": "/tmp/b"}


def test_launched_executables_are_console_scripts(launch_files: dict[str, ModuleType]) -> None:
    nodes, _ = run(launch_files["servo.launch.py"], record="true")
    for node in nodes:
        assert node.kwargs["executable"] in console_scripts(node.kwargs["package"])
