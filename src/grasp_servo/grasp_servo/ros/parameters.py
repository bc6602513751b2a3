"""ROS parameters of the servo and motion nodes: names, defaults, valid ranges, and their plain configs.

Each node declares every parameter it reads from a ``ParamSpec`` table, read-only and with its valid range in
the ``ParameterDescriptor`` (so ``ros2 param describe`` explains it, YAML files can set it, and ``ros2 param
set`` is refused instead of silently doing nothing: the values are read once, at start). The plain-Python
core (``check_value``, ``check_parameters``, ``servo_parameters``, ``motion_parameters``) checks every range,
type and cross-field rule and builds the same config objects the embedded runner uses; a bad value raises
``ParameterError`` with one line naming the parameter, its value and the valid range, which the nodes log
as a fatal error before they exit. Only ``declare_parameters`` and ``ros_descriptor`` touch ROS.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grasp_perception.ros.parameters import SHIPPED_MODEL, shipped_model_path

from grasp_servo.cem import CEMConfig
from grasp_servo.finger_clearance import CLEARANCE_CHOICES
from grasp_servo.robot_profiles import PROFILES, RobotProfile, get_profile
from grasp_servo.ros.gripper_goals import GRIPPER_ACTION_TYPES, GRIPPER_COMMAND
from grasp_servo.ros.post_grasp import LabelConfig
from grasp_servo.ros.servo_session import SessionConfig
from grasp_servo.ros.topics import TOPIC_DEPTH_IMAGE, TOPIC_ENCODED_FRAME
from grasp_servo.servo import ServoConfig
from grasp_servo.workspace import Workspace

ParamValue = bool | int | float | str | list[float]
NS_PER_S = 1_000_000_000
INT64_MAX = 2**63 - 1
UINT32_MAX = 2**32 - 1


class ParameterError(ValueError):
    """A node parameter the node cannot run with; the message is one line naming it, its value and the range."""


@dataclass(frozen=True)
class TextRule:
    """Which strings a text parameter accepts, and how to say so."""

    text: str
    accepts: Callable[[str], bool]


def _full_match(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


ROS_NAME = TextRule(
    "a ROS name: tokens of letters, digits and _ (no leading digit) joined by /",
    _full_match(r"(~/|/)?[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*"),
)
FRAME_ID = TextRule("a frame id: not empty, no spaces, no leading /", _full_match(r"[^/\s]\S*"))
NODE_NAME_TEXT = TextRule(
    "a node name: letters, digits and _ (no leading digit)", _full_match(r"[A-Za-z_][A-Za-z0-9_]*")
)
TOKEN = TextRule("not empty, no spaces", _full_match(r"\S+"))
LABEL = TextRule("not empty", lambda value: bool(value.strip()))
FILE_OR_EMPTY = TextRule("empty or an existing file", lambda value: not value or Path(value).expanduser().is_file())


KIND_WORDS = {
    "bool": "true or false", "integer": "an integer", "float": "a float", "string": "a string",
    "float list": "a list of floats",
}


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter and its valid values.

    Numbers (and the items of a float list) lie in [low, high]; ``low_open`` / ``high_open`` exclude that
    bound. Strings are one of ``choices`` or match ``text``. A float list has exactly ``length`` items and,
    with ``ordered_pairs``, each (min, max) pair increasing. Every spec's default is itself valid.
    """

    name: str
    default: ParamValue
    description: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] | None = None
    text: TextRule | None = None
    length: int | None = None
    ordered_pairs: bool = False

    def __post_init__(self) -> None:
        kind = self.kind
        if kind in ("integer", "float", "float list") and (self.low is None or self.high is None):
            raise TypeError(f"parameter spec {self.name}: a {kind} needs low and high")
        if kind == "string" and (self.choices is None) == (self.text is None):
            raise TypeError(f"parameter spec {self.name}: a string needs exactly one of choices and text")
        if kind == "float list" and self.length is None:
            raise TypeError(f"parameter spec {self.name}: a float list needs its length")
        check_value(self, self.default, strict_types=True)  # a default outside its own range is a bug here

    @property
    def kind(self) -> str:
        """bool, integer, float, string or float list: the ROS 2 type, inferred from the default."""
        default = self.default
        if isinstance(default, bool):
            return "bool"
        if isinstance(default, int):
            return "integer"
        if isinstance(default, float):
            return "float"
        if isinstance(default, str):
            return "string"
        if isinstance(default, list) and default and all(isinstance(v, float) for v in default):
            return "float list"
        raise TypeError(f"parameter spec {self.name}: unsupported default {default!r}")

    def interval(self) -> str:
        """The numeric range as an interval, e.g. ``(0, 1]``."""
        assert self.low is not None and self.high is not None
        opening, closing = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"{opening}{_number(self.low)}, {_number(self.high)}{closing}"

    @property
    def range_text(self) -> str:
        """The valid values in words, e.g. ``an integer in [2, 4096]``."""
        kind = self.kind
        if kind == "bool":
            return "true or false"
        if kind == "integer":
            return f"an integer in {self.interval()}"
        if kind == "float":
            return f"a float in {self.interval()}"
        if kind == "string":
            if self.choices is not None:
                return "one of " + ", ".join(f'"{choice}"' for choice in self.choices)
            assert self.text is not None
            return self.text.text
        pairs = ", each min below its max" if self.ordered_pairs else ""
        return f"{self.length} floats in {self.interval()}{pairs}"


