"""What each model family predicts: its kind, its graph's inputs and outputs, and how a servo uses it.

Every model file names one ``target`` in its contract; this table is the one place that says what that
target means. Scoring models rate candidate motions (a CEM servo searches over them); regression models
predict the motion itself (a threshold servo follows it).

- ``grasp_success``: success CNN g(I, v) (seed 004); scoring, maximised; inputs image, actions; output
  ``success`` (batch,) probabilities; CEM servo.
- ``q_value``: Q-function Q(s, a) (seed 000); scoring, maximised; inputs image, actions, state; output
  ``q_value`` (batch,) in [0, 1]; CEM servo.
- ``grasp_distance``: distance to the nearest grasp d(I, a) (seed 001); scoring, minimised; inputs image,
  actions; output ``distance`` (batch,) metres; CEM servo with seed 001's step rule.
- ``pregrasp_motion``: the motion to the taught pregrasp pose f(I) (seed 003); regression; input image;
  output ``motion`` (1, 3) = dx, dy, dyaw; threshold servo.
- ``grasp_map``: GG-CNN grasp maps (seed 002); regression; input image; output ``maps`` (1, 4, H, W);
  threshold servo toward the best grasp.
"""

from __future__ import annotations

from dataclasses import dataclass

KIND_SCORING = "scoring"
KIND_REGRESSION = "regression"
IMAGE_INPUT = "image"
ACTIONS_INPUT = "actions"
STATE_INPUT = "state"
MAXIMISE, MINIMISE = "maximise", "minimise"

#: The state input of a Q-function: the gripper is open (1) or closed (0), and the pinch point's height above
#: the grasp height divided by STATE_HEIGHT_SCALE.
STATE_LAYOUT: tuple[str, ...] = ("gripper_open", "height_above_grasp/s")
STATE_HEIGHT_SCALE = 0.1  # metres
#: A regression model's motion output: the translation (m) and rotation (rad) in the yaw-aligned tool frame.
MOTION_LAYOUT: tuple[str, ...] = ("dx", "dy", "dyaw")
#: A GG-CNN's output channels, in order (width divided by the contract's ``map_width_scale`` pixels).
MAP_LAYOUT: tuple[str, ...] = ("quality", "cos(2 phi)", "sin(2 phi)", "width/w")


@dataclass(frozen=True)
class TargetSpec:
    """The fixed facts of one target: what kind of model, which graph inputs and outputs, which servo."""

    name: str
    kind: str
    output: str  # what the output holds: probability, metres, motion, grasp_maps
    output_name: str
    inputs: tuple[str, ...]
    objective: str | None  # scoring models: whether the servo maximises or minimises the score
    servo: str  # the servo kind that can use it: cem or threshold
    family: str  # for humans: the model family and its seed

    @property
    def scoring(self) -> bool:
        return self.kind == KIND_SCORING


TARGETS: dict[str, TargetSpec] = {
    spec.name: spec
    for spec in (
        TargetSpec("grasp_success", KIND_SCORING, "probability", "success", (IMAGE_INPUT, ACTIONS_INPUT), MAXIMISE,
                   "cem", "grasp-success CNN g(I, v) (seed 004)"),
        TargetSpec("q_value", KIND_SCORING, "probability", "q_value", (IMAGE_INPUT, ACTIONS_INPUT, STATE_INPUT),
                   MAXIMISE, "cem", "Q-function Q(s, a) (seed 000)"),
        TargetSpec("grasp_distance", KIND_SCORING, "metres", "distance", (IMAGE_INPUT, ACTIONS_INPUT), MINIMISE,
                   "cem", "distance to the nearest grasp d(I, a) (seed 001)"),
        TargetSpec("pregrasp_motion", KIND_REGRESSION, "motion", "motion", (IMAGE_INPUT,), None, "threshold",
                   "motion to the taught pregrasp pose f(I) (seed 003)"),
        TargetSpec("grasp_map", KIND_REGRESSION, "grasp_maps", "maps", (IMAGE_INPUT,), None, "threshold",
                   "GG-CNN grasp maps (seed 002)"),
    )
}
SERVO_KINDS = ("cem", "threshold")


def target_spec(name: str) -> TargetSpec:
    """The spec of target ``name``; ``ValueError`` naming the known ones otherwise."""
    try:
        return TARGETS[name]
    except KeyError:
        raise ValueError(f"unknown model target {name!r}: expected one of {', '.join(TARGETS)}") from None


def check_servo_pairing(target: str, servo: str) -> None:
    """Refuse a servo kind that cannot use a model of ``target``, saying which one can.

    Raises:
        ValueError: unknown servo kind, or a scoring model with the threshold servo, or a regression model
            with CEM.
    """
    if servo not in SERVO_KINDS:
        raise ValueError(f"unknown servo kind {servo!r}: expected one of {', '.join(SERVO_KINDS)}")
    spec = target_spec(target)
    if spec.servo != servo:
        what = "rates candidate motions" if spec.scoring else "predicts the motion itself"
        raise ValueError(
            f"a {spec.kind} model ({target}: {spec.family}) {what}, so it needs the {spec.servo} servo, not "
            f"{servo} (controller:={spec.servo}, --controller {spec.servo})"
        )


def check_guarded_descent(target: str, descent_steps: int, option: str = "descent_steps") -> None:
    """Refuse a guarded descent (``descent_steps`` > 1) for a model whose prediction holds at one height only.

    A grasp map's best grasp is back-projected with the frame's own depth, so it holds on the way down; the
    pregrasp regressor was trained at the pregrasp height only.

    Raises:
        ValueError: ``descent_steps`` > 1 for any target but ``grasp_map``; the message names ``option``.
    """
    if descent_steps > 1 and target != "grasp_map":
        raise ValueError(
            f"{option} {descent_steps} follows the model below the pregrasp height, but a {target} model was "
            "trained at that height only: use 1"
        )
