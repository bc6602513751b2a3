"""Collection policies (seed 000): random, randomized-but-biased toward objects, and learned with exploration.

A scripted policy picks a grasp target p_T when the episode begins and walks toward it in noisy, capped
steps (first to a hover point a few centimetres above it, sometimes diagonally straight at it), then
descends and closes. The label comes from the lift test; the sample (I_t, p_T - p_t) uses the pose
actually reached when closing, so the noise in the walk costs nothing in label quality and varies the
motions the network sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from grasp_servo.controllers import ClosedLoopController, ObjectHint
from grasp_servo.pose import GripperPose, motion_between, wrap_full_turn, wrap_half_turn
from grasp_servo.servo import CLOSE, MOVE, RAISE, ServoDecision, limit_translation
from grasp_servo.workspace import Workspace, require_usable_pose

POLICY_NAMES = ("random", "biased", "learned")


@dataclass(frozen=True)
class ScriptedPolicyConfig:
    """Shape of the scripted walks. Metres and radians."""

    max_step_translation: float = 0.06
    step_noise: float = 0.01  # std of the noise added to each step's translation
    yaw_step_noise: float = 0.1
    hover_height_range: tuple[float, float] = (0.04, 0.10)
    target_height_range: tuple[float, float] = (0.0, 0.015)  # above the grasp height
    object_xy_noise: float = 0.015  # biased policy: std of the target around the object centre
    object_yaw_noise: float = 0.25
    close_radius: float = 0.008  # close when this near the target horizontally
    diagonal_probability: float = 0.3  # per step: head straight for the target instead of the hover point
    step_budget: int = 20


def _decision(command: str, motion: np.ndarray, reason: str) -> ServoDecision:
    return ServoDecision(command, motion, motion, float("nan"), float("nan"), reason, 0.0, 0.0)


class ScriptedPolicy:
    """Walks to a target chosen at the start of the episode; subclasses choose the target."""

    name = "scripted"

    def __init__(
        self,
        workspace: Workspace,
        config: ScriptedPolicyConfig | None = None,
        grasp_height: float | None = None,
    ):
        self.workspace = workspace
        self.config = config or ScriptedPolicyConfig()
        self.grasp_height = workspace.z_min if grasp_height is None else grasp_height
        self._target: GripperPose | None = None
        self._hover = 0.07
        self._hints: Sequence[ObjectHint] = ()

    def begin_episode(self, hints: Sequence[ObjectHint]) -> None:
        """Start an episode; a hint with a NaN or infinite position, yaw or height is refused (ValueError)."""
        for hint in hints:
            if not (np.all(np.isfinite(hint.position)) and np.isfinite(hint.yaw) and np.isfinite(hint.height)):
                raise ValueError(f"object hint must be finite, got {hint}")
        self._hints = list(hints)
        self._target = None

    def choose_target(self, pose: GripperPose, rng: np.random.Generator) -> GripperPose:
        raise NotImplementedError

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision:
        del depth  # scripted policies do not look
        require_usable_pose(pose)
        cfg = self.config
        if self._target is None:
            self._target = self.workspace.clip_pose(self.choose_target(pose, rng))
            self._hover = rng.uniform(*cfg.hover_height_range)
        remaining = motion_between(pose, self._target)
        if float(np.linalg.norm(remaining[:2])) < cfg.close_radius or step + 1 >= cfg.step_budget:
            # Final motion: straight down to the target height (no further rotation), then close.
            motion = np.array([0.0, 0.0, self._target.z - pose.z, 0.0])
            return _decision(CLOSE, motion, "policy_close" if step + 1 < cfg.step_budget else "step_budget")
        if rng.random() < cfg.diagonal_probability:
            motion, command = remaining.copy(), MOVE
        else:
            motion = remaining.copy()
            motion[2] = self.grasp_height + self._hover - pose.z
            command = RAISE
        motion = limit_translation(motion, cfg.max_step_translation)
        motion[:3] += rng.normal(0.0, cfg.step_noise, 3)
        motion[3] += rng.normal(0.0, cfg.yaw_step_noise)
        # Do not overshoot into a close-range jitter: when the target is near, go to it exactly.
        if float(np.linalg.norm(remaining[:2])) < cfg.max_step_translation / 2 and rng.random() < 0.5:
            motion[:2] = remaining[:2]
            motion[3] = remaining[3]
        motion = limit_translation(motion, cfg.max_step_translation)  # the noise, too, stays within the cap
        return _decision(command, self.workspace.clip_motion(pose, motion), "policy_move")


class RandomPolicy(ScriptedPolicy):
    """Grasps at a uniformly random point of the workspace floor with a random yaw."""

    name = "random"

    def __init__(self, workspace: Workspace, object_region: tuple[tuple[float, float], tuple[float, float]], **kwargs):
        super().__init__(workspace, **kwargs)
        self.object_region = object_region

    def choose_target(self, pose: GripperPose, rng: np.random.Generator) -> GripperPose:
        (x0, x1), (y0, y1) = self.object_region
        margin = 0.04
        return GripperPose(
            rng.uniform(x0 - margin, x1 + margin),
            rng.uniform(y0 - margin, y1 + margin),
            self.grasp_height + rng.uniform(*self.config.target_height_range),
            float(wrap_full_turn(pose.yaw + rng.uniform(-np.pi / 2, np.pi / 2))),
        )


class BiasedPolicy(RandomPolicy):
    """Randomized but biased toward objects (seed 000): aims near a random object's centre."""

    name = "biased"

    def __init__(self, *args, object_probability: float = 0.85, **kwargs):
        super().__init__(*args, **kwargs)
        self.object_probability = object_probability

    def choose_target(self, pose: GripperPose, rng: np.random.Generator) -> GripperPose:
        if not self._hints or rng.random() > self.object_probability:
            return super().choose_target(pose, rng)
        cfg = self.config
        hint = self._hints[int(rng.integers(len(self._hints)))]
        quarter = rng.integers(0, 2) * np.pi / 2
        yaw = (
            hint.yaw + quarter + rng.normal(0, cfg.object_yaw_noise)
            if rng.random() < 0.7
            else rng.uniform(-np.pi, np.pi)
        )
        # Keep the yaw change within a half turn of the current yaw (the gripper is symmetric).
        yaw = pose.yaw + float(wrap_half_turn(yaw - pose.yaw))
        return GripperPose(
            float(hint.position[0] + rng.normal(0, cfg.object_xy_noise)),
            float(hint.position[1] + rng.normal(0, cfg.object_xy_noise)),
            self.grasp_height + rng.uniform(*cfg.target_height_range),
            float(wrap_full_turn(yaw)),
        )


