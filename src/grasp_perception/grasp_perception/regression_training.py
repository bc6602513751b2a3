"""Training of the geometric-label families: the distance model (seed 001) and motion regression (seed 003).

Both learn from frames rendered in the embedded world with labels computed from its geometry (the scenes'
antipodal grasps), stored as arrays: preprocessed images (N, h, w), and per sample the index of its image,
its action (distance model) and its label. The split is by scene (no scene on both sides), Adam with a
cosine schedule, the weights with the best validation loss kept.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from grasp_perception.action_encoding import encode_motions
from grasp_perception.distance_network import GraspDistanceNet
from grasp_perception.motion_network import LearnedWeightLoss, MotionRegressionNet
from grasp_perception.split import split_by_episode
from grasp_perception.torch_threads import torch_threads


@dataclass
class RegressionTrainConfig:
    """Settings shared by the geometric-label families."""

    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-5
    val_fraction: float = 0.1  # share of SCENES held out
    samples_per_epoch: int | None = None  # draw this many training samples per epoch (None: all of them)
    seed: int = 0
    torch_threads: int | None = None


@dataclass
class RegressionReport:
    """Per-epoch losses and the held-out errors of the kept weights."""

    config: dict[str, Any]
    n_train: int
    n_val: int
    train_losses: list[float] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)
    best_epoch: int = -1
    val_metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train_distance_model(
    images: np.ndarray,
    image_index: np.ndarray,
    motions: np.ndarray,
    distances: np.ndarray,
    scene_keys: np.ndarray,
    config: RegressionTrainConfig | None = None,
    progress: bool = True,
) -> tuple[GraspDistanceNet, RegressionReport]:
    """Seed 001: d(I, a) with an L1 loss. ``image_index[i]`` is sample i's row of ``images``; motions (N, 4) m/rad."""
    config = config or RegressionTrainConfig()
    images = np.ascontiguousarray(images, dtype=np.float32)
    actions = encode_motions(motions)
    targets = np.asarray(distances, dtype=np.float32)
    model = GraspDistanceNet(images.shape[-1])
    loss_fn = nn.L1Loss()

    def batch_loss(net: nn.Module, batch: np.ndarray) -> torch.Tensor:
        image = torch.from_numpy(images[image_index[batch]])[:, None]
        return loss_fn(net(image, torch.from_numpy(actions[batch])), torch.from_numpy(targets[batch]))

    def metrics(net: nn.Module, val: np.ndarray) -> dict[str, float]:
        predicted = np.concatenate([
            net(torch.from_numpy(images[image_index[b]])[:, None], torch.from_numpy(actions[b])).numpy()
            for b in np.array_split(val, max(1, len(val) // 1024))
        ]) if len(val) else np.zeros(0)
        error = np.abs(predicted - targets[val])
        return {"mae_m": float(error.mean()) if len(val) else float("nan"),
                "median_abs_error_m": float(np.median(error)) if len(val) else float("nan")}

    return _fit(model, [], batch_loss, metrics, np.asarray(scene_keys), config, progress)


def train_motion_model(
    images: np.ndarray,
    labels: np.ndarray,
    scene_keys: np.ndarray,
    config: RegressionTrainConfig | None = None,
    progress: bool = True,
    width: int = 16,
) -> tuple[MotionRegressionNet, RegressionReport]:
    """Seed 003: f(I) -> (dx, dy, dyaw) with the learned-weight loss of eq. 6; labels (N, 3) m, m, rad."""
    config = config or RegressionTrainConfig()
    images = np.ascontiguousarray(images, dtype=np.float32)
    targets = np.asarray(labels, dtype=np.float32)
    model = MotionRegressionNet(images.shape[-1], width=width)
    loss_fn = LearnedWeightLoss()

    def batch_loss(net: nn.Module, batch: np.ndarray) -> torch.Tensor:
        return loss_fn(net(torch.from_numpy(images[batch])[:, None]), torch.from_numpy(targets[batch]))

    def metrics(net: nn.Module, val: np.ndarray) -> dict[str, float]:
        if not len(val):
            return {}
        predicted = np.concatenate([net(torch.from_numpy(images[b])[:, None]).numpy()
                                    for b in np.array_split(val, max(1, len(val) // 512))])
        translation = np.hypot(*(predicted[:, :2] - targets[val, :2]).T) * 1000
        rotation = np.degrees(np.abs((predicted[:, 2] - targets[val, 2] + np.pi / 2) % np.pi - np.pi / 2))
        return {
            "translation_error_mm_median": float(np.median(translation)),
            "translation_error_mm_p90": float(np.percentile(translation, 90)),
            "rotation_error_deg_median": float(np.median(rotation)),
            "rotation_error_deg_p90": float(np.percentile(rotation, 90)),
            "share_within_1mm": float(np.mean(translation < 1.0)),
            "share_within_0.5mm": float(np.mean(translation < 0.5)),
            "share_within_5mm": float(np.mean(translation < 5.0)),
        }

    model, report = _fit(model, list(loss_fn.parameters()), batch_loss, metrics, np.asarray(scene_keys), config,
                         progress)
    report.val_metrics["learned_log_weights"] = [float(v) for v in loss_fn.log_weights.detach()]  # type: ignore[assignment]
    return model, report


def _fit(
    model: nn.Module,
    extra_parameters: list[torch.nn.Parameter],
    batch_loss: Callable[[nn.Module, np.ndarray], torch.Tensor],
    metrics: Callable[[nn.Module, np.ndarray], dict[str, float]],
    scene_keys: np.ndarray,
    config: RegressionTrainConfig,
    progress: bool,
) -> tuple[Any, RegressionReport]:
    started = time.perf_counter()
    with torch_threads(config.torch_threads):
        torch.manual_seed(config.seed)
        rng = np.random.default_rng(config.seed)
        train_idx, val_idx = split_by_episode(scene_keys, config.val_fraction, config.seed)
        if len(train_idx) == 0:
            raise ValueError("no training samples")
        report = RegressionReport(asdict(config), len(train_idx), len(val_idx))
        optimizer = torch.optim.Adam([*model.parameters(), *extra_parameters], lr=config.lr,
                                     weight_decay=config.weight_decay)
        per_epoch = min(len(train_idx), config.samples_per_epoch or len(train_idx))
        steps = max(1, -(-per_epoch // config.batch_size))
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs * steps)
        best, best_state = float("inf"), None
        bar = tqdm(range(config.epochs), desc="train", unit="epoch", disable=not progress)
        for epoch in bar:
            model.train()
            total = 0.0
            for batch in np.array_split(rng.permutation(train_idx)[:per_epoch], steps):
                loss = batch_loss(model, batch)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                total += float(loss.detach()) * len(batch)
            model.eval()
            with torch.no_grad():
                chunks = np.array_split(val_idx[: config.samples_per_epoch or len(val_idx)],
                                        max(1, len(val_idx) // 512))
                val = [float(batch_loss(model, b)) * len(b) for b in chunks if len(b)]
            val_loss = sum(val) / sum(len(c) for c in chunks) if len(val_idx) else float("nan")
            report.train_losses.append(total / per_epoch)
            report.val_losses.append(val_loss)
            if not len(val_idx) or val_loss < best:
                best, best_state, report.best_epoch = val_loss, copy.deepcopy(model.state_dict()), epoch
            bar.set_postfix(loss=f"{report.train_losses[-1]:.4f}", val=f"{val_loss:.4f}")
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        with torch.no_grad():
            report.val_metrics = metrics(model, val_idx)
        report.seconds = time.perf_counter() - started
        return model, report
