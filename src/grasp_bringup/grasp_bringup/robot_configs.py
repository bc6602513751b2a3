"""MoveIt config folders generated from our arm descriptions and robot profiles (pure Python, no MoveIt needed).

For the arms whose vendor ships no ROS 2 MoveIt config (the ABB IRB 120: abb_ros2 has the IRB 1200 only; the
Kinova Jaco 2: kinova-ros is ROS 1) this writes one, from the same ``ArmDescription`` the simulated arm is built
from (``grasp_sim.arms``) and the robot's profile (``grasp_servo.robot_profiles``)::

    python -m grasp_bringup.robot_configs --robot abb --out src/grasp_bringup/config/moveit
    python -m grasp_bringup.robot_configs --all --out src/grasp_bringup/config/moveit   # abb, jaco, gen3, ur5
    python -m grasp_bringup.robot_configs --all --out src/grasp_bringup/config/moveit --check  # stale? exit 1

Each robot gets ``DIR/<robot>/`` with the files MoveItConfigsBuilder loads (moveit_configs_utils, jazzy):

- ``<robot>.urdf``: ``arm_urdf`` (links, joints, limits, collision cylinders, ``grasp_pinch`` and the wrist camera
  frame below the tool frame);
- ``<robot>.srdf``: the planning group (a chain from the profile's base frame to its tool frame), the named states
  (``home`` = the profile's home joints, plus the vendor's own named states), ``disable_collisions`` for adjacent
  links, for link pairs in contact at the default or a named state, and for the description's own contact
  exclusions;
- ``kinematics.yaml`` (KDL, search resolution and timeout 0.005, as the vendors' files), ``joint_limits.yaml``
  (velocities from the description, accelerations from the vendor's MoveIt config where it has them),
  ``moveit_controllers.yaml`` (the profile's trajectory controller and gripper controller),
  ``pilz_cartesian_limits.yaml`` and a README.md.

YAML is written by a small emitter here (block style, plain or JSON-quoted strings), so nothing but numpy is
needed. ``grasp_bringup.moveit_config --robot abb|jaco`` builds the moveit_py parameters from the installed folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from grasp_servo.robot_profiles import RobotProfile, get_profile
from grasp_sim.arms import robot_model
from grasp_sim.arms.description import ArmDescription, quat_matrix
from grasp_sim.arms.urdf import arm_urdf

ROBOTS = ("abb", "jaco", "gen3", "ur5")
PACKAGE_CONFIG = Path("config") / "moveit"  # in grasp_bringup's source tree and its installed share
COMMAND = "python -m grasp_bringup.robot_configs --robot {robot} --out src/grasp_bringup/config/moveit"

#: kinematics.yaml of every vendor config checked (abb_irb120_moveit_config, kinova_gen3_6dof_robotiq_2f_85_
#: moveit_config, ur_moveit_config): KDL with these two values.
KINEMATICS = {
    "kinematics_solver": "kdl_kinematics_plugin/KDLKinematicsPlugin",
    "kinematics_solver_search_resolution": 0.005,
    "kinematics_solver_timeout": 0.005,
}
#: default_velocity_scaling_factor / default_acceleration_scaling_factor (MoveIt Setup Assistant's and
#: kinova_gen3_6dof_robotiq_2f_85_moveit_config's joint_limits.yaml).
DEFAULT_SCALING = 0.1
#: rad/s^2 where the vendor's MoveIt config gives no acceleration limit (kinova-ros's j2n6s300_moveit_config
#: has none). Pilz and time parametrization need one: 2.0 brings the Jaco 2's 0.63 and 0.84 rad/s joints to
#: full speed in under half a second. An assumption, not a Kinova figure.
DEFAULT_MAX_ACCELERATION = 2.0
#: Pilz's Cartesian limits (required, no defaults): the values of ur_moveit_config's and
#: kinova_gen3_6dof_robotiq_2f_85_moveit_config's pilz_cartesian_limits.yaml (the same in both).
#: The robots whose ROS 2 driver takes a description we must supply (abb_ros2 has no IRB 120): the ros2_control
#: hardware of ``<robot>.ros2_control.urdf.xacro``, with the xacro arguments the driver's launch passes
#: (abb_ros2 rolling: abb_bringup/launch/abb_control.launch.py) and the plugin's parameters (abb_hardware_interface).
DRIVER_HARDWARE = {
    "abb": {
        "args": {"prefix": "", "use_fake_hardware": "true", "fake_sensor_commands": "false", "rws_ip": "None",
                 "rws_port": "80", "configure_via_rws": "true"},
        "plugin": "abb_hardware_interface/ABBSystemHardware",
        "params": {"configure_via_rws": "$(arg configure_via_rws)", "rws_port": "$(arg rws_port)",
                   "rws_ip": "$(arg rws_ip)", "egm_port": "6511"},
        "command_interfaces": ("position", "velocity"),  # abb_controllers.yaml's joint_trajectory_controller
        "state_interfaces": ("position", "velocity"),
    },
}
#: The robots whose vendor ships a ROS 2 MoveIt config (grasp_bringup.moveit_config uses it for them).
VENDOR_MOVEIT_PACKAGES = {"gen3": "kinova_gen3_6dof_robotiq_2f_85_moveit_config", "ur5": "ur_moveit_config"}
PILZ_CARTESIAN_LIMITS = {"max_trans_vel": 1.0, "max_trans_acc": 2.25, "max_trans_dec": -5.0, "max_rot_vel": 1.57}


@dataclass(frozen=True)
class VendorFacts:
    """What a vendor's MoveIt config adds to our description: named states and acceleration limits."""

    source: str  # repository, branch and files the values were read from
    named_states: Mapping[str, tuple[float, ...]]  # in the profile's joint order
    max_accelerations: tuple[float, ...] | None  # rad/s^2 per joint; None: the vendor gives none