@dataclass(frozen=True)
class CrossRule:
    """A rule between parameters, e.g. cem_elites < cem_samples."""

    names: tuple[str, ...]
    text: str
    holds: Callable[..., bool]  # called with the checked values of ``names``, in order

    def check(self, values: Mapping[str, Any]) -> None:
        if not self.holds(*(values[name] for name in self.names)):
            shown = ", ".join(f"{name} = {values[name]!r}" for name in self.names)
            raise ParameterError(f"parameters {shown} break the rule: {self.text}")


def check_value(spec: ParamSpec, value: Any, *, strict_types: bool = False) -> Any:
    """The value of one parameter, typed like its default; ParameterError when outside its valid range.

    ``strict_types`` refuses an integer for a float, as ROS 2 does (its parameters are typed); plain Python
    callers may pass either.
    """
    kind = spec.kind
    wrong_type = f"of the wrong type (not {KIND_WORDS[kind]})"

    def refused(why: str = "out of range", hint: str = "") -> ParameterError:
        return ParameterError(f"parameter {spec.name} = {value!r} is {why}; valid: {spec.range_text}{hint}")

    def number(item: Any, what: str = "an integer") -> float:
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise refused(wrong_type)
        if isinstance(item, numbers.Integral) and strict_types:
            raise refused(what, " (ROS 2 parameters are typed: write 1.0, not 1)")
        return float(item)

    def in_range(item: float) -> bool:
        assert spec.low is not None and spec.high is not None
        above = item > spec.low if spec.low_open else item >= spec.low
        below = item < spec.high if spec.high_open else item <= spec.high
        return math.isfinite(item) and above and below

    if kind == "bool":
        if not isinstance(value, bool):
            raise refused(wrong_type)
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise refused(wrong_type)
        if not in_range(int(value)):
            raise refused()
        return int(value)
    if kind == "float":
        checked = number(value)
        if not in_range(checked):
            raise refused()
        return checked
    if kind == "string":
        if not isinstance(value, str):
            raise refused(wrong_type)
        if spec.choices is not None and value not in spec.choices:
            raise refused("not allowed")
        if spec.text is not None and not spec.text.accepts(value):
            raise refused("not allowed")
        return value
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise refused(wrong_type)
    items = [number(item, "a list with integers") for item in value]
    if len(items) != spec.length:
        raise refused(f"{len(items)} numbers long")
    if not all(in_range(item) for item in items):
        raise refused()
    if spec.ordered_pairs and not all(low < high for low, high in zip(items[::2], items[1::2], strict=False)):
        raise refused("not ordered")
    return items


def check_parameters(
    specs: Sequence[ParamSpec], values: Mapping[str, Any], rules: Sequence[CrossRule] = ()
) -> dict[str, Any]:
    """Every spec's value checked and typed (a missing one takes its default), then the cross-field rules.

    Raises ParameterError, one line naming the parameter, its value and the valid range, for the first
    value outside its range, of the wrong type, unknown, or breaking a rule.
    """
    known = {spec.name for spec in specs}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(f"unknown parameter {unknown[0]}; known: {', '.join(sorted(known))}")
    checked = {spec.name: check_value(spec, values.get(spec.name, spec.default)) for spec in specs}
    for rule in rules:
        rule.check(checked)
    return checked


