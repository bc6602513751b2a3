"""--disturbance (a boolean, as before) and --disturbance-mode late|early: True means "late"."""

from __future__ import annotations

import pytest
from grasp_bringup.cli import main
from grasp_bringup.factory import RunSettings, UsageError, world_config


@pytest.mark.parametrize(
    ("disturbance", "mode", "world"),
    [(False, "late", "none"), (True, "late", "late"), (True, "early", "early"), (False, "early", "none")],
)
def test_the_boolean_and_the_mode_make_the_world_setting(disturbance, mode, world):
    assert world_config(RunSettings(disturbance=disturbance, disturbance_mode=mode)).disturbance == world


def test_true_alone_means_late():
    assert world_config(RunSettings(disturbance=True)).disturbance == "late"


def test_a_bad_mode_is_refused():
    with pytest.raises(UsageError, match=r"disturbance_mode .*late, early.*'sideways'"):
        RunSettings(disturbance=True, disturbance_mode="sideways")


def one_line_error(capsys, *args: str) -> str:
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "error:" in lines[0] and "Traceback" not in err, err
    return lines[0]


def test_cli_mode_errors_are_one_line(capsys, tmp_path):
    out = tmp_path / "out"
    line = one_line_error(capsys, "collect", "--episodes", "1", "--out", str(out), "--disturbance-mode", "sideways")
    assert "--disturbance-mode" in line and "sideways" in line
    line = one_line_error(capsys, "collect", "--episodes", "1", "--out", str(out), "--disturbance-mode", "early")
    assert "--disturbance-mode early needs --disturbance" in line
    assert not out.exists()
