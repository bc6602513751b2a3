"""Property tests: the collection policies never command a step outside the workspace or the step limits.

For every decision of RandomPolicy, BiasedPolicy (scripted walks to a target) and ExploringLearnedPolicy (the
CEM servo plus exploration noise), over whole episodes in which the arm follows each goal or is found elsewhere:

* the command is one of move / close / raise and every number of the motion is finite;
* the goal (current pose + motion) lies inside the workspace, or, when the gripper starts outside it, is on no
  axis further out than the start;
* a move or raise translates at most the policy's ``max_step_translation`` (the servo's for the learned one);
* |dyaw| <= a half turn for the scripted walks (a parallel gripper repeats every half turn), <= the CEM rotation
  limit for the learned policy;
* a close descends straight down (no sideways motion, no rotation): to the target height for the scripted walks,
  to the grasp height for the learned policy;
* a gripper pose (or, for the biased policy, an object hint) that is not usable is refused with a ValueError
  that says so; so is a model answer that is NaN, +-inf or of the wrong length.

The scoring model of the learned policy is the input domain: the scorer below returns what Hypothesis draws.
With CI set, Hypothesis loads its "ci" profile (derandomized, no example database).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from grasp_datacollect.policies import BiasedPolicy, ExploringLearnedPolicy, RandomPolicy, ScriptedPolicyConfig
from grasp_servo.cem import CEMConfig
from grasp_servo.controllers import ClosedLoopController, ObjectHint
from grasp_servo.pose import GripperPose, apply_motion
from grasp_servo.robot_profiles import PROFILES
from grasp_servo.servo import CLOSE, MOVE, RAISE, CEMServo, ServoConfig, ServoDecision
from grasp_servo.workspace import MAX_ABS_POSITION, MAX_ABS_YAW, Workspace
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

EPS = 1e-9
HALF_TURN = math.pi / 2


def fast(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ----------------------------------------------------------------------------------------------- strategies


@st.composite
def workspaces(draw: st.DrawFn) -> Workspace:
    if draw(st.booleans()):
        return draw(st.sampled_from([profile.workspace for profile in PROFILES.values()]))
    x0, y0, z0 = (draw(st.floats(-1.0, 1.0)) for _ in range(3))
    dx, dy, dz = (draw(st.floats(0.01, 1.0)) for _ in range(3))
    return Workspace(x0, x0 + dx, y0, y0 + dy, z0, z0 + dz)


def coordinate(low: float, high: float) -> st.SearchStrategy[float]:
    return st.one_of(
        st.floats(low, high),
        st.sampled_from([low, high, np.nextafter(low, -np.inf), np.nextafter(high, np.inf)]),
        st.floats(low - 0.5, high + 0.5),
        st.floats(-MAX_ABS_POSITION, MAX_ABS_POSITION),
    )


YAW = st.one_of(
    st.floats(-2 * math.pi, 2 * math.pi),
    st.sampled_from([0.0, HALF_TURN, -HALF_TURN, math.pi, -math.pi]),
    st.floats(-MAX_ABS_YAW, MAX_ABS_YAW),
)


@st.composite
def poses(draw: st.DrawFn, workspace: Workspace) -> GripperPose:
    return GripperPose(
        draw(coordinate(workspace.x_min, workspace.x_max)),
        draw(coordinate(workspace.y_min, workspace.y_max)),
        draw(coordinate(workspace.z_min, workspace.z_max)),
        draw(YAW),
    )


@st.composite
def unusable_poses(draw: st.DrawFn, workspace: Workspace) -> tuple[GripperPose, str]:
    values = list(draw(poses(workspace)).as_array())
    problem = draw(st.sampled_from(["far", "yaw", "non-finite"]))
    if problem == "far":
        values[draw(st.integers(0, 2))] = draw(st.sampled_from([1.0001, -1e300, 1e300])) * MAX_ABS_POSITION
        return GripperPose(*values), "gripper position"
    if problem == "yaw":
        values[3] = draw(st.sampled_from([1.0001, -1e300, 1e300])) * MAX_ABS_YAW
        return GripperPose(*values), "gripper yaw"
    for index in draw(st.sets(st.integers(0, 3), min_size=1)):
        values[index] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    return GripperPose(*values), "gripper pose must be finite"


@st.composite
def regions(draw: st.DrawFn, workspace: Workspace) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where objects are dropped: usually inside the workspace, sometimes partly or wholly outside it."""
    x = sorted(draw(st.lists(coordinate(workspace.x_min, workspace.x_max), min_size=2, max_size=2)))
    y = sorted(draw(st.lists(coordinate(workspace.y_min, workspace.y_max), min_size=2, max_size=2)))
    return (x[0], x[1]), (y[0], y[1])