def descriptor_fields(spec: ParamSpec, rules: Sequence[CrossRule] = ()) -> dict[str, Any]:
    """The ``ParameterDescriptor`` fields of a spec as plain values (``ros_descriptor`` makes the message).

    Always read-only. Integer and float ranges go into ``integer_range`` / ``floating_point_range`` (rclpy
    applies them to INTEGER / DOUBLE parameters only); what a range cannot say (an excluded bound, allowed
    strings, list rules, cross-field rules) goes into ``additional_constraints``. The description ends with
    the valid range.
    """
    kind = spec.kind
    constraints: list[str] = []
    fields: dict[str, Any] = {"description": f"{spec.description} (valid: {spec.range_text})", "read_only": True}
    if kind == "integer":
        fields["integer_range"] = (int(spec.low or 0), int(spec.high or 0))
    elif kind == "float":
        fields["floating_point_range"] = (float(spec.low or 0.0), float(spec.high or 0.0))
        if spec.low_open:
            constraints.append(f"{spec.name} > {_number(spec.low or 0.0)}")
        if spec.high_open:
            constraints.append(f"{spec.name} < {_number(spec.high or 0.0)}")
    elif kind in ("string", "float list", "bool"):
        constraints.append(spec.range_text)
    constraints.extend(rule.text for rule in rules if spec.name in rule.names)
    fields["additional_constraints"] = "; ".join(constraints)
    return fields


def ros_descriptor(spec: ParamSpec, rules: Sequence[CrossRule] = ()) -> Any:
    """The rcl_interfaces ``ParameterDescriptor`` of a spec: read-only, with its range (needs ROS 2)."""
    from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor

    fields = descriptor_fields(spec, rules)
    descriptor = ParameterDescriptor(
        description=fields["description"],
        additional_constraints=fields["additional_constraints"],
        read_only=fields["read_only"],
    )
    if "integer_range" in fields:
        low, high = fields["integer_range"]
        descriptor.integer_range = [IntegerRange(from_value=low, to_value=high, step=0)]
    if "floating_point_range" in fields:
        low, high = fields["floating_point_range"]
        descriptor.floating_point_range = [FloatingPointRange(from_value=low, to_value=high, step=0.0)]
    return descriptor


def declare_parameters(node: Any, specs: Sequence[ParamSpec], rules: Sequence[CrossRule] = ()) -> dict[str, Any]:
    """Declare every spec on an rclpy node, read-only with its range (YAML / launch overrides apply).

    Returns the values as given; check them with the node's core function (``servo_parameters`` ...). A value
    rclpy itself refuses (outside the descriptor's range, or of another type than the default) raises
    ParameterError naming it.
    """
    from rclpy.exceptions import InvalidParameterTypeException, InvalidParameterValueException

    values: dict[str, Any] = {}
    for spec in specs:
        try:
            values[spec.name] = node.declare_parameter(spec.name, spec.default, ros_descriptor(spec, rules)).value
        except (InvalidParameterTypeException, InvalidParameterValueException) as refusal:
            raise _refused_by_rclpy(node, spec, refusal) from None
    return values


def declare_node_parameters(
    node: Any,
    specs_for: Callable[[RobotProfile], Sequence[ParamSpec]],
    rules: Sequence[CrossRule],
    check: Callable[[Mapping[str, Any]], Any],
) -> Any:
    """Declare a robot node's parameters and check them: ``robot`` first (it picks the other defaults), then
    the rest of ``specs_for(profile)``; returns ``check(values)`` (ParameterError, fatal in main, if bad)."""
    robot = declare_parameters(node, [ROBOT_SPEC])["robot"]  # read-only: read once, here
    raw = declare_parameters(node, specs_for(robot_profile(robot))[1:], rules)
    raw["robot"] = robot
    return check(raw)


def _refused_by_rclpy(node: Any, spec: ParamSpec, refusal: Exception) -> ParameterError:
    """The one-line error for a value rclpy refused: it is read again without checks to name it."""
    from rcl_interfaces.msg import ParameterDescriptor

    try:  # a refused declaration leaves nothing declared, so the name is free
        value = node.declare_parameter(
            spec.name, spec.default, ParameterDescriptor(dynamic_typing=True, read_only=True)
        ).value
        check_value(spec, value, strict_types=True)
    except ParameterError as error:
        return error
    except Exception:  # anything else: fall back to rclpy's own words
        pass
    return ParameterError(f"parameter {spec.name}: {' '.join(str(refusal).split())}")


