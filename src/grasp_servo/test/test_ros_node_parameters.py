"""Parameters of the real nodes: read-only, ranges in the descriptors, bad values stop the node in one line.

Runs in the docker/ros image; skipped where ROS 2 (rclpy) is missing. The plain checks behind it are tested
without ROS in test_ros_parameters.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

rclpy = pytest.importorskip("rclpy", reason="ROS 2 (rclpy) is not installed: these tests run in the docker/ros image")
pytest.importorskip("grasp_interfaces.msg", reason="grasp_interfaces is not built: source the colcon workspace")

from grasp_servo.ros.parameters import ParameterError  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402


class IdleController:
    def begin_episode(self, hints: object) -> None:
        del hints

    def decide(self, *args: Any) -> Any:
        raise AssertionError("no frame is sent in these tests")


class NoMoveIt:
    def get_planning_component(self, name: str) -> object:
        return object()


@pytest.fixture
def ros() -> Iterator[None]:
    rclpy.init()
    yield
    rclpy.try_shutdown()


def servo(**overrides: Any) -> Any:
    from grasp_servo.ros.servo_node import ServoNode

    return ServoNode(
        controller=IdleController(),
        parameter_overrides=[Parameter(name, value=value) for name, value in overrides.items()],
    )


def test_servo_parameters_are_read_only_with_their_ranges(ros: None) -> None:
    node = servo()
    try:
        results = node.set_parameters([Parameter("seed", value=5)])
        assert not results[0].successful and "read-only" in results[0].reason
        assert node.get_parameter("seed").value == 0
        samples = node.describe_parameter("cem_samples")
        bounds = (samples.integer_range[0].from_value, samples.integer_range[0].to_value)
        assert samples.read_only and bounds == (2, 4096)
        assert "cem_elites < cem_samples" in samples.additional_constraints
        ratio = node.describe_parameter("close_ratio")
        assert ratio.floating_point_range[0].to_value == 1.0 and "(0, 1]" in ratio.description
    finally:
        node.destroy_node()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"seed": -1}, "parameter seed = -1 is out of range; valid: an integer in [0, "),  # refused by rclpy
        ({"close_ratio": math.nan}, "parameter close_ratio = nan is out of range"),
        ({"close_ratio": 1}, "parameter close_ratio = 1 is an integer"),  # ROS 2 parameters are typed
        ({"step_budget": -3}, "parameter step_budget = -3 is out of range"),
        ({"cem_elites": 64, "cem_samples": 64}, "break the rule: cem_elites < cem_samples"),  # the core's rule
        ({"robot": "ur10"}, "parameter robot = 'ur10' is not allowed"),
    ],
)
def test_bad_servo_parameters_stop_the_node_in_one_line(ros: None, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError) as caught:
        servo(**overrides)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_distance_model_gets_the_cem_sizes(ros: None) -> None:
    """cem_* reach seed 001's servo too (they were once ignored for distance models); its neighbourhood stays."""
    from grasp_servo.ros.servo_node import ServoNode

    model = Path(__file__).resolve().parents[2] / "grasp_bringup/grasp_bringup/models/grasp_distance.onnx"
    overrides = {"model_path": str(model), "frame_source": "camera", "cem_samples": 32, "cem_elites": 4,
                 "cem_iterations": 2}
    node = ServoNode(parameter_overrides=[Parameter(name, value=value) for name, value in overrides.items()])
    try:
        cem = node.session.controller.servo.config.cem
        assert (cem.samples, cem.elites, cem.iterations) == (32, 4, 2) and cem.initial_std_xy == 0.03
    finally:
        node.destroy_node()


def test_finger_clearance_is_on_for_the_cem_servo_on_either_frame_source(ros: None) -> None:
    from grasp_servo.ros.servo_node import ServoNode

    models = Path(__file__).resolve().parents[2] / "grasp_bringup/grasp_bringup/models"

    def controller_with(**overrides: Any) -> Any:
        node = ServoNode(parameter_overrides=[Parameter(name, value=value) for name, value in overrides.items()])
        try:
            return node.session.controller
        finally:
            node.destroy_node()

    for model, source in (("grasp_success.onnx", "camera"), ("grasp_success.onnx", "perception"),
                          ("grasp_distance.onnx", "camera")):
        controller = controller_with(model_path=str(models / model), frame_source=source)
        assert controller.clearance.footprint.opening == pytest.approx(0.085)  # the UR5's 2F-85
    assert controller_with(finger_clearance="off").clearance is None
    q_value = str(models / "q_value.onnx")
    assert controller_with(model_path=q_value, frame_source="camera").clearance is not None  # auto: on for Q too
    assert controller_with(model_path=q_value, frame_source="camera", finger_clearance="off").clearance is None
    assert controller_with().clearance.max_contact_angle_deg == 25.0
    assert controller_with(max_contact_angle_deg=0.0).clearance.max_contact_angle_deg == 0.0
    assert controller_with(robot="jaco").clearance.footprint.opening == pytest.approx(0.175)
    threshold = controller_with(model_path=str(models / "pregrasp_motion.onnx"), frame_source="camera")
    assert not hasattr(threshold, "clearance")  # the threshold servo follows one motion


def test_bad_motion_parameters_stop_the_node(ros: None) -> None:
    from grasp_servo.ros.motion_node import MotionNode

    same = [Parameter("gripper_open_position", value=0.0), Parameter("gripper_closed_position", value=0.0)]
    with pytest.raises(ParameterError, match="gripper_open_position != gripper_closed_position"):
        MotionNode(moveit=NoMoveIt(), parameter_overrides=same)
    with pytest.raises(ParameterError, match=r"parameter state_rate_hz = 0\.0 is out of range"):
        MotionNode(moveit=NoMoveIt(), parameter_overrides=[Parameter("state_rate_hz", value=0.0)])


def test_servo_main_exits_with_one_fatal_line() -> None:
    from grasp_servo.ros.servo_node import main

    with pytest.raises(SystemExit) as caught:
        main(["--ros-args", "-p", "cem_samples:=1"])
    assert caught.value.code == 1


def test_collector_main_exits_on_a_bad_parameter_and_an_existing_bag(tmp_path: Path) -> None:
    from grasp_datacollect.ros.collector_node import main

    with pytest.raises(SystemExit) as caught:
        main(["--ros-args", "-p", "frame_buffer:=0"])
    assert caught.value.code == 1
    (tmp_path / "bag").mkdir()
    with pytest.raises(SystemExit) as caught:
        main(["--ros-args", "-p", f"bag_path:={tmp_path / 'bag'}"])
    assert caught.value.code == 1
