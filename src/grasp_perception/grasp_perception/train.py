"""Training of ``GraspSuccessNet`` on recorded (depth frame, motion, outcome) samples.

Raw depth frames are preprocessed exactly as the runtime scorer will (``DepthPreprocessing`` built from
the config, recorded in the contract). The split is by episode, the loss is BCE with logits, and the
weights with the best validation loss are kept.
"""

from __future__ import annotations

import copy
import datetime
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from grasp_perception.action_encoding import DEFAULT_TRANSLATION_SCALE, as_motion_array, encode_motions
from grasp_perception.augment import random_flips
from grasp_perception.contract import CameraSpec, ImageSpec, ModelContract, Provenance
from grasp_perception.metrics import accuracy, roc_auc
from grasp_perception.network import GraspSuccessNet
from grasp_perception.preprocess import DepthPreprocessing
from grasp_perception.split import split_by_episode
from grasp_perception.torch_threads import torch_threads


@dataclass
class TrainConfig:
    """Training settings; the preprocessing and translation scale end up in the model contract."""

    epochs: int = 30  # passes over the training split
    batch_size: int = 256
    lr: float = 1e-3  # Adam learning rate at the start of the schedule
    weight_decay: float = 1e-4  # Adam L2 penalty
    lr_schedule: str = "cosine"  # "cosine" (per batch, down to 0), "step" or "constant"
    step_epochs: int = 10  # "step": multiply the lr by step_gamma every step_epochs epochs
    step_gamma: float = 0.1
    val_fraction: float = 0.15  # fraction of EPISODES held out for validation
    seed: int = 0  # split, initialisation, shuffling and augmentation
    pos_weight: float | str | None = None  # BCE positive-class weight; "auto" = negatives / positives (train)
    augment_flips: bool = True  # random left-right / up-down image flips with the matching motion flips
    input_size: int = 64  # network input side (pixels)
    width: int = 32  # conv channels
    hidden: int = 64  # fully connected units
    translation_scale: float = DEFAULT_TRANSLATION_SCALE  # metres mapped to 1.0 in the action encoding
    near: float = 0.0  # depth clip (m)
    far: float = 0.6  # depth clip (m); invalid pixels are filled with it
    offset: float = 0.3  # normalisation: (depth - offset) / scale
    scale: float = 0.15
    torch_threads: int | None = None  # torch.set_num_threads during training; None keeps torch's default
    device: str = "cpu"

    def preprocessing(self) -> DepthPreprocessing:
        return DepthPreprocessing(
            height=self.input_size,
            width=self.input_size,
            near=self.near,
            far=self.far,
            offset=self.offset,
            scale=self.scale,
        )


@dataclass
class EpochStats:
    """Losses and validation metrics after one epoch (validation values are NaN without a val split)."""

    epoch: int
    train_loss: float
    val_loss: float
    val_accuracy: float
    val_auc: float
    lr: float
    samples_per_s: float
    seconds: float


