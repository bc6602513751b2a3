"""Property tests: whatever the model returns and wherever the gripper is, no controller emits an unsafe command.

For every decision of the CEM servo, the closed-loop and the open-loop controllers:

* the command is one of move / close / raise and every number of the motion is finite;
* the goal (current pose + motion) lies inside the workspace, or, when the gripper starts outside it, is on no
  axis further out than the start;
* a move or raise translates at most ``max_step_translation``; a close descends to the grasp height, straight
  down (the open loop: but for its last < 5 mm and < 0.05 rad to the target), from at most ``close_height``
  above it unless the step budget is spent: only that final descent may be longer than a step;
* |dyaw| <= the CEM rotation limit;
* a model that returns anything non-finite (NaN, +-inf) or the wrong number of scores, and a gripper pose that
  cannot be planned from (NaN / inf, |x|, |y|, |z| > MAX_ABS_POSITION, |yaw| > MAX_ABS_YAW), are refused with a
  ValueError that says so, before anything is executed; so are depth frames that are not an (H, W) image.

The scoring model is the input domain, so the scorer below returns what Hypothesis draws: constants, NaN,
+-inf, huge and negative values, per-candidate random values, and adversarial functions of the motion (reward
the farthest candidate, pull toward a workspace edge or the rotation limit, reward or punish "no motion"), which
may change from one call to the next. Two properties run the real shipped ONNX scorer on drawn depth frames.

Runtime: the example counts are set per test (a few seconds each). With CI set, Hypothesis loads its "ci"
profile (derandomized, no example database), so CI runs the same examples every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from grasp_servo.cem import CEMConfig, CrossEntropyMotionOptimizer
from grasp_servo.controllers import ClosedLoopController, OpenLoopController
from grasp_servo.pose import GripperPose, apply_motion
from grasp_servo.robot_profiles import PROFILES
from grasp_servo.servo import CLOSE, MOVE, RAISE, CEMServo, ServoConfig, ServoDecision
from grasp_servo.workspace import MAX_ABS_POSITION, MAX_ABS_YAW, Workspace
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

EPS = 1e-9  # rounding slack on limits, in metres / radians


def fast(max_examples: int) -> settings:
    """A property's example count; no deadline (the first call compiles, CI machines are slow)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ----------------------------------------------------------------------------------------------- strategies

SPECIAL_FLOATS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324, 1e-9, 2.0, 1e30]
ANY_FLOAT = st.one_of(st.floats(), st.sampled_from(SPECIAL_FLOATS))
FINITE_FLOAT = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-10.0, 10.0),
    st.sampled_from([0.0, 1.0, -1.0, 1e308, -1e308, 1e-300]),
)


@st.composite
def workspaces(draw: st.DrawFn) -> Workspace:
    """The shipped robot profiles' boxes, or any box of sensible size (some lower than a raise or hover)."""
    if draw(st.booleans()):
        return draw(st.sampled_from([profile.workspace for profile in PROFILES.values()]))
    lows = [draw(st.floats(-1.0, 1.0)) for _ in range(3)]
    sizes = [draw(st.floats(0.01, 1.0)) for _ in range(3)]
    x0, y0, z0 = lows
    dx, dy, dz = sizes
    return Workspace(x0, x0 + dx, y0, y0 + dy, z0, z0 + dz)


def coordinate(low: float, high: float) -> st.SearchStrategy[float]:
    """Inside, on the edge, just outside, and far outside the [low, high] range."""
    return st.one_of(
        st.floats(low, high),
        st.sampled_from([low, high, np.nextafter(low, -np.inf), np.nextafter(high, np.inf)]),
        st.floats(low - 0.5, high + 0.5),
        st.floats(-MAX_ABS_POSITION, MAX_ABS_POSITION),
        st.sampled_from([-MAX_ABS_POSITION, MAX_ABS_POSITION]),
    )


