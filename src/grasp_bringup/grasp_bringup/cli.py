"""``grasp``: the embedded stack's command line (no ROS needed).

grasp demo                      the main job: the shipped model grasps held-out objects, closed vs open loop
grasp collect --policy biased   record attempts to rosbag2 (MCAP)
grasp train --bags DIR          train the grasp-success CNN and export it to ONNX
grasp dataset --family F        labelled frames for the geometric families (distance, pregrasp, grasp_map)
grasp train-family --family F   train the Q-function, distance, pregrasp-motion or GG-CNN model; export to ONNX
grasp evaluate --model M        success rate, steps, latency, open-loop baseline; JSON + PNG + bags
grasp pipeline --rounds 3       reproduce the shipped model: collect -> train -> collect -> train ...
grasp experiments --out DIR     the seeds' experiments regenerated side by side: report.md, tables, plots
grasp bag-info DIR              what a bag holds
grasp bag-repair DIR            recover the finished episodes of bags cut short by a kill
grasp bag-from-record IN OUT    episode bag from a `ros2 bag record` of the live topics (as the collector node)
grasp benchmark --model M       servo-step latency (perception + CEM) on one core
grasp soak --episodes 1000      collection with memory and open files sampled: flat or not
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import warnings
from dataclasses import replace
from pathlib import Path

from grasp_servo.finger_clearance import CLEARANCE_CHOICES, MAX_CONTACT_ANGLE_DEG, clearance_wanted
from grasp_servo.robot_profiles import PROFILES

from grasp_bringup.factory import (
    CAMERA_NOISE,
    CONTROLLER_NAMES,
    DEFAULT_MODEL,
    DISTURBANCE_MODES,
    PART_003,
    PART_003_CAMERA_PX,
    SHIPPED_MODELS,
    RunSettings,
    UsageError,
    model_target,
    servo_kind_for,
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: what was wrong and where to read more, exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _int_at_least(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


positive_int = _int_at_least(1)
non_negative_int = _int_at_least(0)


def channel_list(text: str) -> tuple[int, ...]:
    """Comma-separated channel counts, each >= 1 (e.g. ``32,16,8``)."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 32,16,8, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"every channel count must be at least 1, got {text!r}")
    return values


def _add_world_options(parser: argparse.ArgumentParser, default_objects: str, every_arm: bool = False) -> None:
    parser.add_argument(
        "--robot",
        choices=sorted(PROFILES) + (["all"] if every_arm else []),
        default="ur5",
        help="the arm: ur5 (UR5 + Robotiq 2F-85), abb (ABB IRB 120 + 2F-85), jaco (Kinova Jaco 2 + KG-2), gen3 "
        "(Kinova Gen3 6-DoF + 2F-85); the same as robot:= in the ROS launch"
        + ("; all: each arm in turn into OUT/<robot>, then OUT/arms.json and arms.png" if every_arm else "")
        + " (default ur5)",
    )
    parser.add_argument(
        "--object-set",
        default=default_objects,
        help="a named set: train / heldout (5 procedural families), shapes_train / shapes_val / shapes_test "
        "(+ 8 non-convex families), everyday (8 test families in no training set), urdf_train / urdf_val / "
        "urdf_test (pybullet's random_urdfs, see docs/embedded.md); or a folder of OBJ/STL meshes in metres "
        f"(default: {default_objects})",
    )
    parser.add_argument(
        "--camera-px", type=positive_int, default=64, help="wrist depth camera resolution, 16-472 (default 64)"
    )
    parser.add_argument(
        "--disturbance",
        action="store_true",
        help="disturb the object nearest the gripper by 3-6 cm, as --disturbance-mode says (demo: only the "
        "disturbed run)",
    )
    parser.add_argument(
        "--disturbance-mode",
        choices=DISTURBANCE_MODES,
        default=None,
        help="late (default): push the object along the table once the fingertips come within 4 cm above it; "
        "early: move it before servo step 2",
    )
    parser.add_argument(
        "--camera-noise",
        choices=list(CAMERA_NOISE),
        default="none",
        help="make the wrist depth camera behave like a real sensor (noise, quantisation, range and edge holes): "
        "d405 (RealSense D405, 7 cm-1 m), d435, primesense (default none: ideal depth)",
    )
    parser.add_argument(
        "--fingers-in-view", action="store_true", help="the wrist camera also sees the gripper's fingers"
    )
    parser.add_argument(
        "--kinematic-noise",
        type=_number,
        default=0.0,
        help="seed 001 noise: each commanded displacement d gets + s * w * |d|, w ~ N(0,1) "
        "(0.4 in seed 001; default 0 = off)",
    )
    parser.add_argument("--min-objects", type=positive_int, default=1, help="objects per scene, at least (default 1)")
    parser.add_argument("--max-objects", type=positive_int, default=5, help="objects per scene, at most (default 5)")
    parser.add_argument("--workers", type=positive_int, default=2, help="parallel worker processes (default 2)")
    parser.add_argument(
        "--step-budget",
        type=positive_int,
        default=20,
        help="servo steps per episode after which the gripper closes anyway (default 20)",
    )