@dataclass
class TrainReport:
    """What happened during training."""

    config: dict[str, Any]
    n_train: int
    n_val: int
    train_episodes: int
    val_episodes: int
    train_positive_fraction: float
    val_positive_fraction: float
    pos_weight: float | None
    epochs: list[EpochStats] = field(default_factory=list)
    best_epoch: int = -1
    seconds: float = 0.0

    @property
    def best(self) -> EpochStats | None:
        """Stats of the epoch whose weights were kept."""
        return next((stats for stats in self.epochs if stats.epoch == self.best_epoch), None)

    def metrics(self) -> dict[str, Any]:
        """A flat summary for the contract's provenance."""
        best = self.best
        summary: dict[str, Any] = {
            "best_epoch": self.best_epoch,
            "epochs_run": len(self.epochs),
            "train_positive_fraction": self.train_positive_fraction,
            "val_positive_fraction": self.val_positive_fraction,
            "pos_weight": self.pos_weight,
        }
        if best is not None:
            summary.update(
                train_loss=best.train_loss,
                val_loss=best.val_loss,
                val_accuracy=best.val_accuracy,
                val_auc=best.val_auc,
            )
        return {key: (None if isinstance(v, float) and np.isnan(v) else v) for key, v in summary.items()}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train_grasp_model(
    images: np.ndarray,
    motions: np.ndarray,
    labels: np.ndarray,
    episode_keys: np.ndarray,
    config: TrainConfig | None = None,
    progress: bool = True,
) -> tuple[GraspSuccessNet, TrainReport]:
    """Train a grasp success model on raw depth frames (N, H, W) in metres, motions (N, 4) and labels (N,).

    Returns the model (CPU, eval mode, best-validation-loss weights) and a ``TrainReport``.
    """
    config = config or TrainConfig()
    motions = as_motion_array(motions)
    labels = np.asarray(labels, dtype=np.float32).ravel()
    episode_keys = np.asarray(episode_keys).ravel()
    if not len(images) == len(motions) == len(labels) == len(episode_keys):
        raise ValueError(
            f"sample counts differ: images {len(images)}, motions {len(motions)}, labels {len(labels)}, "
            f"episode_keys {len(episode_keys)}"
        )
    if len(labels) == 0:
        raise ValueError("no training samples")
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    with torch_threads(config.torch_threads):
        return _train(config.preprocessing().batch(images), motions, labels, episode_keys, config, progress)