VENDOR: dict[str, VendorFacts] = {
    "abb": VendorFacts(
        source="ros-industrial/abb_experimental kinetic-devel: abb_irb120_moveit_config/config/"
        "{abb_irb120_3_58.srdf, joint_limits.yaml}",
        named_states={"all_zero": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)},
        max_accelerations=(0.87266, 0.87266, 0.87266, 1.11701, 1.11701, 1.46608),
    ),
    "jaco": VendorFacts(
        # There is no j2n6s200_moveit_config; the j2n6s300's arm is the same (j2n6s200.xacro = j2n6s300.xacro).
        source="Kinovarobotics/kinova-ros noetic-devel: kinova_moveit/robot_configs/j2n6s300_moveit_config/config/"
        "{j2n6s300.srdf, joint_limits.yaml} (no acceleration limits there)",
        named_states={
            "Home": (4.8046852, 2.92482, 1.002, 4.2031852, 1.4458, 1.3233),
            "Retract": (-1.56695, 2.6189, 0.4688, -1.6088, 0.0904, 1.741),
        },
        max_accelerations=None,
    ),
    "gen3": VendorFacts(
        source="Kinovarobotics/ros2_kortex jazzy: kortex_moveit_config/kinova_gen3_6dof_robotiq_2f_85_moveit_config/"
        "config/{gen3.srdf, joint_limits.yaml}",
        named_states={
            "Home": (0.0, 0.261, -2.27, 0.0, 0.96, 1.5708),
            "Retract": (0.0, -0.35, -2.54, 0.0, -0.87, 1.5708),
            "Vertical": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        },
        max_accelerations=(8.6,) * 6,
    ),
    "ur5": VendorFacts(
        # ur_moveit_config's "home" (shoulder_lift -1.5707) is left out: "home" here is the profile's.
        source="UniversalRobots/Universal_Robots_ROS2_Driver jazzy: ur_moveit_config/srdf/ur_macro.srdf.xacro, "
        "ur_moveit_config/config/joint_limits.yaml",
        named_states={"up": (0.0, -1.5707, 0.0, -1.5707, 0.0, 0.0)},
        max_accelerations=(5.0,) * 6,
    ),
}


