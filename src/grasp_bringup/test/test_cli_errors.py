"""Every bad input a new user was seen to give: one clear line naming what was wrong, exit code 2, no traceback,
nothing started and no output folder left behind (so the retry is not refused)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import onnx
import pytest
from grasp_bringup.cli import main
from grasp_bringup.factory import DEFAULT_MODEL

CUBE_OBJ = """# a 4 cm cube
v 0 0 0
v 0.04 0 0
v 0.04 0.04 0
v 0 0.04 0
v 0 0 0.04
v 0.04 0 0.04
v 0.04 0.04 0.04
v 0 0.04 0.04
f 1 3 2
f 1 4 3
f 5 6 7
f 5 7 8
f 1 2 6
f 1 6 5
f 2 3 7
f 2 7 6
f 3 4 8
f 3 8 7
f 4 1 5
f 4 5 8
"""


def run_cli(capsys, *args: str) -> tuple[int, str]:
    """(exit code, stderr) of ``grasp ARGS`` run in this process."""
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    return code, capsys.readouterr().err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and "error:" in lines[0], err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"


@pytest.fixture
def corrupt_model(tmp_path) -> Path:
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(DEFAULT_MODEL.read_bytes()[:5000])
    return path


@pytest.fixture
def contractless_model(tmp_path) -> Path:
    """A valid ONNX model with no grasp contract in its metadata."""
    model = onnx.load(str(DEFAULT_MODEL))
    del model.metadata_props[:]
    path = tmp_path / "no_contract.onnx"
    onnx.save(model, str(path))
    return path


def meshes(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "meshes"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="latin-1")
    return folder


@pytest.mark.parametrize("command", ["evaluate", "collect"])
def test_corrupt_model(capsys, tmp_path, corrupt_model, command):
    out = tmp_path / "out"
    extra = ["--policy", "learned", "--episodes", "2"] if command == "collect" else []
    code, err = run_cli(capsys, command, "--model", str(corrupt_model), "--out", str(out), *extra)
    assert_one_line_error(code, err, "corrupt.onnx", "not a readable ONNX model")
    assert not out.exists()


def test_model_without_contract(capsys, tmp_path, contractless_model):
    code, err = run_cli(capsys, "evaluate", "--model", str(contractless_model), "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "no_contract.onnx", "contract")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--camera-px", "5000"], ["camera_px", "16", "472", "5000"]),
        (["--camera-px", "ten"], ["--camera-px", "whole number"]),
        (["--min-objects", "6", "--max-objects", "2"], ["min_objects", "6"]),
        (["--min-objects", "4", "--max-objects", "2"], ["--min-objects 4", "--max-objects 2"]),
        (["--kinematic-noise", "-1"], ["kinematic_noise", "-1"]),
        (["--kinematic-noise", "nan"], ["--kinematic-noise", "finite"]),
        (["--cem-elites", "100"], ["cem_elites", "100", "64"]),
        (["--cem-samples", "0"], ["--cem-samples", "at least 1"]),
        (["--episodes", "0"], ["--episodes", "at least 1"]),
        (["--workers", "0"], ["--workers", "at least 1"]),
        (["--step-budget", "-3"], ["--step-budget"]),
    ],
)
def test_bad_numbers(capsys, tmp_path, args, needles):
    out = tmp_path / "out"
    code, err = run_cli(capsys, "evaluate", "--out", str(out), *args)
    assert_one_line_error(code, err, *needles)
    assert not out.exists()


@pytest.mark.parametrize("case", ["missing", "empty", "all_broken"])
def test_unusable_mesh_folder(capsys, tmp_path, case):
    folder = tmp_path / "meshes"
    if case == "empty":
        folder.mkdir()
    elif case == "all_broken":
        meshes(tmp_path, **{"junk.obj": "v 1 2\nf nonsense\n"})
    code, err = run_cli(capsys, "collect", "--episodes", "2", "--object-set", str(folder), "--out", str(tmp_path / "o"))
    assert code == 2 and "Traceback" not in err
    assert str(folder) in err.splitlines()[-1]
    assert not (tmp_path / "o").exists()


def test_a_bad_mesh_among_good_ones_is_skipped_with_a_warning_naming_it(capsys, tmp_path):
    latin1 = CUBE_OBJ.replace("# a 4 cm cube", "# W\xfcrfel, 4 cm (Latin-1 comment)")
    folder = meshes(tmp_path, **{"cube.obj": CUBE_OBJ, "wuerfel.obj": latin1, "broken.obj": "v 1 2\nf x\n"})
    out = tmp_path / "out"
    code, err = run_cli(
        capsys, "collect", "--episodes", "2", "--workers", "1", "--object-set", str(folder), "--out", str(out)
    )
    assert code == 0, err
    assert "broken.obj" in err and "skipping" in err
    assert "wuerfel.obj" not in err, "a Latin-1 comment is no reason to skip a mesh"
    assert "2 meshes" in err
    assert (out / "collection.json").is_file()


def test_missing_model_in_benchmark(capsys, tmp_path):
    code, err = run_cli(capsys, "benchmark", "--model", str(tmp_path / "nope.onnx"))
    assert_one_line_error(code, err, "nope.onnx", "not found")


def test_an_empty_output_folder_left_by_a_failed_start_is_accepted(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code, err = run_cli(capsys, "collect", "--episodes", "2", "--workers", "1", "--out", str(out))
    assert code == 0, err


def test_resume_of_a_folder_that_is_no_collection(capsys, tmp_path):
    code, err = run_cli(capsys, "collect", "--resume", "--out", str(tmp_path))
    assert_one_line_error(code, err, "collection.json", "not a collection folder")


def test_collect_without_episodes(capsys, tmp_path):
    code, err = run_cli(capsys, "collect", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "--episodes is required")


def test_train_without_the_dev_extras_says_how_to_install_them(tmp_path):
    shadow = tmp_path / "no_torch"
    shadow.mkdir()
    (shadow / "torch.py").write_text("raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n")
    bags = tmp_path / "bags"
    bags.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "grasp_bringup.cli", "train", "--bags", str(bags), "--out", str(tmp_path / "m.onnx")],
        capture_output=True,
        text=True,
        # In front of the rest: under a colcon overlay the grasp packages are found through PYTHONPATH.
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(shadow), os.environ.get("PYTHONPATH")]))},
    )
    assert_one_line_error(result.returncode, result.stderr, "scripts/setup.sh --dev", "torch")


def test_a_guarded_descent_is_refused_for_a_model_trained_at_one_height() -> None:
    from grasp_bringup.factory import SHIPPED_MODELS, RunSettings, UsageError, build_controller

    pregrasp = RunSettings(controller="threshold", model=str(SHIPPED_MODELS["pregrasp"]), descent_steps=4)
    with pytest.raises(UsageError, match=r"descent_steps \(--descent-steps\) 4 .*pregrasp_motion.*use 1"):
        build_controller(pregrasp)
    grasp_map = RunSettings(controller="threshold", model=str(SHIPPED_MODELS["grasp_map"]), descent_steps=4)
    assert build_controller(grasp_map).servo.config.descent_steps == 4
    tracking = RunSettings(controller="threshold", model=str(SHIPPED_MODELS["grasp_map"]), track_peaks=3)
    assert build_controller(tracking).servo.config.track_peaks == 3
    with pytest.raises(UsageError, match=r"track_peaks \(--track-peaks\) must be between 1 and 64, got 0"):
        RunSettings(controller="threshold", model=str(SHIPPED_MODELS["grasp_map"]), track_peaks=0)
    with pytest.raises(UsageError, match=r"descent_steps \(--descent-steps\) must be between 1 and 19, got 20"):
        RunSettings(controller="threshold", model=str(SHIPPED_MODELS["grasp_map"]), descent_steps=20)


def test_evaluate_and_demo_check_finger_clearance_unless_told_not_to() -> None:
    from grasp_bringup.cli import _settings, build_parser
    from grasp_bringup.factory import SHIPPED_MODELS, RunSettings, UsageError, build_controller

    parser = build_parser()
    for command in (["evaluate", "--out", "runs/x"], ["demo"]):
        assert parser.parse_args(command).finger_clearance == "auto"
        assert parser.parse_args([*command, "--finger-clearance", "off"]).finger_clearance == "off"
    evaluate = parser.parse_args(["evaluate", "--out", "runs/x"])
    assert _settings(evaluate, "cem", str(DEFAULT_MODEL)).finger_clearance  # auto: on for the success CNN
    assert _settings(evaluate, "cem", str(SHIPPED_MODELS["distance"])).finger_clearance
    assert _settings(evaluate, "cem", str(SHIPPED_MODELS["q"])).finger_clearance  # auto: on for the Q-function too
    forced = parser.parse_args(["evaluate", "--out", "runs/x", "--finger-clearance", "on"])
    assert _settings(forced, "cem", str(SHIPPED_MODELS["q"])).finger_clearance
    assert not RunSettings().finger_clearance  # collection and the seeds' experiments run the seeds' servos
    # The CEM controllers get the check with the robot's opening; the threshold servo ignores the setting.
    success = build_controller(RunSettings(controller="cem", model=str(DEFAULT_MODEL), finger_clearance=True))
    assert success.clearance.footprint.opening == 0.085 and success.clearance.max_contact_angle_deg == 25.0
    assert parser.parse_args(["evaluate", "--out", "x", "--max-contact-angle", "0"]).max_contact_angle == 0.0
    with pytest.raises(UsageError, match=r"max_contact_angle \(--max-contact-angle\) must be between 0"):
        RunSettings(max_contact_angle=95.0)
    jaco = RunSettings(controller="cem", model=str(DEFAULT_MODEL), finger_clearance=True, robot="jaco")
    assert build_controller(jaco).clearance.footprint.opening == 0.175
    distance = RunSettings(controller="cem", model=str(SHIPPED_MODELS["distance"]), finger_clearance=True)
    assert build_controller(distance).clearance is not None
    assert build_controller(RunSettings(controller="cem", model=str(DEFAULT_MODEL))).clearance is None
    pregrasp = RunSettings(controller="threshold", model=str(SHIPPED_MODELS["pregrasp"]), finger_clearance=True)
    assert not hasattr(build_controller(pregrasp), "clearance")


def test_collect_checks_finger_clearance_only_when_asked(tmp_path) -> None:
    from grasp_bringup.cli import _dispatch, _settings, build_parser
    from grasp_bringup.factory import UsageError

    parser = build_parser()
    plain = parser.parse_args(["collect", "--policy", "learned", "--model", str(DEFAULT_MODEL), "--out", "x"])
    assert plain.finger_clearance == "off"  # the seeds' servo, as the shipped model's data were collected
    assert not _settings(plain, "learned", str(DEFAULT_MODEL)).finger_clearance
    with pytest.raises(UsageError, match=r"--finger-clearance on checks a model's servo.*not biased"):
        _dispatch(parser.parse_args(["collect", "--episodes", "1", "--finger-clearance", "on",
                                     "--out", str(tmp_path / "refused")]))
    assert not (tmp_path / "refused").exists()  # refused before anything was written
    out = tmp_path / "checked"
    args = parser.parse_args(["collect", "--policy", "learned", "--model", str(DEFAULT_MODEL), "--episodes", "2",
                              "--finger-clearance", "on", "--max-contact-angle", "30", "--workers", "1",
                              "--max-objects", "1", "--step-budget", "3", "--out", str(out)])
    assert _dispatch(args) == 0
    recorded = json.loads((out / "collection.json").read_text())
    assert recorded["settings"]["finger_clearance"] is True and recorded["settings"]["max_contact_angle"] == 30.0
    assert recorded["episodes"] == 2