@st.composite
def hints(draw: st.DrawFn, workspace: Workspace) -> list[ObjectHint]:
    return [
        ObjectHint(
            np.array([
                draw(coordinate(workspace.x_min, workspace.x_max)),
                draw(coordinate(workspace.y_min, workspace.y_max)),
                draw(st.floats(0.0, 0.3)),
            ]),
            draw(YAW),
            draw(st.floats(0.0, 0.3)),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]


@st.composite
def policy_configs(draw: st.DrawFn) -> ScriptedPolicyConfig:
    return ScriptedPolicyConfig(
        max_step_translation=draw(st.one_of(st.just(0.06), st.floats(0.001, 0.5))),
        step_noise=draw(st.one_of(st.just(0.01), st.floats(0.0, 0.2))),
        yaw_step_noise=draw(st.one_of(st.just(0.1), st.floats(0.0, 3.0))),
        close_radius=draw(st.one_of(st.just(0.008), st.floats(0.0, 0.1))),
        diagonal_probability=draw(st.sampled_from([0.0, 0.3, 1.0])),
        step_budget=draw(st.one_of(st.just(20), st.integers(1, 6))),
    )


# ----------------------------------------------------------------------------------------------- checks


def outside(workspace: Workspace, point: np.ndarray) -> np.ndarray:
    return np.maximum(workspace.lower - point, 0.0) + np.maximum(point - workspace.upper, 0.0)


@dataclass(frozen=True)
class Limits:
    workspace: Workspace
    max_step: float
    rotation: float
    close_heights: tuple[float, float]  # where a close may end (z)


def assert_safe_decision(decision: ServoDecision, pose: GripperPose, limits: Limits) -> GripperPose:
    assert isinstance(decision, ServoDecision)
    assert decision.command in (MOVE, CLOSE, RAISE)
    motion = np.asarray(decision.motion, dtype=float)
    assert motion.shape == (4,) and np.all(np.isfinite(motion)), motion
    assert abs(motion[3]) <= limits.rotation + EPS, motion
    goal = apply_motion(pose, motion)
    assert np.all(np.isfinite(goal.as_array()))
    workspace = limits.workspace
    assert np.all(outside(workspace, goal.position) <= outside(workspace, pose.position) + EPS), (pose, goal)
    if decision.command == CLOSE:  # straight down to the grasp / target height
        assert np.linalg.norm(motion[:2]) <= EPS and abs(motion[3]) <= EPS, motion
        low, high = limits.close_heights
        assert low - EPS <= goal.z <= high + EPS, (goal, limits.close_heights)
    else:
        translation = float(np.linalg.norm(motion[:3]))
        assert translation <= limits.max_step + EPS, (translation, decision.reason)
    return goal


def scripted_limits(workspace: Workspace, config: ScriptedPolicyConfig) -> Limits:
    grasp = workspace.z_min
    top = min(grasp + config.target_height_range[1], workspace.z_max)
    return Limits(workspace, config.max_step_translation, HALF_TURN, (grasp, top))


# ----------------------------------------------------------------------------------------------- scripted


@fast(400)
@given(data=st.data(), workspace=workspaces(), config=policy_configs(), biased=st.booleans())
def test_scripted_walks_stay_within_the_limits(data, workspace, config, biased):
    region = data.draw(regions(workspace), label="object region")
    if biased:
        policy = BiasedPolicy(workspace, region, config=config, object_probability=data.draw(st.floats(0, 1)))
        policy.begin_episode(data.draw(hints(workspace), label="hints"))
    else:
        policy = RandomPolicy(workspace, region, config=config)
        policy.begin_episode([])
    limits = scripted_limits(workspace, config)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    pose = data.draw(poses(workspace), label="start pose")
    for step in range(config.step_budget):
        decision = policy.decide(np.zeros((4, 4), np.float32), pose, step, rng)
        event(f"{policy.name}: {decision.command} ({decision.reason})")
        goal = assert_safe_decision(decision, pose, limits)
        if decision.command == CLOSE:
            return
        pose = goal if data.draw(st.booleans(), label="arm follows") else data.draw(poses(workspace), label="pose")
    raise AssertionError("the step budget was spent without a close")


@fast(100)
@given(data=st.data(), workspace=workspaces(), biased=st.booleans())
def test_scripted_walks_refuse_unusable_poses_and_hints(data, workspace, biased):
    region = ((workspace.x_min, workspace.x_max), (workspace.y_min, workspace.y_max))
    policy = (BiasedPolicy if biased else RandomPolicy)(workspace, region)
    policy.begin_episode([])
    pose, says = data.draw(unusable_poses(workspace), label="pose")
    with pytest.raises(ValueError, match=says):
        policy.decide(np.zeros((4, 4), np.float32), pose, 0, np.random.default_rng(0))
    if biased:
        good = data.draw(hints(workspace).filter(bool), label="hints")
        bad = data.draw(st.sampled_from([math.nan, math.inf, -math.inf]), label="bad value")
        field = data.draw(st.sampled_from(["x", "y", "z", "yaw", "height"]), label="bad field")
        hint = good[0]
        position = hint.position.copy()
        if field in "xyz":
            position["xyz".index(field)] = bad
        broken = ObjectHint(position, bad if field == "yaw" else hint.yaw, bad if field == "height" else hint.height)
        with pytest.raises(ValueError, match="object hint must be finite"):
            policy.begin_episode([*good[1:], broken])


# ----------------------------------------------------------------------------------------------- learned

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, 1.0, -1.0, 1e308, -1e308, 2.0]
ANY_FLOAT = st.one_of(st.floats(), st.sampled_from(SPECIAL))
FINITE_FLOAT = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.floats(-2.0, 2.0))


