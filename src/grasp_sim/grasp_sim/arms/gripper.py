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

    @property
    def pinch_offset(self) -> float:
        """Distance from the flange (tool0) to the pinch point along tool z."""
        return self.palm_length + self.finger_length - self.pinch_above_tips

    @property
    def camera_offset(self) -> float:
        """Distance from the flange (tool0) to the camera along tool z."""
        return self.pinch_offset - self.camera_above_pinch
