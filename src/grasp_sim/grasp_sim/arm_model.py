"""MJCF of a UR5-class arm with a parallel-jaw gripper and a wrist depth camera, generated from parameters.

The arm follows the published UR5 kinematics (the link offsets of Universal Robots' ``ur_description``:
d1 = 0.089159, a2 = 0.425, a3 = 0.39225, d4 = 0.10915, d5 = 0.09465, d6 = 0.0823) with capsule links, so the
world builds offline from nothing but this file. The gripper closes along the tool x axis; its pinch site
(``pinch``) is the point between the fingertips that grasp poses refer to. The wrist camera sits on the tool
axis looking along tool z (down, when the gripper points down). The gripper is modelled on a Robotiq 2F-85:
85 mm stroke, linked fingers, closing at a set speed and squeezing with a set force (``GripperGeometry``).

Arm and gripper geoms are in geom group 2 so that the depth camera, which ray-casts groups 0 and 1 only,
sees the table and the objects but not the robot itself.
"""

from __future__ import annotations

from dataclasses import dataclass

ARM_JOINTS = (
    "shoulder_pan_joint",
    "shoulder_lift_joint",
    "elbow_joint",
    "wrist_1_joint",
    "wrist_2_joint",
    "wrist_3_joint",
)
FINGER_JOINTS = ("left_finger_joint", "right_finger_joint")
PINCH_SITE = "pinch"
CAMERA_SITE = "wrist_camera"
RGB_CAMERA = "wrist_rgb"  # MuJoCo camera at the same place; MuJoCo cameras look along their -z, y up
ROBOT_GEOM_GROUP = 2
#: Finger position target (m) that squeezes with the full grip force: 10 mm past closed.
FINGER_SHUT = -0.01


@dataclass(frozen=True)
class GripperGeometry:
    """Dimensions and drive of the parallel-jaw gripper (after a Robotiq 2F-85), metres, newtons, seconds."""

    max_opening: float = 0.085  # 2F-85 stroke: 85 mm
    finger_length: float = 0.055
    palm_length: float = 0.06
    # The pads' own friction is a floor, not the grip's coefficient: MuJoCo combines two geoms of equal
    # priority by the element-wise maximum of their frictions (MuJoCo docs, Modeling > Contact parameters), so
    # with the pads at the bottom of the objects' range (WorldConfig.sliding_friction_range) every pad contact
    # takes the object's sampled coefficient (its surface against the pad). The pads have no priority.
    pad_friction: tuple[float, float, float] = (0.3, 0.001, 0.0001)
    # Squeeze force on a held object (N): each finger pushes with this force. The 2F-85's grip force is
    # adjustable between 20 and 235 N (Robotiq 2F-85 datasheet); 60 N is a low-to-middle setting.
    grip_force: float = 60.0
    # Closing speed (m/s) of the opening between the pads; the 2F-85's is adjustable between 0.02 and 0.15.
    closing_speed: float = 0.15
    # Pinch point: this far above the fingertips, along the tool axis.
    pinch_above_tips: float = 0.012
    # Camera: this far from the flange along the tool axis (inside the palm, between the fingers).
    camera_offset: float = 0.045

    @property
    def pinch_offset(self) -> float:
        """Distance from the flange (tool0) to the pinch point along tool z."""
        return self.palm_length + self.finger_length - self.pinch_above_tips