@contextmanager
def _core_refusal() -> Iterator[None]:
    """A config constructor's ValueError (a rule the tables missed) as a ParameterError."""
    try:
        yield
    except ParameterError:
        raise
    except ValueError as error:
        raise ParameterError(f"parameters refused by the core: {error}") from None


def workspace_bounds(workspace: Workspace) -> list[float]:
    """[x_min, x_max, y_min, y_max, z_min, z_max] of a workspace."""
    w = workspace
    return [float(v) for v in (w.x_min, w.x_max, w.y_min, w.y_max, w.z_min, w.z_max)]


def workspace_from(values: Sequence[float]) -> Workspace:
    """A workspace from [x_min, x_max, y_min, y_max, z_min, z_max]."""
    if len(values) != 6:
        raise ValueError(f"workspace needs 6 numbers [x_min, x_max, y_min, y_max, z_min, z_max]: {values}")
    return Workspace(*(float(v) for v in values))


ROBOT_SPEC = ParamSpec(
    "robot", "ur5", "robot profile: ur5, abb, jaco or gen3 (joint names, frames, controllers, gripper, workspace)",
    choices=tuple(sorted(PROFILES)),
)


def workspace_spec(profile: RobotProfile, description: str) -> ParamSpec:
    """The workspace box of a node: 6 numbers in metres, each min below its max."""
    return ParamSpec(
        "workspace", workspace_bounds(profile.workspace), description,
        low=-10.0, high=10.0, length=6, ordered_pairs=True,
    )


def seconds(name: str, default: float, description: str, low: float, high: float) -> ParamSpec:
    return ParamSpec(name, default, description, low=low, high=high)


