"""MJCF of a 6-DoF arm with a parallel-jaw gripper and a wrist depth camera, generated from its description.

The arm is an ``ArmDescription`` (``grasp_sim.arms``: the UR5, the ABB IRB 120, the Kinova Jaco 2 and Gen3,
each from its vendor's published kinematics and limits) with capsule links, so the world builds offline from
nothing but these files. The gripper is mounted on tool0 and closes along the tool x axis; its pinch site
(``pinch``) is the point between the fingertips that grasp poses refer to. The wrist camera sits on the tool
axis looking along tool z (down, when the gripper points down), the same distance above the pinch point on every
arm, so the model sees the same frame whatever the arm. The gripper is a ``GripperGeometry``: stroke, fingers,
closing speed and grip force of the arm's real gripper (a Robotiq 2F-85 or Kinova's KG-2), linked fingers.

Arm and gripper geoms are in geom group 2 so that the depth camera, which ray-casts groups 0 and 1 only,
sees the table and the objects but not the robot itself.
"""

from __future__ import annotations

import math

from grasp_sim.arms.description import ArmDescription, Link
from grasp_sim.arms.gripper import GripperGeometry
from grasp_sim.arms.ur5 import UR5

__all__ = ["GripperGeometry", "arm_mjcf"]

FINGER_JOINTS = ("left_finger_joint", "right_finger_joint")
PINCH_SITE = "pinch"
CAMERA_SITE = "wrist_camera"
RGB_CAMERA = "wrist_rgb"  # MuJoCo camera at the same place; MuJoCo cameras look along their -z, y up
ROBOT_GEOM_GROUP = 2
#: Finger position target (m) that squeezes with the full grip force: 10 mm past closed.
FINGER_SHUT = -0.01
#: Iterations of MuJoCo's noslip post-solver, which "suppress[es] slip/drift in friction dimensions resulting from
#: the soft-constraint model" (MuJoCo XML reference, option/noslip_iterations). Without it a box held at 60 % of
#: what its friction can carry creeps down the pads by 0.38 mm/s (0.11 with it; test_labels_and_physics), and on
#: urdf_val 23 of 200 grasps of 1-40 g objects slipped during the lift and shake (10 with it). A load past the
#: friction limit still slips (tested).
NOSLIP_ITERATIONS = 5