def arm_mjcf(gripper: GripperGeometry | None = None, timestep: float = 0.002) -> str:
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
    return f"""
<mujoco model="ur5_parallel_jaw">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="{timestep}" integrator="implicitfast" cone="elliptic" impratio="10"/>
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
    <body name="base_link" childclass="arm">
      <geom name="base_geom" type="cylinder" size="0.06 0.04" pos="0 0 0.04"/>
      <body name="shoulder_link" pos="0 0 0.089159" gravcomp="1">
        <inertial pos="0 0 0" mass="3.7" diaginertia="0.0102 0.0102 0.0067"/>
        <joint name="shoulder_pan_joint" axis="0 0 1"/>
        <geom size="0.06" fromto="0 0 -0.05 0 0 0.05"/>
        <body name="upper_arm_link" pos="0 0.13585 0" quat="0.7071068 0 0.7071068 0" gravcomp="1">
          <inertial pos="0 0 0.28" mass="8.393" diaginertia="0.2269 0.2269 0.0151"/>
          <joint name="shoulder_lift_joint" axis="0 1 0"/>
          <geom size="0.055" fromto="0 0 0 0 0 0.425"/>
          <body name="forearm_link" pos="0 -0.1197 0.425" gravcomp="1">
            <inertial pos="0 0 0.25" mass="2.275" diaginertia="0.0494 0.0494 0.004"/>
            <joint name="elbow_joint" axis="0 1 0" range="-3.1416 3.1416"/>
            <geom size="0.045" fromto="0 0 0 0 0 0.39225"/>
            <body name="wrist_1_link" pos="0 0 0.39225" quat="0.7071068 0 0.7071068 0" gravcomp="1">
              <inertial pos="0 0.093 0" mass="1.219" diaginertia="0.0021 0.0021 0.0021"/>
              <joint name="wrist_1_joint" axis="0 1 0" class="wrist"/>
              <geom size="0.04" fromto="0 0 0 0 0.093 0"/>
              <body name="wrist_2_link" pos="0 0.093 0" gravcomp="1">
                <inertial pos="0 0 0.09465" mass="1.219" diaginertia="0.0021 0.0021 0.0021"/>
                <joint name="wrist_2_joint" axis="0 0 1" class="wrist"/>
                <geom size="0.04" fromto="0 0 0 0 0 0.09465"/>
                <body name="wrist_3_link" pos="0 0 0.09465" gravcomp="1">
                  <inertial pos="0 0.06 0" mass="0.1879" diaginertia="0.0002 0.0002 0.0002"/>
                  <joint name="wrist_3_joint" axis="0 1 0" class="wrist"/>
                  <geom size="0.04" fromto="0 0 0 0 0.07 0"/>
                  <body name="tool0" pos="0 0.0823 0" quat="0.7071068 -0.7071068 0 0" gravcomp="1">
                    <body name="gripper_palm" gravcomp="1">
                      <inertial pos="0 0 {g.palm_length / 2}" mass="0.6" diaginertia="0.001 0.001 0.001"/>
                      <geom type="box" size="0.055 0.025 {g.palm_length / 2}" pos="0 0 {g.palm_length / 2}"
                            rgba="0.25 0.25 0.3 1"/>
                      <site name="{CAMERA_SITE}" pos="0 0 {g.camera_offset}" size="0.005" group="{ROBOT_GEOM_GROUP}"/>
                      <camera name="{RGB_CAMERA}" pos="0 0 {g.camera_offset}" quat="0 1 0 0" fovy="70"/>
                      <site name="{PINCH_SITE}" pos="0 0 {g.pinch_offset}" size="0.005" rgba="1 0 0 1"
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
                  </body>
                </body>
              </body>
            </body>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <contact>
    <!-- base_link is welded to the world, so parent filtering does not spare the shoulder; the base and the
         shoulder reach into the table (a world geom). These contacts are permanent, act on no joint (the shoulder
         only turns about z) and their forces are meaningless (1e16 N). -->
    <exclude body1="world" body2="base_link"/>
    <exclude body1="world" body2="shoulder_link"/>
    <exclude body1="base_link" body2="shoulder_link"/>
    <exclude body1="gripper_palm" body2="left_finger"/>
    <exclude body1="gripper_palm" body2="right_finger"/>
    <exclude body1="left_finger" body2="right_finger"/>
    <exclude body1="wrist_3_link" body2="gripper_palm"/>
  </contact>
  <equality>
    <!-- The 2F-85's fingers are linked: they open and close together, symmetric about the pinch point. -->
    <joint name="finger_coupling" joint1="left_finger_joint" joint2="right_finger_joint" solref="0.004 1"/>
  </equality>
  <actuator>
    <position name="shoulder_pan" joint="shoulder_pan_joint" class="arm"/>
    <position name="shoulder_lift" joint="shoulder_lift_joint" class="arm"/>
    <position name="elbow" joint="elbow_joint" class="arm"/>
    <position name="wrist_1" joint="wrist_1_joint" class="wrist"/>
    <position name="wrist_2" joint="wrist_2_joint" class="wrist"/>
    <position name="wrist_3" joint="wrist_3_joint" class="wrist"/>
    <position name="left_finger" joint="left_finger_joint" kp="{finger_kp:g}" kv="{finger_kv:.1f}"
              ctrlrange="{FINGER_SHUT:g} {half_open:.4f}" forcerange="-{g.grip_force:g} {g.grip_force:g}"/>
    <position name="right_finger" joint="right_finger_joint" kp="{finger_kp:g}" kv="{finger_kv:.1f}"
              ctrlrange="{FINGER_SHUT:g} {half_open:.4f}" forcerange="-{g.grip_force:g} {g.grip_force:g}"/>
  </actuator>
</mujoco>
"""
