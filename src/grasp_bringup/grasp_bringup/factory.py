"""Builds the parts of the embedded stack from plain settings: world, servo, scorer, controllers."""

from __future__ import annotations

import functools
import math
import sys
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grasp_datacollect.policies import POLICY_NAMES, BiasedPolicy, ExploringLearnedPolicy, RandomPolicy
from grasp_servo.cem import CEMConfig
from grasp_servo.controllers import ClosedLoopController, Controller, OpenLoopController
from grasp_servo.distance_servo import BLOCKED_DISTANCE, DistanceController, DistanceServo, distance_servo_config
from grasp_servo.finger_clearance import MAX_CONTACT_ANGLE_DEG, FingerClearance, FingerFootprint
from grasp_servo.robot_profiles import get_profile
from grasp_servo.servo import CEMServo, ServoConfig
from grasp_servo.threshold import OpenLoopThresholdController, ThresholdConfig, ThresholdController, ThresholdServo
from grasp_servo.workspace import Workspace
from grasp_sim.depth_camera import CameraConfig
from grasp_sim.depth_noise import DepthNoiseConfig
from grasp_sim.world_config import WorldConfig

if TYPE_CHECKING:
    from grasp_perception.contract import CameraSpec, ModelContract
    from grasp_perception.scorer import OnnxGraspScorer

CONTROLLER_NAMES = (*POLICY_NAMES, "cem", "threshold", "open_loop")
LEARNED_CONTROLLERS = ("learned", "cem", "threshold", "open_loop")  # the ones that need a model
DISTURBANCE_MODES = ("late", "early")  # what --disturbance does (grasp_sim.world_config)
MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = MODELS_DIR / "grasp_success.onnx"
#: Every family's shipped model (each with a model card in MODELS_DIR).
SHIPPED_MODELS = {
    "success": DEFAULT_MODEL,
    "q": MODELS_DIR / "q_value.onnx",
    "distance": MODELS_DIR / "grasp_distance.onnx",
    "pregrasp": MODELS_DIR / "pregrasp_motion.onnx",
    "pregrasp_gaussian": MODELS_DIR / "pregrasp_motion_gaussian.onnx",
    "pregrasp_part": MODELS_DIR / "pregrasp_part_box120.onnx",  # seed 003's setting: one taught part (PART_003)
    "grasp_map": MODELS_DIR / "grasp_map.onnx",
}


PART_003 = "heldout:heldout_box_120"  # the part pregrasp_part_box120.onnx was taught (a 108 x 40 x 44 mm block)
PART_003_CAMERA_PX = 128  # the camera it was trained with: 128 px frames, area-resized to the model's 64 px


class UsageError(ValueError):
    """Bad input from the user: the command prints the message as one line and exits with code 2."""


def _check_range(name: str, value: float, low: float, high: float = math.inf) -> None:
    option = f"{name} (--{name.replace('_', '-')})"
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{option} must be a finite number, got {value}")
    if not low <= value <= high:
        bound = f">= {low}" if high == math.inf else f"between {low} and {high}"
        raise UsageError(f"{option} must be {bound}, got {value}")


CAMERA_NOISE = {  # --camera-noise: the depth sensor the wrist camera behaves like
    "none": lambda: None,
    "d405": DepthNoiseConfig.realsense_d405,
    "d435": DepthNoiseConfig.realsense_d435,
    "primesense": DepthNoiseConfig.primesense,
}


