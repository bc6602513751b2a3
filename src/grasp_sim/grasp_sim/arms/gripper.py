"""The parallel-jaw grippers of the arms: stroke, fingers, drive (metres, newtons, seconds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GripperGeometry:
    """Dimensions and drive of a parallel-jaw gripper (defaults: a Robotiq 2F-85), metres, newtons, seconds."""

    name: str = "Robotiq 2F-85"
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
    # Camera: this far above the pinch point along the tool axis (inside the palm, between the fingers). The
    # same on every gripper: the model's camera contract (grasp_perception.contract.CameraSpec) fixes it.
    camera_above_pinch: float = 0.058
    # Half the palm's size across (along the closing axis) and along the pads (m).
    palm_half_size: tuple[float, float] = (0.055, 0.025)

    # Where the palm starts along the tool frame's z (m): 0 on a flange; negative where the vendor's tool frame
    # lies beyond the hand's base (the Jaco 2's end effector frame is near its fingertips).
    mount_offset: float = 0.0

    @property
    def pinch_offset(self) -> float:
        """Distance from the tool frame (tool0) to the pinch point along tool z."""
        return self.mount_offset + self.palm_length + self.finger_length - self.pinch_above_tips

    @property
    def close_timeout(self) -> float:
        """Seconds a close may take before it counts as done: 1.2 s, or twice a full stroke on a slow, wide gripper."""
        return max(1.2, 2 * self.max_opening / self.closing_speed)

    @property
    def camera_offset(self) -> float:
        """Distance from the flange (tool0) to the camera along tool z."""
        return self.pinch_offset - self.camera_above_pinch


#: The Robotiq 2F-85 (on the UR5, the IRB 120 and the Gen3): the defaults.
ROBOTIQ_2F85 = GripperGeometry()
#: Kinova's KG-2 two-finger hand of the Jaco 2 (j2n6s200), as a parallel jaw. Its under-actuated fingers curl
#: about the object; here they slide. Stroke: 175 mm (Morrison et al., GG-CNN, RSS 2018; kinova-ros states
#: none; its URDF's fingertips open to about 0.20 m). The fingers' bases sit 0.115 m below link_6 and their tips
#: reach the end effector frame (kinova_finger_set.xacro). Grip force and speed: Kinova publishes none in
#: kinova-ros; 40 N and 0.1 m/s are assumptions of the order of the 2F-85's low settings.
KINOVA_KG2 = GripperGeometry(
    name="Kinova KG-2",
    max_opening=0.175,
    finger_length=0.05,
    palm_length=0.06,
    grip_force=40.0,
    closing_speed=0.1,
    palm_half_size=(0.095, 0.03),
    mount_offset=-0.105,
)
