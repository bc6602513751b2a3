"""The sim node's plain parts (no ROS): parameters, rates in simulated time, pacing, depth encoding."""

from __future__ import annotations

import numpy as np
import pytest
from grasp_servo.ros.parameters import ParameterError
from grasp_sim.ros.sim_loop import MAX_LAG_S, Pacer, Periodic, encode_depth
from grasp_sim.ros.sim_parameters import sim_parameters, sim_specs

MS = 1_000_000


def test_the_defaults_build_the_ur5_world_with_a_64_px_camera_at_15_hz():
    params = sim_parameters({})
    assert params.values["robot"] == "ur5" and params.values["real_time_factor"] == 1.0
    assert params.world.camera.width == params.world.camera.height == 64 and params.world.camera.noise is None
    assert params.camera_period_ns == round(1e9 / 15) and params.joint_state_period_ns == 10 * MS
    assert params.clock_period_ns == 5 * MS
    noisy = sim_parameters({"camera_noise": "d405", "disturbance": "late", "object_set": "everyday"})
    assert noisy.world.camera.noise.name == "realsense_d405" and noisy.world.disturbance == "late"
    assert noisy.world.object_set == "everyday"
    assert params.values["gripper_action_type"] == "gripper_command"
    assert sim_parameters({"gripper_action_type": "parallel_gripper_command"}).values["gripper_action_type"] == (
        "parallel_gripper_command"
    )
    assert all(spec.description for spec in sim_specs())


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"robot": "kuka"}, "parameter robot = 'kuka' is not allowed"),
        ({"camera_noise": "kinect"}, "camera_noise"),
        ({"depth_encoding": "mono8"}, "depth_encoding"),
        ({"gripper_action_type": "GripperCommand"}, 'gripper_action_type .* one of "gripper_command", '
         '"parallel_gripper_command"'),
        ({"real_time_factor": -1.0}, "real_time_factor"),
        ({"camera_rate_hz": 0.0}, "camera_rate_hz"),
        ({"min_objects": 4, "max_objects": 2}, "min_objects <= max_objects"),
        ({"camera_width": 8}, "camera_width"),
        ({"no_such": 1}, "unknown parameter no_such"),
    ],
)
def test_a_bad_parameter_is_one_line_naming_it(values, words):
    with pytest.raises(ParameterError, match=words):
        sim_parameters(values)


def test_periodic_keeps_its_average_rate_when_steps_do_not_divide_the_period_and_restarts_after_a_jump():
    clock = Periodic(5 * MS)
    fired = [t for t in range(0, 100 * MS, 2 * MS) if clock.due(t)]
    assert len(fired) == 20 and fired[0] == 0  # every 5 ms on average, on a 2 ms step
    assert clock.due(500 * MS) and not clock.due(502 * MS) and clock.due(506 * MS)  # a reset's jump
    clock.trigger()
    assert clock.due(507 * MS)


def test_the_pacer_keeps_sim_time_at_the_factor_and_reanchors_after_jumps_and_lag():
    pacer = Pacer(2.0)
    assert pacer.delay(0, 10.0) == 0.0  # anchors
    assert pacer.delay(20 * MS, 10.0) == pytest.approx(0.01)  # 20 ms of sim at 2x: 10 ms of wall
    assert pacer.delay(40 * MS, 10.05) == 0.0  # behind, within the lag allowed: no sleep, catch up
    assert pacer.delay(60 * MS, 10.05 + MAX_LAG_S + 0.1) == 0.0  # too far behind: re-anchored
    assert pacer.delay(80 * MS, 10.05 + MAX_LAG_S + 0.1) == pytest.approx(0.01)
    assert pacer.delay(1_000 * MS, 10.5) == 0.0  # sim time jumped (a reset): re-anchored, no long sleep
    assert Pacer(0.0).delay(10 * MS, 0.0) == 0.0


def test_depth_encodings_follow_rep_118():
    depth = np.array([[0.5, np.nan], [np.inf, -np.inf]], dtype=np.float32)
    data, step = encode_depth(depth, "32FC1")
    assert step == 8
    decoded = np.frombuffer(data, "<f4").reshape(2, 2)
    assert decoded[0, 0] == 0.5 and np.isnan(decoded[0, 1]) and decoded[1, 0] == np.inf and decoded[1, 1] == -np.inf
    data, step = encode_depth(np.array([[0.5004, np.nan], [70.0, 0.0]], dtype=np.float32), "16UC1")
    assert step == 4 and np.frombuffer(data, "<u2").tolist() == [500, 0, 0, 0]
    with pytest.raises(ValueError, match="unknown depth encoding"):
        encode_depth(depth, "mono8")
