"""Parameter tables of the servo and motion nodes: ranges, cross-field rules, and the configs they build.

Everything here but the descriptor messages and ``declare_parameters`` runs without ROS 2; those skip when
rcl_interfaces / rclpy are missing (they run in the docker/ros image).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from grasp_servo.cem import CEMConfig
from grasp_servo.robot_profiles import PROFILES, get_profile
from grasp_servo.ros import parameters as params
from grasp_servo.ros.parameters import ParameterError
from grasp_servo.servo import ServoConfig

UR5 = get_profile("ur5")
DOCS = Path(__file__).resolve().parents[3] / "docs" / "ros.md"
NUMERIC = ("integer", "float")


def all_specs() -> list[params.ParamSpec]:
    return params.servo_specs(UR5) + params.motion_specs(UR5)


def numeric_specs() -> list[params.ParamSpec]:
    return [spec for spec in all_specs() if spec.kind in NUMERIC]


def spec_id(spec: params.ParamSpec) -> str:
    return spec.name


def build(spec: params.ParamSpec, value: Any) -> Any:
    """Run the node core that owns ``spec`` with one value changed."""
    core = params.servo_parameters if spec in params.servo_specs(UR5) else params.motion_parameters
    return core({spec.name: value})


def refusal(spec: params.ParamSpec, value: Any) -> str:
    with pytest.raises(ParameterError) as caught:
        build(spec, value)
    return str(caught.value)


def assert_names(message: str, name: str, value: Any, range_text: str) -> None:
    """One line that names the parameter, its value and the valid range."""
    assert "\n" not in message
    assert f"parameter {name} = {value!r}" in message, message
    assert range_text in message, message


def step_inside(spec: params.ParamSpec, bound: float, inward: int) -> float:
    """The nearest valid value at a bound: the bound itself, or a hair inside an excluded one."""
    if spec.kind == "integer":
        return int(bound)
    excluded = spec.low_open if inward > 0 else spec.high_open
    return math.nextafter(bound, bound + inward) if excluded else float(bound)


# ----------------------------------------------------------------------------------------------- the tables


@pytest.mark.parametrize("robot", sorted(PROFILES))
def test_specs_are_unique_and_start_with_robot(robot: str) -> None:
    profile = get_profile(robot)
    for specs in (params.servo_specs(profile), params.motion_specs(profile)):
        names = [spec.name for spec in specs]
        assert names[0] == "robot" and len(names) == len(set(names))
        assert all(spec.description for spec in specs)
        assert all(not isinstance(spec.default, list) or spec.default for spec in specs)  # typed defaults


@pytest.mark.parametrize("robot", sorted(PROFILES))
def test_every_parameter_has_a_range_its_default_lies_in(robot: str) -> None:
    profile = get_profile(robot)
    for spec in params.servo_specs(profile) + params.motion_specs(profile):
        assert spec.range_text
        if spec.kind in NUMERIC or spec.kind == "float list":
            assert spec.low is not None and spec.high is not None and spec.low < spec.high
        assert params.check_value(spec, spec.default, strict_types=True) == spec.default


def test_a_spec_whose_default_breaks_its_range_is_a_bug() -> None:
    with pytest.raises(ParameterError):
        params.ParamSpec("x", 0, "x", low=1, high=2)
    with pytest.raises(TypeError, match="needs low and high"):
        params.ParamSpec("x", 1, "x")
    with pytest.raises(TypeError, match="choices and text"):
        params.ParamSpec("x", "a", "x")


def test_defaults_build_the_cores_defaults() -> None:
    values = {spec.name: spec.default for spec in params.servo_specs(UR5)}
    assert params.servo_config(values) == ServoConfig()
    session = params.session_config(values)
    assert session.max_frame_age_ns == 200_000_000 and session.expected_shape is None
    assert params.workspace_from(values["workspace"]) == UR5.workspace
    values.update(expected_width=64, expected_height=48)
    assert params.session_config(values).expected_shape == (48, 64)


@pytest.mark.parametrize("robot", sorted(PROFILES))
def test_the_cores_accept_every_robots_defaults(robot: str) -> None:
    servo = params.servo_parameters({"robot": robot})
    assert servo.profile.name == robot and servo.servo == ServoConfig()
    assert servo.workspace == get_profile(robot).workspace
    motion = params.motion_parameters({"robot": robot})
    assert motion.workspace == get_profile(robot).workspace and motion.max_goal_age_ns == 500_000_000
    # Default gripper: the profile's (a Robotiq 2F-85 on ros2_robotiq_gripper: knuckle 0.0 rad open, 0.8 closed).
    gripper = get_profile(robot).gripper
    assert (motion.values["gripper_open_position"], motion.values["gripper_closed_position"]) == (
        gripper.open_position, gripper.closed_position)
    assert motion.values["max_opening"] == get_profile(robot).max_opening


def test_workspace_needs_six_numbers() -> None:
    with pytest.raises(ValueError):
        params.workspace_from([0.0, 1.0])


# ----------------------------------------------------------------------------------------- numeric ranges


@pytest.mark.parametrize("spec", numeric_specs(), ids=spec_id)
def test_each_bound_is_accepted_and_built(spec: params.ParamSpec) -> None:
    """The nearest valid value at each end passes the check and the core configs (no hidden tighter rule)."""
    assert spec.low is not None and spec.high is not None
    for value in (step_inside(spec, spec.low, +1), step_inside(spec, spec.high, -1)):
        assert params.check_value(spec, value, strict_types=True) == value
        if spec.name == "close_ratio":
            value = max(value, 1e-9)  # leaves room for raise_ratio below it
        values: dict[str, Any] = {spec.name: value}
        if spec.name == "cem_elites":
            values["cem_samples"] = value + 1
        if spec.name == "cem_samples":
            values["cem_elites"] = 1
        if spec.name == "raise_ratio":
            values["close_ratio"] = 1.0
        if spec.name == "close_ratio":
            values["raise_ratio"] = value / 2
        if spec.name in ("expected_width", "expected_height"):
            values.update(expected_width=value, expected_height=value)
        if spec.name in ("gripper_open_position", "gripper_closed_position"):
            other = "gripper_closed_position" if spec.name == "gripper_open_position" else "gripper_open_position"
            values[other] = 0.0 if value != 0.0 else 1.0
        core = params.servo_parameters if spec in params.servo_specs(UR5) else params.motion_parameters
        assert core(values).values[spec.name] == value


@pytest.mark.parametrize("spec", numeric_specs(), ids=spec_id)
def test_values_outside_the_range_are_refused_by_name(spec: params.ParamSpec) -> None:
    assert spec.low is not None and spec.high is not None
    if spec.kind == "integer":
        outside: list[Any] = [int(spec.low) - 1, int(spec.high) + 1]
    else:
        below = spec.low if spec.low_open else math.nextafter(spec.low, -math.inf)
        above = spec.high if spec.high_open else math.nextafter(spec.high, math.inf)
        outside = [below, above, math.nan, math.inf, -math.inf]
    for value in outside:
        assert_names(refusal(spec, value), spec.name, value, spec.range_text)


@pytest.mark.parametrize("spec", numeric_specs(), ids=spec_id)
def test_numbers_of_the_wrong_type_are_refused(spec: params.ParamSpec) -> None:
    for value in (True, "1", None, [1]):
        assert "wrong type" in refusal(spec, value)
    if spec.kind == "integer":
        assert "wrong type" in refusal(spec, float(spec.default))  # ROS 2 would refuse 20.0 for an integer
    else:  # plain Python callers may pass 1 for 1.0; ROS 2 may not, and is told how to write it
        with pytest.raises(ParameterError, match=r"write 1\.0, not 1"):
            params.check_value(spec, 1, strict_types=True)


def test_the_examples_from_the_field() -> None:
    servo = {spec.name: spec for spec in params.servo_specs(UR5)}
    message = refusal(servo["seed"], -1)
    assert message == f"parameter seed = -1 is out of range; valid: an integer in [0, {2**63 - 1}]"
    assert_names(refusal(servo["step_budget"], -5), "step_budget", -5, "an integer in [1, 1000]")
    assert_names(refusal(servo["close_ratio"], math.nan), "close_ratio", math.nan, "a float in (0, 1]")
    assert_names(refusal(servo["max_frame_age_s"], 0.0), "max_frame_age_s", 0.0, "[0.001, 60]")
    assert_names(refusal(servo["cem_samples"], 1), "cem_samples", 1, "an integer in [2, 4096]")


def test_first_episode_id_fits_the_messages_uint32() -> None:
    spec = next(s for s in params.servo_specs(UR5) if s.name == "first_episode_id")
    assert params.servo_parameters({"first_episode_id": 2**32 - 1}).values["first_episode_id"] == 2**32 - 1
    assert_names(refusal(spec, 2**32), "first_episode_id", 2**32, "[0, 4294967295]")


# ------------------------------------------------------------------------------------------ cross-field rules


@pytest.mark.parametrize(("elites", "samples"), [(64, 64), (65, 64), (4095, 2)])
def test_elites_must_be_fewer_than_samples(elites: int, samples: int) -> None:
    with pytest.raises(ParameterError) as caught:
        params.servo_parameters({"cem_elites": elites, "cem_samples": samples})
    message = str(caught.value)
    assert f"cem_elites = {elites}" in message and f"cem_samples = {samples}" in message
    assert "cem_elites < cem_samples" in message and "\n" not in message


def test_elites_one_below_samples_is_the_core_limit() -> None:
    built = params.servo_parameters({"cem_elites": 63, "cem_samples": 64})
    assert built.servo.cem == CEMConfig(samples=64, elites=63)


@pytest.mark.parametrize(("raise_ratio", "close_ratio"), [(0.5, 0.5), (0.9, 0.5)])
def test_raise_ratio_must_be_below_close_ratio(raise_ratio: float, close_ratio: float) -> None:
    with pytest.raises(ParameterError, match="raise_ratio < close_ratio"):
        params.servo_parameters({"raise_ratio": raise_ratio, "close_ratio": close_ratio})


@pytest.mark.parametrize(("width", "height"), [(64, 0), (0, 48)])
def test_expected_size_needs_both_or_neither(width: int, height: int) -> None:
    with pytest.raises(ParameterError, match="expected_width and expected_height both 0"):
        params.servo_parameters({"expected_width": width, "expected_height": height})


def test_expected_size_builds_the_session_shape() -> None:
    assert params.servo_parameters({"expected_width": 64, "expected_height": 48}).session.expected_shape == (48, 64)


def test_gripper_positions_must_differ() -> None:
    with pytest.raises(ParameterError, match="gripper_open_position != gripper_closed_position"):
        params.motion_parameters({"gripper_open_position": 0.0, "gripper_closed_position": 0.0})
    jaco_style = params.motion_parameters({"gripper_open_position": 0.0, "gripper_closed_position": 0.8})
    assert jaco_style.values["gripper_closed_position"] == 0.8  # knuckle angle: closed above open is fine


# ------------------------------------------------------------------------------------------- strings, lists


@pytest.mark.parametrize("core", [params.servo_parameters, params.motion_parameters])
def test_robot_must_be_a_known_profile(core: Any) -> None:
    with pytest.raises(ParameterError) as caught:
        core({"robot": "ur10"})
    valid = 'valid: one of "abb", "gen3", "jaco", "ur5"'
    assert str(caught.value) == f"parameter robot = 'ur10' is not allowed; {valid}"
    with pytest.raises(ParameterError, match="wrong type"):
        params.robot_profile(5)


def test_gripper_action_type_is_one_of_the_two_actions() -> None:
    assert params.motion_parameters({}).values["gripper_action_type"] == "gripper_command"
    chosen = params.motion_parameters({"gripper_action_type": "parallel_gripper_command"})
    assert chosen.values["gripper_action_type"] == "parallel_gripper_command"
    with pytest.raises(ParameterError) as caught:
        params.motion_parameters({"gripper_action_type": "GripperCommand"})
    valid = 'valid: one of "gripper_command", "parallel_gripper_command"'
    assert str(caught.value) == f"parameter gripper_action_type = 'GripperCommand' is not allowed; {valid}"


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("depth_topic", ["/camera/depth", "camera/depth_1", "~/depth"], ["", "/cam era", "/a//b", "/1cam", "/a/"]),
        ("base_frame", ["base_link", "world"], ["", "/base_link", "base link"]),
        ("object_set", ["ycb", "my objects"], ["", "  "]),
    ],
)
def test_servo_text_parameters(name: str, good: list[str], bad: list[str]) -> None:
    spec = next(s for s in params.servo_specs(UR5) if s.name == name)
    for value in good:
        assert params.servo_parameters({name: value}).values[name] == value
    for value in bad:
        assert_names(refusal(spec, value), name, value, spec.range_text)
    assert "wrong type" in refusal(spec, 5)


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("planning_group", ["manipulator"], ["", "ur manipulator"]),
        ("pose_link", ["tool0"], ["", "/tool0"]),
        ("pinch_frame", ["grasp_pinch"], ["", "pinch frame"]),
        ("base_frame", ["base_link"], ["/base_link"]),
        ("gripper_action", ["/robotiq_gripper_controller/gripper_cmd"], ["", "gripper cmd", "/gripper/"]),
        ("moveit_node_name", ["moveit_py", "_m2"], ["", "moveit-py", "2moveit", "/moveit_py"]),
    ],
)
def test_motion_text_parameters(name: str, good: list[str], bad: list[str]) -> None:
    spec = next(s for s in params.motion_specs(UR5) if s.name == name)
    for value in good:
        assert params.motion_parameters({name: value}).values[name] == value
    for value in bad:
        assert_names(refusal(spec, value), name, value, spec.range_text)


def test_files_must_exist_when_given(tmp_path: Path) -> None:
    existing = tmp_path / "file"
    existing.write_text("x")
    missing = str(tmp_path / "missing")
    assert params.servo_parameters({"model_path": str(existing)}).values["model_path"] == str(existing)
    assert params.motion_parameters({"moveit_config_file": str(existing)}).values["moveit_config_file"]
    servo_spec = next(s for s in params.servo_specs(UR5) if s.name == "model_path")
    motion_spec = next(s for s in params.motion_specs(UR5) if s.name == "moveit_config_file")
    assert_names(refusal(servo_spec, missing), "model_path", missing, "empty or an existing file")
    assert_names(refusal(motion_spec, str(tmp_path)), "moveit_config_file", str(tmp_path), "empty or an existing file")


@pytest.mark.parametrize(
    "workspace",
    [
        [0.3, 0.7, -0.25, 0.25, 0.015],  # five numbers
        [0.3, 0.7, -0.25, 0.25, 0.015, 0.35, 1.0],
        [0.7, 0.3, -0.25, 0.25, 0.015, 0.35],  # x_min above x_max
        [0.3, 0.7, 0.25, 0.25, 0.015, 0.35],  # empty y range
        [0.3, 0.7, -0.25, 0.25, 0.015, math.nan],
        [0.3, 0.7, -0.25, 0.25, -math.inf, 0.35],
        [0.3, 0.7, -0.25, 0.25, 0.015, 11.0],  # beyond 10 m
        "0.3 0.7",
    ],
)
@pytest.mark.parametrize("core", [params.servo_parameters, params.motion_parameters])
def test_bad_workspaces_are_refused(workspace: Any, core: Any) -> None:
    with pytest.raises(ParameterError) as caught:
        core({"workspace": workspace})
    assert_names(str(caught.value), "workspace", workspace, "6 floats in [-10, 10], each min below its max")


def test_workspace_items_are_typed_for_ros() -> None:
    spec = next(s for s in params.servo_specs(UR5) if s.name == "workspace")
    assert params.check_value(spec, [0, 1, 0, 1, 0, 1]) == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    with pytest.raises(ParameterError, match="a list with integers"):
        params.check_value(spec, [0, 1, 0, 1, 0, 1], strict_types=True)


def test_unknown_parameters_are_refused() -> None:
    with pytest.raises(ParameterError, match="unknown parameter cem_sample;"):
        params.servo_parameters({"cem_sample": 64})
    with pytest.raises(ParameterError, match="unknown parameter cem_samples;"):
        params.motion_parameters({"cem_samples": 64})


def test_a_rule_the_tables_miss_still_fails_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(values: Any) -> Any:
        raise ValueError("core says no")

    monkeypatch.setattr(params, "servo_config", refuse)
    with pytest.raises(ParameterError, match="parameters refused by the core: core says no"):
        params.servo_parameters({})


# --------------------------------------------------------------------------------------------- descriptors


@pytest.mark.parametrize("spec", all_specs(), ids=spec_id)
def test_descriptor_fields_are_read_only_with_the_range(spec: params.ParamSpec) -> None:
    rules = params.SERVO_RULES + params.MOTION_RULES
    fields = params.descriptor_fields(spec, rules)
    assert fields["read_only"] is True
    assert fields["description"].startswith(spec.description) and spec.range_text in fields["description"]
    if spec.kind == "integer":
        assert fields["integer_range"] == (spec.low, spec.high) and "floating_point_range" not in fields
        assert all(isinstance(v, int) for v in fields["integer_range"])
    elif spec.kind == "float":
        assert fields["floating_point_range"] == (spec.low, spec.high) and "integer_range" not in fields
        assert all(isinstance(v, float) for v in fields["floating_point_range"])
    else:  # rclpy applies ranges to INTEGER and DOUBLE parameters only; the rest is said in words
        assert "integer_range" not in fields and "floating_point_range" not in fields
        assert spec.range_text in fields["additional_constraints"]
    for rule in rules:
        if spec.name in rule.names:
            assert rule.text in fields["additional_constraints"]
    if spec.low_open:
        assert f"{spec.name} > " in fields["additional_constraints"]


def test_ros_descriptor_message() -> None:
    pytest.importorskip("rcl_interfaces", reason="ROS 2 (rcl_interfaces) is not installed")
    specs = {spec.name: spec for spec in params.servo_specs(UR5)}
    samples = params.ros_descriptor(specs["cem_samples"], params.SERVO_RULES)
    assert samples.read_only and not samples.floating_point_range
    assert (samples.integer_range[0].from_value, samples.integer_range[0].to_value) == (2, 4096)
    assert samples.integer_range[0].step == 0 and "cem_elites < cem_samples" in samples.additional_constraints
    ratio = params.ros_descriptor(specs["close_ratio"], params.SERVO_RULES)
    assert (ratio.floating_point_range[0].from_value, ratio.floating_point_range[0].to_value) == (0.0, 1.0)
    workspace = params.ros_descriptor(specs["workspace"])
    assert workspace.read_only and not workspace.integer_range and not workspace.floating_point_range


class FakeNode:
    """declare_parameter as rclpy's: overrides win, a refusal leaves nothing declared."""

    def __init__(self, overrides: dict[str, Any] | None = None, refuse: set[str] | None = None) -> None:
        self.overrides = overrides or {}
        self.refuse = refuse or set()
        self.declared: dict[str, Any] = {}

    def declare_parameter(self, name: str, value: Any, descriptor: Any) -> SimpleNamespace:
        from rclpy.exceptions import InvalidParameterValueException

        value = self.overrides.get(name, value)
        if name in self.refuse and not descriptor.dynamic_typing:
            raise InvalidParameterValueException(name, value, f"Parameter {name} out of range")
        self.declared[name] = descriptor
        return SimpleNamespace(value=value)


