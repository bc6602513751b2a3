"""Kill real ``grasp collect`` runs with each signal and count what survives, with the independent mcap reader.

    python -m grasp_bringup.kill_check [--episodes 60] [--after 10] [--out DIR]

For SIGTERM, Ctrl-C (SIGINT to the process group), SIGKILL of the main process and SIGKILL of every process
(as a power cut): start a collection, wait until the progress bar reports ``--after`` finished episodes,
send the signal, repair what needs it, count the episodes in the bags, then resume to the target. Prints a
table: episodes reported finished before the signal, recovered, lost (reported but not recovered; the goal
is 0: only the episodes in flight may be lost), and whether the resume completed with every id once.
Needs the dev extras (mcap-ros2-support).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

OUTCOME_TOPIC = "/grasp/episode_outcome"
WORKERS = 2


class Collection:
    """A ``grasp collect`` run in its own process group, with its progress read from stderr as it goes."""

    def __init__(self, out: Path, episodes: int, *extra: str) -> None:
        self.out = out
        self.episodes = episodes
        args = ["collect", "--policy", "random", "--max-objects", "1", "--workers", str(WORKERS)]
        args += ["--episodes-per-bag", "25", "--out", str(out), "--episodes", str(episodes), *extra]
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
        counts = re.findall(rb"(\d+)/%d \[" % self.episodes, self.stderr)
        return int(counts[-1]) if counts else 0

    def wait_for(self, episodes: int, timeout: float = 120) -> int:
        """Wait until ``episodes`` are reported finished; returns the count reported."""
        deadline = time.monotonic() + timeout
        while self.reported() < episodes:
            if self.process.poll() is not None:
                raise RuntimeError(f"collection ended early: {self.text()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no progress: {self.text()}")
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
    from mcap.reader import make_reader
    from mcap_ros2.decoder import DecoderFactory

    ids = []
    for mcap_file in sorted(out.rglob("*.mcap")):
        with mcap_file.open("rb") as stream:
            reader = make_reader(stream, decoder_factories=[DecoderFactory()])
            ids += [int(msg.episode_id) for _, _, _, msg in reader.iter_decoded_messages(topics=[OUTCOME_TOPIC])]
    return ids


def unfinished_bags(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.is_dir() and not (p / "metadata.yaml").exists()]


def process_gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def kill(run: Collection, how: str) -> None:
    """Stop ``run`` the way ``how`` names: sigterm, ctrl-c, sigkill-main or sigkill-all."""
    if how == "sigterm":
        run.process.send_signal(signal.SIGTERM)
    elif how == "ctrl-c":
        os.killpg(run.process.pid, signal.SIGINT)
    elif how == "sigkill-main":
        run.process.kill()
    elif how == "sigkill-all":
        os.killpg(run.process.pid, signal.SIGKILL)
    else:
        raise ValueError(f"unknown way to stop: {how}")


def trial(root: Path, how: str, episodes: int, after: int) -> dict:
    """One killed run, repaired and resumed: the counts for the table."""
    out = root / how
    run = Collection(out, episodes)
    reported = run.wait_for(after)
    workers = run.worker_pids()
    kill(run, how)
    rc = run.finish()
    deadline = time.monotonic() + 30
    while not all(process_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = sum(not process_gone(pid) for pid in workers)
    unfinished = len(unfinished_bags(out))
    if unfinished:
        subprocess.run([sys.executable, "-m", "grasp_bringup.cli", "bag-repair", str(out)], check=True)
    recovered = outcomes_by_independent_reader(out)
    resumed = Collection(out, episodes, "--resume")
    resumed_rc = resumed.finish()
    final = outcomes_by_independent_reader(out)
    return {
        "how": how,
        "exit_code": rc,
        "traceback": "Traceback" in run.text(),
        "orphaned_workers": orphans,
        "unfinished_bags": unfinished,
        "reported_before_signal": reported,
        "recovered": len(set(recovered)),
        "lost": max(0, reported - len(set(recovered))),
        "resume_exit_code": resumed_rc,
        "resume_complete": sorted(final) == list(range(episodes)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grasp_bringup.kill_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=60, help="target of each collection (default 60)")
    parser.add_argument("--after", type=int, default=10, help="signal after this many finished episodes")
    parser.add_argument("--out", type=Path, default=None, help="keep the runs here (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.out or Path(scratch)
        rows = [
            trial(root, how, args.episodes, args.after) for how in ("sigterm", "ctrl-c", "sigkill-main", "sigkill-all")
        ]
    print(
        f"{'stopped by':14s} {'exit':>4s} {'reported':>8s} {'recovered':>9s} {'lost':>4s} {'unfinished bags':>15s} "
        f"{'orphans':>7s} {'traceback':>9s}  resumed to target"
    )
    for r in rows:
        print(
            f"{r['how']:14s} {r['exit_code']:4d} {r['reported_before_signal']:8d} {r['recovered']:9d} {r['lost']:4d} "
            f"{r['unfinished_bags']:15d} {r['orphaned_workers']:7d} {'yes' if r['traceback'] else 'no':>9s}  "
            f"{'yes' if r['resume_complete'] else 'NO'}"
        )
    if args.out:
        (args.out / "kill_check.json").write_text(json.dumps(rows, indent=2))
    return 0 if all(r["lost"] == 0 and r["resume_complete"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