def split_action(action: str) -> tuple[str, str]:
    """``/<controller>/<action_ns>`` -> (controller, action_ns), as MoveIt's simple controller manager joins them."""
    parts = action.strip("/").split("/")
    if len(parts) < 2 or not all(parts):
        raise ValueError(f"action {action!r} is not /<controller>/<action_ns>")
    return "/".join(parts[:-1]), parts[-1]


def config_file_names(robot: str) -> dict[str, str]:
    """What each generated file is (the key) and its name in the folder."""
    return {
        "urdf": f"{robot}.urdf",
        "srdf": f"{robot}.srdf",
        "kinematics": "kinematics.yaml",
        "joint_limits": "joint_limits.yaml",
        "controllers": "moveit_controllers.yaml",
        "pilz_cartesian_limits": "pilz_cartesian_limits.yaml",
        "readme": "README.md",
        **({"driver_xacro": f"{robot}.ros2_control.urdf.xacro"} if robot in DRIVER_HARDWARE else {}),
    }


def config_paths(robot: str) -> dict[str, Path]:
    """The generated files relative to grasp_bringup's share (MoveItConfigsBuilder's package path)."""
    return {key: PACKAGE_CONFIG / robot / name for key, name in config_file_names(robot).items()}


# ----------------------------------------------------------------------------------------------------- YAML

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_/.\-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value} to YAML")
        text = repr(value)
        if "e" in text or "E" in text:  # YAML 1.1 (PyYAML) reads 1e-05 as a string: write it out
            text = f"{value:.15f}".rstrip("0")
        return text if "." in text else text + ".0"
    if isinstance(value, str):
        return value if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS else json.dumps(value)
    raise TypeError(f"cannot write {type(value).__name__} to YAML")


def dump_yaml(data: Mapping[str, Any], indent: int = 0) -> str:
    """Block-style YAML of nested mappings, lists of scalars and scalars (keys must be plain)."""
    lines = []
    pad = "  " * indent
    for key, value in data.items():
        if not _PLAIN.fullmatch(str(key)):
            raise ValueError(f"key {key!r} is not a plain YAML key")
        if isinstance(value, Mapping):
            lines.append(f"{pad}{key}:")
            lines.append(dump_yaml(value, indent + 1).rstrip("\n"))
        elif isinstance(value, (list, tuple)):
            if value:
                lines.append(f"{pad}{key}:")
                lines.extend(f"{pad}  - {_scalar(item)}" for item in value)
            else:
                lines.append(f"{pad}{key}: []")
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ self-collisions


def default_positions(arm: ArmDescription) -> np.ndarray:
    """MoveIt's default state (JointModel::getVariableDefaultPositions): 0, or the middle of limits without 0."""
    return np.array([
        0.0 if link.continuous or link.lower <= 0.0 <= link.upper else (link.lower + link.upper) / 2
        for link in arm.links
    ])


def _step(pos: Sequence[float], quat: Sequence[float], axis: Sequence[float], angle: float) -> np.ndarray:
    out = np.eye(4)
    out[:3, :3] = quat_matrix(tuple(quat))
    out[:3, 3] = pos
    k = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    skew = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    turn = np.eye(4)
    turn[:3, :3] = np.eye(3) + math.sin(angle) * skew + (1 - math.cos(angle)) * skew @ skew
    return out @ turn


