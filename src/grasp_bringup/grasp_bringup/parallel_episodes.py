"""Runs many episodes over worker processes, each with its own world and its own bag."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grasp_bringup.episode_loop import EpisodeSummary, NullSink, run_episode
from grasp_bringup.factory import RunSettings, build_controller, world_config


@dataclass(frozen=True)
class WorkerJob:
    settings: RunSettings
    seeds: tuple[int, ...]
    episode_ids: tuple[int, ...]
    bag_path: str | None


def _worker(job: WorkerJob, queue: mp.Queue) -> None:
    """Run the job's episodes; put each EpisodeSummary (or an error string) on the queue."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        from grasp_sim.world import GraspWorld

        world = GraspWorld(world_config(job.settings), robot=job.settings.robot)
        controller = build_controller(job.settings)
        model_name = Path(job.settings.model).name if job.settings.model else ""
        if job.bag_path:
            from grasp_datacollect.bag_writer import EpisodeBagWriter

            sink_context = EpisodeBagWriter(Path(job.bag_path))
        else:
            sink_context = NullSink()
        with sink_context as sink:
            for seed, episode_id in zip(job.seeds, job.episode_ids, strict=True):
                summary = run_episode(
                    world,
                    controller,
                    sink,
                    episode_id,
                    seed,
                    policy_name=job.settings.controller,
                    model_name=model_name,
                    max_steps=job.settings.step_budget,
                )
                queue.put(summary)
    except Exception as error:  # reported to the parent, which stops with a clear message
        import traceback

        queue.put(f"worker failed: {error!r}\n{traceback.format_exc()}")
    finally:
        queue.put(None)


def run_parallel(
    settings: RunSettings, seeds: list[int], workers: int, bag_dir: Path | None
) -> Iterator[EpisodeSummary]:
    """Yield episode summaries as workers finish them. Bags go to ``bag_dir/worker_<k>``."""
    workers = max(1, min(workers, len(seeds)))
    context = mp.get_context("spawn")
    queue: mp.Queue = context.Queue()
    processes = []
    for k in range(workers):
        chunk = tuple(seeds[k::workers])
        ids = tuple(range(k, len(seeds), workers))
        bag = str(bag_dir / f"worker_{k}") if bag_dir else None
        process = context.Process(target=_worker, args=(WorkerJob(settings, chunk, ids, bag), queue), daemon=True)
        process.start()
        processes.append(process)
    running = workers
    try:
        while running:
            item = queue.get()
            if item is None:
                running -= 1
            elif isinstance(item, str):
                raise RuntimeError(item)
            else:
                yield item
    finally:
        deadline = time.monotonic() + 30
        for process in processes:
            process.join(timeout=max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
