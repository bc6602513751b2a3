"""Runs many episodes over worker processes, each with its own world and its own sequence of bags.

Stopping is always orderly: a worker asked to stop (SIGTERM, its parent gone, or the parent interrupted)
finishes the episode in flight, closes its bag and exits. Workers ignore SIGINT, so Ctrl-C in a terminal
reaches only the parent, which then stops them. A worker killed outright (SIGKILL) loses only the episode
in flight: every finished episode was synced to disk, and ``grasp bag-repair`` / ``grasp collect --resume``
recover its bag.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_module
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from grasp_bringup.episode_loop import EpisodeSummary, NullSink, run_episode
from grasp_bringup.factory import RunSettings, build_controller, world_config

DEFAULT_EPISODES_PER_BAG = 100
PARENT_POLL_S = 0.5
STOP_GRACE_S = 60.0  # how long the parent waits for workers to finish their episode in flight


class WorkerError(RuntimeError):
    """A worker process failed; the message says which and why, ``details`` holds its traceback."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class RunInterrupted(KeyboardInterrupt):
    """The run was interrupted (SIGINT / SIGTERM); the workers finished their episodes in flight and stopped."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum


@dataclass(frozen=True)
class WorkerJob:
    settings: RunSettings
    worker: int
    seeds: tuple[int, ...]
    episode_ids: tuple[int, ...]
    bag_prefix: str | None  # bags go to <bag_prefix>_0000, _0001, ...
    episodes_per_bag: int


def _watch_parent(parent: int, stop: threading.Event) -> None:
    """Set ``stop`` when the parent process is gone (this process was re-parented)."""
    while not stop.wait(PARENT_POLL_S):
        if os.getppid() != parent:
            stop.set()


def _worker(job: WorkerJob, results: mp.Queue) -> None:
    """Run the job's episodes; put (worker, EpisodeSummary), (worker, error) and finally (worker, None)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    warnings.simplefilter("ignore")  # the parent's preflight already reported them, once
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which stops us in order
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent, stop), daemon=True).start()
    try:
        from grasp_sim.world import GraspWorld

        world = GraspWorld(world_config(job.settings), robot=job.settings.robot)
        controller = build_controller(job.settings)
        model_name = Path(job.settings.model).name if job.settings.model else ""
        if job.bag_prefix:
            from grasp_datacollect.rolling_bags import RollingEpisodeBags

            sink_context = RollingEpisodeBags(Path(job.bag_prefix), job.episodes_per_bag)
        else:
            sink_context = NullSink()
        with sink_context as sink:
            for seed, episode_id in zip(job.seeds, job.episode_ids, strict=True):
                if stop.is_set():
                    break
                summary = run_episode(
                    world,
                    controller,
                    sink,
                    episode_id,
                    seed,
                    policy_name=job.settings.controller,
                    model_name=model_name,
                    max_steps=job.settings.max_steps,
                    max_attempts=job.settings.grasp_attempts,
                )
                results.put((job.worker, summary))
    except Exception as error:  # reported to the parent, which stops the run with a clear message
        results.put((job.worker, WorkerError(f"worker {job.worker} failed: {error}", traceback.format_exc())))
    finally:
        if os.getppid() != parent:
            results.cancel_join_thread()  # nobody reads the queue any more: do not block on exit
        results.put((job.worker, None))


def run_episodes(
    settings: RunSettings,
    seeds: list[int],
    workers: int,
    bag_dir: Path | None,
    label: str,
    *,
    episode_ids: list[int] | None = None,
    bag_tag: str = "",
    episodes_per_bag: int = DEFAULT_EPISODES_PER_BAG,
    initial: int = 0,
    total: int | None = None,
    collected: list[EpisodeSummary] | None = None,
) -> list[EpisodeSummary]:
    """Run episodes with a progress bar showing success rate and attempts per hour, sorted by episode id.

    Summaries are appended to ``collected`` as they arrive, so a caller keeps them when the run is interrupted.
    With ``settings.grasp_attempts`` > 1, the given ``episode_ids`` must leave that many ids to each scene.
    """
    summaries = collected if collected is not None else []
    began = time.monotonic()
    total = len(seeds) if total is None else total
    with tqdm(total=total, initial=initial, desc=label, unit="attempt", dynamic_ncols=True, file=sys.stderr) as bar:
        for summary in run_parallel(
            settings, seeds, workers, bag_dir, episode_ids, bag_tag=bag_tag, episodes_per_bag=episodes_per_bag
        ):
            summaries.append(summary)
            elapsed = max(time.monotonic() - began, 1e-6)
            rate = sum(s.success for s in summaries) / len(summaries)
            bar.set_postfix(success=f"{rate:.0%}", per_hour=f"{len(summaries) / elapsed * 3600:,.0f}")
            bar.update(1)
    summaries.sort(key=lambda s: s.episode_id)
    return summaries


