"""``grasp collect``: record attempts into bags, survive kills, and resume.

A collection folder holds ``collection.json`` (the plan and the progress, rewritten atomically) and bags named
``s<session>_w<worker>_<part>``, each closed after ``episodes_per_bag`` episodes. Every finished episode is
synced to disk, so whatever stops the run (Ctrl-C, SIGTERM, SIGKILL, a power cut) loses at most the episodes
in flight; ``resume_collection`` repairs bags left unfinished and records the episodes still missing.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grasp_datacollect.bag_reader import MalformedBagError, episode_outcomes
from grasp_datacollect.bag_repair import find_unfinished_bags, repair_bag

from grasp_bringup.bag_paths import find_bags
from grasp_bringup.factory import RunSettings, preflight
from grasp_bringup.parallel_episodes import DEFAULT_EPISODES_PER_BAG, run_episodes
from grasp_bringup.run_folders import claim_output_folder

COLLECTION_SEED_BASE = 1_000_000  # collection and evaluation draw scene seeds from disjoint ranges
STATE_FILE = "collection.json"


def _write_state(out: Path, state: dict[str, Any]) -> None:
    tmp = out / f".{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(state, indent=2, default=str))
    os.replace(tmp, out / STATE_FILE)  # atomic: a kill never leaves half a file


def recorded_outcomes(out: Path) -> dict[int, bool]:
    """Success of every finished episode in the closed bags under ``out``, by episode id."""
    outcomes: dict[int, bool] = {}
    bags = find_bags([out], allow_empty=True)
    for bag in bags:
        try:
            outcomes.update({e: o.success for e, o in episode_outcomes(bag).items()})
        except MalformedBagError as error:
            print(f"warning: skipping {error}", file=sys.stderr)
    return outcomes


def collect(
    settings: RunSettings,
    episodes: int,
    out: Path,
    workers: int,
    seed_offset: int = 0,
    episodes_per_bag: int = DEFAULT_EPISODES_PER_BAG,
) -> dict[str, Any]:
    """Record ``episodes`` attempts with a collection policy into bags under the new folder ``out``."""
    preflight(settings)  # before the folder exists: bad input leaves nothing behind
    claim_output_folder(out)
    state = {
        "status": "running",
        "target_episodes": episodes,
        "seed_offset": seed_offset,
        "episodes_per_bag": episodes_per_bag,
        "settings": asdict(settings),
        "sessions": [],
    }
    _write_state(out, state)
    return _run_session(state, out, workers, repaired=[])


def resume_collection(out: Path, workers: int, episodes: int | None = None) -> dict[str, Any]:
    """Continue the collection in ``out``: repair unfinished bags, then record the episodes still missing.

    ``episodes`` raises (never lowers) the target; the policy, world and seeds are those of the first run.
    """
    state_path = out / STATE_FILE
    if not state_path.is_file():
        raise FileNotFoundError(f"{out} holds no {STATE_FILE}: it is not a collection folder to resume")
    state = json.loads(state_path.read_text())
    if episodes is not None:
        if episodes < state["target_episodes"]:
            raise ValueError(
                f"--episodes {episodes} is below the run's target of {state['target_episodes']}; "
                "a resume can only add episodes"
            )
        state["target_episodes"] = episodes
    repaired = []
    for bag in find_unfinished_bags(out):
        try:
            report = repair_bag(bag)
        except MalformedBagError as error:
            print(f"warning: {error}", file=sys.stderr)
            continue
        print(f"repaired {bag}: kept {report.episodes_kept} finished episodes", file=sys.stderr)
        repaired.append({"bag": str(bag), "episodes_kept": report.episodes_kept})
    return _run_session(state, out, workers, repaired)


def _run_session(state: dict[str, Any], out: Path, workers: int, repaired: list[dict]) -> dict[str, Any]:
    settings = RunSettings(**state["settings"])
    preflight(settings)
    done = recorded_outcomes(out)
    missing = [i for i in range(state["target_episodes"]) if i not in done]
    seeds = [COLLECTION_SEED_BASE + state["seed_offset"] + i for i in missing]
    session = {
        "command": shlex.join(sys.argv),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "already_recorded": len(done),
        "repaired_bags": repaired,
        "status": "running",
    }
    state["sessions"].append(session)
    state["status"] = "running"
    _write_state(out, state)
    began = time.monotonic()
    summaries: list = []
    status = "interrupted"
    try:
        run_episodes(
            settings,
            seeds,
            workers,
            out,
            f"collect ({settings.controller})",
            episode_ids=missing,
            bag_tag=f"s{len(state['sessions']) - 1:02d}_",
            episodes_per_bag=state["episodes_per_bag"],
            initial=len(done),
            total=state["target_episodes"],
            collected=summaries,
        )
        status = "complete"
    except KeyboardInterrupt:  # RunInterrupted included: the workers stopped in order
        raise
    except BaseException:
        status = "failed"
        raise
    finally:
        seconds = time.monotonic() - began
        recorded = recorded_outcomes(out)
        session.update(
            status=status,
            seconds=seconds,
            episodes=len(summaries),
            attempts_per_hour=len(summaries) / max(seconds, 1e-6) * 3600,
        )
        state.update(
            status="complete" if len(recorded) >= state["target_episodes"] else status,
            episodes=len(recorded),
            successes=sum(recorded.values()),
            seconds=sum(s.get("seconds", 0.0) for s in state["sessions"]),
            attempts_per_hour=session["attempts_per_hour"],
            command=session["command"],
        )
        _write_state(out, state)
    return state
