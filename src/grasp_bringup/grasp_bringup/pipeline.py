"""Reproduces the shipped model: round 1 scripted data -> model 1 -> round 2 learned-policy data -> model 2.

As in seeds 000 and 004, the first data come from a random / biased policy and the second round from the
learned policy with exploration; the final model trains on both rounds. Everything lands under one folder,
with a JSON record of every stage.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

from grasp_bringup import commands
from grasp_bringup.factory import RunSettings


def run_pipeline(
    out: Path, round1_episodes: int, round2_episodes: int, random_fraction: float, epochs: int, workers: int
) -> Path:
    """Run both rounds; returns the path of the pipeline record (pipeline.json)."""
    if not 0 <= random_fraction <= 1:
        raise ValueError(f"random fraction must be between 0 and 1, got {random_fraction}")
    commands.refuse_existing(out)
    out.mkdir(parents=True)
    record: dict = {"command": shlex.join(sys.argv), "stages": []}
    began = time.monotonic()

    def stage(name: str, result: dict) -> None:
        record["stages"].append({"stage": name, "elapsed_s": time.monotonic() - began, **result})
        (out / "pipeline.json").write_text(json.dumps(record, indent=2, default=str))

    n_random = round(round1_episodes * random_fraction)
    round1 = out / "round1"
    if n_random:
        stage(
            "collect random",
            commands.collect(
                RunSettings(controller="random"), n_random, round1 / "random", workers, seed_offset=0
            ),
        )
    stage(
        "collect biased",
        commands.collect(
            RunSettings(controller="biased"),
            round1_episodes - n_random,
            round1 / "biased",
            workers,
            seed_offset=n_random,
        ),
    )
    model1 = out / "model_round1.onnx"
    stage(
        "train round 1",
        commands.train(
            [round1],
            model1,
            epochs,
            rounds=1,
            data_description=f"round 1: {n_random} random + {round1_episodes - n_random} biased attempts on "
            "procedural training objects",
        ),
    )
    round2 = out / "round2"
    stage(
        "collect learned",
        commands.collect(
            RunSettings(controller="learned", model=str(model1)),
            round2_episodes,
            round2 / "learned",
            workers,
            seed_offset=round1_episodes,
        ),
    )
    model2 = out / "grasp_success.onnx"
    stage(
        "train round 2",
        commands.train(
            [round1, round2],
            model2,
            epochs,
            rounds=2,
            data_description=(
                f"round 1: {n_random} random + {round1_episodes - n_random} biased attempts; round 2: "
                f"{round2_episodes} attempts by the round-1 model's CEM servo with exploration; "
                "procedural training objects"
            ),
        ),
    )
    return out / "pipeline.json"