@dataclass(frozen=True)
class RunSettings:
    """Everything a collection or evaluation worker needs to build its own stack (picklable)."""

    controller: str = "biased"
    model: str | None = None
    robot: str = "ur5"
    object_set: str = "train"
    camera_px: int = 64
    disturbance: bool = False
    # How --disturbance disturbs objects: "late" (pushed while the gripper comes down on them; seed 000) or
    # "early" (moved before servo step 2, the behaviour before "late" existed).
    disturbance_mode: str = "late"
    camera_noise: str = "none"  # a real depth sensor's noise and holes: none, d405, d435, primesense
    fingers_in_view: bool = False  # the wrist camera sees the fingers, as a real one mounted on the wrist does
    kinematic_noise: float = 0.0
    min_objects: int = 1
    max_objects: int = 5
    cem_samples: int = 64
    cem_elites: int = 6
    cem_iterations: int = 3
    step_budget: int = 20
    grasp_attempts: int = 1  # closed loop: grasp attempts per scene (regrasps) within the step budget
    explore_probability: float = 0.2
    scorer_threads: int = 1
    approach_steps: int = 25  # distance models (seed 001): frames of the descent; the step budget grows to fit
    threshold_mm: float = 0.5  # threshold servo (seed 003): translation under which it grasps
    threshold_deg: float = 0.5  # ... and rotation
    descent_steps: int = 1  # ... frames of the taught grasp motion (1: blind; more: guarded, grasp maps only)
    track_peaks: int = 1  # ... grasps it keeps in view to follow one (1: the best on every frame; GG-CNN: 3)
    # CEM servo: motions that would set a finger down on a seen surface score worst (the threshold servo follows
    # one motion and does not use it). Off here, so collection and the seeds' experiments run the seeds' servos;
    # grasp evaluate and grasp demo decide it with --finger-clearance auto|on|off (auto: the model's, see
    # grasp_servo.finger_clearance.CLEARANCE_BY_TARGET).
    finger_clearance: bool = False
    max_contact_angle: float = MAX_CONTACT_ANGLE_DEG  # ... and faces steeper than this (deg) are not closed on; 0: off

    @property
    def max_steps(self) -> int:
        """Servo steps an episode may take: the step budget, or a distance model's whole descent."""
        if self.controller in ("cem", "learned") and self.model and model_target(self.model) == "grasp_distance":
            return max(self.step_budget, self.approach_steps)
        return self.step_budget

    def __post_init__(self) -> None:
        if self.controller not in CONTROLLER_NAMES:
            raise ValueError(f"unknown controller '{self.controller}': choose one of {', '.join(CONTROLLER_NAMES)}")
        if self.controller in LEARNED_CONTROLLERS and not self.model:
            raise ValueError(f"controller '{self.controller}' needs a model (--model path/to/model.onnx)")
        if self.model and not Path(self.model).is_file():
            raise FileNotFoundError(f"model file not found: {self.model}")
        if self.camera_noise not in CAMERA_NOISE:
            raise UsageError(
                f"camera_noise (--camera-noise) must be one of {', '.join(CAMERA_NOISE)}, got {self.camera_noise!r}"
            )
        if self.disturbance_mode not in DISTURBANCE_MODES:
            raise UsageError(
                f"disturbance_mode (--disturbance-mode) must be one of {', '.join(DISTURBANCE_MODES)}, "
                f"got {self.disturbance_mode!r}"
            )
        _check_range("camera_px", self.camera_px, 16, 472)
        _check_range("min_objects", self.min_objects, 1, 5)
        _check_range("max_objects", self.max_objects, 1, 5)
        if self.min_objects > self.max_objects:
            raise UsageError(
                f"--min-objects {self.min_objects} is more than --max-objects {self.max_objects}: swap them"
            )
        _check_range("kinematic_noise", self.kinematic_noise, 0.0, 10.0)
        _check_range("cem_samples", self.cem_samples, 2, 4096)
        _check_range("cem_elites", self.cem_elites, 1, self.cem_samples)
        _check_range("cem_iterations", self.cem_iterations, 1, 100)
        _check_range("step_budget", self.step_budget, 1, 10_000)
        _check_range("grasp_attempts", self.grasp_attempts, 1, 100)
        _check_range("explore_probability", self.explore_probability, 0.0, 1.0)
        _check_range("scorer_threads", self.scorer_threads, 1, 256)
        _check_range("approach_steps", self.approach_steps, 1, 1000)
        _check_range("threshold_mm", self.threshold_mm, 0.01, 100.0)
        _check_range("threshold_deg", self.threshold_deg, 0.01, 90.0)
        _check_range("descent_steps", self.descent_steps, 1, self.step_budget - 1)
        _check_range("track_peaks", self.track_peaks, 1, 64)
        _check_range("max_contact_angle", self.max_contact_angle, 0.0, 89.0)


def model_target(path: str) -> str:
    """The target named in a model file's contract (cached per path)."""
    return _model_contract(path).target


@functools.cache
def _model_contract(path: str) -> ModelContract:
    from grasp_perception.onnx_model import read_model_contract

    return read_model_contract(path)


def servo_kind_for(model: str) -> str:
    """The servo kind a model file needs: cem for scoring models, threshold for regression models."""
    return _model_contract(model).spec.servo


def check_controller_pairing(settings: RunSettings) -> None:
    """Refuse a controller that cannot use the model (a regression model under CEM, or the reverse), and a
    guarded descent for a model that was trained at the pregrasp height only.

    Raises:
        UsageError: the pairing is wrong; the message names the controller (or setting) that fits.
    """
    if settings.controller not in LEARNED_CONTROLLERS or not settings.model:
        return
    from grasp_perception.model_targets import check_guarded_descent, check_servo_pairing

    servo = "threshold" if settings.controller == "threshold" else "cem"
    if settings.controller == "open_loop":
        servo = servo_kind_for(settings.model)  # the open-loop baseline exists for both kinds
    target = model_target(settings.model)
    try:
        check_servo_pairing(target, servo)
        if servo == "threshold":
            check_guarded_descent(target, settings.descent_steps, "descent_steps (--descent-steps)")
    except ValueError as error:
        raise UsageError(f"{settings.model}: {error}") from None


