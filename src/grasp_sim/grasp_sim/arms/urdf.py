"""URDF of a simulated arm, generated from the same ``ArmDescription`` as its MJCF (for MoveIt, RViz and TF).

Links and joints are the description's (names, origins, axes, limits, velocities, inertials); collision shapes
are the MJCF's capsules as cylinders (URDF has no capsule). Below ``tool0`` come the gripper's fixed frames of
the simulated robot: ``grasp_pinch`` (the pinch point) and ``wrist_camera_depth_optical_frame``, so that a
MoveIt config made from this URDF can plan for the pinch point.
"""

from __future__ import annotations

import math

import numpy as np

from grasp_sim.arms.description import ArmDescription, Link, quat_rpy
from grasp_sim.arms.gripper import GripperGeometry

PINCH_LINK = "grasp_pinch"
CAMERA_LINK = "wrist_camera_depth_optical_frame"
EFFORT = {"arm": 150.0, "wrist": 28.0}  # N m written as the joints' effort limits (the sim's servos are stiffer)


def arm_urdf(arm: ArmDescription, gripper: GripperGeometry, robot_name: str | None = None) -> str:
    """The URDF text of ``arm`` with the gripper's frames (pinch point, camera) below tool0."""
    parts = [f'<?xml version="1.0"?>\n<robot name="{robot_name or arm.name}">',
             f'  <link name="{arm.base_link}">{_cylinder((0, 0, 0), (0, 0, arm.base_height), arm.base_radius)}'
             "</link>"]
    parent = arm.base_link
    for link in arm.links:
        parts.append(_link(link))
        parts.append(_joint(link, parent))
        parent = link.name
    parts.append(f'  <link name="{arm.tool_link}"/>')
    parts.append(_fixed(f"{parent}-{arm.tool_link}", parent, arm.tool_link, arm.tool0_pos, quat_rpy(arm.tool0_quat)))
    parts.append(f'  <link name="{PINCH_LINK}"/>')
    parts.append(_fixed(f"{arm.tool_link}-{PINCH_LINK}", arm.tool_link, PINCH_LINK, (0, 0, gripper.pinch_offset)))
    parts.append(f'  <link name="{CAMERA_LINK}"/>')
    # The optical frame: z along the tool axis, x along the closing direction (the tool's axes).
    parts.append(_fixed(f"{arm.tool_link}-{CAMERA_LINK}", arm.tool_link, CAMERA_LINK, (0, 0, gripper.camera_offset)))
    parts.append("</robot>\n")
    return "\n".join(parts)


def _link(link: Link) -> str:
    inertial = link.inertial
    ixx, iyy, izz = inertial.diaginertia
    return (
        f'  <link name="{link.name}">\n'
        f'    <inertial><origin xyz="{_v(inertial.pos)}" rpy="0 0 0"/><mass value="{inertial.mass:g}"/>'
        f'<inertia ixx="{ixx:g}" ixy="0" ixz="0" iyy="{iyy:g}" iyz="0" izz="{izz:g}"/></inertial>\n'
        f"    {_cylinder(link.capsule_from, link.capsule_to, link.capsule_radius)}\n"
        "  </link>"
    )


def _joint(link: Link, parent: str) -> str:
    kind = "continuous" if link.continuous else "revolute"
    limit = (
        f'<limit effort="{EFFORT[link.servo]:g}" velocity="{link.velocity:g}"/>'
        if link.continuous
        else f'<limit lower="{link.lower:.6g}" upper="{link.upper:.6g}" effort="{EFFORT[link.servo]:g}" '
        f'velocity="{link.velocity:g}"/>'
    )
    return (
        f'  <joint name="{link.joint}" type="{kind}">\n'
        f'    <parent link="{parent}"/><child link="{link.name}"/>\n'
        f'    <origin xyz="{_v(link.pos)}" rpy="{_v(quat_rpy(link.quat))}"/><axis xyz="{_v(link.axis)}"/>\n'
        f"    {limit}\n"
        "  </joint>"
    )


def _fixed(name: str, parent: str, child: str, xyz: tuple, rpy: tuple = (0.0, 0.0, 0.0)) -> str:
    return (
        f'  <joint name="{name}" type="fixed"><parent link="{parent}"/><child link="{child}"/>'
        f'<origin xyz="{_v(xyz)}" rpy="{_v(rpy)}"/></joint>'
    )


def _cylinder(start: tuple, end: tuple, radius: float) -> str:
    """A collision cylinder from ``start`` to ``end`` (a sphere when they coincide)."""
    a, b = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    length = float(np.linalg.norm(b - a))
    if length < 1e-9:
        return f'<collision><origin xyz="{_v(a)}"/><geometry><sphere radius="{radius:g}"/></geometry></collision>'
    direction = (b - a) / length
    pitch = math.acos(max(-1.0, min(1.0, float(direction[2]))))
    yaw = math.atan2(float(direction[1]), float(direction[0]))
    return (
        f'<collision><origin xyz="{_v((a + b) / 2)}" rpy="{_v((0.0, pitch, yaw))}"/>'
        f'<geometry><cylinder radius="{radius:g}" length="{length:.6g}"/></geometry></collision>'
    )


def _v(values) -> str:
    return " ".join(f"{float(v):.9g}" for v in values)
