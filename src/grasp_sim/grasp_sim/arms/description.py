"""A serial arm as data: links, joints, limits and collision capsules, from a vendor's published description.

Each link is a MuJoCo body in its parent's frame (``pos`` and ``quat``, w x y z), with one revolute joint about
``axis`` in the link's own frame, the joint's position and velocity limits, a collision capsule and an inertial.
URDF descriptions give each joint an origin (xyz, rpy) in the parent link's frame; ``rpy_quat`` turns rpy into
the quaternion, so a link reads exactly as the vendor's file does. The last link carries ``tool0``, the flange
frame (z out of the flange), where the gripper is mounted.

Numpy only: the MJCF and URDF are generated from this (``grasp_sim.arms.mjcf``, ``grasp_sim.arms.urdf``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Vector3 = tuple[float, float, float]
Quaternion = tuple[float, float, float, float]  # w, x, y, z (MuJoCo's order)
IDENTITY: Quaternion = (1.0, 0.0, 0.0, 0.0)


def rpy_quat(roll: float, pitch: float, yaw: float) -> Quaternion:
    """URDF's fixed-axis roll-pitch-yaw (about x, then y, then z) as a quaternion w, x, y, z."""
    cr, sr = math.cos(roll / 2), math.sin(roll / 2)
    cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
    cy, sy = math.cos(yaw / 2), math.sin(yaw / 2)
    return (
        cr * cp * cy + sr * sp * sy,
        sr * cp * cy - cr * sp * sy,
        cr * sp * cy + sr * cp * sy,
        cr * cp * sy - sr * sp * cy,
    )


def quat_rpy(quat: Quaternion) -> Vector3:
    """The roll-pitch-yaw (URDF convention) of a quaternion w, x, y, z."""
    w, x, y, z = quat
    roll = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x))))
    yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return roll, pitch, yaw


def quat_matrix(quat: Quaternion) -> np.ndarray:
    """The 3x3 rotation of a quaternion w, x, y, z."""
    w, x, y, z = np.asarray(quat, dtype=float) / np.linalg.norm(quat)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


@dataclass(frozen=True)
class Inertial:
    """Mass (kg), centre of mass in the link frame (m) and principal moments (kg m^2)."""

    mass: float
    pos: Vector3 = (0.0, 0.0, 0.0)
    diaginertia: Vector3 = (0.001, 0.001, 0.001)


@dataclass(frozen=True)
class Link:
    """One moving link and the revolute joint that turns it (joint frame = link frame, as in URDF)."""

    name: str  # the link's (body's) name, e.g. ur_description's "shoulder_link"
    joint: str  # the joint's name, e.g. "shoulder_pan_joint"
    pos: Vector3  # joint origin in the parent link's frame (m)
    quat: Quaternion  # joint origin's rotation in the parent link's frame
    axis: Vector3  # joint axis in this link's frame
    lower: float  # rad
    upper: float  # rad
    velocity: float  # rad/s, the vendor's joint velocity limit
    inertial: Inertial
    capsule_from: Vector3  # collision capsule of the link, in its frame (m)
    capsule_to: Vector3
    capsule_radius: float
    servo: str = "arm"  # "arm" (shoulder and elbow: stiff servos) or "wrist"
    continuous: bool = False  # the vendor's joint is continuous (limits here are the sim's +-2 pi)


@dataclass(frozen=True)
class ArmDescription:
    """A 6-DoF arm from base_link to tool0, with the facts its MJCF and URDF are generated from."""

    name: str  # the robot's profile name (grasp_servo.robot_profiles)
    model: str  # what it is, e.g. "Universal Robots UR5"
    source: str  # the vendor file the values come from
    links: tuple[Link, ...]
    tool0_pos: Vector3  # tool0 (the flange) in the last link's frame
    tool0_quat: Quaternion
    base_radius: float = 0.06
    base_height: float = 0.08
    # Extra collision pairs to leave out (body names); base_link and the first link always are.
    contact_excludes: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    base_link: str = "base_link"
    tool_link: str = "tool0"

    @property
    def joint_names(self) -> tuple[str, ...]:
        return tuple(link.joint for link in self.links)

    @property
    def joint_limits(self) -> np.ndarray:
        """(n, 2) lower and upper position limits (rad)."""
        return np.array([(link.lower, link.upper) for link in self.links])

    @property
    def velocity_limits(self) -> np.ndarray:
        """(n,) joint speed limits (rad/s)."""
        return np.array([link.velocity for link in self.links])

    def forward(self, joints: np.ndarray) -> np.ndarray:
        """4x4 pose of tool0 in base_link for the given joint positions (rad)."""
        pose = np.eye(4)
        for link, angle in zip(self.links, np.asarray(joints, dtype=float), strict=True):
            step = np.eye(4)
            step[:3, :3] = quat_matrix(link.quat)
            step[:3, 3] = link.pos
            pose = pose @ step @ _rotation(link.axis, float(angle))
        tool = np.eye(4)
        tool[:3, :3] = quat_matrix(self.tool0_quat)
        tool[:3, 3] = self.tool0_pos
        return pose @ tool


def _rotation(axis: Vector3, angle: float) -> np.ndarray:
    """4x4 rotation by ``angle`` about the unit ``axis`` (Rodrigues)."""
    k = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    skew = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    out = np.eye(4)
    out[:3, :3] = np.eye(3) + math.sin(angle) * skew + (1 - math.cos(angle)) * skew @ skew
    return out


@dataclass(frozen=True)
class JointRow:
    """One row of a vendor's URDF: the joint, the link it turns, its origin, axis and limits."""

    joint: str
    link: str
    xyz: Vector3  # joint origin in the parent link (m)
    rpy: Vector3  # ... and its rotation (URDF roll-pitch-yaw)
    axis: Vector3
    lower: float | None  # rad; None for a continuous joint (the sim gives it +-2 pi)
    upper: float | None
    velocity: float  # rad/s


def chain_links(
    rows: tuple[JointRow, ...], tool0_pos: Vector3, radii: tuple[float, ...], masses: tuple[float, ...]
) -> tuple[Link, ...]:
    """Links from URDF rows: each link's capsule runs from its joint to the next joint (the last one to tool0).

    Inertials are uniform rods along the capsule (the simulated arms compensate gravity, so only the order of
    magnitude matters); the first three joints get the stiff "arm" servos, the others the "wrist" servos.
    """
    links = []
    ends = [row.xyz for row in rows[1:]] + [tool0_pos]
    for index, (row, end, radius, mass) in enumerate(zip(rows, ends, radii, masses, strict=True)):
        length = float(np.linalg.norm(end))
        across = mass * (3 * radius**2 + length**2) / 12
        along = mass * radius**2 / 2
        inertial = Inertial(
            mass, tuple(0.5 * float(v) for v in end), (max(across, 1e-4), max(across, 1e-4), max(along, 1e-4))
        )
        continuous = row.lower is None
        links.append(
            Link(
                name=row.link,
                joint=row.joint,
                pos=row.xyz,
                quat=rpy_quat(*row.rpy),
                axis=row.axis,
                lower=-2 * math.pi if continuous else float(row.lower),
                upper=2 * math.pi if continuous else float(row.upper),
                velocity=row.velocity,
                inertial=inertial,
                capsule_from=(0.0, 0.0, 0.0),
                capsule_to=tuple(float(v) for v in end),
                capsule_radius=radius,
                servo="arm" if index < 3 else "wrist",
                continuous=continuous,
            )
        )
    return tuple(links)