USABLE_YAW = st.one_of(
    st.floats(-2 * math.pi, 2 * math.pi),
    st.sampled_from([0.0, math.pi / 2, -math.pi / 2, math.pi, -math.pi, np.nextafter(math.pi, 0.0)]),
    st.floats(-MAX_ABS_YAW, MAX_ABS_YAW),
    st.sampled_from([MAX_ABS_YAW, -MAX_ABS_YAW]),
)
HUGE_POSITION = st.one_of(
    st.floats(min_value=MAX_ABS_POSITION, exclude_min=True, allow_infinity=False),
    st.floats(max_value=-MAX_ABS_POSITION, exclude_max=True, allow_infinity=False),
)
HUGE_YAW = st.one_of(
    st.floats(min_value=MAX_ABS_YAW, exclude_min=True, allow_infinity=False),
    st.floats(max_value=-MAX_ABS_YAW, exclude_max=True, allow_infinity=False),
)


@st.composite
def poses(draw: st.DrawFn, workspace: Workspace) -> GripperPose:
    """Any pose a controller must act on: inside, on the edge of, near and far outside the workspace."""
    return GripperPose(
        draw(coordinate(workspace.x_min, workspace.x_max)),
        draw(coordinate(workspace.y_min, workspace.y_max)),
        draw(coordinate(workspace.z_min, workspace.z_max)),
        draw(USABLE_YAW),
    )


@st.composite
def unusable_poses(draw: st.DrawFn, workspace: Workspace) -> tuple[GripperPose, str]:
    """A pose with NaN / inf somewhere, or too far away, or a yaw too large to mean a direction; and what the
    refusal says."""
    values = list(draw(poses(workspace)).as_array())
    problem = draw(st.sampled_from(["far", "yaw", "non-finite"]))
    if problem == "far":
        for index in draw(st.sets(st.integers(0, 2), min_size=1)):
            values[index] = draw(HUGE_POSITION)
        return GripperPose(*values), "gripper position"
    if problem == "yaw":
        values[3] = draw(HUGE_YAW)
        return GripperPose(*values), "gripper yaw"
    for index in draw(st.sets(st.integers(0, 3), min_size=1)):
        values[index] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    return GripperPose(*values), "gripper pose must be finite"


@st.composite
def servo_configs(draw: st.DrawFn) -> ServoConfig:
    samples = draw(st.sampled_from([4, 16, 64]))
    cem = CEMConfig(
        samples=samples,
        elites=draw(st.integers(1, samples - 1)),
        iterations=draw(st.integers(1, 3)),
        initial_std_xy=draw(st.sampled_from([0.06, 0.5, 1e-6])),
        initial_std_yaw=draw(st.sampled_from([0.6, 5.0, 1e-6])),
        rotation_limit=draw(st.one_of(st.just(math.pi / 2), st.floats(0.01, math.pi))),
        max_rejection_rounds=draw(st.sampled_from([1, 20])),
    )
    close_ratio = draw(st.floats(0.1, 1.0))
    raise_ratio = close_ratio * draw(st.floats(0.01, 0.99))
    return ServoConfig(
        cem=cem,
        close_ratio=close_ratio,
        raise_ratio=raise_ratio,
        max_step_translation=draw(st.one_of(st.just(0.06), st.floats(0.001, 0.5))),
        close_height=draw(st.one_of(st.just(0.05), st.floats(0.0, 0.2))),
        step_budget=draw(st.one_of(st.just(20), st.integers(1, 6))),
    )


# ----------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Output:
    """One way of answering a batch of motions: ``kind`` with drawn parameters."""

    kind: str
    scale: float = 1.0
    offset: float = 0.0
    value: float = 0.0  # constant, or what "no motion" gets
    direction: tuple[float, float, float] = (1.0, 0.0, 0.0)
    allow_non_finite: bool = True


