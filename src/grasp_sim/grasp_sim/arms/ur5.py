"""Universal Robots UR5 (CB3 / e-Series kinematics), from ur_description (Universal_Robots_ROS2_Description).

Link offsets: d1 = 0.089159, a2 = 0.425, a3 = 0.39225, d4 = 0.10915, d5 = 0.09465, d6 = 0.0823 (ur5
``default_kinematics.yaml`` / ``physical_parameters.yaml``), as the bodies of the MuJoCo model (each link's frame
turned so that its joint axis is y or z); the joint limits of ``joint_limits.yaml``: +-2 pi, the elbow +-pi,
3.15 rad/s every joint.
"""

from __future__ import annotations

from grasp_sim.arms.description import IDENTITY, ArmDescription, Inertial, Link

TWO_PI = 6.2832
SPEED = 3.15  # rad/s, every joint (ur_description config/ur5/joint_limits.yaml)
_Y_TO_Z = (0.7071068, 0.0, 0.7071068, 0.0)  # 90 degrees about y

UR5 = ArmDescription(
    name="ur5",
    model="Universal Robots UR5",
    source="Universal_Robots_ROS2_Description (jazzy): config/ur5/default_kinematics.yaml, joint_limits.yaml",
    links=(
        Link("shoulder_link", "shoulder_pan_joint", (0.0, 0.0, 0.089159), IDENTITY, (0.0, 0.0, 1.0),
             -TWO_PI, TWO_PI, SPEED, Inertial(3.7, diaginertia=(0.0102, 0.0102, 0.0067)),
             (0.0, 0.0, -0.05), (0.0, 0.0, 0.05), 0.06),
        Link("upper_arm_link", "shoulder_lift_joint", (0.0, 0.13585, 0.0), _Y_TO_Z, (0.0, 1.0, 0.0),
             -TWO_PI, TWO_PI, SPEED, Inertial(8.393, (0.0, 0.0, 0.28), (0.2269, 0.2269, 0.0151)),
             (0.0, 0.0, 0.0), (0.0, 0.0, 0.425), 0.055),
        Link("forearm_link", "elbow_joint", (0.0, -0.1197, 0.425), IDENTITY, (0.0, 1.0, 0.0),
             -3.1416, 3.1416, SPEED, Inertial(2.275, (0.0, 0.0, 0.25), (0.0494, 0.0494, 0.004)),
             (0.0, 0.0, 0.0), (0.0, 0.0, 0.39225), 0.045),
        Link("wrist_1_link", "wrist_1_joint", (0.0, 0.0, 0.39225), _Y_TO_Z, (0.0, 1.0, 0.0),
             -TWO_PI, TWO_PI, SPEED, Inertial(1.219, (0.0, 0.093, 0.0), (0.0021, 0.0021, 0.0021)),
             (0.0, 0.0, 0.0), (0.0, 0.093, 0.0), 0.04, servo="wrist"),
        Link("wrist_2_link", "wrist_2_joint", (0.0, 0.093, 0.0), IDENTITY, (0.0, 0.0, 1.0),
             -TWO_PI, TWO_PI, SPEED, Inertial(1.219, (0.0, 0.0, 0.09465), (0.0021, 0.0021, 0.0021)),
             (0.0, 0.0, 0.0), (0.0, 0.0, 0.09465), 0.04, servo="wrist"),
        Link("wrist_3_link", "wrist_3_joint", (0.0, 0.0, 0.09465), IDENTITY, (0.0, 1.0, 0.0),
             -TWO_PI, TWO_PI, SPEED, Inertial(0.1879, (0.0, 0.06, 0.0), (0.0002, 0.0002, 0.0002)),
             (0.0, 0.0, 0.0), (0.0, 0.07, 0.0), 0.04, servo="wrist"),
    ),
    tool0_pos=(0.0, 0.0823, 0.0),
    tool0_quat=(0.7071068, -0.7071068, 0.0, 0.0),
)