def split_jobs(
    settings: RunSettings,
    seeds: Sequence[int],
    episode_ids: Sequence[int],
    workers: int,
    bag_dir: Path | None,
    bag_tag: str,
    episodes_per_bag: int,
) -> list[WorkerJob]:
    """Deal the episodes round-robin to at most ``workers`` workers."""
    workers = max(1, min(workers, len(seeds)))
    return [
        WorkerJob(
            settings,
            k,
            tuple(seeds[k::workers]),
            tuple(episode_ids[k::workers]),
            str(bag_dir / f"{bag_tag}w{k}") if bag_dir else None,
            episodes_per_bag,
        )
        for k in range(workers)
    ]


def run_parallel(
    settings: RunSettings,
    seeds: Sequence[int],
    workers: int,
    bag_dir: Path | None,
    episode_ids: Sequence[int] | None = None,
    bag_tag: str = "",
    episodes_per_bag: int = DEFAULT_EPISODES_PER_BAG,
) -> Iterator[EpisodeSummary]:
    """Yield episode summaries as workers finish them. Bags go to ``bag_dir/<bag_tag>w<k>_<part>``.

    SIGINT or SIGTERM tells the workers to stop: the episodes they finish meanwhile are still yielded, then
    ``RunInterrupted`` is raised. A second signal stops waiting at once.
    """
    if len(seeds) == 0:
        return
    # A scene's regrasps are recorded as the episodes after its first: leave room for them in the ids.
    stride = settings.grasp_attempts
    ids = [i * stride for i in range(len(seeds))] if episode_ids is None else list(episode_ids)
    jobs = split_jobs(settings, seeds, ids, workers, bag_dir, bag_tag, episodes_per_bag)
    context = mp.get_context("spawn")
    results: mp.Queue = context.Queue()
    processes = [context.Process(target=_worker, args=(job, results), daemon=True) for job in jobs]
    for process in processes:
        process.start()
    stopper = _Stopper(processes)
    running = set(range(len(processes)))
    failure: WorkerError | None = None
    try:
        with stopper.on_signals():
            while running and not stopper.overdue():
                try:
                    worker, item = results.get(timeout=0.2)
                except queue_module.Empty:
                    for k in [k for k in running if not processes[k].is_alive()]:
                        running.discard(k)
                        failure = failure or WorkerError(
                            f"worker {k} died (exit code {processes[k].exitcode}); the episodes it finished are "
                            "on disk: resume with `grasp collect --resume` (collection) or run again"
                        )
                        stopper.stop()
                    continue
                if item is None:
                    running.discard(worker)
                elif isinstance(item, WorkerError):
                    failure = failure or item
                    stopper.stop()
                else:
                    yield item
    finally:
        if running:
            stopper.stop()
        for process in processes:
            process.join(timeout=STOP_GRACE_S)
            if process.is_alive():
                process.kill()
    if failure is not None:
        raise failure
    if stopper.signum is not None:
        raise RunInterrupted(stopper.signum)


class _Stopper:
    """Stops the workers in order: on request, or on the first SIGINT / SIGTERM (a second one interrupts)."""

    def __init__(self, processes: list) -> None:
        self._processes = processes
        self.signum: int | None = None  # the signal that asked for the stop
        self._deadline = float("inf")

    def stop(self) -> None:
        """Ask every live worker to finish its episode in flight and stop (SIGTERM, handled by the worker)."""
        if self._deadline == float("inf"):
            self._deadline = time.monotonic() + STOP_GRACE_S
        for process in self._processes:
            if process.is_alive():
                process.terminate()

    def overdue(self) -> bool:
        return time.monotonic() > self._deadline

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum
        self.stop()

    @contextmanager
    def on_signals(self) -> Iterator[None]:
        """Handle SIGINT and SIGTERM while the workers run (main thread only; elsewhere nothing changes)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