def servo_specs(profile: RobotProfile) -> list[ParamSpec]:
    """Parameters of the ``grasp_servo`` node (``robot`` is declared first, to pick the defaults)."""
    return [
        ROBOT_SPEC,
        ParamSpec("model_path", "", "ONNX scoring model; empty = the model shipped with grasp_bringup",
                  text=FILE_OR_EMPTY),
        ParamSpec("scorer_threads", 1, "ONNX Runtime intra-op threads (0 = ONNX Runtime's default)",
                  low=0, high=256),
        ParamSpec("cem_samples", 64, "CEM candidate motions per iteration (N)", low=2, high=4096),
        ParamSpec("cem_elites", 6, "CEM elites refitted per iteration (M)", low=1, high=4095),
        ParamSpec("cem_iterations", 3, "CEM iterations per servo step", low=1, high=100),
        ParamSpec("close_ratio", 0.9, "close when g(I, no motion) >= close_ratio * g(I, v*)",
                  low=0.0, high=1.0, low_open=True),
        ParamSpec("raise_ratio", 0.5, "raise the gripper when g(I, no motion) <= raise_ratio * g(I, v*)",
                  low=0.0, high=1.0, low_open=True, high_open=True),
        ParamSpec("step_budget", 20, "servo steps after which the gripper closes anyway", low=1, high=1000),
        ParamSpec("grasp_attempts", 1, "grasp attempts per Grasp goal within its step budget: after a label of not "
                  "held with steps left, the gripper opens and the servo goes on as the next episode (a regrasp)",
                  low=1, high=100),
        ParamSpec("max_step_translation", 0.06, "metres one step may move the gripper at most",
                  low=0.0, high=0.5, low_open=True),
        ParamSpec("close_height", 0.05, "close only this close (m) to the grasp height; higher, descend one step",
                  low=0.0, high=0.5),
        seconds("max_frame_age_s", 0.2, "frames older than this (node clock - header stamp) are refused",
                0.001, 60.0),
        seconds("max_state_offset_s", 0.05, "a frame needs a gripper state stamped within this of it", 0.001, 10.0),
        ParamSpec("expected_width", 0, "required frame width in pixels; 0 accepts any", low=0, high=16384),
        ParamSpec("expected_height", 0, "required frame height in pixels; 0 accepts any", low=0, high=16384),
        ParamSpec("arrive_tolerance", 0.005, "metres: the arm has reached a goal when this close to it",
                  low=0.0, high=0.1, low_open=True),
        ParamSpec("arrive_yaw_tolerance", 0.05, "radians: yaw tolerance of reaching a goal",
                  low=0.0, high=3.14, low_open=True),
        seconds("step_timeout_s", 5.0, "re-plan from the current pose when a goal is not reached in time",
                0.01, 600.0),
        ParamSpec("depth_topic", TOPIC_DEPTH_IMAGE, "wrist depth topic (sensor_msgs/Image, 32FC1 m or 16UC1 mm)",
                  text=ROS_NAME),
        ParamSpec("base_frame", profile.base_frame, "frame of gripper states and goal poses", text=FRAME_ID),
        workspace_spec(profile, "[x_min, x_max, y_min, y_max, z_min, z_max] of the pinch point in base_frame, metres"),
        ParamSpec("seed", 0, "random seed; episode e uses the seed sequence [seed, e]", low=0, high=INT64_MAX),
        ParamSpec("first_episode_id", 0, "id of the first episode; later ones count up (unique per bag)",
                  low=0, high=UINT32_MAX),
        ParamSpec("object_set", "unknown", "what is in front of the arm, recorded in EpisodeStart", text=LABEL),
        seconds("warn_throttle_s", 1.0, "at most one warning per this many seconds for refused frames", 0.0, 3600.0),
        ParamSpec("controller", "auto", "the servo: cem (scoring models: success, Q-function, distance with seed "
                  "001's step rule) or threshold (regression models: pregrasp motion, GG-CNN; frame_source camera); "
                  "auto: the one the model's contract names; a servo that cannot use the model is refused",
                  choices=SERVO_CHOICES),
        ParamSpec("approach_steps", 25, "distance models (seed 001): frames of the descent to 0.15 m camera height",
                  low=1, high=1000),
        ParamSpec("threshold_mm", 0.5, "threshold servo: translation (mm) under which the taught grasp motion runs",
                  low=0.01, high=100.0),
        ParamSpec("threshold_deg", 0.5, "threshold servo: rotation (deg) under which the taught grasp motion runs",
                  low=0.01, high=90.0),
        ParamSpec("descent_steps", 1, "threshold servo: frames the taught grasp motion is cut into; 1 runs it blind "
                  "(seed 003); more follow a grasp-map model down and go back up when its target jumps",
                  low=1, high=1000),
        ParamSpec("track_peaks", 1, "threshold servo: 1 follows the model's best grasp on every frame; K > 1 "
                  "follows, of its K best, the one nearest the grasp followed on the frame before (GG-CNN: 3)",
                  low=1, high=64),
        ParamSpec("finger_clearance", "auto", "CEM servo: a motion whose end pose would set a finger down on a "
                  "surface the depth frame shows, or close a pad on a face too steep to hold, scores worst; auto: on "
                  "for the success, distance and Q-function models (chosen on validation objects); off: "
                  "seed 004's / 001's servo as published; the threshold servo does not use it",
                  choices=CLEARANCE_CHOICES),
        ParamSpec("max_contact_angle_deg", 25.0, "with finger_clearance: do not close where a pad would meet a face "
                  "turned more than this from square (it would squeeze the object out); 0 = off", low=0.0, high=89.0),
        ParamSpec("frame_source", "camera", "camera: score raw depth frames from depth_topic with the whole model "
                  "in this node; perception: score EncodedFrames from grasp_perception with the model's head",
                  choices=FRAME_SOURCES),
        ParamSpec("encoded_topic", TOPIC_ENCODED_FRAME, "EncodedFrame topic of grasp_perception (frame_source "
                  "perception)", text=ROS_NAME),
        seconds("frame_timeout_s", 3.0, "wall seconds without a usable frame (servoing) or a gripper state "
                "(closing, lifting, shaking) after which a Grasp goal is aborted (the arm is not moved)", 0.05, 3600.0),
        ParamSpec("lift_distance", 0.15, "metres the gripper is lifted after closing (the lift test)",
                  low=0.0, high=0.5),
        ParamSpec("shake_amplitude", 0.015, "metres of the shake after the lift, up-down then sideways",
                  low=0.0, high=0.1),
        ParamSpec("shake_cycles", 2, "shake cycles per axis; 0 = no shake", low=0, high=20),
        seconds("hold_time_s", 0.3, "seconds held still before the opening is read", 0.001, 60.0),
        ParamSpec("held_opening_threshold", 0.001, "labelled a success when the finger opening after the lift "
                  "and shake exceeds this (m): an object keeps the fingers apart", low=0.0, high=0.2, low_open=True),
        seconds("close_timeout_s", 5.0, "seconds the gripper has to report closed after the CLOSE", 0.01, 600.0),
    ]