OUTPUTS = st.one_of(
    st.builds(Output, st.just("constant"), value=ANY_FLOAT),
    st.builds(Output, st.just("drawn"), allow_non_finite=st.booleans()),
    st.builds(Output, st.just("farthest"), scale=FINITE_FLOAT, offset=FINITE_FLOAT),
    st.builds(
        Output,
        st.just("edge"),
        scale=FINITE_FLOAT,
        direction=st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1)),
    ),
    st.builds(Output, st.just("rotation"), scale=FINITE_FLOAT, offset=FINITE_FLOAT),
    st.builds(Output, st.just("no_motion"), scale=FINITE_FLOAT, offset=FINITE_FLOAT, value=ANY_FLOAT),
    st.builds(  # the servo's branches: g(no motion) = offset * g(best), offset in [0, 1.5]
        Output, st.just("ratio"), scale=st.floats(1e-6, 1e6), offset=st.floats(0.0, 1.5)
    ),
    st.builds(Output, st.just("wrong_count")),
)


@dataclass
class DrawnModel:
    """A scoring model whose outputs Hypothesis draws, call by call (``sticky``: one way for every call).

    Also a ``FrameScorer`` (preprocess + score_preprocessed) for the controllers. Records whether it ever
    returned something the controller must refuse (non-finite values or the wrong number of them).
    """

    data: st.DataObject
    sticky: bool
    pose: GripperPose | None = None  # the edge-pulling outputs score end points of motions from here
    first: Output | None = None
    calls: int = 0
    refusable: bool = False
    batches: list[np.ndarray] = field(default_factory=list)
    answers: list[np.ndarray] = field(default_factory=list)

    def __call__(self, motions: np.ndarray) -> np.ndarray:
        motions = np.asarray(motions, dtype=float)
        self.batches.append(motions.copy())
        if self.sticky and self.first is not None:
            output = self.first
        else:
            output = self.data.draw(OUTPUTS, label=f"model output {self.calls}")
            self.first = self.first or output
        self.calls += 1
        n = len(motions)
        with np.errstate(all="ignore"):  # huge scales overflow to inf on purpose
            if output.kind == "constant":
                scores = np.full(n, output.value)
            elif output.kind == "drawn":
                element = ANY_FLOAT if output.allow_non_finite else FINITE_FLOAT
                scores = np.array(self.data.draw(st.lists(element, min_size=n, max_size=n)), dtype=float)
            elif output.kind == "farthest":
                scores = output.scale * np.linalg.norm(motions[:, :3], axis=1) + output.offset
            elif output.kind == "edge":
                pose = self.pose or GripperPose(0.0, 0.0, 0.0, 0.0)
                ends = np.array([apply_motion(pose, m).position for m in motions])
                scores = output.scale * (ends @ np.asarray(output.direction))
            elif output.kind == "rotation":
                scores = output.scale * np.abs(motions[:, 3]) + output.offset
            elif output.kind == "no_motion":
                still = np.all(motions[:, [0, 1, 3]] == 0.0, axis=1)
                scores = np.where(still, output.value, output.scale * motions[:, 0] + output.offset)
            elif output.kind == "ratio":
                still = np.all(motions[:, [0, 1, 3]] == 0.0, axis=1)
                moving = output.scale * (1.0 + 0.1 * np.tanh(motions[:, 0] + motions[:, 3]))
                scores = np.where(still, output.offset * output.scale * 1.1, moving)
            else:  # wrong_count
                scores = np.full(n + 1, 0.5)
        if len(scores) != n or not np.all(np.isfinite(scores)):
            self.refusable = True
        self.answers.append(scores)
        return scores

    # FrameScorer
    def preprocess(self, depth: np.ndarray) -> np.ndarray:
        return depth

    def score_preprocessed(self, image: np.ndarray, motions: np.ndarray) -> np.ndarray:
        return self(motions)


# ----------------------------------------------------------------------------------------------- the checks


def outside(workspace: Workspace, point: np.ndarray) -> np.ndarray:
    """Per axis, how far ``point`` lies outside the box (0 inside)."""
    return np.maximum(workspace.lower - point, 0.0) + np.maximum(point - workspace.upper, 0.0)


def assert_goal_safe(workspace: Workspace, pose: GripperPose, motion: np.ndarray) -> GripperPose:
    goal = apply_motion(pose, motion)
    assert np.all(np.isfinite(goal.as_array())), goal
    # Inside the box, or (from a start outside it) on no axis further out than the start.
    assert np.all(outside(workspace, goal.position) <= outside(workspace, pose.position) + EPS), (pose, goal)
    return goal


