"""Settings of the embedded grasping world."""

from __future__ import annotations

from dataclasses import dataclass, field

from grasp_servo.robot_profiles import get_profile

from grasp_sim.depth_camera import CameraConfig

#: Disturbance modes: none; "early", the object nearest the gripper is moved (teleported) before the frame of
#: ``disturbance_step``; "late", it is pushed along the table while the gripper comes down on it.
DISTURBANCE_MODES = ("none", "early", "late")


@dataclass(frozen=True)
class WorldConfig:
    """Everything that shapes an episode of the embedded world. Lengths in metres, angles in radians."""

    camera: CameraConfig = field(default_factory=CameraConfig)
    # "train" or "heldout" (the procedural family's fixed split), or the path of a folder of OBJ/STL meshes.
    object_set: str = "train"
    min_objects: int = 1
    max_objects: int = 5
    # Region of the table (base_link x, y) where objects are dropped; None: the robot profile's object region
    # (grasp_servo.robot_profiles: within every arm's reach, 16 x 16 cm).
    object_x_range: tuple[float, float] | None = None
    object_y_range: tuple[float, float] | None = None
    # Start pose of the pinch point: above the centre of the object region, jittered.
    start_height: float = 0.28
    start_xy_jitter: float = 0.04
    # Arm speeds while servoing.
    linear_speed: float = 0.3  # m/s
    angular_speed: float = 2.0  # rad/s
    # Physics of every object, drawn per object and episode from the episode's seed: density (kg/m^3; the mass
    # is density x volume) and the sliding friction coefficient of its surface (against the pads and the table).
    # Densities, typical handbook values (e.g. The Engineering ToolBox, "Densities of solids"): rigid foams, balsa
    # and cork 100-250, softwoods 350-550, hardwoods 600-900, polypropylene 900, ABS 1040, acrylic 1180; hollow
    # household items (boxes, bottles) are effectively at the low end. Sliding friction of rubber-like gripper
    # pads on smooth plastic, glazed or coated surfaces (about 0.3) up to rough wood, paper or cardboard (about
    # 1.0) (e.g. The Engineering ToolBox, "Friction and friction coefficients"). The pads' and the table's own
    # friction is the range's floor, so MuJoCo's maximum rule gives every contact the object's coefficient.
    density_range: tuple[float, float] = (100.0, 1200.0)
    sliding_friction_range: tuple[float, float] = (0.3, 1.0)
    # Label (seed 004): after closing, lift by lift_distance and hold, then shake (shake_cycles up-down and then
    # shake_cycles sideways, amplitude shake_amplitude at shake_frequency), and read the gripper opening: held
    # when it is above held_opening_threshold (the fingers did not close fully). 1 mm is 3 counts of the 2F-85's
    # 8-bit position register over its 85 mm stroke (0.33 mm each), and below the thinnest part a pinch holds (a
    # 3 mm bracket held reads 2-3 mm: 5 mm, used before, called those failures; fingers shut on nothing read 0).
    lift_distance: float = 0.15
    hold_time: float = 0.3
    shake_amplitude: float = 0.015
    shake_frequency: float = 4.0  # Hz: peak acceleration amplitude * (2 pi f)^2 = 9.5 m/s^2, about 1 g
    shake_cycles: int = 2
    held_opening_threshold: float = 0.001
    # Ground truth (audit and failure analysis only, never the label): an object counts as lifted when its
    # centre of mass rose by lifted_rise and it touches the table no more; the target counts as pushed when it
    # moved by pushed_distance between the last frame and closing; the approach counts as a collision when the
    # arm or gripper pressed on the table or an object with collision_force (the order of a cobot's protective-
    # stop force limit; measured over scripted approaches: median 17 N, 75th percentile 150 N).
    lifted_rise: float = 0.05
    pushed_distance: float = 0.015
    collision_force: float = 150.0  # N
    # Kinematic-noise model of seed 001: each commanded displacement component d gets + scale * w * |d|,
    # w ~ N(0, 1). 0 turns it off; seed 001 uses 0.4.
    kinematic_noise: float = 0.0
    # Object disturbance, "none" | "early" | "late" (True means "late", False "none"):
    # - early: before the frame of disturbance_step, the object nearest the gripper is moved (teleported) by a
    #   random horizontal distance in disturbance_distance, in a random direction;
    # - late (seed 000: objects moved during the grasp): once the fingertips come within disturbance_height
    #   above an object (horizontally within its footprint, at least disturbance_radius), it is pushed along
    #   the table by a distance in disturbance_distance, in a random direction, over push_duration seconds
    #   while the arm keeps moving. At most once per episode; never when the gripper stays away from objects.
    disturbance: str | bool = "none"
    disturbance_step: int = 2
    disturbance_distance: tuple[float, float] = (0.03, 0.06)
    disturbance_height: float = 0.04
    disturbance_radius: float = 0.03
    push_duration: float = 0.25
    mesh_cache_dir: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.disturbance, bool):
            object.__setattr__(self, "disturbance", "late" if self.disturbance else "none")
        if self.disturbance not in DISTURBANCE_MODES:
            raise ValueError(f"disturbance must be one of {', '.join(DISTURBANCE_MODES)}, got {self.disturbance!r}")
        if not 1 <= self.min_objects <= self.max_objects <= 5:
            raise ValueError(
                f"objects per scene must satisfy 1 <= min_objects <= max_objects <= 5, "
                f"got {self.min_objects}..{self.max_objects}"
            )
        if self.kinematic_noise < 0:
            raise ValueError(f"kinematic_noise must be >= 0, got {self.kinematic_noise}")
        if self.disturbance_step < 1:
            raise ValueError(f"disturbance_step must be >= 1, got {self.disturbance_step}")
        for name in ("density_range", "sliding_friction_range", "disturbance_distance"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"{name} must be (low, high) with 0 < low <= high, got {(low, high)}")
        if self.shake_cycles < 0 or self.shake_amplitude < 0 or self.shake_frequency <= 0:
            raise ValueError("shake_cycles and shake_amplitude must be >= 0 and shake_frequency > 0")

    def object_region(self, robot: str) -> tuple[tuple[float, float], tuple[float, float]]:
        """The (x, y) ranges of the object region for ``robot``: this config's, else the robot profile's."""
        profile = get_profile(robot)
        x_range = self.object_x_range or profile.object_x_range
        y_range = self.object_y_range or profile.object_y_range
        return (float(x_range[0]), float(x_range[1])), (float(y_range[0]), float(y_range[1]))

    @property
    def disturbed(self) -> bool:
        """Whether objects are disturbed at all (the bags' EpisodeStart.disturbance)."""
        return self.disturbance != "none"
