"""Kinova Gen3 6-DoF with a Robotiq 2F-85, from Kinova's ros2_kortex (the arm Kinova supports on ROS 2).

Source: Kinovarobotics/ros2_kortex, branch jazzy, ``kortex_description/arms/gen3/6dof/urdf/gen3_macro.xacro``
(joint origins, axes, limits: joints 1, 4 and 6 continuous, joint 2 +-2.24, joint 3 +-2.57, joint 5 +-2.09 rad;
1.3963 and 1.2218 rad/s). ``end_effector_link`` is 0.061525 m below bracelet_link, rpy (pi, 0, pi): z out of the
flange, where kortex_description mounts the 2F-85 (robotiq_85_base_link at identity).
"""

from __future__ import annotations

import math

from grasp_sim.arms.description import ArmDescription, JointRow, chain_links, rpy_quat

Z = (0.0, 0.0, 1.0)
ARM, WRIST = 1.3963, 1.2218  # rad/s
ROWS = (
    JointRow("joint_1", "shoulder_link", (0.0, 0.0, 0.15643), (-3.1416, 0.0, 0.0), Z, None, None, ARM),
    JointRow("joint_2", "bicep_link", (0.0, 0.005375, -0.12838), (1.5708, 0.0, 0.0), Z, -2.24, 2.24, ARM),
    JointRow("joint_3", "forearm_link", (0.0, -0.41, 0.0), (3.1416, 0.0, 0.0), Z, -2.57, 2.57, ARM),
    JointRow("joint_4", "spherical_wrist_1_link", (0.0, 0.20843, -0.006375), (1.5708, 0.0, 0.0), Z, None, None, WRIST),
    JointRow("joint_5", "spherical_wrist_2_link", (0.0, -0.00017505, -0.10593), (-1.5708, 0.0, 0.0), Z, -2.09, 2.09,
             WRIST),
    JointRow("joint_6", "bracelet_link", (0.0, 0.10593, -0.00017505), (1.5708, 0.0, 0.0), Z, None, None, WRIST),
)
END_EFFECTOR_POS = (0.0, 0.0, -0.061525)  # bracelet_link -> end_effector_link

GEN3 = ArmDescription(
    name="gen3",
    model="Kinova Gen3 6-DoF + Robotiq 2F-85",
    source="Kinovarobotics/ros2_kortex jazzy: kortex_description/arms/gen3/6dof/urdf/gen3_macro.xacro",
    links=chain_links(
        ROWS, END_EFFECTOR_POS, radii=(0.055, 0.05, 0.045, 0.04, 0.04, 0.04), masses=(1.4, 1.2, 1.0, 0.6, 0.6, 0.5)
    ),
    tool0_pos=END_EFFECTOR_POS,
    tool0_quat=rpy_quat(math.pi, 0.0, math.pi),
    base_radius=0.05,
    base_height=0.1,
    contact_excludes=(("spherical_wrist_2_link", "gripper_palm"), ("spherical_wrist_1_link", "bracelet_link")),
    tool_link="end_effector_link",
)
