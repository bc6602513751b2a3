"""Parameter tables of the servo and motion nodes, and the configs they build (no rclpy)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from grasp_servo.robot_profiles import PROFILES, get_profile
from grasp_servo.ros import parameters as params
from grasp_servo.servo import ServoConfig


@pytest.mark.parametrize("robot", sorted(PROFILES))
def test_specs_are_unique_and_start_with_robot(robot: str) -> None:
    profile = get_profile(robot)
    for specs in (params.servo_specs(profile), params.motion_specs(profile)):
        names = [spec.name for spec in specs]
        assert names[0] == "robot" and len(names) == len(set(names))
        assert all(spec.description for spec in specs)
        assert all(not isinstance(spec.default, list) or spec.default for spec in specs)  # typed defaults


def test_defaults_build_the_cores_defaults() -> None:
    values = {spec.name: spec.default for spec in params.servo_specs(get_profile("ur5"))}
    assert params.servo_config(values) == ServoConfig()
    session = params.session_config(values)
    assert session.max_frame_age_ns == 200_000_000 and session.expected_shape is None
    assert params.workspace_from(values["workspace"]) == get_profile("ur5").workspace
    values.update(expected_width=64, expected_height=48)
    assert params.session_config(values).expected_shape == (48, 64)


def test_workspace_needs_six_numbers() -> None:
    with pytest.raises(ValueError):
        params.workspace_from([0.0, 1.0])


def test_declare_parameters_uses_the_node() -> None:
    declared: dict[str, object] = {}

    class FakeNode:
        def declare_parameter(self, name: str, value: object, descriptor: object) -> SimpleNamespace:
            declared[name] = descriptor
            return SimpleNamespace(value=value)

    pytest.importorskip("rcl_interfaces", reason="ROS 2 (rcl_interfaces) is not installed")
    values = params.declare_parameters(FakeNode(), params.servo_specs(get_profile("ur5")))
    assert values["robot"] == "ur5" and "model_path" in declared


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