def preflight(settings: RunSettings) -> None:
    """Check in this process everything the workers will build, so bad input fails before any worker starts.

    Loads the model (contract checked) and a mesh folder (cached for the workers; bad files are skipped with a
    warning naming them), and builds the world and servo configurations.
    """
    config = world_config(settings)
    servo_config(settings)
    get_profile(settings.robot)
    if settings.model:
        from grasp_perception.onnx_model import OnnxDepthModel

        OnnxDepthModel(settings.model)  # the contract, checked against the graph
        check_controller_pairing(settings)
    if config.object_set not in ("train", "heldout"):
        from grasp_sim.objects import OBJECT_SETS, resolve_object_set

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            objects = resolve_object_set(config.object_set, progress=sys.stderr.isatty())
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
        noun = "objects" if config.object_set.rsplit(":", 1)[0] in OBJECT_SETS else "meshes"
        print(f"object set {config.object_set}: {len(objects)} {noun}", file=sys.stderr)


def world_config(settings: RunSettings) -> WorldConfig:
    return WorldConfig(
        camera=CameraConfig(
            width=settings.camera_px,
            height=settings.camera_px,
            noise=CAMERA_NOISE[settings.camera_noise](),
            fingers_in_view=settings.fingers_in_view,
        ),
        object_set=settings.object_set,
        min_objects=settings.min_objects,
        max_objects=settings.max_objects,
        disturbance=settings.disturbance_mode if settings.disturbance else "none",
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
    """The controller named in ``settings`` (loading the ONNX model when it needs one).

    Scoring models run under CEM (a distance model with seed 001's step rule), regression models under the
    threshold servo; ``open_loop`` is the one-look baseline of either kind.

    Raises:
        UsageError: the controller cannot use the model (``check_controller_pairing``).
    """
    profile = get_profile(settings.robot)
    workspace = profile.workspace
    if settings.controller in ("random", "biased"):
        wc = world_config(settings)
        region = wc.object_region(settings.robot)
        cls = RandomPolicy if settings.controller == "random" else BiasedPolicy
        return cls(workspace, region)
    check_controller_pairing(settings)
    if servo_kind_for(settings.model) == "threshold":
        return _threshold_controller(settings, workspace)
    from grasp_perception.scorer import OnnxGraspScorer

    scorer = OnnxGraspScorer(settings.model, threads=settings.scorer_threads)
    if scorer.objective == "minimise":
        return _distance_controller(settings, scorer, workspace)
    servo = CEMServo(servo_config(settings), workspace)
    if settings.controller == "open_loop":
        return OpenLoopController(scorer, servo, clearance=finger_clearance(settings, scorer.contract.camera))
    closed_loop = ClosedLoopController(scorer, servo, finger_clearance(settings, scorer.contract.camera))
    if settings.controller == "learned":
        return ExploringLearnedPolicy(closed_loop, explore_probability=settings.explore_probability)
    return closed_loop


def finger_clearance(settings: RunSettings, camera: CameraSpec) -> FingerClearance | None:
    """The CEM servo's finger-clearance check for the settings' robot and model camera, or None when off."""
    if not settings.finger_clearance:
        return None
    footprint = FingerFootprint(opening=get_profile(settings.robot).max_opening)
    return FingerClearance(camera, footprint, settings.max_contact_angle)


def _distance_controller(settings: RunSettings, scorer: OnnxGraspScorer, workspace: Workspace) -> Controller:
    from grasp_perception.scorer import MaximisedScorer

    if settings.controller == "open_loop":  # one look: move to the best candidate of the first frame (one-shot)
        return OpenLoopController(MaximisedScorer(scorer), CEMServo(servo_config(settings), workspace),
                                  clearance=finger_clearance(settings, scorer.contract.camera),
                                  blocked_score=-BLOCKED_DISTANCE)  # scores are negated distances
    config = distance_servo_config(settings.approach_steps, settings.cem_samples, settings.cem_elites,
                                   settings.cem_iterations)
    controller = DistanceController(scorer, DistanceServo(config, workspace),
                                    finger_clearance(settings, scorer.contract.camera))
    if settings.controller == "learned":
        return ExploringLearnedPolicy(controller, explore_probability=settings.explore_probability)
    return controller


def _threshold_controller(settings: RunSettings, workspace: Workspace) -> Controller:
    from grasp_perception.regressor import OnnxMotionRegressor

    regressor = OnnxMotionRegressor(settings.model, threads=settings.scorer_threads)
    config = ThresholdConfig(
        translation_threshold=settings.threshold_mm / 1000,
        rotation_threshold=math.radians(settings.threshold_deg),
        step_budget=settings.step_budget,
        descent_steps=settings.descent_steps,
        track_peaks=settings.track_peaks,
    )
    servo = ThresholdServo(config, workspace, regressor.pregrasp_height, regressor.grasp_motion)
    if settings.controller == "open_loop":
        return OpenLoopThresholdController(regressor, servo)
    return ThresholdController(regressor, servo)
