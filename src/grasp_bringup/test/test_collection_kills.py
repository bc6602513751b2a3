"""Real ``grasp collect`` processes killed with each signal: what survives, counted by an independent reader.

The goal (issue "Nothing lost"): at most the episodes in flight are lost, whatever stops the run; the run
can be resumed to exactly its target, with every episode id once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

mcap_reader = pytest.importorskip("mcap.reader", reason="the independent bag reader (mcap) is a test dependency")
mcap_ros2_decoder = pytest.importorskip("mcap_ros2.decoder", reason="mcap-ros2-support is a test dependency")

TARGET = 60
WORKERS = 2
OUTCOME_TOPIC = "/grasp/episode_outcome"


class Collection:
    """A ``grasp collect`` run in its own process group, with its progress read from stderr as it goes."""

    def __init__(self, out: Path, *extra: str) -> None:
        self.out = out
        args = ["collect", "--policy", "random", "--max-objects", "1", "--workers", str(WORKERS)]
        args += ["--episodes-per-bag", "25", "--out", str(out), *extra]
        if "--resume" not in extra:
            args += ["--episodes", str(TARGET)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grasp_bringup.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.stderr = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while chunk := self.process.stderr.read1(4096):
            self.stderr += chunk

    def reported(self) -> int:
        """Episodes the progress bar has reported finished so far."""
        counts = re.findall(rb"(\d+)/%d \[" % TARGET, self.stderr)
        return int(counts[-1]) if counts else 0

    def wait_for(self, episodes: int, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while self.reported() < episodes:
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, f"no progress: {self.text()}"
            time.sleep(0.05)
        return self.reported()

    def finish(self, timeout: float = 120) -> int:
        rc = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return rc

    def text(self) -> str:
        return self.stderr.decode(errors="replace")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def outcomes_by_independent_reader(out: Path) -> list[int]:
    """Episode ids of every outcome in every MCAP file under ``out``, read with the mcap library."""
    ids = []
    for mcap_file in sorted(out.rglob("*.mcap")):
        with mcap_file.open("rb") as stream:
            reader = mcap_reader.make_reader(stream, decoder_factories=[mcap_ros2_decoder.DecoderFactory()])
            ids += [int(msg.episode_id) for _, _, _, msg in reader.iter_decoded_messages(topics=[OUTCOME_TOPIC])]
    return ids


def grasp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grasp_bringup.cli", *args], capture_output=True, text=True)


def resume_to_target(out: Path) -> None:
    resumed = Collection(out, "--resume")
    assert resumed.finish() == 0, resumed.text()
    ids = outcomes_by_independent_reader(out)
    assert sorted(ids) == list(range(TARGET)), "every episode exactly once after the resume"
    state = json.loads((out / "collection.json").read_text())
    assert state["status"] == "complete" and state["episodes"] == TARGET and len(state["sessions"]) == 2


def unfinished_bags(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.is_dir() and not (p / "metadata.yaml").exists()]


@pytest.mark.parametrize(("signum", "group"), [(signal.SIGTERM, False), (signal.SIGINT, True)])
def test_sigterm_and_ctrl_c_stop_in_order_and_lose_nothing(tmp_path, signum, group):
    run = Collection(tmp_path / "run")
    reported = run.wait_for(10)
    if group:  # Ctrl-C in a terminal reaches the whole foreground process group
        os.killpg(run.process.pid, signum)
    else:  # docker stop, timeout and systemd signal the main process
        run.process.send_signal(signum)
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
    run = Collection(tmp_path / "run")
    reported = run.wait_for(10)
    workers = run.worker_pids()
    assert len(workers) == WORKERS
    run.process.kill()
    run.finish()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers):
        assert time.monotonic() < deadline, "orphaned workers are still running"
        time.sleep(0.1)
    assert unfinished_bags(tmp_path / "run") == []
    ids = outcomes_by_independent_reader(tmp_path / "run")
    assert len(ids) == len(set(ids)) >= reported
    resume_to_target(tmp_path / "run")


def test_sigkill_of_everything_loses_only_the_episodes_in_flight(tmp_path):
    run = Collection(tmp_path / "run")
    reported = run.wait_for(10)
    os.killpg(run.process.pid, signal.SIGKILL)  # as a power cut: nobody gets to close anything
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
    run = Collection(tmp_path / "run")
    run.wait_for(10)
    os.killpg(run.process.pid, signal.SIGKILL)
    run.finish()
    resume_to_target(tmp_path / "run")
    state = json.loads((tmp_path / "run" / "collection.json").read_text())
    assert state["sessions"][1]["repaired_bags"], "the resume repaired the cut-off bags"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"
