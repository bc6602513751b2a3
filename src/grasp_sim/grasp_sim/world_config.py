"""Settings of the embedded grasping world."""

from __future__ import annotations

from dataclasses import dataclass, field

from grasp_sim.depth_camera import CameraConfig


@dataclass(frozen=True)
class WorldConfig:
    """Everything that shapes an episode of the embedded world. Lengths in metres, angles in radians."""

    camera: CameraConfig = field(default_factory=CameraConfig)
    # "train" or "heldout" (the procedural family's fixed split), or the path of a folder of OBJ/STL meshes.
    object_set: str = "train"
    min_objects: int = 1
    max_objects: int = 5
    # Region of the table (base_link x, y) where objects are dropped.
    object_x_range: tuple[float, float] = (0.42, 0.58)
    object_y_range: tuple[float, float] = (-0.08, 0.08)
    # Start pose of the pinch point: above the centre of the object region, jittered.
    start_height: float = 0.28
    start_xy_jitter: float = 0.04
    # Arm speeds while servoing.
    linear_speed: float = 0.3  # m/s
    angular_speed: float = 2.0  # rad/s
    # Lift test (seed 000): after closing, lift by lift_distance, hold, succeed if an object's centre is
    # at least success_height above the table.
    lift_distance: float = 0.15
    hold_time: float = 0.3
    success_height: float = 0.10
    # Kinematic-noise model of seed 001: each commanded displacement component d gets + scale * w * |d|,
    # w ~ N(0, 1). 0 turns it off; seed 001 uses 0.4.
    kinematic_noise: float = 0.0
    # Object disturbance mid-grasp: before the frame of this step, the object nearest the gripper is
    # moved by a random horizontal distance in disturbance_distance, in a random direction.
    disturbance: bool = False
    disturbance_step: int = 2
    disturbance_distance: tuple[float, float] = (0.03, 0.06)
    mesh_cache_dir: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.min_objects <= self.max_objects <= 5:
            raise ValueError(
                f"objects per scene must satisfy 1 <= min_objects <= max_objects <= 5, "
                f"got {self.min_objects}..{self.max_objects}"
            )
        if self.kinematic_noise < 0:
            raise ValueError(f"kinematic_noise must be >= 0, got {self.kinematic_noise}")
        if self.disturbance_step < 1:
            raise ValueError(f"disturbance_step must be >= 1, got {self.disturbance_step}")