def _train(
    images: np.ndarray,
    motions: np.ndarray,
    labels: np.ndarray,
    episode_keys: np.ndarray,
    config: TrainConfig,
    progress: bool,
) -> tuple[GraspSuccessNet, TrainReport]:
    start = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    device = torch.device(config.device)
    train_idx, val_idx = split_by_episode(episode_keys, config.val_fraction, config.seed)
    pos_weight = _pos_weight(config.pos_weight, labels[train_idx])
    report = TrainReport(
        config=asdict(config),
        n_train=len(train_idx),
        n_val=len(val_idx),
        train_episodes=len(np.unique(episode_keys[train_idx])),
        val_episodes=len(np.unique(episode_keys[val_idx])),
        train_positive_fraction=_mean(labels[train_idx]),
        val_positive_fraction=_mean(labels[val_idx]),
        pos_weight=pos_weight,
    )
    model = GraspSuccessNet(config.input_size, width=config.width, hidden=config.hidden).to(device)
    criterion = nn.BCEWithLogitsLoss(pos_weight=None if pos_weight is None else torch.tensor(pos_weight, device=device))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = max(1, -(-len(train_idx) // config.batch_size))
    scheduler = _scheduler(optimizer, config, steps_per_epoch)
    best_loss, best_state = float("inf"), None
    bar = tqdm(range(config.epochs), desc="train", unit="epoch", disable=not progress)
    for epoch in bar:
        epoch_start = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        total, seen = 0.0, 0
        for batch in np.array_split(rng.permutation(train_idx), steps_per_epoch):
            batch_images, batch_motions = images[batch], motions[batch]
            if config.augment_flips:
                batch_images, batch_motions = random_flips(batch_images, batch_motions, rng)
            image_t, action_t = _tensors(batch_images, batch_motions, config.translation_scale, device)
            target = torch.from_numpy(labels[batch]).to(device)
            loss = criterion(model.logits(image_t, action_t), target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if config.lr_schedule == "cosine":
                scheduler.step()
            total += float(loss.detach()) * len(batch)
            seen += len(batch)
        if config.lr_schedule == "step":
            scheduler.step()
        train_seconds = time.perf_counter() - epoch_start
        val_loss, val_acc, val_auc = _evaluate(model, criterion, images, motions, labels, val_idx, config)
        stats = EpochStats(
            epoch=epoch,
            train_loss=total / max(seen, 1),
            val_loss=val_loss,
            val_accuracy=val_acc,
            val_auc=val_auc,
            lr=lr,
            samples_per_s=seen / max(train_seconds, 1e-9),
            seconds=time.perf_counter() - epoch_start,
        )
        report.epochs.append(stats)
        # Without a validation split, the last epoch is kept.
        if len(val_idx) == 0 or val_loss < best_loss:
            best_loss, best_state, report.best_epoch = val_loss, copy.deepcopy(model.state_dict()), epoch
        bar.set_postfix(loss=f"{stats.train_loss:.4f}", val=f"{val_loss:.4f}", auc=f"{val_auc:.3f}")
    if best_state is not None:
        model.load_state_dict(best_state)
    report.seconds = time.perf_counter() - start
    return model.cpu().eval(), report


def _evaluate(
    model: GraspSuccessNet,
    criterion: nn.Module,
    images: np.ndarray,
    motions: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    config: TrainConfig,
) -> tuple[float, float, float]:
    """(loss, accuracy, AUC) on the given samples, without augmentation; NaNs when there are none."""
    if len(indices) == 0:
        return float("nan"), float("nan"), float("nan")
    model.eval()
    device = next(model.parameters()).device
    logits = []
    with torch.no_grad():
        for start in range(0, len(indices), config.batch_size):
            batch = indices[start : start + config.batch_size]
            image_t, action_t = _tensors(images[batch], motions[batch], config.translation_scale, device)
            logits.append(model.logits(image_t, action_t))
    all_logits = torch.cat(logits)
    target = torch.from_numpy(labels[indices]).to(device)
    loss = float(criterion(all_logits, target))
    probabilities = torch.sigmoid(all_logits).cpu().numpy()
    return loss, accuracy(labels[indices], probabilities), roc_auc(labels[indices], probabilities)


def _tensors(
    images: np.ndarray, motions: np.ndarray, translation_scale: float, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    image_t = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))[:, None].to(device)
    action_t = torch.from_numpy(encode_motions(motions, translation_scale)).to(device)
    return image_t, action_t


def _scheduler(
    optimizer: torch.optim.Optimizer, config: TrainConfig, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler:
    if config.lr_schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs * steps_per_epoch)
    if config.lr_schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, config.step_epochs, config.step_gamma)
    if config.lr_schedule == "constant":
        return torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)
    raise ValueError(f"lr_schedule must be 'cosine', 'step' or 'constant', got {config.lr_schedule!r}")


def _pos_weight(setting: float | str | None, train_labels: np.ndarray) -> float | None:
    if setting is None:
        return None
    if setting == "auto":
        positives = float(train_labels.sum())
        negatives = float(len(train_labels) - positives)
        return negatives / positives if positives > 0 else None
    return float(setting)


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def build_contract(
    config: TrainConfig,
    report: TrainReport | None = None,
    training_command: str = "",
    data_description: str = "",
    rounds: int = 0,
    camera: CameraSpec | None = None,
) -> ModelContract:
    """The contract for a model trained with ``config``, with provenance from ``report``.

    ``camera``: the camera the training frames came from; default the embedded world's wrist camera (70
    degree field of view) sampled at the network's input size.
    """
    sizes: dict[str, int] = {}
    if report is not None:
        sizes = {
            "train_samples": report.n_train,
            "val_samples": report.n_val,
            "train_episodes": report.train_episodes,
            "val_episodes": report.val_episodes,
        }
    provenance = Provenance(
        training_command=training_command,
        data_description=data_description,
        dataset_sizes=sizes,
        rounds=rounds,
        metrics=report.metrics() if report is not None else {},
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        torch_version=torch.__version__,
    )
    return ModelContract(
        image=ImageSpec.from_preprocessing(config.preprocessing()),
        camera=camera or CameraSpec.embedded_wrist(config.input_size, config.input_size),
        translation_scale=config.translation_scale,
        provenance=provenance,
    )
