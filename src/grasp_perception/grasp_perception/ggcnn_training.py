"""Training of GG-CNN, of the VQ-VAE and of the semi-supervised GG-CNN (seed 002) on numpy arrays.

Inputs are preprocessed depth frames (N, H, W) float32, square, as ``DepthPreprocessing`` makes them, and
for GG-CNN the (N, 4, H, W) maps of ``grasp_maps.render_grasp_maps_batch``. The GG-CNN loss is, as in
GG-CNN, the sum of the four per-map MSEs. With ground-truth rectangles, every epoch scores the validation
frames with the Cornell rectangle metric and the weights of the best epoch are kept (by accuracy, then
loss; by loss alone without rectangles). The VQ-VAE codebook starts at encoder outputs of random training
frames (not in seed 002; it keeps more codes alive early), and can restart unused codes after each epoch.
Runs are deterministic given the seed (on one device, with the same thread count).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from grasp_perception.ggcnn import (
    GGCNN,
    GGCNN_ENCODER_CHANNELS,
    GGCNN_ENCODER_KERNELS,
    GGCNN_HEAD_CHANNELS,
    GGCNN_HEAD_KERNELS,
)
from grasp_perception.grasp_maps import GraspMapSpec, best_grasp, random_symmetries
from grasp_perception.grasp_rectangles import GraspRectangle, rectangle_accuracy
from grasp_perception.split import split_by_episode
from grasp_perception.torch_threads import torch_threads
from grasp_perception.vqvae import VQVAE, SemiSupervisedGGCNN

Truths = Sequence[Sequence[GraspRectangle]]


@dataclass
class GGCNNTrainConfig:
    """GG-CNN (and semi-supervised GG-CNN) training settings."""

    epochs: int = 50
    batch_size: int = 32
    lr: float = 1e-3  # Adam, constant (as GG-CNN)
    weight_decay: float = 0.0
    val_fraction: float = 0.1  # of the frames (or of the groups, when given)
    seed: int = 0  # split, initialisation, shuffling, augmentation
    augment: bool = True  # one random square symmetry (flips / transpose, maps fixed to match) per frame
    maps: GraspMapSpec = field(default_factory=GraspMapSpec)  # decoding for the validation metric
    encoder_channels: tuple[int, ...] = GGCNN_ENCODER_CHANNELS
    encoder_kernels: tuple[int, ...] = GGCNN_ENCODER_KERNELS
    head_channels: tuple[int, ...] = GGCNN_HEAD_CHANNELS
    head_kernels: tuple[int, ...] = GGCNN_HEAD_KERNELS
    freeze_decoder: bool = False  # semi-supervised only: also freeze the VQ-VAE decoder (the seed tunes it)
    torch_threads: int | None = None  # torch.set_num_threads during training; None keeps torch's default
    device: str = "cpu"


@dataclass
class VQVAETrainConfig:
    """VQ-VAE pretraining settings."""

    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3  # Adam, constant
    val_fraction: float = 0.1
    seed: int = 0
    hidden: int = 32
    res_hidden: int = 16
    n_res: int = 2
    codes: int = 64  # K, the codebook size
    code_dim: int = 16  # D
    beta: float = 0.25  # commitment weight
    init_codes_from_data: bool = True  # start the codebook at random encoder outputs of training frames
    restart_dead_codes: bool = False  # after each epoch, move unused codes onto random encoder outputs
    torch_threads: int | None = None
    device: str = "cpu"


@dataclass
class GGCNNEpochStats:
    """One epoch of GG-CNN training (validation values NaN without a validation split / rectangles)."""

    epoch: int
    train_loss: float
    val_loss: float
    val_accuracy: float
    seconds: float


@dataclass
class GGCNNTrainReport:
    """What happened while training a GG-CNN."""

    config: dict[str, Any]
    model: str  # "ggcnn" or "semi_supervised_ggcnn"
    n_train: int
    n_val: int
    trainable_parameters: int
    epochs: list[GGCNNEpochStats] = field(default_factory=list)
    best_epoch: int = -1
    seconds: float = 0.0

    @property
    def best(self) -> GGCNNEpochStats | None:
        """Stats of the epoch whose weights were kept."""
        return next((stats for stats in self.epochs if stats.epoch == self.best_epoch), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VQVAEEpochStats:
    """One epoch of VQ-VAE training: mean training losses, validation reconstruction and code usage."""

    epoch: int
    train_loss: float  # reconstruction + codebook + beta * commitment
    train_reconstruction: float
    train_codebook: float
    train_commitment: float  # already multiplied by beta
    val_reconstruction: float
    perplexity: float  # exp(entropy) of the code histogram on the validation (else training) frames
    codes_used: int
    seconds: float


@dataclass
class VQVAETrainReport:
    """What happened while training a VQ-VAE."""

    config: dict[str, Any]
    n_train: int
    n_val: int
    epochs: list[VQVAEEpochStats] = field(default_factory=list)
    best_epoch: int = -1
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train_ggcnn(
    images: np.ndarray,
    maps: np.ndarray,
    config: GGCNNTrainConfig | None = None,
    encoder: VQVAE | None = None,
    truths: Truths | None = None,
    groups: np.ndarray | None = None,
    progress: bool = True,
) -> tuple[nn.Module, GGCNNTrainReport]:
    """Train a GG-CNN on frames (N, H, W) and target maps (N, 4, H, W); returns (model, report).

    With ``encoder`` (a pretrained ``VQVAE``; a copy is used), the model is a ``SemiSupervisedGGCNN``: frozen
    encoder and quantiser, fine-tuned decoder, then GG-CNN. ``truths`` (the rectangles of every frame) turn
    on the validation rectangle accuracy; ``groups`` (e.g. episode ids) keep correlated frames on one side of
    the split. The model comes back on the CPU in eval mode with the best epoch's weights.
    """
    config = config or GGCNNTrainConfig()
    images = _check_images(images)
    maps = np.asarray(maps, dtype=np.float32)
    if maps.shape != (len(images), 4, *images.shape[1:]):
        raise ValueError(f"maps must have shape {(len(images), 4, *images.shape[1:])}, got {maps.shape}")
    if truths is not None and len(truths) != len(images):
        raise ValueError(f"{len(truths)} truth lists for {len(images)} frames")
    with torch_threads(config.torch_threads):
        return _train_ggcnn(images, maps, config, encoder, truths, groups, progress)


def train_vqvae(
    images: np.ndarray,
    config: VQVAETrainConfig | None = None,
    groups: np.ndarray | None = None,
    progress: bool = True,
) -> tuple[VQVAE, VQVAETrainReport]:
    """Train a VQ-VAE on (N, H, W) frames, labelled or not; returns (model on the CPU in eval mode, report).

    The weights with the lowest validation reconstruction loss are kept (the last ones without a split).
    """
    config = config or VQVAETrainConfig()
    images = _check_images(images)
    with torch_threads(config.torch_threads):
        return _train_vqvae(images, config, groups, progress)


def predict_maps(model: nn.Module, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Raw (N, 4, H, W) float32 grasp maps of a GG-CNN-like model for (N, H, W) frames."""
    images = _check_images(images)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = np.empty((len(images), 4, *images.shape[1:]), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            batch = torch.from_numpy(images[start : start + batch_size])[:, None].to(device)
            out[start : start + batch_size] = model(batch).cpu().numpy()
    model.train(was_training)
    return out


def predict_rectangles(
    model: nn.Module, images: np.ndarray, spec: GraspMapSpec | None = None, batch_size: int = 64
) -> list[GraspRectangle | None]:
    """The best grasp rectangle of each (N, H, W) frame (None where no peak passes ``spec.min_quality``)."""
    return [best_grasp(frame_maps, spec) for frame_maps in predict_maps(model, images, batch_size)]


def count_trainable(model: nn.Module) -> int:
    """Number of parameters that training updates."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _train_ggcnn(
    images: np.ndarray,
    maps: np.ndarray,
    config: GGCNNTrainConfig,
    encoder: VQVAE | None,
    truths: Truths | None,
    groups: np.ndarray | None,
    progress: bool,
) -> tuple[nn.Module, GGCNNTrainReport]:
    start = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    device = torch.device(config.device)
    train_idx, val_idx = _split(len(images), groups, config.val_fraction, config.seed)
    model = _build_ggcnn(images.shape[-1], config, encoder).to(device)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(parameters, lr=config.lr, weight_decay=config.weight_decay)
    report = GGCNNTrainReport(
        config=asdict(config),
        model="ggcnn" if encoder is None else "semi_supervised_ggcnn",
        n_train=len(train_idx),
        n_val=len(val_idx),
        trainable_parameters=count_trainable(model),
    )
    steps = max(1, -(-len(train_idx) // config.batch_size))
    best_key: tuple[float, float] = (float("inf"), float("inf"))
    best_state = None
    bar = tqdm(range(config.epochs), desc="ggcnn", unit="epoch", disable=not progress)
    for epoch in bar:
        epoch_start = time.perf_counter()
        model.train()
        total, seen = 0.0, 0
        for batch in np.array_split(rng.permutation(train_idx), steps):
            batch_images, batch_maps = images[batch], maps[batch]
            if config.augment:
                batch_images, batch_maps = random_symmetries(batch_images, batch_maps, rng)
            image_t = torch.from_numpy(batch_images)[:, None].to(device)
            loss = ggcnn_loss(model(image_t), torch.from_numpy(batch_maps).to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
            seen += len(batch)
        val_loss, val_accuracy = _evaluate_ggcnn(model, images, maps, truths, val_idx, config)
        stats = GGCNNEpochStats(epoch, total / max(seen, 1), val_loss, val_accuracy, time.perf_counter() - epoch_start)
        report.epochs.append(stats)
        key = (-val_accuracy if truths is not None else 0.0, val_loss)
        if len(val_idx) == 0 or key < best_key:
            best_key, best_state, report.best_epoch = key, copy.deepcopy(model.state_dict()), epoch
        bar.set_postfix(loss=f"{stats.train_loss:.4f}", val=f"{val_loss:.4f}", acc=f"{val_accuracy:.3f}")
    if best_state is not None:
        model.load_state_dict(best_state)
    report.seconds = time.perf_counter() - start
    return model.cpu().eval(), report


def ggcnn_loss(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """GG-CNN loss: the sum over the four maps of their mean squared errors."""
    return F.mse_loss(predicted, target, reduction="none").mean(dim=(0, 2, 3)).sum()


def _build_ggcnn(size: int, config: GGCNNTrainConfig, encoder: VQVAE | None) -> nn.Module:
    in_channels = 1 if encoder is None else encoder.decoder.out_channels
    ggcnn = GGCNN(
        size,
        in_channels,
        config.encoder_channels,
        config.encoder_kernels,
        config.head_channels,
        config.head_kernels,
    )
    if encoder is None:
        return ggcnn
    if encoder.input_size != size:
        raise ValueError(f"the VQ-VAE takes {encoder.input_size} px frames, the data has {size} px")
    return SemiSupervisedGGCNN(copy.deepcopy(encoder).cpu(), ggcnn, freeze_decoder=config.freeze_decoder)


def _evaluate_ggcnn(
    model: nn.Module,
    images: np.ndarray,
    maps: np.ndarray,
    truths: Truths | None,
    indices: np.ndarray,
    config: GGCNNTrainConfig,
) -> tuple[float, float]:
    """(loss, rectangle accuracy) on the given frames; NaN where not available."""
    if len(indices) == 0:
        return float("nan"), float("nan")
    predicted = predict_maps(model, images[indices], config.batch_size)
    loss = float(ggcnn_loss(torch.from_numpy(predicted), torch.from_numpy(maps[indices])))
    if truths is None:
        return loss, float("nan")
    rectangles = [best_grasp(frame_maps, config.maps) for frame_maps in predicted]
    return loss, rectangle_accuracy(rectangles, [truths[i] for i in indices])


def _train_vqvae(
    images: np.ndarray, config: VQVAETrainConfig, groups: np.ndarray | None, progress: bool
) -> tuple[VQVAE, VQVAETrainReport]:
    start = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    device = torch.device(config.device)
    train_idx, val_idx = _split(len(images), groups, config.val_fraction, config.seed)
    model = VQVAE(
        images.shape[-1],
        1,
        config.hidden,
        config.res_hidden,
        config.n_res,
        config.codes,
        config.code_dim,
        config.beta,
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    generator = torch.Generator().manual_seed(config.seed)
    if config.init_codes_from_data:
        _restart(model, images, train_idx, torch.arange(config.codes), config, rng, generator)
    report = VQVAETrainReport(config=asdict(config), n_train=len(train_idx), n_val=len(val_idx))
    steps = max(1, -(-len(train_idx) // config.batch_size))
    best_loss, best_state = float("inf"), None
    bar = tqdm(range(config.epochs), desc="vqvae", unit="epoch", disable=not progress)
    for epoch in bar:
        epoch_start = time.perf_counter()
        model.train()
        sums = np.zeros(3)
        seen = 0
        usage = torch.zeros(config.codes, dtype=torch.long)
        for batch in np.array_split(rng.permutation(train_idx), steps):
            image_t = torch.from_numpy(images[batch])[:, None].to(device)
            reconstruction, codebook, commitment, indices = model(image_t)
            recon_loss = F.mse_loss(reconstruction, image_t)
            loss = recon_loss + codebook + commitment
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            terms = torch.stack([recon_loss, codebook, commitment]).detach().cpu().numpy()
            sums += terms.astype(np.float64) * len(batch)
            seen += len(batch)
            usage += torch.bincount(indices.flatten().cpu(), minlength=config.codes)
        if config.restart_dead_codes:
            _restart(model, images, train_idx, torch.nonzero(usage == 0).flatten(), config, rng, generator)
        recon, codebook, commitment = sums / max(seen, 1)
        eval_idx = val_idx if len(val_idx) else train_idx
        val_recon, perplexity, used = _evaluate_vqvae(model, images[eval_idx], config.batch_size)
        if not len(val_idx):
            val_recon = float("nan")
        stats = VQVAEEpochStats(
            epoch=epoch,
            train_loss=recon + codebook + commitment,
            train_reconstruction=recon,
            train_codebook=codebook,
            train_commitment=commitment,
            val_reconstruction=val_recon,
            perplexity=perplexity,
            codes_used=used,
            seconds=time.perf_counter() - epoch_start,
        )
        report.epochs.append(stats)
        if len(val_idx) == 0 or val_recon < best_loss:
            best_loss, best_state, report.best_epoch = val_recon, copy.deepcopy(model.state_dict()), epoch
        bar.set_postfix(recon=f"{recon:.4f}", val=f"{val_recon:.4f}", perplexity=f"{perplexity:.1f}")
    if best_state is not None:
        model.load_state_dict(best_state)
    report.seconds = time.perf_counter() - start
    return model.cpu().eval(), report


def _restart(
    model: VQVAE,
    images: np.ndarray,
    train_idx: np.ndarray,
    codes: torch.Tensor,
    config: VQVAETrainConfig,
    rng: np.random.Generator,
    generator: torch.Generator,
) -> None:
    """Move ``codes`` onto encoder outputs of a random batch of training frames."""
    device = next(model.parameters()).device
    batch = rng.choice(train_idx, min(config.batch_size, len(train_idx)), replace=False)
    with torch.no_grad():
        z_e = model.encoder(torch.from_numpy(images[batch])[:, None].to(device))
    model.quantizer.restart_codes(codes.to(device), z_e, generator)


def _evaluate_vqvae(model: VQVAE, images: np.ndarray, batch_size: int) -> tuple[float, float, int]:
    """(reconstruction MSE, code perplexity, codes used) over ``images``."""
    device = next(model.parameters()).device
    model.eval()
    squared, pixels = 0.0, 0
    counts = torch.zeros(model.quantizer.codes, dtype=torch.float64)
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            image_t = torch.from_numpy(images[start : start + batch_size])[:, None].to(device)
            reconstruction, _, _, indices = model(image_t)
            squared += float(((reconstruction - image_t) ** 2).sum())
            pixels += image_t.numel()
            counts += torch.bincount(indices.flatten().cpu(), minlength=model.quantizer.codes).double()
    probabilities = counts / counts.sum()
    nonzero = probabilities[probabilities > 0]
    perplexity = float(torch.exp(-(nonzero * nonzero.log()).sum()))
    return squared / max(pixels, 1), perplexity, int((counts > 0).sum())


def _split(count: int, groups: np.ndarray | None, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    keys = np.arange(count) if groups is None else np.asarray(groups).ravel()
    if len(keys) != count:
        raise ValueError(f"{len(keys)} groups for {count} frames")
    return split_by_episode(keys, val_fraction, seed)


def _check_images(images: np.ndarray) -> np.ndarray:
    stack = np.ascontiguousarray(images, dtype=np.float32)
    if stack.ndim != 3 or stack.shape[1] != stack.shape[2]:
        raise ValueError(f"images must have shape (N, S, S), got {stack.shape}")
    if len(stack) == 0:
        raise ValueError("no frames")
    return stack
