"""``grasp soak`` samples every process of a real collection and reports growth after the warm-up."""

from __future__ import annotations

import json
import sys

import pytest
from grasp_bringup.factory import RunSettings
from grasp_bringup.soak import ProcessSamples, growth, run_soak

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="grasp soak reads /proc (Linux)")


def test_soak_samples_the_main_process_and_both_workers(tmp_path):
    report = run_soak(RunSettings(controller="random", max_objects=1), 40, tmp_path / "soak", 2, interval=0.05)
    assert report["episodes"] == 40
    roles = set(report["processes"])
    assert "main" in roles and sum(role.startswith("worker") for role in roles) == 2
    for figures in report["processes"].values():
        assert figures["rss_mib_end"] > 10 and figures["open_files_end"] > 2
    saved = json.loads((tmp_path / "soak" / "soak.json").read_text())
    assert len(saved["series"]["main"]["rss_mib"]) >= 10
    assert (tmp_path / "soak" / "soak.png").stat().st_size > 10_000


def test_growth_is_measured_after_the_warmup():
    series = ProcessSamples("w", list(range(100)), [50.0] * 20 + [100.0] * 70 + [110.0] * 10, [5] * 100)
    assert growth(series)["rss_growth_percent"] == pytest.approx(10.0)
    with pytest.raises(ValueError, match="only 3 samples"):
        growth(ProcessSamples("w", [0, 1, 2], [1.0, 1.0, 1.0], [1, 1, 1]))