def _add_cem_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cem-samples", type=positive_int, default=64, help="CEM samples per iteration N (default 64)")
    parser.add_argument("--cem-elites", type=positive_int, default=6, help="CEM elites M (default 6)")
    parser.add_argument("--cem-iterations", type=positive_int, default=3, help="CEM iterations (default 3)")


def _add_servo_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--controller",
        choices=["auto", "cem", "threshold"],
        default="auto",
        help="the closed-loop servo: cem (scoring models: success, Q, distance) or threshold (regression models: "
        "pregrasp motion, GG-CNN); auto picks the one the model's contract names (default auto); a servo that "
        "cannot use the model is refused",
    )
    parser.add_argument(
        "--approach-steps", type=positive_int, default=25,
        help="distance models (seed 001): frames over which the gripper descends to 0.15 m camera height (default "
        "25; the seed used 75)",
    )
    parser.add_argument(
        "--threshold-mm", type=_number, default=0.5,
        help="threshold servo: translation under which it runs the grasp motion (default 0.5; seed 003: 0.8)",
    )
    parser.add_argument(
        "--threshold-deg", type=_number, default=0.5,
        help="threshold servo: rotation under which it runs the grasp motion (default 0.5; seed 003: 0.6)",
    )
    parser.add_argument(
        "--descent-steps", type=positive_int, default=1,
        help="threshold servo: frames the taught grasp motion is cut into; 1 runs it blind (seed 003, default); "
        "more follow the model on the way down and go back up when the target jumps (grasp maps only)",
    )
    parser.add_argument(
        "--track-peaks", type=positive_int, default=1,
        help="threshold servo: 1 follows the model's best grasp on every frame (default); K > 1 follows, of the "
        "K best, the one nearest the grasp followed on the frame before (GG-CNN's closed loop: 3)",
    )
    _add_finger_clearance_options(
        parser, "auto", "auto (default): on for the success, distance and Q-function models (chosen on "
        "the validation objects); off: seed 004's / 001's servo as published; the threshold servo ignores it"
    )


def _add_finger_clearance_options(parser: argparse.ArgumentParser, default: str, choices_help: str) -> None:
    parser.add_argument(
        "--finger-clearance", choices=CLEARANCE_CHOICES, default=default,
        help="CEM servo: a motion whose end pose would set a finger down on a surface the depth frame shows, or "
        "close a pad on a face too steep to hold, scores worst, so the servo grasps elsewhere or raises instead of "
        f"closing there; {choices_help}",
    )
    parser.add_argument(
        "--max-contact-angle", type=_number, default=MAX_CONTACT_ANGLE_DEG,
        help="with the finger-clearance check: do not close where a pad would meet a face turned more than this "
        f"many degrees from square (it would squeeze the object out; default {MAX_CONTACT_ANGLE_DEG:g}, 0 = off)",
    )