class ExploringLearnedPolicy:
    """The learned closed-loop servo with exploration: noisy motions and occasional random steps."""

    name = "learned"

    def __init__(
        self,
        controller: ClosedLoopController,
        explore_probability: float = 0.2,
        motion_noise: tuple[float, float] = (0.01, 0.15),
    ):
        self.controller = controller
        self.explore_probability = explore_probability
        self.motion_noise = motion_noise

    def begin_episode(self, hints: Sequence[ObjectHint]) -> None:
        self.controller.begin_episode(hints)

    def decide(self, depth: np.ndarray, pose: GripperPose, step: int, rng: np.random.Generator) -> ServoDecision:
        decision = self.controller.decide(depth, pose, step, rng)
        if decision.command == CLOSE or rng.random() > self.explore_probability:
            return decision
        translation_noise, yaw_noise = self.motion_noise
        motion = decision.motion.copy()
        motion[:3] += rng.normal(0, translation_noise * 2, 3)
        motion[3] += rng.normal(0, yaw_noise * 2)
        # The noisy step keeps the servo's limits: step cap, rotation limit, workspace.
        servo = self.controller.servo
        motion = limit_translation(motion, servo.config.max_step_translation)
        motion[3] = np.clip(motion[3], -servo.config.cem.rotation_limit, servo.config.cem.rotation_limit)
        motion = servo.workspace.clip_motion(pose, motion)
        return replace(decision, motion=motion, reason="explore")