def link_capsules(arm: ArmDescription, joints: Sequence[float]) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Each link's collision shape in base_link as a capsule (the URDF's cylinders lie inside these)."""
    capsules = {arm.base_link: (np.zeros(3), np.array([0.0, 0.0, arm.base_height]), arm.base_radius)}
    pose = np.eye(4)
    for link, angle in zip(arm.links, joints, strict=True):
        pose = pose @ _step(link.pos, link.quat, link.axis, float(angle))
        ends = [pose[:3, :3] @ np.asarray(p, dtype=float) + pose[:3, 3] for p in (link.capsule_from, link.capsule_to)]
        capsules[link.name] = (ends[0], ends[1], link.capsule_radius)
    return capsules


def segment_distance(p1: np.ndarray, q1: np.ndarray, p2: np.ndarray, q2: np.ndarray) -> float:
    """Shortest distance between segments p1-q1 and p2-q2 (Ericson, Real-Time Collision Detection, 5.1.9)."""
    d1, d2, r = q1 - p1, q2 - p2, p1 - p2
    a, e, f = float(d1 @ d1), float(d2 @ d2), float(d2 @ r)
    if a <= 1e-12 and e <= 1e-12:
        return float(np.linalg.norm(r))
    if a <= 1e-12:
        s, t = 0.0, min(max(f / e, 0.0), 1.0)
    else:
        c = float(d1 @ r)
        if e <= 1e-12:
            s, t = min(max(-c / a, 0.0), 1.0), 0.0
        else:
            b = float(d1 @ d2)
            denom = a * e - b * b
            s = min(max((b * f - c * e) / denom, 0.0), 1.0) if denom > 1e-12 else 0.0
            t = (b * s + f) / e
            if t < 0.0:
                s, t = min(max(-c / a, 0.0), 1.0), 0.0
            elif t > 1.0:
                s, t = min(max((b - c) / a, 0.0), 1.0), 1.0
    return float(np.linalg.norm(p1 + d1 * s - (p2 + d2 * t)))


def colliding_pairs(arm: ArmDescription, joints: Sequence[float]) -> set[tuple[str, str]]:
    """Link pairs whose capsules overlap at ``joints`` (names in chain order)."""
    capsules = link_capsules(arm, joints)
    pairs = set()
    for (name_a, (pa, qa, ra)), (name_b, (pb, qb, rb)) in itertools.combinations(capsules.items(), 2):
        if segment_distance(pa, qa, pb, qb) < ra + rb:
            pairs.add((name_a, name_b))
    return pairs


def disabled_collisions(arm: ArmDescription, states: Mapping[str, Sequence[float]]) -> list[tuple[str, str, str]]:
    """(link1, link2, reason) for the SRDF: Adjacent links; Default: in contact at the default or a named state
    (every such state would be refused as in collision); User: the description's own contact exclusions."""
    chain = [arm.base_link, *(link.name for link in arm.links)]
    order = {name: index for index, name in enumerate(chain)}
    reasons: dict[tuple[str, str], str] = {}
    for parent, child in itertools.pairwise(chain):
        reasons[(parent, child)] = "Adjacent"
    for joints in [default_positions(arm), *states.values()]:
        for pair in sorted(colliding_pairs(arm, joints), key=lambda p: (order[p[0]], order[p[1]])):
            reasons.setdefault(pair, "Default")
    for a, b in arm.contact_excludes:
        if a in order and b in order:
            reasons.setdefault(tuple(sorted((a, b), key=order.__getitem__)), "User")
    return [(a, b, reason) for (a, b), reason in sorted(reasons.items(), key=lambda i: (order[i[0][0]],
                                                                                          order[i[0][1]]))]


# ------------------------------------------------------------------------------------------------ the files


def named_states(robot: str) -> dict[str, tuple[float, ...]]:
    """``home`` (the profile's) and the vendor's named states, in the profile's joint order."""
    profile = get_profile(robot)
    states = {"home": tuple(profile.home_joints)}
    for name, joints in VENDOR[robot].named_states.items():
        states.setdefault(name, joints)
    return states


def max_accelerations(robot: str) -> tuple[float, ...]:
    vendor = VENDOR[robot].max_accelerations
    return vendor if vendor is not None else (DEFAULT_MAX_ACCELERATION,) * len(get_profile(robot).joint_names)