FRAME_SOURCES = ("camera", "perception")
SERVO_CHOICES = ("auto", "cem", "threshold")
IK_BACKENDS = ("builtin", "moveit")

SERVO_RULES = (
    CrossRule(("cem_elites", "cem_samples"), "cem_elites < cem_samples (CEM refits the best M of N candidates)",
              lambda elites, samples: elites < samples),
    CrossRule(("raise_ratio", "close_ratio"), "raise_ratio < close_ratio", lambda low, high: low < high),
    CrossRule(("expected_width", "expected_height"),
              "expected_width and expected_height both 0 (any frame size) or both > 0",
              lambda width, height: (width == 0) == (height == 0)),
)


def motion_specs(profile: RobotProfile) -> list[ParamSpec]:
    """Parameters of the ``grasp_motion`` node."""
    return [
        ROBOT_SPEC,
        ParamSpec("planning_group", profile.planning_group, "MoveIt planning group of the arm", text=TOKEN),
        ParamSpec(
            "pose_link",
            profile.pinch_frame,
            "robot link whose pose the goals set (the pinch point; MoveIt plans for it)",
            text=FRAME_ID,
        ),
        ParamSpec("pinch_frame", profile.pinch_frame, "TF frame of the pinch point (gripper state)", text=FRAME_ID),
        ParamSpec("base_frame", profile.base_frame, "frame goals must be given in", text=FRAME_ID),
        workspace_spec(profile, "[x_min, x_max, y_min, y_max, z_min, z_max]: goals outside are refused"),
        ParamSpec("workspace_tolerance", 0.002, "metres a goal may lie outside the workspace (rounding)",
                  low=0.0, high=0.05),
        seconds("max_goal_age_s", 0.5, "goals older than this when their turn comes are ignored", 0.001, 60.0),
        ParamSpec("state_rate_hz", 50.0, "rate of /grasp/gripper_state from TF", low=0.1, high=1000.0),
        ParamSpec("ik_backend", "builtin", "builtin: mink IK on the arm's model, trajectories to the arm's "
                  "FollowJointTrajectory controller (no MoveIt); moveit: plan and execute with moveit_py",
                  choices=IK_BACKENDS),
        ParamSpec("trajectory_action", profile.trajectory_action,
                  "control_msgs/action/FollowJointTrajectory of the arm (ik_backend builtin)", text=ROS_NAME),
        ParamSpec("linear_speed", 0.3, "m/s of the pinch point on straight-line moves (ik_backend builtin)",
                  low=0.0, high=2.0, low_open=True),
        ParamSpec("angular_speed", 2.0, "rad/s of yaw on moves (ik_backend builtin)", low=0.0, high=10.0,
                  low_open=True),
        ParamSpec("max_joint_speed", min(1.5, profile.max_joint_speed), "rad/s no joint exceeds on planned moves "
                  f"(ik_backend builtin; {profile.name} limit {profile.max_joint_speed:g})", low=0.0, high=10.0,
                  low_open=True),
        seconds("trajectory_timeout_s", 10.0, "seconds a trajectory may take beyond its planned duration", 0.1, 600.0),
        ParamSpec("gripper_action", profile.gripper.action,
                  f"control_msgs action of the gripper ({profile.gripper.model}; its type: gripper_action_type)",
                  text=ROS_NAME),
        ParamSpec("gripper_action_type", GRIPPER_COMMAND, "action type of gripper_action: gripper_command "
                  "(control_msgs/GripperCommand, position_controllers/GripperActionController) or "
                  "parallel_gripper_command (control_msgs/ParallelGripperCommand, "
                  "parallel_gripper_action_controller/GripperActionController)", choices=GRIPPER_ACTION_TYPES),
        ParamSpec("gripper_joint", profile.gripper.joint, "joint in /joint_states whose position "
                  "gives the finger opening (between the open and closed positions)", text=TOKEN),
        ParamSpec("gripper_open_position", profile.gripper.open_position,
                  f"GripperCommand position to open ({profile.gripper.units})", low=-10000.0, high=10000.0),
        ParamSpec("gripper_closed_position", profile.gripper.closed_position,
                  f"GripperCommand position to close ({profile.gripper.units})", low=-10000.0, high=10000.0),
        ParamSpec("max_opening", float(profile.max_opening), "finger opening (m) at gripper_open_position",
                  low=0.0, high=0.5, low_open=True),
        ParamSpec("gripper_max_effort", 0.0, "GripperCommand max_effort (see your controller's convention)",
                  low=0.0, high=10000.0),
        seconds("gripper_timeout_s", 5.0, "seconds to wait for the gripper action server", 0.01, 300.0),
        ParamSpec(
            "moveit_config_file",
            "",
            "YAML mapping of moveit_py parameters given to MoveItPy as config_dict; empty = "
            "MoveItPy reads the --params-file arguments the launch passed",
            text=FILE_OR_EMPTY,
        ),
        ParamSpec("moveit_node_name", "moveit_py", "name of the node MoveItPy creates", text=NODE_NAME_TEXT),
    ]


