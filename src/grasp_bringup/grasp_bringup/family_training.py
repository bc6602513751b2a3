"""Train any model family of the seeds and export it to ONNX with its contract (``grasp train-family``).

| family | data | trainer | target |
| --- | --- | --- | --- |
| q | episode bags (``grasp collect``) | off-policy Bellman updates (seed 000) | q_value |
| distance | labelled frames (``grasp dataset --family distance``) | L1 regression (seed 001) | grasp_distance |
| pregrasp | labelled frames (``grasp dataset --family pregrasp``) | learned-weight loss (seed 003) | pregrasp_motion |
| grasp_map | grasp rectangles (``grasp dataset --family grasp_map``) | GG-CNN map regression (seed 002) | grasp_map |

The success CNN (seed 004) keeps ``grasp train``.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from grasp_perception.contract import CameraSpec, ImageSpec, ModelContract, Provenance
from grasp_perception.family_export import export_family_model
from grasp_perception.model_targets import target_spec
from grasp_perception.preprocess import DepthPreprocessing

from grasp_bringup.bag_paths import find_bags
from grasp_bringup.factory import UsageError
from grasp_bringup.family_datasets import PREGRASP_HEIGHT

FAMILIES = {"q": "q_value", "distance": "grasp_distance", "pregrasp": "pregrasp_motion", "grasp_map": "grasp_map"}
TARGET_OF = FAMILIES  # every family whose contract family_contract builds
DISTANCE_PAIRS_PER_EPOCH = 40_000  # (image, action) pairs drawn per epoch: each passes conv2 on its own


def family_contract(
    family: str,
    preprocessing: DepthPreprocessing,
    command: str,
    data_description: str,
    sizes: dict[str, int],
    metrics: dict[str, Any],
    **fields: Any,
) -> ModelContract:
    """The contract of a trained model of ``family`` (embedded wrist camera at the network's size).

    Regression families get the threshold servo's pregrasp height and taught descent; ``fields`` adds the
    family's own (a GG-CNN's ``map_width_scale``).
    """
    spec = target_spec(TARGET_OF[family])
    extra: dict[str, Any] = dict(fields)
    if not spec.scoring:
        extra.update(pregrasp_height=PREGRASP_HEIGHT, grasp_motion=[0.0, 0.0, -PREGRASP_HEIGHT, 0.0])
    return ModelContract(
        image=ImageSpec.from_preprocessing(preprocessing),
        camera=CameraSpec.embedded_wrist(preprocessing.width, preprocessing.height),
        kind=spec.kind,
        target=spec.name,
        output=spec.output,
        provenance=Provenance(
            training_command=command,
            data_description=data_description,
            dataset_sizes=sizes,
            metrics=metrics,
            date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            torch_version=torch.__version__,
        ),
        **extra,
    )


def load_dataset_npz(
    paths: Sequence[Path], keys: tuple[str, ...], frame_keys: tuple[str, ...] = ("image_index",), family: str = ""
) -> dict[str, np.ndarray]:
    """The ``keys`` arrays of one or more ``grasp dataset`` npz files, concatenated in order.

    ``frame_keys`` hold frame indices and ``scene_keys`` scene ids: both are offset per file so they stay unique.
    ``family`` names the ``grasp dataset --family`` that makes such files, for the error messages.

    Raises:
        FileNotFoundError: a file that is not there.
        UsageError: no files, or a file without one of ``keys``.
    """
    if not paths:
        raise UsageError("no dataset files given")
    merged: dict[str, list[np.ndarray]] = {key: [] for key in keys}
    frame_offset, scene_offset = 0, 0
    what = f"a {family} dataset" if family else "a dataset of this family"
    make = f"grasp dataset --family {family}" if family else "grasp dataset"
    for path in map(Path, paths):
        if not path.is_file():
            raise FileNotFoundError(f"dataset not found: {path} (make one with `{make}`)")
        with np.load(path) as data:
            missing = [key for key in keys if key not in data]
            if missing:
                raise UsageError(f"{path}: not {what} (no {', '.join(missing)})")
            part = {key: data[key] for key in keys}
        for key in keys:
            offset = frame_offset if key in frame_keys else scene_offset if key == "scene_keys" else 0
            merged[key].append(part[key] + offset if offset else part[key])
        frame_offset += len(part["images"])
        scene_offset += int(part["scene_keys"].max()) + 1 if len(part["scene_keys"]) else 0
    return {key: np.concatenate(values) for key, values in merged.items()}


def train_family(
    family: str,
    data: list[Path],
    out: Path,
    epochs: int,
    progress: bool = True,
    test: tuple[Path, ...] = (),
    channels: tuple[int, ...] | None = None,
    samples_per_epoch: int | None = None,
    q_action: str | None = None,
    q_mc_weight: float | None = None,
    q_clipped_double: bool = False,
) -> dict[str, Any]:
    """Train ``family`` on ``data`` (bags for q, npz datasets otherwise), export to ``out``; the report.

    ``test``: grasp_map only, datasets of objects no training saw, scored with the rectangle metric after
    training (reported, never used to choose the epoch). ``channels``: grasp_map only, the GG-CNN encoder's
    channels (None: GG-CNN's 32, 16, 8). ``samples_per_epoch``: distance / pregrasp only, training samples
    drawn per epoch (None: ``DISTANCE_PAIRS_PER_EPOCH`` pairs for distance, every frame for pregrasp).
    ``q_action``: q only, each step's action a_t (``grasp_datacollect.q_samples.Q_ACTIONS``; None: to_final).
    ``q_mc_weight``: q only, the share of the episode's discounted return in the target (None: 0, QT-Opt's).
    ``q_clipped_double``: q only, the target's max read as the lower of two lagged target networks.
    """
    from grasp_perception.regression_training import RegressionTrainConfig, train_distance_model, train_motion_model

    if family not in FAMILIES:
        raise UsageError(f"unknown family {family!r}: choose one of {', '.join(FAMILIES)}")
    command = "grasp train-family " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["train-family"] else ""
    preprocessing = DepthPreprocessing()
    if test and family != "grasp_map":
        raise UsageError("--test scores grasp-map datasets with the rectangle metric: only for --family grasp_map")
    if channels is not None and family != "grasp_map":
        raise UsageError("--channels sizes the GG-CNN: only for --family grasp_map")
    if samples_per_epoch is not None and family not in ("distance", "pregrasp"):
        raise UsageError("--samples-per-epoch draws training samples of a dataset: only for --family distance or "
                         "pregrasp")
    if q_action is not None and family != "q":
        raise UsageError("--q-action picks the Q-function's actions: only for --family q")
    if q_mc_weight is not None and family != "q":
        raise UsageError("--q-mc-weight blends returns into the Q-function's targets: only for --family q")
    if q_mc_weight is not None and not 0.0 <= q_mc_weight <= 1.0:
        raise UsageError(f"--q-mc-weight must be in [0, 1], got {q_mc_weight}")
    if q_clipped_double and family != "q":
        raise UsageError("--q-clipped-double changes the Q-function's targets: only for --family q")
    if family == "q":
        return _train_q(data, out, epochs, command, progress, q_action or "to_final", q_mc_weight or 0.0,
                        q_clipped_double)
    if family == "grasp_map":
        from grasp_perception.ggcnn import GGCNN_ENCODER_CHANNELS

        from grasp_bringup.ggcnn_family import load_grasp_map_data, train_ggcnn_family

        if test:  # read again after training: refuse a missing or wrong one before it
            load_grasp_map_data(test)
        record = train_ggcnn_family(list(data), out, epochs, progress=progress, test=test, threads=None,
                                    channels=channels or GGCNN_ENCODER_CHANNELS)
        record["val_metrics"] = {"val_rectangle_accuracy": record["val"]["accuracy"]} | {
            f"{name}_rectangle_accuracy": result["accuracy"] for name, result in record["test"].items()
        }
        return record
    if family == "distance":
        arrays = load_dataset_npz(data, ("images", "image_index", "motions", "distances", "scene_keys"))
        model, report = train_distance_model(
            arrays["images"], arrays["image_index"], arrays["motions"], arrays["distances"], arrays["scene_keys"],
            RegressionTrainConfig(epochs=epochs, samples_per_epoch=samples_per_epoch or DISTANCE_PAIRS_PER_EPOCH),
            progress=progress,
        )
        description = (f"{len(arrays['images'])} frames, {len(arrays['distances'])} (frame, action) pairs labelled "
                       "with the distance to the nearest antipodal grasp (0.001 m/deg)")
    else:
        arrays = load_dataset_npz(data, ("images", "labels", "scene_keys"))
        model, report = train_motion_model(
            arrays["images"], arrays["labels"], arrays["scene_keys"],
            RegressionTrainConfig(epochs=epochs, samples_per_epoch=samples_per_epoch),
            progress=progress,
        )
        description = (f"{len(arrays['images'])} frames at the pregrasp height labelled with the motion to the "
                       "nearest object's taught pregrasp pose (seed 003, Algorithm 1)")
    metrics = {k: v for k, v in report.val_metrics.items() if isinstance(v, float)}
    contract = family_contract(
        family, preprocessing, command, f"{description}; from {', '.join(str(p) for p in data)}",
        {"train_samples": report.n_train, "val_samples": report.n_val}, metrics,
    )
    export_family_model(model, out, contract)
    record = {"family": family, "model": str(out), "data": [str(p) for p in data], **report.to_dict()}
    out.with_suffix(".train.json").write_text(json.dumps(record, indent=2, default=str))
    return record


def _train_q(
    bags: list[Path], out: Path, epochs: int, command: str, progress: bool, action: str, mc_weight: float,
    clipped_double: bool = False,
) -> dict[str, Any]:
    from grasp_datacollect.q_samples import load_q_transitions
    from grasp_perception.q_training import QTrainConfig, train_q_function

    bags = find_bags(bags)
    transitions = load_q_transitions(bags, progress=progress, skip_malformed=True, action=action)
    config = QTrainConfig(epochs=epochs, mc_weight=mc_weight, clipped_double_q=clipped_double)
    model, report = train_q_function(transitions, config, progress=progress)
    metrics = {k: v for k, v in report.metrics().items() if isinstance(v, float)}
    contract = family_contract(
        "q", config.preprocessing(), command,
        f"{len(transitions)} transitions of recorded episodes (reward 1 on a successful lift; actions: "
        f"{action.replace('_', ' ')}; targets: {_q_targets(mc_weight, clipped_double)}) from "
        f"{', '.join(str(b) for b in bags)}",
        {"transitions": len(transitions)}, metrics,
    )
    export_family_model(model, out, contract)
    record = {"family": "q", "model": str(out), "data": [str(b) for b in bags], "action": action, **report.to_dict(),
              "val_metrics": metrics}
    out.with_suffix(".train.json").write_text(json.dumps(record, indent=2, default=str))
    return record


def _q_targets(mc_weight: float, clipped_double: bool = False) -> str:
    bellman = "clipped double Q Bellman" if clipped_double else "Bellman"
    if mc_weight == 0.0:
        return bellman
    return f"{1 - mc_weight:g} {bellman} + {mc_weight:g} discounted return"
