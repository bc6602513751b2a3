"""ROS parameters of the servo and motion nodes: names, defaults, descriptions, and their plain configs.

Each node declares every parameter it reads from a ``ParamSpec`` table (so ``ros2 param describe`` explains
it and YAML files can set it), then turns the values into the same config objects the embedded runner uses.
Only ``declare_parameters`` touches a node; everything else is plain Python.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grasp_servo.cem import CEMConfig
from grasp_servo.robot_profiles import RobotProfile
from grasp_servo.ros.servo_session import SessionConfig
from grasp_servo.ros.topics import TOPIC_DEPTH_IMAGE
from grasp_servo.servo import ServoConfig
from grasp_servo.workspace import Workspace

ParamValue = bool | int | float | str | list[float]
NS_PER_S = 1_000_000_000
SHIPPED_MODEL = ("grasp_bringup", "models", "grasp_success.onnx")


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter."""

    name: str
    default: ParamValue
    description: str


def declare_parameters(node: Any, specs: Sequence[ParamSpec]) -> dict[str, Any]:
    """Declare every spec on an rclpy node (YAML / launch overrides apply) and return the values."""
    from rcl_interfaces.msg import ParameterDescriptor

    return {
        spec.name: node.declare_parameter(
            spec.name, spec.default, ParameterDescriptor(description=spec.description)
        ).value
        for spec in specs
    }


def workspace_bounds(workspace: Workspace) -> list[float]:
    """[x_min, x_max, y_min, y_max, z_min, z_max] of a workspace."""
    w = workspace
    return [float(v) for v in (w.x_min, w.x_max, w.y_min, w.y_max, w.z_min, w.z_max)]


def workspace_from(values: Sequence[float]) -> Workspace:
    """A workspace from [x_min, x_max, y_min, y_max, z_min, z_max]."""
    if len(values) != 6:
        raise ValueError(f"workspace needs 6 numbers [x_min, x_max, y_min, y_max, z_min, z_max]: {values}")
    return Workspace(*(float(v) for v in values))


ROBOT_SPEC = ParamSpec("robot", "ur5", "robot profile: ur5, abb or jaco (joint names, frames, workspace)")


def servo_specs(profile: RobotProfile) -> list[ParamSpec]:
    """Parameters of the ``grasp_servo`` node (``robot`` is declared first, to pick the defaults)."""
    return [
        ROBOT_SPEC,
        ParamSpec("model_path", "", "ONNX scoring model; empty = the model shipped with grasp_bringup"),
        ParamSpec("scorer_threads", 1, "ONNX Runtime intra-op threads"),
        ParamSpec("cem_samples", 64, "CEM candidate motions per iteration (N)"),
        ParamSpec("cem_elites", 6, "CEM elites refitted per iteration (M)"),
        ParamSpec("cem_iterations", 3, "CEM iterations per servo step"),
        ParamSpec("close_ratio", 0.9, "close when g(I, no motion) >= close_ratio * g(I, v*)"),
        ParamSpec("raise_ratio", 0.5, "raise the gripper when g(I, no motion) <= raise_ratio * g(I, v*)"),
        ParamSpec("step_budget", 20, "servo steps after which the gripper closes anyway"),
        ParamSpec("max_step_translation", 0.06, "metres one step may move the gripper at most"),
        ParamSpec("close_height", 0.05, "close only this close (m) to the grasp height; higher, descend one step"),
        ParamSpec("max_frame_age_s", 0.2, "frames older than this (node clock - header stamp) are refused"),
        ParamSpec("max_state_offset_s", 0.05, "a frame needs a gripper state stamped within this of it"),
        ParamSpec("expected_width", 0, "required frame width in pixels; 0 accepts any"),
        ParamSpec("expected_height", 0, "required frame height in pixels; 0 accepts any"),
        ParamSpec("arrive_tolerance", 0.005, "metres: the arm has reached a goal when this close to it"),
        ParamSpec("arrive_yaw_tolerance", 0.05, "radians: yaw tolerance of reaching a goal"),
        ParamSpec("step_timeout_s", 5.0, "re-plan from the current pose when a goal is not reached in time"),
        ParamSpec("depth_topic", TOPIC_DEPTH_IMAGE, "wrist depth topic (sensor_msgs/Image, 32FC1 m or 16UC1 mm)"),
        ParamSpec("base_frame", profile.base_frame, "frame of gripper states and goal poses"),
        ParamSpec(
            "workspace",
            workspace_bounds(profile.workspace),
            "[x_min, x_max, y_min, y_max, z_min, z_max] of the pinch point in base_frame, metres",
        ),
        ParamSpec("seed", 0, "random seed; episode e uses the seed sequence [seed, e]"),
        ParamSpec("first_episode_id", 0, "id of the first episode; later ones count up (unique per bag)"),
        ParamSpec("object_set", "unknown", "what is in front of the arm, recorded in EpisodeStart"),
        ParamSpec("warn_throttle_s", 1.0, "at most one warning per this many seconds for refused frames"),
    ]


