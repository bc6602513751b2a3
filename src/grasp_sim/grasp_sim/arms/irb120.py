"""ABB IRB 120 (3 kg / 0.58 m), from ROS-Industrial's abb_irb120_support (ROS 1; there is no ROS 2 description).

Source: ros-industrial/abb_experimental, branch kinetic-devel, ``abb_irb120_support/urdf/irb120_3_58_macro.xacro``
(joint origins, axes, position and velocity limits) and ``abb_irb120_moveit_config/config/joint_limits.yaml``
(the same velocities). tool0 hangs off ``flange`` (= link_6) with rpy (0, pi/2, 0): z out of the flange.
"""

from __future__ import annotations

import math

from grasp_sim.arms.description import ArmDescription, JointRow, chain_links, rpy_quat

X, Y, Z = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
ROWS = (
    JointRow("joint_1", "link_1", (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), Z, -2.87979, 2.87979, 4.36332),
    JointRow("joint_2", "link_2", (0.0, 0.0, 0.29), (0.0, 0.0, 0.0), Y, -1.91986, 1.91986, 4.36332),
    JointRow("joint_3", "link_3", (0.0, 0.0, 0.27), (0.0, 0.0, 0.0), Y, -1.91986, 1.22173, 4.36332),
    JointRow("joint_4", "link_4", (0.0, 0.0, 0.07), (0.0, 0.0, 0.0), X, -2.79253, 2.79253, 5.58505),
    JointRow("joint_5", "link_5", (0.302, 0.0, 0.0), (0.0, 0.0, 0.0), Y, -2.094395, 2.094395, 5.58505),
    JointRow("joint_6", "link_6", (0.072, 0.0, 0.0), (0.0, 0.0, 0.0), X, -6.98132, 6.98132, 7.33038),
)
TOOL0_POS = (0.0, 0.0, 0.0)  # flange -> tool0: no offset, turned 90 degrees about y

IRB120 = ArmDescription(
    name="abb",
    model="ABB IRB 120-3/0.58",
    source="ros-industrial/abb_experimental kinetic-devel: abb_irb120_support/urdf/irb120_3_58_macro.xacro",
    # link_1 stands on the base up to the shoulder; link_6 is the flange disc.
    links=chain_links(
        ROWS, TOOL0_POS, radii=(0.07, 0.055, 0.05, 0.045, 0.035, 0.03), masses=(3.0, 4.0, 2.0, 1.5, 0.6, 0.1)
    ),
    tool0_pos=TOOL0_POS,
    tool0_quat=rpy_quat(0.0, math.pi / 2, 0.0),
    base_radius=0.09,
    base_height=0.1,
    # The wrist's capsules meet at the flange, where the gripper's palm starts; the upper arm's and the forearm's
    # capsules overlap at the elbow (a permanent contact that fought the arm's servos once the noslip pass ran).
    contact_excludes=(("link_5", "gripper_palm"), ("link_4", "link_6"), ("link_2", "link_4")),
)