def srdf_text(robot: str) -> str:
    profile, arm = get_profile(robot), robot_model(robot).arm
    states = named_states(robot)
    lines = [
        '<?xml version="1.0"?>',
        f"<!-- Generated by grasp_bringup.robot_configs from {arm.source} and the '{robot}' robot profile;",
        f"     named states besides home: {VENDOR[robot].source}. Do not edit: regenerate. -->",
        f'<robot name="{arm.name}">',
        f'  <group name="{profile.planning_group}">',
        f'    <chain base_link="{profile.base_frame}" tip_link="{profile.tool_frame}"/>',
        "  </group>",
    ]
    for name, joints in states.items():
        lines.append(f'  <group_state name="{name}" group="{profile.planning_group}">')
        lines.extend(f'    <joint name="{joint}" value="{value!r}"/>'
                     for joint, value in zip(profile.joint_names, joints, strict=True))
        lines.append("  </group_state>")
    lines.extend(f'  <disable_collisions link1="{a}" link2="{b}" reason="{reason}"/>'
                 for a, b, reason in disabled_collisions(arm, states))
    lines.append("</robot>")
    return "\n".join(lines) + "\n"


def kinematics_yaml(profile: RobotProfile) -> str:
    return ("# IK solver of the planning group (KDL, as the vendors' kinematics.yaml). Generated by "
            "grasp_bringup.robot_configs.\n" + dump_yaml({profile.planning_group: KINEMATICS}))


def joint_limits_yaml(robot: str) -> str:
    profile, arm = get_profile(robot), robot_model(robot).arm
    limits = {
        joint: {"has_velocity_limits": True, "max_velocity": float(link.velocity),
                "has_acceleration_limits": True, "max_acceleration": float(acceleration)}
        for joint, link, acceleration in zip(profile.joint_names, arm.links, max_accelerations(robot), strict=True)
    }
    where = (VENDOR[robot].source if VENDOR[robot].max_accelerations is not None
             else f"none from the vendor: {DEFAULT_MAX_ACCELERATION} rad/s^2 (grasp_bringup.robot_configs."
                  "DEFAULT_MAX_ACCELERATION)")
    header = (f"# Joint limits for MoveIt (robot_description_planning). Velocities: {arm.source}.\n"
              f"# Accelerations: {where}.\n# Generated by grasp_bringup.robot_configs; do not edit.\n")
    return header + dump_yaml({
        "default_velocity_scaling_factor": DEFAULT_SCALING,
        "default_acceleration_scaling_factor": DEFAULT_SCALING,
        "joint_limits": limits,
    })


def controllers(profile: RobotProfile) -> dict[str, Any]:
    """moveit_controllers.yaml's content: the profile's trajectory controller and gripper controller."""
    arm_name, arm_ns = split_action(profile.trajectory_action)
    gripper_name, gripper_ns = split_action(profile.gripper.action)
    return {
        "moveit_controller_manager": "moveit_simple_controller_manager/MoveItSimpleControllerManager",
        "moveit_simple_controller_manager": {
            "controller_names": [arm_name, gripper_name],
            arm_name: {"type": "FollowJointTrajectory", "action_ns": arm_ns, "default": True,
                       "joints": list(profile.joint_names)},
            gripper_name: {"type": "GripperCommand", "action_ns": gripper_ns, "default": True,
                           "joints": [profile.gripper.joint]},
        },
    }


def controllers_yaml(profile: RobotProfile) -> str:
    return (f"# MoveIt's controllers: {profile.trajectory_action} (control_msgs/FollowJointTrajectory) and\n"
            f"# {profile.gripper.action} (control_msgs/GripperCommand, {profile.gripper.joint}, "
            f"{profile.gripper.units}). Generated by grasp_bringup.robot_configs.\n" + dump_yaml(controllers(profile)))


def pilz_yaml() -> str:
    return ("# Pilz's Cartesian limits (as ur_moveit_config's and kinova_gen3_6dof_robotiq_2f_85_moveit_config's). "
            "Generated by grasp_bringup.robot_configs.\n" + dump_yaml({"cartesian_limits": PILZ_CARTESIAN_LIMITS}))


