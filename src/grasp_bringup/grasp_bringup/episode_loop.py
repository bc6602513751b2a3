"""One scene in the embedded world: observe, decide, record, move; then close, lift, shake and label (and, with
regrasps allowed, open and go on while steps are left).

The label (``success``, used for training) is what a real robot measures: the gripper opening after the lift and
the shake. The simulation's ground truth is kept beside it as an audit (``truth_success``, ``labels_agree``) and
names the cause of every failure (``failure``), for analysis only.

This is the embedded counterpart of the ROS graph (camera -> servo node -> motion node, collector node):
the same controller and recorder cores, called directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from grasp_datacollect.episode import Command, EpisodeInfo, EpisodeOutcome, StepRecord
from grasp_servo.controllers import Controller, ObjectHint
from grasp_servo.servo import CLOSE
from grasp_sim.world import GraspWorld, failure_category

COMMAND_CODES = {"move": Command.MOVE, "close": Command.CLOSE, "raise": Command.RAISE}


class EpisodeSink:
    """Where episodes go: a bag writer, or nothing (``NullSink``)."""

    def start_episode(self, info: EpisodeInfo) -> None: ...

    def write_step(self, step: StepRecord) -> None: ...

    def end_episode(self, outcome: EpisodeOutcome) -> None: ...


class NullSink(EpisodeSink):
    """Records nothing; usable in ``with`` like a bag writer."""

    def __enter__(self) -> NullSink:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@dataclass
class EpisodeSummary:
    """What the evaluation needs from one attempt."""

    episode_id: int
    seed: int
    success: bool
    steps: int
    termination: str
    label_detail: str
    object_names: list[str]
    perception_seconds: list[float] = field(default_factory=list)
    optimisation_seconds: list[float] = field(default_factory=list)
    disturbed: str | None = None  # the object disturbed (moved or pushed), if any
    label_method: str = ""  # how ``success`` was decided: gripper_opening
    truth_success: bool | None = None  # ground truth: an object held between the pads, off the table
    labels_agree: bool | None = None  # success == truth_success, for every attempt
    lifted_object: str | None = None  # ground truth: the object that was lifted, if any
    failure: str | None = None  # why it failed (grasp_sim.world.FAILURE_CATEGORIES); None for a success
    disturbance_moved: float | None = None  # metres the disturbed object moved
    target_object: str | None = None  # ground truth: the object nearest the pinch point when closing
    target_family: str | None = None  # its shape family (for success per family)
    attempts: int = 1  # grasp attempts (closes) in the scene; more than 1 only with regrasps
    first_attempt_success: bool | None = None  # the first attempt's label (= success when there was one attempt)


def run_episode(
    world: GraspWorld,
    controller: Controller,
    sink: EpisodeSink,
    episode_id: int,
    seed: int,
    policy_name: str | None = None,
    model_name: str = "",
    max_steps: int = 20,
    max_attempts: int = 1,
) -> EpisodeSummary:
    """Run one scene with ``controller`` in ``world`` (reset from ``seed``) and record it in ``sink``.

    Up to ``max_attempts`` grasp attempts share the scene's ``max_steps`` servo steps: when the label says not
    held and steps are left, the gripper opens where it is and the servo goes on (a regrasp). Each attempt is
    its own recorded episode (ids ``episode_id``, ``episode_id + 1``, ...; steps numbered from 0), labelled on
    its own; the summary is the scene's: the last attempt's label, the first attempt's beside it.
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    rng = np.random.default_rng(seed + 7_919)
    names = world.reset(seed)
    cfg = world.config
    summary = EpisodeSummary(episode_id, seed, False, 0, "step_budget", "", names)
    scene_step = 0
    labels_agree = True  # every attempt's label agrees with the ground truth
    for attempt in range(max_attempts):
        attempt_id = episode_id + attempt
        sink.start_episode(
            EpisodeInfo(
                episode_id=attempt_id,
                seed=seed,
                policy=policy_name or controller.name,
                robot=world.profile.name,
                object_set=cfg.object_set,
                object_names=names,
                stamp_ns=world.stamp_ns(),
                disturbance=cfg.disturbed,
                kinematic_noise=cfg.kinematic_noise,
                model=model_name,
            )
        )
        controller.begin_episode([ObjectHint(s.position, s.yaw, s.height) for s in world.object_states()])
        first_step = scene_step
        termination = "step_budget"  # unless a controller closes first
        while scene_step < max_steps:
            if cfg.disturbance == "early" and scene_step == cfg.disturbance_step:
                world.disturb()
            observation = world.observe()
            decision = controller.decide(observation.depth, observation.pose, scene_step, rng)
            summary.perception_seconds.append(decision.perception_seconds)
            summary.optimisation_seconds.append(decision.optimisation_seconds)
            sink.write_step(
                StepRecord(
                    episode_id=attempt_id,
                    step=scene_step - first_step,
                    stamp_ns=observation.stamp_ns,
                    depth=observation.depth,
                    pose=observation.pose,
                    opening=observation.opening,
                    closed=observation.closed,
                    command=COMMAND_CODES[decision.command],
                    motion=np.asarray(decision.motion, dtype=float),
                    predicted_success=decision.best_score,
                    close_score=decision.close_score,
                )
            )
            scene_step += 1
            world.move(decision.motion)
            if decision.command == CLOSE:
                termination = decision.reason
                break
        world.close_gripper()
        final_pose = world.gripper_pose()
        lift = world.lift_test()
        failure = failure_category(lift.truth, lift.success, termination)
        labels_agree = labels_agree and lift.agrees
        regrasp = not lift.success and attempt + 1 < max_attempts and scene_step < max_steps
        # The evidence, then the simulation's audit (key=value words) with the failure category and disturbance.
        detail = f"{lift.detail} failure={failure or '-'}"
        disturbance = world.disturbance
        if disturbance is not None:
            detail += f" disturbed={disturbance.name}:{disturbance.mode}:{disturbance.moved:.3f}m"
        if max_attempts > 1:
            detail += f" attempt={attempt + 1}" + (f" regrasp=episode_{attempt_id + 1}" if regrasp else "")
        sink.end_episode(
            EpisodeOutcome(
                episode_id=attempt_id,
                stamp_ns=world.stamp_ns(),
                final_pose=final_pose,
                success=lift.success,
                label_method=lift.label_method,
                label_detail=detail,
                termination=termination,
                steps=scene_step - first_step,
            )
        )
        if attempt == 0:
            summary.first_attempt_success = lift.success
        if not regrasp:
            break
        world.reopen_gripper()
    summary.attempts = attempt + 1
    summary.steps = scene_step
    summary.success = lift.success
    summary.termination = termination
    summary.label_detail = detail
    summary.label_method = lift.label_method
    summary.truth_success = lift.truth.success
    summary.labels_agree = labels_agree
    summary.lifted_object = lift.lifted_object
    summary.failure = failure
    by_body = {body: obj for body, obj in zip(names, world.objects, strict=True)}  # bodies are "<object>__<i>"
    target = by_body.get(lift.truth.target) if lift.truth.target else None
    summary.target_object = target.name if target else None
    summary.target_family = target.family if target else None
    if disturbance is not None:
        summary.disturbed = disturbance.name
        summary.disturbance_moved = disturbance.moved
    return summary