@dataclass
class DrawnScorer:
    """A FrameScorer whose answers Hypothesis draws call by call: constants, per-candidate values (NaN, inf,
    huge, negative), rewards for the farthest or most-rotated candidate, wrong lengths."""

    data: st.DataObject
    broken: bool  # whether it may answer NaN, +-inf or the wrong number of values
    refusable: bool = False

    def preprocess(self, depth: np.ndarray) -> np.ndarray:
        return depth

    def score_preprocessed(self, image: np.ndarray, motions: np.ndarray) -> np.ndarray:
        n = len(motions)
        kinds = ["constant", "drawn", "farthest", "rotation", "ratio"] + (["wrong"] if self.broken else [])
        kind = self.data.draw(st.sampled_from(kinds))
        value = ANY_FLOAT if self.broken else FINITE_FLOAT
        with np.errstate(all="ignore"):
            if kind == "constant":
                scores = np.full(n, self.data.draw(value))
            elif kind == "drawn":
                scores = np.array(self.data.draw(st.lists(value, min_size=n, max_size=n)), dtype=float)
            elif kind == "farthest":
                scores = self.data.draw(st.floats(-1e300, 1e300)) * np.linalg.norm(motions[:, :3], axis=1)
            elif kind == "rotation":
                scores = self.data.draw(st.floats(-1e300, 1e300)) * np.abs(motions[:, 3])
            elif kind == "ratio":  # g(no motion) = r * g(best): drives the servo through all its branches
                still = np.all(motions[:, [0, 1, 3]] == 0.0, axis=1)
                scores = np.where(still, self.data.draw(st.floats(0.0, 1.5)), 1.0 + 0.01 * np.tanh(motions[:, 0]))
            else:
                scores = np.full(n + self.data.draw(st.sampled_from([-1, 1])), 0.5)
        if len(scores) != n or not np.all(np.isfinite(scores)):
            self.refusable = True
        return scores


@st.composite
def servo_configs(draw: st.DrawFn) -> ServoConfig:
    samples = draw(st.sampled_from([4, 16, 64]))
    return ServoConfig(
        cem=CEMConfig(
            samples=samples,
            elites=draw(st.integers(1, samples - 1)),
            iterations=draw(st.integers(1, 3)),
            rotation_limit=draw(st.one_of(st.just(HALF_TURN), st.floats(0.01, math.pi))),
        ),
        max_step_translation=draw(st.one_of(st.just(0.06), st.floats(0.001, 0.5))),
        close_height=draw(st.one_of(st.just(0.05), st.floats(0.0, 0.2))),
        step_budget=draw(st.one_of(st.just(20), st.integers(1, 6))),
    )


@fast(300)
@given(
    data=st.data(),
    workspace=workspaces(),
    config=servo_configs(),
    explore=st.sampled_from([0.0, 0.2, 1.0]),
    noise=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 10.0)),
)
def test_learned_policy_with_exploration_stays_within_the_limits(data, workspace, config, explore, noise):
    scorer = DrawnScorer(data, broken=data.draw(st.booleans(), label="broken model"))
    policy = ExploringLearnedPolicy(
        ClosedLoopController(scorer, CEMServo(config, workspace)), explore_probability=explore, motion_noise=noise
    )
    policy.begin_episode([])
    grasp = workspace.z_min
    limits = Limits(workspace, config.max_step_translation, config.cem.rotation_limit, (grasp, grasp))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    pose = data.draw(poses(workspace), label="start pose")
    for step in range(config.step_budget):
        scorer.refusable = False
        try:
            decision = policy.decide(np.zeros((4, 4), np.float32), pose, step, rng)
        except ValueError as error:
            assert scorer.refusable, f"refused a finite, well-shaped model answer: {error}"
            assert "score function" in str(error)
            event("refused")
            return
        assert not scorer.refusable, f"a non-finite or mis-sized model answer became a {decision.command}"
        event(f"learned: {decision.command} ({decision.reason})")
        goal = assert_safe_decision(decision, pose, limits)
        if decision.command == CLOSE:
            return
        pose = goal if data.draw(st.booleans(), label="arm follows") else data.draw(poses(workspace), label="pose")
    raise AssertionError("the step budget was spent without a close")


@fast(50)
@given(data=st.data(), workspace=workspaces())
def test_learned_policy_refuses_unusable_poses(data, workspace):
    scorer = DrawnScorer(data, broken=False)
    policy = ExploringLearnedPolicy(ClosedLoopController(scorer, CEMServo(ServoConfig(), workspace)))
    pose, says = data.draw(unusable_poses(workspace), label="pose")
    with pytest.raises(ValueError, match=says):
        policy.decide(np.zeros((4, 4), np.float32), pose, 0, np.random.default_rng(0))