@dataclass(frozen=True)
class CloseRule:
    """How a close may look: a descent to the grasp height, from at most ``close_height`` (+ ``height_slack``)
    above it unless the step budget is spent, with at most ``xy`` of sideways motion and ``yaw`` of rotation."""

    xy: float = 0.0
    yaw: float = 0.0
    height_slack: float = 0.0


SERVO_CLOSE = CloseRule()  # the servo closes with the pure "no motion" command
OPEN_LOOP_CLOSE = CloseRule(xy=0.005, yaw=0.05, height_slack=0.005)  # the last few mm to its target


def assert_safe_decision(
    decision: ServoDecision,
    pose: GripperPose,
    workspace: Workspace,
    config: ServoConfig,
    close_rule: CloseRule = SERVO_CLOSE,
) -> GripperPose:
    assert isinstance(decision, ServoDecision)
    assert decision.command in (MOVE, CLOSE, RAISE)
    motion = np.asarray(decision.motion, dtype=float)
    assert motion.shape == (4,) and np.all(np.isfinite(motion)), motion
    assert abs(motion[3]) <= config.cem.rotation_limit + EPS, motion
    goal = assert_goal_safe(workspace, pose, motion)
    translation = float(np.linalg.norm(motion[:3]))
    if decision.command == CLOSE:
        grasp_height = workspace.z_min
        # A close descends to the grasp height (straight down, but for the open loop's last few millimetres).
        # Only this descent may be longer than a step, and only at the step budget from higher than close_height.
        assert np.linalg.norm(motion[:2]) <= close_rule.xy + EPS, (motion, decision.reason)
        assert abs(motion[3]) <= close_rule.yaw + EPS, (motion, decision.reason)
        assert goal.z == pytest.approx(grasp_height, abs=EPS)
        if decision.reason != "step_budget":
            assert pose.z - grasp_height <= config.close_height + close_rule.height_slack + EPS, (pose, decision)
    else:
        assert translation <= config.max_step_translation + EPS, (translation, decision.reason)
    return goal


def expect_refusal(error: ValueError, model: DrawnModel) -> None:
    """A ValueError is right only for a model answer that must be refused, and it has to say so."""
    assert model.refusable, f"refused a finite, well-shaped model answer: {error}"
    assert "score function" in str(error), str(error)


# ----------------------------------------------------------------------------------------------- properties


@fast(300)
@given(data=st.data(), workspace=workspaces(), config=servo_configs(), sticky=st.booleans())
def test_cem_candidates_and_result_respect_the_constraints(data, workspace, config, sticky):
    """Every motion CEM asks the model about, and the one it returns, obeys the rotation limit; from a start
    inside the workspace every candidate ends inside it; the result is the best scored candidate."""
    pose = data.draw(poses(workspace), label="pose")
    model = DrawnModel(data, sticky, pose)
    optimizer = CrossEntropyMotionOptimizer(config.cem, workspace)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    try:
        result = optimizer.optimise(pose, model, rng)
    except ValueError as error:
        expect_refusal(error, model)
        return
    assert not model.refusable, "a non-finite or mis-sized model answer was used"
    candidates = np.concatenate(model.batches)
    assert np.all(np.isfinite(candidates))
    assert np.all(np.abs(candidates[:, 3]) <= config.cem.rotation_limit + EPS)
    ends = workspace.motion_endpoints(pose, candidates)
    np.testing.assert_allclose(ends[:, 2], workspace.z_min, atol=EPS)  # projected to the grasp height
    if workspace.contains(pose.position):
        assert np.all(workspace.contains(ends, margin=-EPS)), "a candidate leaves the workspace"
    scores = np.concatenate(model.answers)
    assert np.isfinite(result.score) and result.score == scores.max()
    assert np.all(np.isfinite(result.motion))
    assert any(np.array_equal(result.motion, candidate) for candidate in candidates)


