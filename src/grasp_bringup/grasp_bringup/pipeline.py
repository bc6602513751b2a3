"""Reproduces the shipped model: round 1 scripted data -> model 1 -> learned-policy data -> model 2 -> ...

The last round's model is copied to ``grasp_success.onnx``.

As in seeds 000 and 004, the first data come from a random / biased policy and every later round from the
previous round's model driving the CEM servo with exploration; each model trains on all rounds so far. Every
stage writes its record to ``pipeline.json``; with ``resume`` a stage whose output already exists (from an
interrupted run with the same arguments) is kept instead of redone.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from grasp_bringup import commands
from grasp_bringup.factory import RunSettings
from grasp_bringup.run_folders import refuse_existing


def run_pipeline(
    out: Path,
    round1_episodes: int,
    later_round_episodes: int,
    random_fraction: float,
    epochs: int,
    workers: int,
    rounds: int = 2,
    resume: bool = False,
    object_set: str = "train",
    robot: str = "ur5",
) -> Path:
    """Run ``rounds`` collect -> train rounds on ``object_set`` with ``robot``; returns the pipeline record's path."""
    if not 0 <= random_fraction <= 1:
        raise ValueError(f"random fraction must be between 0 and 1, got {random_fraction}")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    record_path = out / "pipeline.json"
    previous: dict[str, dict] = {}
    if resume and record_path.is_file():
        previous = {s["stage"]: s for s in json.loads(record_path.read_text())["stages"]}
    elif out.exists():
        refuse_existing(out)
    out.mkdir(parents=True, exist_ok=True)
    record: dict = {"command": shlex.join(sys.argv), "stages": []}
    began = time.monotonic()

    def stage(name: str, run: Callable[[], dict]) -> None:
        result = previous[name] if name in previous else {**run(), "elapsed_s": time.monotonic() - began}
        record["stages"].append({**result, "stage": name})
        record_path.write_text(json.dumps(record, indent=2, default=str))

    n_random = round(round1_episodes * random_fraction)
    n_biased = round1_episodes - n_random
    if n_random:
        stage(
            "collect random",
            lambda: commands.collect(
                RunSettings(controller="random", object_set=object_set, robot=robot),
                n_random,
                out / "round1" / "random",
                workers,
                seed_offset=0,
            ),
        )
    stage(
        "collect biased",
        lambda: commands.collect(
            RunSettings(controller="biased", object_set=object_set, robot=robot),
            n_biased,
            out / "round1" / "biased",
            workers,
            seed_offset=n_random,
        ),
    )
    description = f"round 1: {n_random} random + {n_biased} biased attempts"
    model = out / "model_round1.onnx"
    data = [out / "round1"]
    stage(
        "train round 1",
        lambda: commands.train(
            list(data), model, epochs, rounds=1,
            data_description=description + f"; objects of the {object_set!r} set, robot {robot}",
        ),
    )
    for round_index in range(2, rounds + 1):
        round_dir = out / f"round{round_index}"
        seed_offset = round1_episodes + (round_index - 2) * later_round_episodes
        collector = model
        stage(
            f"collect learned round {round_index}" if round_index > 2 else "collect learned",
            lambda collector=collector, round_dir=round_dir, seed_offset=seed_offset: commands.collect(
                RunSettings(controller="learned", model=str(collector), object_set=object_set, robot=robot),
                later_round_episodes,
                round_dir / "learned",
                workers,
                seed_offset=seed_offset,
            ),
        )
        data.append(round_dir)
        description += (
            f"; round {round_index}: {later_round_episodes} attempts by the round-{round_index - 1} "
            "model's CEM servo with exploration (learned policy)"
        )
        model = out / f"model_round{round_index}.onnx"
        stage(
            f"train round {round_index}",
            lambda model=model, round_index=round_index, description=description: commands.train(
                list(data),
                model,
                epochs,
                rounds=round_index,
                data_description=description + f"; objects of the {object_set!r} set, robot {robot}",
            ),
        )
    final = out / "grasp_success.onnx"
    shutil.copyfile(model, final)
    shutil.copyfile(model.with_suffix(".train.json"), final.with_suffix(".train.json"))
    record["final_model"] = str(final)
    record_path.write_text(json.dumps(record, indent=2, default=str))
    return record_path
