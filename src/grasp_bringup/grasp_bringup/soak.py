"""``grasp soak``: a long collection with memory and open files sampled, to show both stay flat.

Samples the resident memory (VmRSS) and the open file descriptors of this process and of every worker
from ``/proc`` at a fixed interval while ``grasp collect`` runs in this process, then reports the growth from
the end of the warm-up to the end of the run: ``soak.json``, ``soak.png`` and a printed summary.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grasp_bringup.factory import RunSettings

WARMUP_FRACTION = 0.2  # growth is measured from the end of the first 20 % of the run to its end
WINDOW_FRACTION = 0.1  # each end is the median over 10 % of the run's samples


@dataclass
class ProcessSamples:
    """Time series of one process."""

    role: str
    seconds: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    open_files: list[int] = field(default_factory=list)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _sample(pid: int) -> tuple[float, int] | None:
    """(VmRSS in MiB, open file descriptors) of a live process, None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss_kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return rss_kib / 1024, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, StopIteration):
        return None


class ProcessSampler:
    """Samples this process and its workers (children running ``spawn_main``) every ``interval`` seconds."""

    def __init__(self, interval: float) -> None:
        if not Path("/proc/self/status").exists():
            raise OSError("grasp soak reads /proc: it runs on Linux only")
        self.interval = interval
        self.processes: dict[int, ProcessSamples] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._began = time.monotonic()

    def __enter__(self) -> ProcessSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval):
            now = time.monotonic() - self._began
            workers = [p for p in _children(me) if b"spawn_main" in _cmdline(p)]
            for pid in [me, *workers]:
                sample = _sample(pid)
                if sample is None:
                    continue
                role = "main" if pid == me else f"worker {pid}"
                series = self.processes.setdefault(pid, ProcessSamples(role))
                series.seconds.append(now)
                series.rss_mib.append(sample[0])
                series.open_files.append(sample[1])


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def growth(series: ProcessSamples) -> dict[str, float]:
    """Memory growth (%) and open-file change from the end of the warm-up to the end of the run."""
    n = len(series.rss_mib)
    if n < 10:
        raise ValueError(f"{series.role}: only {n} samples; run longer or sample more often (--interval)")
    window = max(1, int(n * WINDOW_FRACTION))
    start = int(n * WARMUP_FRACTION)
    rss_start = float(np.median(series.rss_mib[start : start + window]))
    rss_end = float(np.median(series.rss_mib[-window:]))
    return {
        "rss_mib_after_warmup": rss_start,
        "rss_mib_end": rss_end,
        "rss_growth_percent": 100.0 * (rss_end - rss_start) / rss_start,
        "open_files_after_warmup": int(np.median(series.open_files[start : start + window])),
        "open_files_end": int(np.median(series.open_files[-window:])),
        "samples": n,
    }


def run_soak(settings: RunSettings, episodes: int, out: Path, workers: int, interval: float) -> dict[str, Any]:
    """Collect ``episodes`` attempts into ``out`` while sampling; write soak.json and soak.png."""
    from grasp_bringup import commands

    began = time.monotonic()
    with ProcessSampler(interval) as sampler:
        collection = commands.collect(settings, episodes, out, workers)
    seconds = time.monotonic() - began
    processes = [p for p in sampler.processes.values() if len(p.rss_mib) >= 10]
    report = {
        "episodes": collection["episodes"],
        "seconds": seconds,
        "interval_s": interval,
        "settings": collection["settings"],
        "processes": {p.role: growth(p) for p in processes},
        "command": " ".join(sys.argv),
    }
    report["max_rss_growth_percent"] = max(g["rss_growth_percent"] for g in report["processes"].values())
    (out / "soak.json").write_text(
        json.dumps({**report, "series": {p.role: vars(p) for p in processes}}, indent=2, default=str)
    )
    plot_soak(processes, out / "soak.png", f"{collection['episodes']} episodes of grasp collect")
    return report


def plot_soak(processes: list[ProcessSamples], path: Path, title: str) -> None:
    """Memory and open files of each process over the run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (memory, files) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for series in processes:
        memory.plot(series.seconds, series.rss_mib, label=series.role)
        files.plot(series.seconds, series.open_files, label=series.role)
    memory.set_ylabel("resident memory (MiB)")
    memory.set_ylim(bottom=0)
    files.set_ylabel("open file descriptors")
    files.set_ylim(bottom=0)
    files.set_xlabel("seconds")
    memory.legend(loc="lower right", fontsize="small")
    memory.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def soak_text(report: dict[str, Any], out: Path) -> str:
    lines = [f"{report['episodes']} episodes in {report['seconds']:.0f} s, sampled every {report['interval_s']} s"]
    for role, g in report["processes"].items():
        lines.append(
            f"  {role:14s} memory {g['rss_mib_after_warmup']:.0f} -> {g['rss_mib_end']:.0f} MiB "
            f"({g['rss_growth_percent']:+.1f} %), open files {g['open_files_after_warmup']} -> {g['open_files_end']}"
        )
    lines.append(f"  largest memory growth after warm-up: {report['max_rss_growth_percent']:+.1f} %")
    lines.append(f"  wrote {out / 'soak.json'} and {out / 'soak.png'}")
    return "\n".join(lines)