def readme_text(robot: str) -> str:
    profile, model = get_profile(robot), robot_model(robot)
    names = config_file_names(robot)
    states = ", ".join(f"`{name}`" for name in named_states(robot))
    vendor_package = VENDOR_MOVEIT_PACKAGES.get(robot)
    if vendor_package:
        use = (f"`python3 -m grasp_bringup.moveit_config --robot {robot} --out FILE` uses the vendor's "
               f"`{vendor_package}`, as the vendor's own launch does; this folder is the simulated arm's description, "
               f"for MoveIt without the vendor's packages (add `--from-generated`) and for comparison.")
    else:
        use = (f"`python3 -m grasp_bringup.moveit_config --robot {robot} --out FILE` builds the moveit_py parameter "
               f"file from the installed copy of this folder (`share/grasp_bringup/config/moveit/{robot}/`).")
    driver = ""
    if robot in DRIVER_HARDWARE:
        driver = (f"| `{names['driver_xacro']}` | `{names['urdf']}` plus a ros2_control block for the driver's launch: "
                  f"mock_components/GenericSystem with `use_fake_hardware:=true`, else "
                  f"`{DRIVER_HARDWARE[robot]['plugin']}` (docs/robots.md has the command) |\n")
    return f"""# MoveIt config of `{robot}`: {profile.model}

Generated by `grasp_bringup.robot_configs`; do not edit, regenerate (from the repository root, in the venv):

```bash
{COMMAND.format(robot=robot)}
```

`src/grasp_bringup/test/test_robot_configs.py` fails when these files differ from what the generator writes.

Generated from:

- the arm: `grasp_sim.arms.robot_model("{robot}").arm`, from {model.arm.source};
- the frames below `{profile.tool_frame}`: `grasp_pinch` {model.gripper.pinch_offset:.3f} m and
  `wrist_camera_depth_optical_frame` {model.gripper.camera_offset:.3f} m along the tool axis (the simulated
  {model.gripper.name});
- the robot profile `grasp_servo.robot_profiles.get_profile("{robot}")`: joint names, frames, planning group,
  controllers, gripper, home;
- the named states besides `home`, and the acceleration limits: {VENDOR[robot].source}.

| file | what |
| --- | --- |
| `{names['urdf']}` | `arm_urdf`: links, joints, limits, collision cylinders, `grasp_pinch`, the camera frame |
| `{names['srdf']}` | group `{profile.planning_group}` = chain `{profile.base_frame}` -> `{profile.tool_frame}`; \
named states {states}; disabled collision pairs |
| `{names['kinematics']}` | KDL, search resolution 0.005, timeout 0.005 |
| `{names['joint_limits']}` | velocities from the description, accelerations (vendor or default), scaling 0.1 |
| `{names['controllers']}` | `{profile.trajectory_action}` (FollowJointTrajectory), \
`{profile.gripper.action}` (GripperCommand) |
| `{names['pilz_cartesian_limits']}` | Pilz's Cartesian limits |
{driver}
Use it with MoveItPy and without move_group (docs/moveit.md says why): {use} See docs/robots.md and docs/moveit.md.
"""


def driver_xacro(robot: str, urdf: str) -> str:
    """The URDF with a ros2_control block for the vendor's driver launch (abb_ros2's abb_control.launch.py):
    mock_components/GenericSystem with use_fake_hardware:=true, else the vendor's hardware plugin."""
    hardware, profile, arm = DRIVER_HARDWARE[robot], get_profile(robot), robot_model(robot).arm
    body = urdf.split("\n", 2)[2].rsplit("</robot>", 1)[0].rstrip("\n")  # between <robot ...> and </robot>
    lines = [
        '<?xml version="1.0"?>',
        f"<!-- {profile.model}: {robot}.urdf plus ros2_control for the driver. Generated by "
        "grasp_bringup.robot_configs; do not edit, regenerate. -->",
        f'<robot name="{arm.name}" xmlns:xacro="http://ros.org/wiki/xacro">',
        *(f'  <xacro:arg name="{name}" default="{default}"/>' for name, default in hardware["args"].items()),
        body,
        f'  <ros2_control name="{arm.name}_hardware" type="system">',
        "    <hardware>",
        '      <xacro:if value="$(arg use_fake_hardware)">',
        "        <plugin>mock_components/GenericSystem</plugin>",
        '        <param name="fake_sensor_commands">$(arg fake_sensor_commands)</param>',
        "      </xacro:if>",
        '      <xacro:unless value="$(arg use_fake_hardware)">',
        f"        <plugin>{hardware['plugin']}</plugin>",
        *(f'        <param name="{name}">{value}</param>' for name, value in hardware["params"].items()),
        "      </xacro:unless>",
        "    </hardware>",
    ]
    for joint, link, home in zip(profile.joint_names, arm.links, profile.home_joints, strict=True):
        lines.append(f'    <joint name="{joint}">')
        for interface in hardware["command_interfaces"]:
            if interface == "position":
                lines.append(f'      <command_interface name="position"><param name="min">{link.lower!r}</param>'
                             f'<param name="max">{link.upper!r}</param></command_interface>')
            else:
                lines.append(f'      <command_interface name="{interface}"/>')
        for interface in hardware["state_interfaces"]:
            if interface == "position":
                lines.append(f'      <state_interface name="position"><param name="initial_value">{home!r}</param>'
                             "</state_interface>")
            else:
                lines.append(f'      <state_interface name="{interface}"/>')
        lines.append("    </joint>")
    lines += ["  </ros2_control>", "</robot>"]
    return "\n".join(lines) + "\n"