def _settings(args: argparse.Namespace, controller: str, model: str | None) -> RunSettings:
    if controller == "auto":
        controller = servo_kind_for(model) if model else "cem"
    if args.disturbance_mode and not args.disturbance and args.command != "demo":
        raise UsageError(f"--disturbance-mode {args.disturbance_mode} needs --disturbance (it says how to disturb)")
    return RunSettings(
        robot=args.robot,
        controller=controller,
        model=model,
        object_set=args.object_set,
        camera_px=args.camera_px,
        disturbance=args.disturbance,
        disturbance_mode=args.disturbance_mode or "late",
        camera_noise=args.camera_noise,
        fingers_in_view=args.fingers_in_view,
        kinematic_noise=args.kinematic_noise,
        min_objects=args.min_objects,
        max_objects=args.max_objects,
        step_budget=args.step_budget,
        grasp_attempts=getattr(args, "grasp_attempts", 1),
        cem_samples=getattr(args, "cem_samples", 64),
        cem_elites=getattr(args, "cem_elites", 6),
        cem_iterations=getattr(args, "cem_iterations", 3),
        approach_steps=getattr(args, "approach_steps", 25),
        threshold_mm=getattr(args, "threshold_mm", 0.5),
        threshold_deg=getattr(args, "threshold_deg", 0.5),
        descent_steps=getattr(args, "descent_steps", 1),
        track_peaks=getattr(args, "track_peaks", 1),
        finger_clearance=bool(model) and clearance_wanted(getattr(args, "finger_clearance", "off"),
                                                          model_target(model)),
        max_contact_angle=getattr(args, "max_contact_angle", MAX_CONTACT_ANGLE_DEG),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="grasp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="the main job: closed vs open loop with the shipped model, on still and on disturbed objects"
    )
    demo.add_argument("--model", default=str(DEFAULT_MODEL), help="ONNX model (default: the shipped one)")
    demo.add_argument(
        "--episodes", type=positive_int, default=40, help="episodes per controller and condition (default 40)"
    )
    demo.add_argument("--out", type=Path, default=None, help="output folder (default runs/demo-<time>)")
    _add_world_options(demo, "heldout")
    _add_cem_options(demo)
    _add_servo_options(demo)

    collect = sub.add_parser("collect", help="record grasp attempts to rosbag2 (MCAP)")
    collect.add_argument(
        "--policy",
        choices=[c for c in CONTROLLER_NAMES if c != "open_loop"],
        default="biased",
        help="random, biased (toward objects, seed 000), learned (servo + exploration), cem",
    )
    collect.add_argument("--model", default=None, help="ONNX model for the learned / cem policies")
    collect.add_argument(
        "--episodes", type=positive_int, default=None, help="attempts to record (with --resume: a new, higher target)"
    )
    collect.add_argument(
        "--resume",
        action="store_true",
        help="continue the collection in --out (repairs bags cut short by a kill, records the missing episodes; "
        "policy, world and seeds are the first run's)",
    )
    collect.add_argument(
        "--episodes-per-bag",
        type=positive_int,
        default=100,
        help="close each bag after this many episodes and start the next (default 100)",
    )
    collect.add_argument("--out", type=Path, required=True, help="new folder for the bags (one per worker)")
    collect.add_argument("--seed-offset", type=non_negative_int, default=0, help="first scene seed offset (default 0)")
    collect.add_argument("--explore", type=_number, default=0.2, help="learned policy: exploration probability")
    _add_world_options(collect, "train")
    _add_cem_options(collect)
    _add_finger_clearance_options(
        collect, "off", "learned / cem policies only; off (default): seed 004's servo as published, as the shipped "
        "model's data were collected; on, or auto (as grasp evaluate): fewer collisions while "
        "it collects"
    )

    train = sub.add_parser("train", help="train the grasp-success CNN on bags and export ONNX")
    train.add_argument("--bags", type=Path, nargs="+", required=True, help="bag folders, or folders holding bags")
    train.add_argument("--out", type=Path, required=True, help="ONNX file to write")
    train.add_argument("--epochs", type=positive_int, default=30, help="training epochs (default 30)")
    train.add_argument(
        "--rounds", type=positive_int, default=1, help="collect -> train rounds behind these bags (provenance)"
    )
    train.add_argument("--data-description", default="", help="free text for the model's provenance")

    dataset = sub.add_parser(
        "dataset", help="labelled frames for the geometric families: distance (seed 001), pregrasp (seed 003), "
        "grasp_map (seed 002)"
    )
    dataset.add_argument("--family", choices=["distance", "pregrasp", "grasp_map"], required=True)
    dataset.add_argument("--scenes", type=positive_int, default=500, help="scenes to drop (default 500)")
    dataset.add_argument("--images-per-scene", type=positive_int, default=40, help="frames per scene (default 40)")
    dataset.add_argument(
        "--actions-per-image", type=positive_int, default=10, help="distance: labelled actions per frame (default 10)"
    )
    dataset.add_argument(
        "--sampling", choices=["uniform", "gaussian"], default="uniform",
        help="pregrasp: poses uniform in a box around the taught pregrasp pose, or Gaussian (seed 003; default "
        "uniform)",
    )
    dataset.add_argument(
        "--taught-part", action="store_true",
        help="pregrasp: seed 003's own setting, one known part (--object-set SET:NAME, e.g. "
        "heldout:heldout_box_120) whose one pregrasp pose is fixed to it, demonstrated once",
    )
    dataset.add_argument(
        "--camera-px", type=positive_int, default=64,
        help="the wrist camera's pixels per side (default 64); frames are resized to the model's 64 px as a real "
        "camera's are, so more pixels give edges sub-pixel detail",
    )
    dataset.add_argument("--object-set", default="shapes_train", help="training objects (default shapes_train)")
    dataset.add_argument("--seed", type=non_negative_int, default=1, help="scene seeds (default 1)")
    dataset.add_argument("--robot", choices=sorted(PROFILES), default="ur5", help="the arm (default ur5)")
    dataset.add_argument("--out", type=Path, required=True, help="npz file to write")

    train_family = sub.add_parser(
        "train-family",
        help="train the Q-function (bags), distance, pregrasp-motion or GG-CNN model (datasets); ONNX out",
    )
    train_family.add_argument("--family", choices=["q", "distance", "pregrasp", "grasp_map"], required=True)
    train_family.add_argument(
        "--data", type=Path, nargs="+", required=True,
        help="q: bag folders (grasp collect); distance / pregrasp / grasp_map: npz files (grasp dataset)",
    )
    train_family.add_argument(
        "--test", type=Path, nargs="*", default=[],
        help="grasp_map: datasets of unseen objects scored with the rectangle metric after training (not used "
        "to pick the epoch)",
    )
    train_family.add_argument("--out", type=Path, required=True, help="ONNX file to write")
    train_family.add_argument("--epochs", type=positive_int, default=20, help="training epochs (default 20)")
    train_family.add_argument(
        "--channels", type=channel_list, default=None,
        help="grasp_map: the GG-CNN encoder's channels per strided convolution, comma-separated; the decoder "
        "mirrors them (default GG-CNN's 32,16,8)",
    )
    train_family.add_argument(
        "--samples-per-epoch", type=positive_int, default=None,
        help="distance / pregrasp: training samples drawn per epoch (default: distance 40,000 (frame, action) "
        "pairs, pregrasp all frames)",
    )
    train_family.add_argument(
        "--q-action", choices=["to_final", "executed"], default=None,
        help="q: each recorded step's action a_t: to_final (default), the motion from the step's pose to the pose "
        "where the episode closed, what the CEM servo scores; executed, the step's own motion (at most one servo "
        "step)",
    )
    train_family.add_argument(
        "--q-mc-weight", type=float, default=None, metavar="LAMBDA",
        help="q: the target is (1 - LAMBDA) x the Bellman target + LAMBDA x the episode's discounted return "
        "gamma^(T-t) R, LAMBDA in [0, 1] (default 0: QT-Opt's Bellman target alone)",
    )
    train_family.add_argument(
        "--q-clipped-double", action="store_true",
        help="q: read the target's max over the next state's motions as the lower of two target networks, the "
        "second lagging the first (clipped double Q-learning, against the max's overestimation; default off)",
    )

    evaluate = sub.add_parser("evaluate", help="success rate, steps and latency; closed loop vs open-loop baseline")
    evaluate.add_argument("--model", default=str(DEFAULT_MODEL), help="ONNX model (default: the shipped one)")
    evaluate.add_argument("--episodes", type=positive_int, default=200, help="episodes per condition (default 200)")
    evaluate.add_argument("--out", type=Path, required=True, help="new output folder")
    evaluate.add_argument("--no-open-loop", action="store_true", help="skip the open-loop baseline")
    evaluate.add_argument("--no-bags", action="store_true", help="do not record the run's bags")
    _add_world_options(evaluate, "heldout", every_arm=True)
    _add_cem_options(evaluate)
    _add_servo_options(evaluate)
    evaluate.add_argument(
        "--grasp-attempts",
        type=positive_int,
        default=1,
        help="closed loop: grasp attempts per scene within its step budget; after a label of not held with steps "
        "left, the gripper opens where it is and the servo goes on (a regrasp; each attempt is its own labelled "
        "episode in the bags). The open loop always has one (default 1: one close per scene, as seeds 000 and 004 "
        "count; 3 in the regrasp figures of the README)",
    )

    pipeline = sub.add_parser(
        "pipeline", help="reproduce the shipped model: rounds of collect -> train (scripted data first, then learned)"
    )
    pipeline.add_argument("--out", type=Path, required=True, help="new folder for bags, models and reports")
    pipeline.add_argument("--round1-episodes", type=positive_int, default=5000, help="scripted attempts (default 5000)")
    pipeline.add_argument(
        "--round2-episodes",
        type=positive_int,
        default=3000,
        help="learned-policy attempts in round 2 and in every later round (default 3000)",
    )
    pipeline.add_argument(
        "--rounds", type=positive_int, default=2, help="collect -> train rounds, at least 1 (default 2)"
    )
    pipeline.add_argument(
        "--resume",
        action="store_true",
        help="keep the stages that an interrupted run with the same arguments already finished",
    )
    pipeline.add_argument(
        "--random-fraction",
        type=_number,
        default=0.25,
        help="share of round-1 attempts by the random policy, the rest biased (default 0.25)",
    )
    pipeline.add_argument("--epochs", type=positive_int, default=20, help="training epochs per round (default 20)")
    pipeline.add_argument("--workers", type=positive_int, default=2, help="parallel worker processes (default 2)")
    pipeline.add_argument(
        "--object-set", default="train", help="the objects to collect on (a training set: train, shapes_train, ...)"
    )
    pipeline.add_argument(
        "--robot", choices=sorted(PROFILES), default="ur5", help="the arm to collect with (default ur5)"
    )

    experiments = sub.add_parser(
        "experiments", help="the seeds' experiments on our world, one report: 001 Fig. 5, 003 precision, 004 "
        "Table 1, 002 rectangle metric, 000 Q-function"
    )
    experiments.add_argument("--out", type=Path, required=True, help="folder for report.md, JSON, tables, plots")
    experiments.add_argument(
        "--seeds", nargs="+", default=["001", "003", "004", "002", "000"], choices=["001", "003", "004", "002", "000"],
        help="which experiments (default all)",
    )
    experiments.add_argument("--trials-001", type=positive_int, default=400, help="scenes per seed 001 scenario")
    experiments.add_argument("--trials-003", type=positive_int, default=100, help="starts per seed 003 condition")
    experiments.add_argument("--trials-004", type=positive_int, default=100, help="attempts with replacement")
    experiments.add_argument("--epochs-002", type=positive_int, default=30, help="seed 002 training epochs")
    experiments.add_argument("--episodes-000", type=positive_int, default=200, help="episodes per seed 000 cell")
    experiments.add_argument("--approach-steps", type=positive_int, default=25, help="seed 001 descent frames")
    experiments.add_argument("--workers", type=positive_int, default=2, help="parallel worker processes")
    for family, path in SHIPPED_MODELS.items():
        experiments.add_argument(f"--{family.replace('_', '-')}-model", default=str(path),
                                 help=f"the {family} model (default: the shipped one)")
    experiments.add_argument(
        "--part-003", default=PART_003,
        help=f"seed 003's own setting: the one part (SET:NAME) --pregrasp-part-model was taught on "
        f"(default {PART_003})",
    )
    experiments.add_argument(
        "--part-camera-px-003", type=positive_int, default=PART_003_CAMERA_PX,
        help=f"seed 003's own setting: the wrist camera's pixels per side (default {PART_003_CAMERA_PX}, the shipped "
        "part model's)",
    )
    experiments.add_argument("--grasp-map-train", default="", help="seed 002: comma-separated grasp_map datasets")
    experiments.add_argument("--grasp-map-test", default="", help="seed 002: held-out grasp_map dataset")

    info = sub.add_parser("bag-info", help="summarise bags: episodes, steps, successes, policies")
    info.add_argument("bags", type=Path, nargs="+", help="bag folders, or folders holding bags")
    info.add_argument("--json", action="store_true", help="print one JSON document instead of a table")

    repair = sub.add_parser(
        "bag-repair", help="recover the finished episodes of bags left without footer / metadata.yaml by a kill"
    )
    repair.add_argument("paths", type=Path, nargs="+", help="unfinished bag folders, or folders holding them")

    from grasp_datacollect import record_convert_cli as record_convert

    record_convert.add_arguments(sub.add_parser("bag-from-record", help=record_convert.HELP))

    bench = sub.add_parser("benchmark", help="servo-step latency on one CPU core (perception + CEM)")
    bench.add_argument("--model", default=str(DEFAULT_MODEL))
    bench.add_argument("--steps", type=positive_int, default=300, help="servo steps to time (default 300)")
    bench.add_argument("--threads", type=positive_int, default=1, help="onnxruntime intra-op threads (default 1)")
    bench.add_argument("--out", type=Path, default=None, help="also write the figures to this JSON file")
    bench.add_argument(
        "--finger-clearance", choices=CLEARANCE_CHOICES, default="auto",
        help="time the servo with its finger-clearance check as grasp evaluate runs it (default auto: the model's)",
    )
    _add_cem_options(bench)

    soak = sub.add_parser(
        "soak", help="a long collection with memory and open files of every process sampled (flat or not)"
    )
    soak.add_argument("--episodes", type=positive_int, default=1000, help="attempts to record (default 1000)")
    soak.add_argument("--out", type=Path, required=True, help="new folder for the bags, soak.json and soak.png")
    soak.add_argument(
        "--policy", choices=["random", "biased"], default="biased", help="collection policy (default biased)"
    )
    soak.add_argument("--interval", type=_number, default=1.0, help="seconds between samples (default 1)")
    _add_world_options(soak, "train")
    return parser


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (docker stop, timeout, systemd) stops a command as Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    received = {"signal": signal.SIGINT}

    def on_sigterm(signum: int, frame: object) -> None:
        received["signal"] = signal.SIGTERM
        _terminate_as_interrupt(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
    warnings.formatwarning = lambda message, *_, **__: f"warning: {message}\n"  # one line, no source echo
    try:
        return _dispatch(args)
    except (FileNotFoundError, FileExistsError, NotADirectoryError, ValueError) as error:
        print(f"grasp {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        signum = getattr(interrupt, "signum", received["signal"])
        where = getattr(args, "out", None)
        hint = ""
        if args.command == "collect" and where is not None:
            hint = f"; continue with `grasp collect --resume --out {where}`"
        print(
            f"grasp {args.command}: interrupted; finished episodes are in closed bags{hint}",
            file=sys.stderr,
        )
        return 128 + int(signum)
    except Exception as error:
        from grasp_bringup.parallel_episodes import WorkerError

        if not isinstance(error, WorkerError):
            raise
        log = Path(getattr(args, "out", None) or ".") / "worker_error.log"
        if log.parent.is_dir():
            log.write_text(error.details)
        print(f"grasp {args.command}: error: {error} (traceback in {log})", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    from grasp_bringup import commands, reports

    if args.command == "collect":
        if args.resume:
            report = commands.resume_collection(args.out, args.workers, args.episodes)
        else:
            if args.episodes is None:
                raise UsageError("--episodes is required (unless --resume continues a collection)")
            if args.finger_clearance != "off" and args.policy not in ("learned", "cem"):
                raise UsageError(f"--finger-clearance {args.finger_clearance} checks a model's servo: it is for "
                                 f"--policy learned or cem, not {args.policy}")
            settings = replace(_settings(args, args.policy, args.model), explore_probability=args.explore)
            report = commands.collect(
                settings, args.episodes, args.out, args.workers, args.seed_offset, args.episodes_per_bag
            )
        print(reports.collection_text(report))
    elif args.command == "train":
        summary = commands.train(args.bags, args.out, args.epochs, args.rounds, args.data_description)
        print(reports.training_text(summary))
    elif args.command == "dataset":
        from grasp_bringup.family_datasets import DatasetSpec, make_dataset

        spec = DatasetSpec(args.family, args.object_set, args.scenes, args.seed, args.robot, args.camera_px,
                           args.sampling, args.images_per_scene, args.actions_per_image, args.taught_part)
        if args.taught_part and args.family != "pregrasp":
            raise UsageError(f"--taught-part is for --family pregrasp, not {args.family}")
        print(make_dataset(spec, args.out))
    elif args.command == "train-family":
        from grasp_bringup.family_training import train_family

        record = train_family(args.family, args.data, args.out, args.epochs, test=tuple(args.test),
                              channels=args.channels, samples_per_epoch=args.samples_per_epoch,
                              q_action=args.q_action, q_mc_weight=args.q_mc_weight,
                              q_clipped_double=args.q_clipped_double)
        metrics = {k: v for k, v in record.get("val_metrics", {}).items() if isinstance(v, float)}
        print(f"wrote {args.out} ({args.family}); held-out: " + ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
    elif args.command == "evaluate" and args.robot == "all":
        from grasp_bringup.arm_comparison import arms_text, evaluate_arms

        settings = _settings(args, args.controller, args.model)
        comparison = evaluate_arms(
            settings, list(PROFILES), args.episodes, args.out, args.workers, open_loop=not args.no_open_loop,
            record=not args.no_bags,
        )
        print(arms_text(comparison))
        print(f"wrote {args.out / 'arms.json'}, {args.out / 'arms.png'} and one folder per arm under {args.out}")
    elif args.command == "evaluate":
        settings = _settings(args, args.controller, args.model)
        report = commands.evaluate(
            settings, args.episodes, args.out, args.workers, open_loop=not args.no_open_loop, record=not args.no_bags
        )
        print(reports.evaluation_text(report, args.out))
    elif args.command == "demo":
        out = args.out or reports.default_run_dir("demo")
        settings = _settings(args, args.controller, args.model)
        conditions = [("still", False), ("disturbed", True)] if not args.disturbance else [("disturbed", True)]
        for name, disturbed in conditions:
            print(f"== {name} objects ==", flush=True)
            report = commands.evaluate(
                replace(settings, disturbance=disturbed), args.episodes, out / name, args.workers
            )
            print(reports.evaluation_text(report, out / name), flush=True)
    elif args.command == "pipeline":
        from grasp_bringup.pipeline import run_pipeline

        card = run_pipeline(
            args.out,
            args.round1_episodes,
            args.round2_episodes,
            args.random_fraction,
            args.epochs,
            args.workers,
            rounds=args.rounds,
            resume=args.resume,
            object_set=args.object_set,
            robot=args.robot,
        )
        print(f"pipeline record: {card}")
    elif args.command == "experiments":
        from grasp_bringup.seed_experiments import run_experiments

        if "002" in args.seeds and not (args.grasp_map_train and args.grasp_map_test):
            raise UsageError("seed 002 trains on grasp_map datasets: give --grasp-map-train and --grasp-map-test "
                             "(make them with `grasp dataset --family grasp_map`), or leave 002 out of --seeds")
        models = {family: getattr(args, f"{family}_model") for family in SHIPPED_MODELS}
        models.update(grasp_map_train=args.grasp_map_train, grasp_map_test=args.grasp_map_test)
        trials = {"001": args.trials_001, "003": args.trials_003, "004": args.trials_004, "002": args.epochs_002,
                  "000": args.episodes_000}
        report = run_experiments(args.seeds, args.out, models, trials, args.workers, args.approach_steps,
                                 args.part_003, args.part_camera_px_003)
        print(f"wrote {report}")
    elif args.command == "soak":
        from grasp_bringup.soak import run_soak, soak_text

        if args.interval <= 0:
            raise UsageError(f"--interval must be > 0 seconds, got {args.interval}")
        report = run_soak(_settings(args, args.policy, None), args.episodes, args.out, args.workers, args.interval)
        print(soak_text(report, args.out))
    elif args.command == "bag-info":
        summaries = commands.bag_info(args.bags)
        print(json.dumps(summaries, indent=2, default=str) if args.json else reports.bag_info_text(summaries))
    elif args.command == "bag-repair":
        print(reports.repair_text(commands.repair_bags(args.paths)))
    elif args.command == "bag-from-record":
        from grasp_datacollect import record_convert_cli as record_convert

        print(record_convert.run(args))
    elif args.command == "benchmark":
        from grasp_bringup.latency_benchmark import benchmark_servo_step

        result = benchmark_servo_step(
            args.model, args.steps, args.threads, args.cem_samples, args.cem_elites, args.cem_iterations,
            clearance_wanted(args.finger_clearance, model_target(args.model)),
        )
        print(reports.benchmark_text(result))
        if args.out:
            args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