MOTION_RULES = (
    CrossRule(("gripper_open_position", "gripper_closed_position"),
              "gripper_open_position != gripper_closed_position (the opening is read between them)",
              lambda opened, closed: opened != closed),
)


def robot_profile(robot: Any) -> RobotProfile:
    """The profile the ``robot`` parameter names; ParameterError for any other value."""
    return get_profile(check_value(ROBOT_SPEC, robot))


def servo_config(values: Mapping[str, Any]) -> ServoConfig:
    """The servo core's config from (checked) node parameters."""
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


def label_config(values: Mapping[str, Any]) -> LabelConfig:
    """The lift test of the automatic label from (checked) node parameters."""
    return LabelConfig(
        lift_distance=float(values["lift_distance"]),
        shake_amplitude=float(values["shake_amplitude"]),
        shake_cycles=int(values["shake_cycles"]),
        hold_time_s=float(values["hold_time_s"]),
        held_opening_threshold=float(values["held_opening_threshold"]),
        close_timeout_s=float(values["close_timeout_s"]),
        goal_timeout_s=float(values["step_timeout_s"]),
        arrive_tolerance=float(values["arrive_tolerance"]),
    )


def session_config(values: Mapping[str, Any]) -> SessionConfig:
    """The frame checks and pacing of the servo node from (checked) node parameters."""
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


@dataclass(frozen=True)
class ServoParameters:
    """The checked parameters of the servo node and the configs built from them."""

    values: dict[str, Any]
    profile: RobotProfile
    servo: ServoConfig
    session: SessionConfig
    workspace: Workspace
    label: LabelConfig


def servo_parameters(values: Mapping[str, Any]) -> ServoParameters:
    """Check the servo node's parameters (ranges, types, cross-field rules) and build its configs.

    ``values`` maps names to raw values (missing ones take the robot profile's defaults). Raises
    ParameterError, one line naming the parameter, its value and the valid range.
    """
    profile = robot_profile(values.get("robot", ROBOT_SPEC.default))
    checked = check_parameters(servo_specs(profile), values, SERVO_RULES)
    with _core_refusal():
        return ServoParameters(
            checked, profile, servo_config(checked), session_config(checked), workspace_from(checked["workspace"]),
            label_config(checked),
        )


@dataclass(frozen=True)
class MotionParameters:
    """The checked parameters of the motion node and what is built from them."""

    values: dict[str, Any]
    profile: RobotProfile
    workspace: Workspace
    max_goal_age_ns: int


def motion_parameters(values: Mapping[str, Any]) -> MotionParameters:
    """Check the motion node's parameters (ranges, types, cross-field rules); ParameterError, one line."""
    profile = robot_profile(values.get("robot", ROBOT_SPEC.default))
    checked = check_parameters(motion_specs(profile), values, MOTION_RULES)
    with _core_refusal():
        return MotionParameters(
            checked, profile, workspace_from(checked["workspace"]), round(checked["max_goal_age_s"] * NS_PER_S)
        )


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
