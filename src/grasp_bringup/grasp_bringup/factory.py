"""Builds the parts of the embedded stack from plain settings: world, servo, scorer, controllers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from grasp_datacollect.policies import POLICY_NAMES, BiasedPolicy, ExploringLearnedPolicy, RandomPolicy
from grasp_servo.cem import CEMConfig
from grasp_servo.controllers import ClosedLoopController, Controller, OpenLoopController
from grasp_servo.robot_profiles import get_profile
from grasp_servo.servo import CEMServo, ServoConfig
from grasp_sim.depth_camera import CameraConfig
from grasp_sim.world_config import WorldConfig

CONTROLLER_NAMES = (*POLICY_NAMES, "cem", "open_loop")
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "grasp_success.onnx"


@dataclass(frozen=True)
class RunSettings:
    """Everything a collection or evaluation worker needs to build its own stack (picklable)."""

    controller: str = "biased"
    model: str | None = None
    robot: str = "ur5"
    object_set: str = "train"
    camera_px: int = 64
    disturbance: bool = False
    kinematic_noise: float = 0.0
    min_objects: int = 1
    max_objects: int = 5
    cem_samples: int = 64
    cem_elites: int = 6
    cem_iterations: int = 3
    step_budget: int = 20
    explore_probability: float = 0.2
    scorer_threads: int = 1

    def __post_init__(self) -> None:
        if self.controller not in CONTROLLER_NAMES:
            raise ValueError(f"unknown controller '{self.controller}': choose one of {', '.join(CONTROLLER_NAMES)}")
        if self.controller in ("learned", "cem", "open_loop") and not self.model:
            raise ValueError(f"controller '{self.controller}' needs a model (--model path/to/model.onnx)")
        if self.model and not Path(self.model).is_file():
            raise FileNotFoundError(f"model file not found: {self.model}")


def world_config(settings: RunSettings) -> WorldConfig:
    return WorldConfig(
        camera=CameraConfig(width=settings.camera_px, height=settings.camera_px),
        object_set=settings.object_set,
        min_objects=settings.min_objects,
        max_objects=settings.max_objects,
        disturbance=settings.disturbance,
        kinematic_noise=settings.kinematic_noise,
    )


def servo_config(settings: RunSettings) -> ServoConfig:
    cem = replace(
        CEMConfig(),
        samples=settings.cem_samples,
        elites=settings.cem_elites,
        iterations=settings.cem_iterations,
    )
    return ServoConfig(cem=cem, step_budget=settings.step_budget)


def build_controller(settings: RunSettings) -> Controller:
    """The controller named in ``settings`` (loading the ONNX model when it needs one)."""
    profile = get_profile(settings.robot)
    workspace = profile.workspace
    if settings.controller in ("random", "biased"):
        wc = world_config(settings)
        region = (wc.object_x_range, wc.object_y_range)
        cls = RandomPolicy if settings.controller == "random" else BiasedPolicy
        return cls(workspace, region)
    from grasp_perception.scorer import OnnxGraspScorer

    scorer = OnnxGraspScorer(settings.model, threads=settings.scorer_threads)
    servo = CEMServo(servo_config(settings), workspace)
    if settings.controller == "open_loop":
        return OpenLoopController(scorer, servo)
    closed_loop = ClosedLoopController(scorer, servo)
    if settings.controller == "learned":
        return ExploringLearnedPolicy(closed_loop, explore_probability=settings.explore_probability)
    return closed_loop
