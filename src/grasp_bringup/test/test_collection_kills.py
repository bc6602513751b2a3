"""Real ``grasp collect`` processes killed with each signal: what survives, counted by an independent reader.

The goal (issue "Nothing lost"): at most the episodes in flight are lost, whatever stops the run; the run
can be resumed to exactly its target, with every episode id once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("mcap_ros2.decoder", reason="the independent bag reader (mcap-ros2-support) is a dev extra")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker pids from /proc")

from grasp_bringup.kill_check import (  # noqa: E402 (after the skip checks)
    WORKERS,
    Collection,
    kill,
    outcomes_by_independent_reader,
    process_gone,
    unfinished_bags,
)

TARGET = 60


def grasp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grasp_bringup.cli", *args], capture_output=True, text=True)


def resume_to_target(out: Path) -> None:
    resumed = Collection(out, TARGET, "--resume")
    assert resumed.finish() == 0, resumed.text()
    ids = outcomes_by_independent_reader(out)
    assert sorted(ids) == list(range(TARGET)), "every episode exactly once after the resume"
    state = json.loads((out / "collection.json").read_text())
    assert state["status"] == "complete" and state["episodes"] == TARGET and len(state["sessions"]) == 2


@pytest.mark.parametrize(("how", "signum"), [("sigterm", signal.SIGTERM), ("ctrl-c", signal.SIGINT)])
def test_sigterm_and_ctrl_c_stop_in_order_and_lose_nothing(tmp_path, how, signum):
    run = Collection(tmp_path / "run", TARGET)
    reported = run.wait_for(10)
    kill(run, how)  # SIGTERM to the main process (docker stop, timeout); SIGINT to the group (Ctrl-C)
    assert run.finish() == 128 + signum
    assert "Traceback" not in run.text()
    assert "grasp collect --resume" in run.text()
    assert unfinished_bags(tmp_path / "run") == [], "every bag closed"
    ids = outcomes_by_independent_reader(tmp_path / "run")
    assert len(ids) == len(set(ids)) >= reported, "the episodes in flight were finished, none lost"
    state = json.loads((tmp_path / "run" / "collection.json").read_text())
    assert state["status"] == "interrupted" and state["episodes"] == len(ids)
    resume_to_target(tmp_path / "run")


def test_sigkill_of_the_main_process_stops_the_workers_who_close_their_bags(tmp_path):
    run = Collection(tmp_path / "run", TARGET)
    reported = run.wait_for(10)
    workers = run.worker_pids()
    assert len(workers) == WORKERS
    kill(run, "sigkill-main")
    run.finish()
    deadline = time.monotonic() + 30
    while not all(process_gone(pid) for pid in workers):
        assert time.monotonic() < deadline, "orphaned workers are still running"
        time.sleep(0.1)
    assert unfinished_bags(tmp_path / "run") == []
    ids = outcomes_by_independent_reader(tmp_path / "run")
    assert len(ids) == len(set(ids)) >= reported
    resume_to_target(tmp_path / "run")


def test_sigkill_of_everything_loses_only_the_episodes_in_flight(tmp_path):
    run = Collection(tmp_path / "run", TARGET)
    reported = run.wait_for(10)
    kill(run, "sigkill-all")  # as a power cut: nobody gets to close anything
    run.finish()
    out = tmp_path / "run"
    assert unfinished_bags(out), "the bags being written were cut off"
    info = grasp("bag-info", str(out))
    assert "unfinished" in info.stdout and "grasp bag-repair" in info.stdout
    repaired = grasp("bag-repair", str(out))
    assert repaired.returncode == 0, repaired.stderr
    assert unfinished_bags(out) == []
    ids = outcomes_by_independent_reader(out)
    assert len(ids) == len(set(ids)) >= reported, "every episode reported finished before the kill survives"
    for worker in range(WORKERS):  # each worker's episodes are a prefix of its share: nothing lost in between
        mine = sorted(i for i in ids if i % WORKERS == worker)
        assert mine == list(range(worker, worker + WORKERS * len(mine), WORKERS))
    resume_to_target(out)


def test_resume_repairs_unfinished_bags_itself(tmp_path):
    run = Collection(tmp_path / "run", TARGET)
    run.wait_for(10)
    kill(run, "sigkill-all")
    run.finish()
    resume_to_target(tmp_path / "run")
    state = json.loads((tmp_path / "run" / "collection.json").read_text())
    assert state["sessions"][1]["repaired_bags"], "the resume repaired the cut-off bags"
