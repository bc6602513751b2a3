"""Seed 003's precision test (servo_precision.threshold_trials) and its report, on the shipped models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from grasp_bringup.factory import PART_003, PART_003_CAMERA_PX, SHIPPED_MODELS
from grasp_bringup.seed_experiments import seed003
from grasp_bringup.servo_precision import threshold_summary, threshold_trials


def test_the_taught_part_model_servos_to_its_part_within_a_millimetre() -> None:
    trials = threshold_trials(str(SHIPPED_MODELS["pregrasp_part"]), 10, object_set=PART_003, taught_part=True,
                              camera_px=PART_003_CAMERA_PX, progress=False)
    summary = threshold_summary(trials)
    assert summary["trials"] == 10 and summary["converged"] >= 8  # its prediction fell under 0.5 mm / 0.5 deg
    assert summary["translation_error_mm_median"] < 1.0 and summary["rotation_error_deg_median"] < 1.0
    assert all(t.start_offset_m > 0.005 or t.start_offset_deg > 5 for t in trials[1:])  # started away from it
    assert np.median([t.iterations for t in trials]) <= 4


def test_a_taught_part_needs_a_set_of_one_part() -> None:
    with pytest.raises(ValueError, match="a taught part needs an object set of one object"):
        threshold_trials(str(SHIPPED_MODELS["pregrasp_part"]), 1, object_set="heldout", taught_part=True,
                         progress=False)


def test_seed003_reports_every_condition_with_its_trials(tmp_path: Path) -> None:
    pregrasp = {"uniform": str(SHIPPED_MODELS["pregrasp"])}
    text = seed003(tmp_path, pregrasp, 2, PART_003, str(SHIPPED_MODELS["pregrasp_part"]), PART_003_CAMERA_PX)
    rows = json.loads((tmp_path / "seed003.json").read_text())
    assert list(rows) == [
        "uniform data, random starts", "uniform data, partial-view starts",
        "taught part heldout_box_120 (128 px camera), random starts",
        "taught part heldout_box_120 (128 px camera), partial-view starts",
    ]
    assert all(row["trials"] == 2 for row in rows.values())
    assert "| taught part heldout_box_120 (128 px camera), random starts | 2 |" in text
    assert (tmp_path / "seed003.png").stat().st_size > 0