def arm_mjcf(gripper: GripperGeometry | None = None, timestep: float = 0.002, arm: ArmDescription = UR5) -> str:
    """The MJCF text of the arm, gripper and camera on a world with gravity (no table, no objects)."""
    g = gripper or GripperGeometry()
    half_open = g.max_opening / 2
    friction = " ".join(f"{f:g}" for f in g.pad_friction)
    # Position servo per finger, force-limited: the world moves the target at the closing speed and, once a
    # finger is blocked, past the closed position, so a blocked finger squeezes with exactly grip_force
    # (kp * 10 mm = grip_force; critically damped with the finger's mass and armature, 0.06 kg).
    finger_kp = g.grip_force / 0.01
    finger_kv = 2 * (finger_kp * 0.06) ** 0.5
    finger_z = g.palm_length + g.finger_length / 2
    palm_x, palm_y = g.palm_half_size
    palm_pos = f' pos="0 0 {g.mount_offset!r}"' if g.mount_offset else ""
    tool = f'name="{arm.tool_link}" pos="{_vec(arm.tool0_pos)}" quat="{_vec(arm.tool0_quat)}"'
    gripper_body = f"""<body {tool} gravcomp="1">
  <body name="gripper_palm"{palm_pos} gravcomp="1">
    <inertial pos="0 0 {g.palm_length / 2}" mass="0.6" diaginertia="0.001 0.001 0.001"/>
    <geom type="box" size="{palm_x} {palm_y} {g.palm_length / 2}" pos="0 0 {g.palm_length / 2}"
          rgba="0.25 0.25 0.3 1"/>
    <site name="{CAMERA_SITE}" pos="0 0 {g.camera_offset - g.mount_offset}" size="0.005" group="{ROBOT_GEOM_GROUP}"/>
    <camera name="{RGB_CAMERA}" pos="0 0 {g.camera_offset - g.mount_offset}" quat="0 1 0 0" fovy="70"/>
    <site name="{PINCH_SITE}" pos="0 0 {g.pinch_offset - g.mount_offset}" size="0.005" rgba="1 0 0 1"
          group="{ROBOT_GEOM_GROUP}"/>
    <body name="left_finger" pos="0 0 {finger_z}" childclass="finger" gravcomp="1">
      <inertial pos="0 0 0" mass="0.05" diaginertia="1e-5 1e-5 1e-5"/>
      <joint name="left_finger_joint" axis="1 0 0"/>
      <geom name="left_pad" size="0.005 0.012 {g.finger_length / 2}" pos="0.005 0 0"/>
    </body>
    <body name="right_finger" pos="0 0 {finger_z}" childclass="finger" gravcomp="1">
      <inertial pos="0 0 0" mass="0.05" diaginertia="1e-5 1e-5 1e-5"/>
      <joint name="right_finger_joint" axis="-1 0 0"/>
      <geom name="right_pad" size="0.005 0.012 {g.finger_length / 2}" pos="-0.005 0 0"/>
    </body>
  </body>
</body>"""
    chain = gripper_body
    for link in reversed(arm.links):
        servo = ' class="wrist"' if link.servo == "wrist" else ""
        inertial = link.inertial
        chain = f"""<body name="{link.name}" pos="{_vec(link.pos)}" quat="{_vec(link.quat)}" gravcomp="1">
  <inertial pos="{_vec(inertial.pos)}" mass="{inertial.mass!r}" diaginertia="{_vec(inertial.diaginertia)}"/>
  <joint name="{link.joint}" axis="{_vec(link.axis)}" range="{link.lower!r} {link.upper!r}"{servo}/>
  {_link_geom(link)}
{chain}
</body>"""
    half_base = arm.base_height / 2
    first, last = arm.links[0].name, arm.links[-1].name
    excludes = [("world", arm.base_link), ("world", first), (arm.base_link, first), *arm.contact_excludes]
    exclude_xml = "\n".join(f'    <exclude body1="{a}" body2="{b}"/>' for a, b in excludes)
    actuators = "\n".join(
        f'    <position name="{link.joint.removesuffix("_joint")}" joint="{link.joint}" class="{link.servo}"/>'
        for link in arm.links
    )
    return f"""
<mujoco model="{arm.name}_parallel_jaw">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="{timestep}" integrator="implicitfast" cone="elliptic" impratio="10"
          noslip_iterations="{NOSLIP_ITERATIONS}"/>
  <default>
    <default class="arm">
      <joint damping="2" armature="0.1" range="-6.2832 6.2832"/>
      <geom type="capsule" group="{ROBOT_GEOM_GROUP}" rgba="0.7 0.7 0.75 1" contype="1" conaffinity="1"/>
      <position kp="20000" kv="600" forcerange="-330 330"/>
    </default>
    <default class="wrist">
      <joint damping="1" armature="0.05" range="-6.2832 6.2832"/>
      <position kp="3000" kv="60" forcerange="-54 54"/>
    </default>
    <default class="finger">
      <joint type="slide" axis="1 0 0" range="0 {half_open:.4f}" damping="5" armature="0.01"
             solreflimit="0.004 1"/>
      <geom type="box" group="{ROBOT_GEOM_GROUP}" rgba="0.2 0.2 0.2 1" condim="4"
            friction="{friction}" solref="0.004 1" solimp="0.95 0.99 0.001"/>
    </default>
  </default>
  <worldbody>
    <body name="{arm.base_link}" childclass="arm">
      <geom name="base_geom" type="cylinder" size="{arm.base_radius!r} {half_base!r}" pos="0 0 {half_base!r}"/>
{chain}
    </body>
  </worldbody>
  <contact>
    <!-- base_link is welded to the world, so parent filtering does not spare the first link; the base and the
         first link reach into the table (a world geom). These contacts are permanent, act on no joint (the first
         joint only turns about z) and their forces are meaningless (1e16 N). -->
{exclude_xml}
    <exclude body1="gripper_palm" body2="left_finger"/>
    <exclude body1="gripper_palm" body2="right_finger"/>
    <exclude body1="left_finger" body2="right_finger"/>
    <exclude body1="{last}" body2="gripper_palm"/>
  </contact>
  <equality>
    <!-- The 2F-85's fingers are linked: they open and close together, symmetric about the pinch point. -->
    <joint name="finger_coupling" joint1="left_finger_joint" joint2="right_finger_joint" solref="0.004 1"/>
  </equality>
  <actuator>
{actuators}
    <position name="left_finger" joint="left_finger_joint" kp="{finger_kp:g}" kv="{finger_kv:.1f}"
              ctrlrange="{FINGER_SHUT:g} {half_open:.4f}" forcerange="-{g.grip_force:g} {g.grip_force:g}"/>
    <position name="right_finger" joint="right_finger_joint" kp="{finger_kp:g}" kv="{finger_kv:.1f}"
              ctrlrange="{FINGER_SHUT:g} {half_open:.4f}" forcerange="-{g.grip_force:g} {g.grip_force:g}"/>
  </actuator>
</mujoco>
"""


def _link_geom(link: Link) -> str:
    """The link's collision capsule (a sphere where the capsule has no length)."""
    if math.dist(link.capsule_from, link.capsule_to) < 1e-6:
        return f'<geom type="sphere" size="{link.capsule_radius!r}" pos="{_vec(link.capsule_from)}"/>'
    return f'<geom size="{link.capsule_radius!r}" fromto="{_vec(link.capsule_from)} {_vec(link.capsule_to)}"/>'


def _vec(values: tuple[float, ...]) -> str:
    """Numbers as MJCF text, each written exactly (no rounding)."""
    return " ".join(repr(float(v)) for v in values)