def test_declare_parameters_uses_the_node() -> None:
    pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed")
    node = FakeNode()
    values = params.declare_parameters(node, params.servo_specs(UR5), params.SERVO_RULES)
    assert values["robot"] == "ur5" and "model_path" in node.declared
    assert all(descriptor.read_only for descriptor in node.declared.values())


def test_a_value_rclpy_refuses_is_named_in_one_line() -> None:
    pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed")
    node = FakeNode(overrides={"seed": -1}, refuse={"seed"})
    with pytest.raises(ParameterError, match=r"^parameter seed = -1 is out of range; valid: an integer in \[0, "):
        params.declare_parameters(node, params.servo_specs(UR5))
    typed = FakeNode(overrides={"close_ratio": 1}, refuse={"close_ratio"})
    with pytest.raises(ParameterError, match=r"parameter close_ratio = 1 is an integer.*write 1\.0"):
        params.declare_parameters(typed, params.servo_specs(UR5))


# --------------------------------------------------------------------------------------------------- docs


def docs_rows() -> dict[str, list[list[str]]]:
    rows: dict[str, list[list[str]]] = {}
    for line in DOCS.read_text().splitlines():
        match = re.match(r"\| `(\w+)` \|(.*)\|$", line)
        if match:
            rows.setdefault(match.group(1), []).append([cell.strip() for cell in match.group(2).split("|")])
    return rows


def test_docs_give_every_parameters_range() -> None:
    rows = docs_rows()
    for spec in all_specs():
        assert spec.name in rows, f"docs/ros.md does not describe parameter {spec.name}"
        ranges = [row[1] for row in rows[spec.name] if len(row) >= 3]
        assert any(spec.range_text in text for text in ranges), f"docs/ros.md: {spec.name} needs {spec.range_text}"


def test_model_path_resolution(tmp_path: Path) -> None:
    model = tmp_path / "m.onnx"
    model.write_bytes(b"x")
    assert params.resolve_model_path(str(model)) == model
    with pytest.raises(FileNotFoundError):
        params.resolve_model_path(str(tmp_path / "missing.onnx"))
    shipped = params.shipped_model_path()
    if shipped is None:
        with pytest.raises(FileNotFoundError, match="model_path"):
            params.resolve_model_path("")
    else:
        assert params.resolve_model_path("") == shipped