def motion_specs(profile: RobotProfile) -> list[ParamSpec]:
    """Parameters of the ``grasp_motion`` node."""
    return [
        ROBOT_SPEC,
        ParamSpec("planning_group", profile.planning_group, "MoveIt planning group of the arm"),
        ParamSpec(
            "pose_link",
            profile.tool_frame,
            "robot link whose pose the goals set (the pinch point; MoveIt plans for it)",
        ),
        ParamSpec("pinch_frame", profile.tool_frame, "TF frame of the pinch point (gripper state)"),
        ParamSpec("base_frame", profile.base_frame, "frame goals must be given in"),
        ParamSpec(
            "workspace",
            workspace_bounds(profile.workspace),
            "[x_min, x_max, y_min, y_max, z_min, z_max]: goals outside are refused",
        ),
        ParamSpec("workspace_tolerance", 0.002, "metres a goal may lie outside the workspace (rounding)"),
        ParamSpec("max_goal_age_s", 0.5, "goals older than this when their turn comes are ignored"),
        ParamSpec("state_rate_hz", 50.0, "rate of /grasp/gripper_state from TF"),
        ParamSpec("gripper_action", "/gripper_controller/gripper_cmd", "control_msgs/action/GripperCommand"),
        ParamSpec("gripper_open_position", float(profile.max_opening), "GripperCommand position to open"),
        ParamSpec("gripper_closed_position", 0.0, "GripperCommand position to close"),
        ParamSpec("max_opening", float(profile.max_opening), "finger opening (m) at gripper_open_position"),
        ParamSpec("gripper_max_effort", 0.0, "GripperCommand max_effort (see your controller's convention)"),
        ParamSpec("gripper_timeout_s", 5.0, "seconds to wait for the gripper action server"),
        ParamSpec(
            "moveit_config_file",
            "",
            "YAML mapping of moveit_py parameters given to MoveItPy as config_dict; empty = "
            "MoveItPy reads the --params-file arguments the launch passed",
        ),
        ParamSpec("moveit_node_name", "moveit_py", "name of the node MoveItPy creates"),
    ]


def servo_config(values: Mapping[str, Any]) -> ServoConfig:
    """The servo core's config from node parameters."""
    cem = CEMConfig(
        samples=int(values["cem_samples"]),
        elites=int(values["cem_elites"]),
        iterations=int(values["cem_iterations"]),
    )
    return ServoConfig(
        cem=cem,
        close_ratio=float(values["close_ratio"]),
        raise_ratio=float(values["raise_ratio"]),
        max_step_translation=float(values["max_step_translation"]),
        step_budget=int(values["step_budget"]),
        close_height=float(values["close_height"]),
    )


def session_config(values: Mapping[str, Any]) -> SessionConfig:
    """The frame checks and pacing of the servo node from node parameters."""
    width, height = int(values["expected_width"]), int(values["expected_height"])
    return SessionConfig(
        max_frame_age_ns=round(float(values["max_frame_age_s"]) * NS_PER_S),
        max_state_offset_ns=round(float(values["max_state_offset_s"]) * NS_PER_S),
        expected_shape=(height, width) if width > 0 and height > 0 else None,
        arrive_tolerance=float(values["arrive_tolerance"]),
        arrive_yaw_tolerance=float(values["arrive_yaw_tolerance"]),
        step_timeout_ns=round(float(values["step_timeout_s"]) * NS_PER_S),
        seed=int(values["seed"]),
    )


def shipped_model_path() -> Path | None:
    """The model installed with grasp_bringup, found without importing it; None when not installed."""
    spec = importlib.util.find_spec(SHIPPED_MODEL[0])
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location).joinpath(*SHIPPED_MODEL[1:])
        if candidate.is_file():
            return candidate
    return None


def resolve_model_path(value: str) -> Path:
    """``model_path`` as a file: the given one, or the shipped model when empty."""
    if value:
        path = Path(value).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"model_path {path} is not a file")
        return path
    shipped = shipped_model_path()
    if shipped is None:
        raise FileNotFoundError(
            "model_path is empty and no model is shipped with grasp_bringup "
            f"({'/'.join(SHIPPED_MODEL)}); set model_path to an ONNX scoring model"
        )
    return shipped
