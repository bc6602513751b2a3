"""Kinova Jaco 2, 6 DoF, non-spherical wrist, 2 fingers (j2n6s200), from Kinova's kinova-ros (ROS 1).

Source: Kinovarobotics/kinova-ros, branch noetic-devel, ``kinova_description/urdf/j2n6s200.xacro`` (joint origins,
axes, limits: joints 1, 4, 5 and 6 are continuous, joint 2 47..313 deg, joint 3 19..341 deg, 36 and 48 deg/s) and
``kinova_finger_set.xacro`` (the fingers' bases 0.1148 m below link_6). The end effector frame
``j2n6s200_end_effector`` is 0.16 m below link_6, rpy (pi, 0, pi/2): z out of the hand, near the fingertips. The
KG-2 hand is part of the arm, so the gripper is mounted 0.105 m before that frame (``GripperGeometry.mount_offset``).
"""

from __future__ import annotations

import math

from grasp_sim.arms.description import ArmDescription, JointRow, chain_links, rpy_quat

PI = math.pi
Z = (0.0, 0.0, 1.0)
SLOW, WRIST = 0.6283, 0.8378  # rad/s: 36 and 48 deg/s
P = "j2n6s200_"
ROWS = (
    JointRow(f"{P}joint_1", f"{P}link_1", (0.0, 0.0, 0.15675), (0.0, PI, 0.0), Z, None, None, SLOW),
    JointRow(f"{P}joint_2", f"{P}link_2", (0.0, 0.0016, -0.11875), (-PI / 2, 0.0, PI), Z, 0.8203, 5.46288, SLOW),
    JointRow(f"{P}joint_3", f"{P}link_3", (0.0, -0.410, 0.0), (0.0, PI, 0.0), Z, 0.33161, 5.95157, SLOW),
    JointRow(f"{P}joint_4", f"{P}link_4", (0.0, 0.2073, -0.0114), (-PI / 2, 0.0, PI), Z, None, None, WRIST),
    JointRow(f"{P}joint_5", f"{P}link_5", (0.0, -0.03703, -0.06414), (PI / 3, 0.0, PI), Z, None, None, WRIST),
    JointRow(f"{P}joint_6", f"{P}link_6", (0.0, -0.03703, -0.06414), (PI / 3, 0.0, PI), Z, None, None, WRIST),
)
END_EFFECTOR_POS = (0.0, 0.0, -0.16)  # link_6 -> j2n6s200_end_effector
HAND_START = 0.055  # m below link_6 where the modelled palm starts (the fingers' bases at 0.115)

JACO2 = ArmDescription(
    name="jaco",
    model="Kinova Jaco 2 6-DoF (j2n6s200, KG-2 hand)",
    source="Kinovarobotics/kinova-ros noetic-devel: kinova_description/urdf/j2n6s200.xacro",
    links=chain_links(
        ROWS, (0.0, 0.0, -HAND_START), radii=(0.05, 0.045, 0.04, 0.035, 0.035, 0.035),
        masses=(0.75, 0.99, 0.67, 0.43, 0.43, 0.72),
    ),
    tool0_pos=END_EFFECTOR_POS,
    tool0_quat=rpy_quat(PI, 0.0, PI / 2),
    base_radius=0.05,
    base_height=0.1,
    # The wrist's capsules overlap across the short link_4 (forearm link_3 against link_5 near the table, too).
    contact_excludes=((f"{P}link_5", "gripper_palm"), (f"{P}link_4", f"{P}link_6"), (f"{P}link_3", f"{P}link_5")),
    base_link=f"{P}link_base",
    tool_link=f"{P}end_effector",
)
