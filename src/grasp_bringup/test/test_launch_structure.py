"""servo.launch.py / collect.launch.py run against stand-ins for launch and launch_ros (no ROS needed)."""

from __future__ import annotations

import re
import sys
import types
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


def nodes_only(entities: list) -> list[stubs.Node]:
    return [e for e in entities if isinstance(e, stubs.Node)]


def test_servo_launch_arguments(launch_files: dict[str, ModuleType]) -> None:
    description = launch_files["servo.launch.py"].generate_launch_description()
    declared = {e.name: e for e in description.entities if isinstance(e, stubs.DeclareLaunchArgument)}
    assert set(declared) >= {"robot", "sim", "episodes", "out", "record", "model", "ik", "use_sim_time",
                             "bag_path", "params_file"}
    assert declared["robot"].kwargs["choices"] == ["ur5", "abb", "jaco", "gen3"]
    assert declared["sim"].kwargs["choices"] == ["mujoco", "gazebo", "none"]
    assert all(e.kwargs.get("description") for e in declared.values())


def test_default_launch_is_the_whole_sim_graph(launch_files: dict[str, ModuleType]) -> None:
    nodes = nodes_only(run(launch_files["servo.launch.py"])[0])
    assert [(n.kwargs["package"], n.kwargs["executable"]) for n in nodes] == [
        ("grasp_sim", "sim_robot_node"),
        ("grasp_perception", "perception_node"),
        ("grasp_servo", "servo_node"),
        ("grasp_servo", "motion_node"),
        ("grasp_datacollect", "collector_node"),
    ]
    servo_files, servo_overrides = params(nodes[2])
    assert [Path(f).name for f in servo_files] == ["servo.yaml", "ur5.yaml"]
    assert all(Path(f).is_file() for f in servo_files)
    assert servo_overrides["use_sim_time"] is True and servo_overrides["frame_source"] == "perception"
    assert "model_path" not in servo_overrides  # empty model: the node's default (the shipped model)
    motion_files, motion = params(nodes[3])
    assert motion["ik_backend"] == "builtin" and [Path(f).name for f in motion_files] == ["servo.yaml", "ur5.yaml"]
    assert "name" not in nodes[3].kwargs  # a name remap would also rename MoveItPy's node


def test_episodes_add_the_runner_and_end_the_launch(launch_files: dict[str, ModuleType]) -> None:
    entities, _ = run(launch_files["servo.launch.py"], episodes="10", out="/tmp/run_1")
    nodes = nodes_only(entities)
    runner = nodes[-1]
    assert runner.kwargs["executable"] == "episode_runner"
    _, overrides = params(runner)
    assert overrides["episodes"] == 10 and overrides["out"] == "/tmp/run_1" and overrides["sim"] is True
    _, collector = params(nodes[-2])
    assert collector["bag_path"] == "/tmp/run_1/bag"
    (handler,) = [e for e in entities if isinstance(e, stubs.RegisterEventHandler)]
    on_exit = handler.args[0].kwargs["on_exit"]
    assert isinstance(on_exit(types.SimpleNamespace(returncode=0), None)[0], stubs.EmitEvent)
    with pytest.raises(RuntimeError, match="episode_runner exited with 1"):
        on_exit(types.SimpleNamespace(returncode=1), None)


def test_real_arm_moveit_no_record(launch_files: dict[str, ModuleType]) -> None:
    entities, _ = run(
        launch_files["servo.launch.py"], robot="jaco", sim="none", record="false", model="/models/m.onnx",
        ik="moveit",
    )
    nodes = nodes_only(entities)
    assert [n.kwargs["executable"] for n in nodes] == ["perception_node", "servo_node", "motion_node"]
    servo_files, servo_overrides = params(nodes[1])
    assert Path(servo_files[1]).name == "jaco.yaml"
    assert servo_overrides["use_sim_time"] is False and servo_overrides["model_path"] == "/models/m.onnx"
    motion_files, motion = params(nodes[2])
    assert Path(motion_files[0]).name == "moveit_py.yaml"  # first: older moveit_py reads only the first file
    assert motion["ik_backend"] == "moveit"


def test_servo_settings_reach_the_servo_typed(launch_files: dict[str, ModuleType]) -> None:
    entities, _ = run(launch_files["servo.launch.py"], cem_samples="128", cem_iterations="4", threshold_mm="5",
                      descent_steps="6", track_peaks="3")
    _, servo = params(nodes_only(entities)[2])
    assert servo["cem_samples"] == 128 and servo["cem_iterations"] == 4 and servo["descent_steps"] == 6
    assert servo["threshold_mm"] == 5.0 and isinstance(servo["threshold_mm"], float)  # a 5 would be refused
    assert servo["track_peaks"] == 3 and "cem_elites" not in servo  # not given: the params file's value
    with pytest.raises(RuntimeError, match="cem_samples:=many is not an integer"):
        run(launch_files["servo.launch.py"], cem_samples="many")


def test_bad_arguments_are_errors(launch_files: dict[str, ModuleType]) -> None:
    with pytest.raises(RuntimeError, match="robot parameter file"):
        run(launch_files["servo.launch.py"], robot="kuka")
    with pytest.raises(RuntimeError, match="sim:=isaac is not one of mujoco, gazebo, none"):
        run(launch_files["servo.launch.py"], sim="isaac")
    entities, _ = run(launch_files["servo.launch.py"], sim="gazebo")  # a sim now: its branch, no sim_robot
    assert any(isinstance(e, stubs.IncludeLaunchDescription) for e in entities)
    assert "sim_robot_node" not in [n.kwargs["executable"] for n in nodes_only(entities)]
    with pytest.raises(RuntimeError, match="UR5 \\+ Robotiq 2F-85 only"):
        run(launch_files["servo.launch.py"], sim="gazebo", robot="jaco")
    with pytest.raises(RuntimeError, match="episodes:=-1"):
        run(launch_files["servo.launch.py"], episodes="-1")


def test_collect_launch(launch_files: dict[str, ModuleType]) -> None:
    nodes, _ = run(launch_files["collect.launch.py"], bag_path="/tmp/b")
    (node,) = nodes
    assert (node.kwargs["package"], node.kwargs["executable"]) == ("grasp_datacollect", "collector_node")
    files, overrides = params(node)
    assert Path(files[0]).is_file() and overrides == {"use_sim_time": False, "bag_path": "/tmp/b"}


def test_launched_executables_are_console_scripts(launch_files: dict[str, ModuleType]) -> None:
    entities, _ = run(launch_files["servo.launch.py"], episodes="3")
    for node in nodes_only(entities):
        assert node.kwargs["executable"] in console_scripts(node.kwargs["package"]), node.kwargs["executable"]