@fast(600)
@given(data=st.data(), workspace=workspaces(), config=servo_configs(), sticky=st.booleans())
def test_servo_decisions_stay_within_the_limits(data, workspace, config, sticky):
    pose = data.draw(poses(workspace), label="pose")
    step = data.draw(st.one_of(st.just(0), st.integers(0, config.step_budget)), label="step")
    model = DrawnModel(data, sticky, pose)
    servo = CEMServo(config, workspace)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    try:
        decision = servo.decide(pose, model, step, rng)
    except ValueError as error:
        expect_refusal(error, model)
        event("refused")
        return
    assert not model.refusable, f"a non-finite or mis-sized model answer became a {decision.command}"
    event(f"{decision.command} ({decision.reason})")
    assert_safe_decision(decision, pose, workspace, config)
    if step + 1 >= config.step_budget:
        assert decision.command == CLOSE and decision.reason == "step_budget"


@fast(300)
@given(data=st.data(), workspace=workspaces(), config=servo_configs(), open_loop=st.booleans())
def test_controller_episodes_stay_within_the_limits(data, workspace, config, open_loop):
    """Whole episodes of the closed- and open-loop controllers: the arm follows each goal, or is found somewhere
    else (pushed, noisy, outside the workspace) on the next frame; the model may change its mind every call."""
    model = DrawnModel(data, sticky=data.draw(st.booleans(), label="sticky"))
    servo = CEMServo(config, workspace)
    controller = OpenLoopController(model, servo) if open_loop else ClosedLoopController(model, servo)
    controller.begin_episode([])
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    pose = data.draw(poses(workspace), label="start pose")
    depth = np.zeros((4, 4), np.float32)
    for step in range(config.step_budget):
        model.pose = pose
        model.refusable = False
        try:
            decision = controller.decide(depth, pose, step, rng)
        except ValueError as error:
            expect_refusal(error, model)
            event("refused")
            return
        assert not model.refusable, f"a non-finite or mis-sized model answer became a {decision.command}"
        event(f"{controller.name}: {decision.command} ({decision.reason})")
        goal = assert_safe_decision(decision, pose, workspace, config, OPEN_LOOP_CLOSE if open_loop else SERVO_CLOSE)
        if decision.command == CLOSE:
            return
        pose = goal if data.draw(st.booleans(), label="arm follows") else data.draw(poses(workspace), label="pose")
    raise AssertionError("the step budget was spent without a close")


@fast(100)
@given(data=st.data(), workspace=workspaces(), config=servo_configs(), open_loop=st.booleans())
def test_unusable_gripper_poses_are_refused_before_the_model_is_asked(data, workspace, config, open_loop):
    model = DrawnModel(data, sticky=True)
    servo = CEMServo(config, workspace)
    controller = OpenLoopController(model, servo) if open_loop else ClosedLoopController(model, servo)
    controller.begin_episode([])
    rng = np.random.default_rng(0)
    pose, says = data.draw(unusable_poses(workspace), label="pose")
    depth = np.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match=says):
        controller.decide(depth, pose, 0, rng)
    with pytest.raises(ValueError, match=says):
        servo.decide(pose, model, 0, rng)
    with pytest.raises(ValueError, match=says):
        servo.optimizer.optimise(pose, model, rng)
    assert model.calls == 0
    if open_loop:  # after a good first step, a bad pose later on is refused too
        start = GripperPose(*((workspace.lower + workspace.upper) / 2), 0.0)
        model.first = Output("farthest", scale=1.0)
        controller.decide(depth, start, 0, rng)
        with pytest.raises(ValueError, match=says):
            controller.decide(depth, pose, 1, rng)


# ----------------------------------------------------------------------------------------------- real model

SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "grasp_bringup" / "grasp_bringup" / "models"
SHIPPED_MODEL = SHIPPED_MODEL / "grasp_success.onnx"


@pytest.fixture(scope="module")
def shipped_scorer():
    pytest.importorskip("onnxruntime")
    from grasp_perception.scorer import OnnxGraspScorer

    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"shipped model not found at {SHIPPED_MODEL}")
    return OnnxGraspScorer(SHIPPED_MODEL, threads=1)