def config_files(robot: str) -> dict[str, str]:
    """File name -> text of the MoveIt config folder of ``robot``."""
    if robot not in ROBOTS:
        raise ValueError(f"no MoveIt config is generated for '{robot}': choose one of {', '.join(ROBOTS)}")
    profile, model = get_profile(robot), robot_model(robot)
    if tuple(model.arm.joint_names) != tuple(profile.joint_names):
        raise ValueError(f"{robot}: the description's joints {model.arm.joint_names} are not the profile's "
                         f"{profile.joint_names}")
    urdf = arm_urdf(model.arm, model.gripper)
    links = {link.get("name") for link in ET.fromstring(urdf).iter("link")}
    for what, frame in (("base_frame", profile.base_frame), ("tool_frame", profile.tool_frame)):
        if frame not in links:
            raise ValueError(f"{robot}: the profile's {what} '{frame}' is not a link of the description's URDF "
                             f"({', '.join(sorted(links))})")
    names = config_file_names(robot)
    return {
        names["urdf"]: urdf,
        names["srdf"]: srdf_text(robot),
        names["kinematics"]: kinematics_yaml(profile),
        names["joint_limits"]: joint_limits_yaml(robot),
        names["controllers"]: controllers_yaml(profile),
        names["pilz_cartesian_limits"]: pilz_yaml(),
        names["readme"]: readme_text(robot),
        **({names["driver_xacro"]: driver_xacro(robot, urdf)} if robot in DRIVER_HARDWARE else {}),
    }


def stale_files(robot: str, folder: Path) -> list[str]:
    """Names of the files in ``folder`` that are missing, differ from the generator's, or are not generated."""
    expected = config_files(robot)
    present = {path.name for path in folder.iterdir() if path.is_file()} if folder.is_dir() else set()
    stale = [name for name, text in expected.items()
             if name not in present or (folder / name).read_text() != text]
    return sorted(stale + sorted(present - set(expected)))


def write_config(robot: str, folder: Path) -> list[Path]:
    """Write the folder (created if needed); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in config_files(robot).items():
        (folder / name).write_text(text)
        written.append(folder / name)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--robot", choices=ROBOTS, help="the robot profile")
    which.add_argument("--all", action="store_true", help=f"every robot: {', '.join(ROBOTS)}")
    parser.add_argument("--out", required=True, type=Path, help="parent folder: each robot goes to OUT/<robot>/")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a folder is stale")
    args = parser.parse_args(argv)
    robots = ROBOTS if args.all else (args.robot,)
    status = 0
    for robot in robots:
        folder = args.out / robot
        try:
            if args.check:
                stale = stale_files(robot, folder)
                if stale:
                    print(f"{folder}: stale: {', '.join(stale)} (run {COMMAND.format(robot=robot)})")
                    status = 1
                else:
                    print(f"{folder}: up to date")
            else:
                written = write_config(robot, folder)
                print(f"wrote {folder} ({len(written)} files)")
        except (ValueError, OSError) as error:
            print(f"robot_configs: {robot}: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
