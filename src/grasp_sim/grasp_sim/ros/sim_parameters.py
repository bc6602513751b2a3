"""Parameters of the ``sim_robot`` node: names, defaults, valid ranges, and the world they build (plain Python).

Declared like the servo's (``grasp_servo.ros.parameters``: read-only, with their ranges in the descriptor);
``sim_parameters`` checks them and builds the ``WorldConfig`` and the node's rates. A bad value raises
``ParameterError`` with one line naming it, its value and the valid range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grasp_servo.ros.gripper_goals import GRIPPER_ACTION_TYPES, GRIPPER_COMMAND
from grasp_servo.ros.parameters import (
    INT64_MAX,
    LABEL,
    CrossRule,
    ParameterError,
    ParamSpec,
    check_parameters,
)

from grasp_sim.arms import ROBOT_MODELS
from grasp_sim.depth_camera import CameraConfig
from grasp_sim.depth_noise import DepthNoiseConfig
from grasp_sim.world_config import DISTURBANCE_MODES, WorldConfig

#: The depth sensor the wrist camera behaves like (grasp_sim.depth_noise), by parameter value.
CAMERA_NOISE = {
    "none": lambda: None,
    "d405": DepthNoiseConfig.realsense_d405,
    "d435": DepthNoiseConfig.realsense_d435,
    "primesense": DepthNoiseConfig.primesense,
}
DEPTH_ENCODINGS = ("32FC1", "16UC1")
ROBOTS = tuple(sorted(ROBOT_MODELS))  # every simulated arm


def sim_specs() -> list[ParamSpec]:
    """Every parameter of the ``sim_robot`` node."""
    return [
        ParamSpec("robot", "ur5", "the arm the simulation models, named as its ROS stack names it: ur5, abb, "
                  "jaco or gen3 (docs/robots.md)", choices=ROBOTS),
        ParamSpec("object_set", "heldout", "objects on the table: a named set (train, heldout, shapes_*, "
                  "everyday, urdf_*, ...; docs/embedded.md) or a folder of OBJ/STL meshes", text=LABEL),
        ParamSpec("seed", 0, "seed of the first scene (built at start; later ones come from ~/reset_episode)",
                  low=0, high=INT64_MAX),
        ParamSpec("min_objects", 1, "fewest objects in a scene", low=1, high=5),
        ParamSpec("max_objects", 5, "most objects in a scene", low=1, high=5),
        ParamSpec("camera_rate_hz", 15.0, "depth frames per second of simulated time", low=0.1, high=1000.0),
        ParamSpec("camera_width", 64, "depth image width in pixels (70 degree horizontal field of view)",
                  low=16, high=472),
        ParamSpec("camera_height", 64, "depth image height in pixels (square pixels)", low=16, high=472),
        ParamSpec("camera_noise", "none", "the depth sensor the wrist camera behaves like (noise, holes)",
                  choices=tuple(CAMERA_NOISE)),
        ParamSpec("fingers_in_view", False, "the depth camera sees the fingers, as a real wrist camera does"),
        ParamSpec("depth_encoding", "32FC1", "depth image encoding: 32FC1 metres (NaN / inf holes) or 16UC1 "
                  "millimetres (0 holes)", choices=DEPTH_ENCODINGS),
        ParamSpec("joint_state_rate_hz", 100.0, "/joint_states and /tf per second of simulated time",
                  low=1.0, high=1000.0),
        ParamSpec("clock_rate_hz", 200.0, "/clock messages per second of simulated time", low=1.0, high=500.0),
        ParamSpec("real_time_factor", 1.0, "simulated seconds per wall second; 0 = as fast as possible",
                  low=0.0, high=100.0),
        ParamSpec("disturbance", "none", "objects disturbed: early (moved after the arm's disturbance_step-th "
                  "motion) or late (pushed while the fingers come down on them)", choices=DISTURBANCE_MODES),
        ParamSpec("disturbance_step", 2, "early disturbance: after this many completed arm motions",
                  low=1, high=1000),
        ParamSpec("goal_tolerance", 0.01, "rad: a trajectory succeeds when every joint is this close to its last "
                  "point", low=0.0, high=0.5, low_open=True),
        ParamSpec("path_tolerance", 0.2, "rad: a joint this far from its path aborts the trajectory (blocked)",
                  low=0.0, high=3.2, low_open=True),
        ParamSpec("goal_time_s", 1.0, "seconds after a trajectory's last point to reach goal_tolerance",
                  low=0.0, high=60.0, low_open=True),
        ParamSpec("gripper_action_type", GRIPPER_COMMAND, "the gripper action served on the profile's gripper "
                  "action: gripper_command (control_msgs/GripperCommand) or parallel_gripper_command "
                  "(control_msgs/ParallelGripperCommand, as parallel_gripper_action_controller)",
                  choices=GRIPPER_ACTION_TYPES),
    ]


SIM_RULES = (
    CrossRule(("min_objects", "max_objects"), "min_objects <= max_objects", lambda low, high: low <= high),
)


@dataclass(frozen=True)
class SimParameters:
    """The checked parameters of the sim node and what they build."""

    values: dict[str, Any]
    world: WorldConfig

    @property
    def camera_period_ns(self) -> int:
        return round(1e9 / float(self.values["camera_rate_hz"]))

    @property
    def joint_state_period_ns(self) -> int:
        return round(1e9 / float(self.values["joint_state_rate_hz"]))

    @property
    def clock_period_ns(self) -> int:
        return round(1e9 / float(self.values["clock_rate_hz"]))


def world_config(values: Mapping[str, Any]) -> WorldConfig:
    """The world of (checked) node parameters."""
    camera = CameraConfig(
        width=int(values["camera_width"]),
        height=int(values["camera_height"]),
        noise=CAMERA_NOISE[str(values["camera_noise"])](),
        fingers_in_view=bool(values["fingers_in_view"]),
    )
    return WorldConfig(
        camera=camera,
        object_set=str(values["object_set"]),
        min_objects=int(values["min_objects"]),
        max_objects=int(values["max_objects"]),
        disturbance=str(values["disturbance"]),
        disturbance_step=int(values["disturbance_step"]),
    )


def sim_parameters(values: Mapping[str, Any]) -> SimParameters:
    """Check the sim node's parameters (ranges, types, rules) and build its world config; ParameterError."""
    checked = check_parameters(sim_specs(), values, SIM_RULES)
    try:
        config = world_config(checked)
    except ValueError as error:
        raise ParameterError(f"parameters refused by the world: {error}") from None
    return SimParameters(checked, config)