PIXEL = st.one_of(
    st.floats(),  # float64, so some overflow to +-inf in the float32 frame
    st.sampled_from([0.0, math.nan, math.inf, -math.inf, 0.3, 0.6, 10.0, -1.0, 3.4e38]),
)


@st.composite
def depth_frames(draw: st.DrawFn) -> np.ndarray:
    """Any square depth frame (the shipped model's camera is square; another aspect ratio is refused, see below):
    noise, constants (zeros = no return, far, huge), and sprinkled NaN / inf / 0."""
    height = width = draw(st.integers(1, 96))
    kind = draw(st.sampled_from(["noise", "constant", "pixels"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "noise":
        low, high = sorted(draw(st.tuples(st.floats(-1.0, 2.0), st.floats(-1.0, 2.0))))
        frame = rng.uniform(low, high, (height, width)).astype(np.float32)
    elif kind == "constant":
        with np.errstate(over="ignore"):
            frame = np.full((height, width), draw(PIXEL), np.float32)
    else:
        pixels = draw(arrays(np.float64, (height, width), elements=PIXEL, fill=PIXEL))
        with np.errstate(over="ignore"):
            frame = pixels.astype(np.float32)
    fraction = draw(st.sampled_from([0.0, 0.01, 0.5, 1.0]))
    holes = rng.random((height, width)) < fraction
    frame[holes] = rng.choice(np.array([np.nan, np.inf, -np.inf, 0.0], np.float32), holes.sum())
    return frame


@fast(150)
@given(data=st.data(), depth=depth_frames(), open_loop=st.booleans())
def test_shipped_model_on_any_depth_frame_commands_a_safe_step(shipped_scorer, data, depth, open_loop):
    """The full chain: preprocessing turns any frame (holes, NaN, inf, zeros, far, huge, any size) into a valid
    network input, the network scores finitely, and the servo's command stays within the limits."""
    workspace = PROFILES["ur5"].workspace
    config = ServoConfig()
    servo = CEMServo(config, workspace)
    controller = OpenLoopController(shipped_scorer, servo) if open_loop else ClosedLoopController(shipped_scorer, servo)
    controller.begin_episode([])
    pose = data.draw(poses(workspace), label="pose")
    step = data.draw(st.integers(0, config.step_budget - 1), label="step")
    decision = controller.decide(depth, pose, step, np.random.default_rng(0))
    event(f"{controller.name}: {decision.command} ({decision.reason})")
    assert_safe_decision(decision, pose, workspace, config, OPEN_LOOP_CLOSE if open_loop else SERVO_CLOSE)
    if not open_loop:
        assert 0.0 <= decision.best_score <= 1.0 and 0.0 <= decision.close_score <= 1.0


@fast(30)
@given(
    shape=st.one_of(
        st.lists(st.integers(1, 8), min_size=0, max_size=1),  # a scalar or a row
        st.lists(st.integers(1, 8), min_size=3, max_size=4),  # a stack or colour channels
        st.tuples(st.integers(0, 8), st.integers(0, 8)).filter(lambda hw: 0 in hw),  # an empty frame
        st.tuples(st.integers(1, 96), st.integers(1, 96)).filter(lambda hw: hw[0] != hw[1]),  # another aspect
    ),
    open_loop=st.booleans(),
)
def test_shipped_model_refuses_frames_it_cannot_read(shipped_scorer, shape, open_loop):
    """A frame that is not a non-empty (H, W) image of the model camera's aspect ratio never becomes a command:
    preprocessing raises a ValueError (squashing a frame of another aspect ratio would change the scene's
    geometry; an empty frame once divided by zero here)."""
    servo = CEMServo(ServoConfig(), PROFILES["ur5"].workspace)
    controller = OpenLoopController(shipped_scorer, servo) if open_loop else ClosedLoopController(shipped_scorer, servo)
    controller.begin_episode([])
    depth = np.full(shape, 0.3, np.float32)
    with pytest.raises(ValueError):
        controller.decide(depth, GripperPose(0.5, 0.0, 0.25, 0.0), 0, np.random.default_rng(0))
