"""Off-policy training of the Q-function ``QNetwork`` on recorded transitions, after QT-Opt (seed 000).

Each gradient step regresses Q(s_t, a_t) onto the Bellman target

    y = clip(r_t + gamma * (1 - done_t) * max_a' Q_target(s_{t+1}, a'), 0, 1)

with the cross-entropy (log) loss, as QT-Opt does for rewards in {0, 1}; ``mc_weight`` > 0 blends the
episode's discounted return gamma^(T - t) R into y (a Monte Carlo target beside the Bellman one). With
``clipped_double_q`` the max is read as min(Q_target(s', a*), Q_target2(s', a*)), a* the CEM's best motion under
Q_target and Q_target2 a lagged copy of Q_target (clipped double Q-learning, Fujimoto et al. 2018), against the
max's overestimation. The max is
taken by a cross-entropy method run in torch for the whole minibatch at once, over the candidate motions our CEM
servo scores: planar (dx, dy, dyaw) motions that descend to the grasp height, plus "close now" (descend straight
down, no planar motion or rotation), which is always scored. Q_target is a lagged copy of the online network
(Polyak averaging or a periodic copy); it never receives gradients.

Frames are preprocessed as the runtime scorer will (``DepthPreprocessing`` from the config). The split is by
episode; validation reports the Bellman loss and the ROC AUC of Q(s_t, a_t) against the episode's final
label (over all steps, and over the terminal steps only).
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from grasp_perception.action_encoding import DEFAULT_TRANSLATION_SCALE, encode_motions
from grasp_perception.augment import random_flips
from grasp_perception.metrics import roc_auc
from grasp_perception.model_targets import STATE_HEIGHT_SCALE
from grasp_perception.preprocess import DepthPreprocessing
from grasp_perception.q_network import QNetwork
from grasp_perception.q_transitions import QTransitions
from grasp_perception.split import split_by_episode
from grasp_perception.torch_threads import torch_threads

TARGET_UPDATES = ("polyak", "copy")


@dataclass(frozen=True)
class TargetCEMConfig:
    """The CEM that maximises Q_target over the next state's actions (our servo's CEM, batched in torch)."""

    samples: int = 64
    elites: int = 6
    iterations: int = 2
    initial_std_xy: float = 0.06  # metres
    initial_std_yaw: float = 0.6  # radians
    min_std_xy: float = 0.002
    min_std_yaw: float = 0.02
    rotation_limit: float = math.pi / 2  # |dyaw| of a candidate, as the servo

    def __post_init__(self) -> None:
        if not 1 <= self.elites < self.samples:
            raise ValueError(f"CEM needs 1 <= elites < samples, got {self.elites} of {self.samples}")
        if self.iterations < 1:
            raise ValueError(f"CEM iterations must be >= 1, got {self.iterations}")


@dataclass
class QTrainConfig:
    """Q-learning settings; the preprocessing and translation scale end up in the model contract."""

    epochs: int = 30
    steps_per_epoch: int | None = None  # gradient steps per epoch; None: one pass over the training split
    batch_size: int = 256
    lr: float = 1e-3  # Adam
    weight_decay: float = 1e-4
    gamma: float = 0.9  # discount (QT-Opt)
    # lambda of the target y = (1 - lambda) Bellman + lambda gamma^(T - t) R: the episode's discounted return
    # blended in (Quillen et al. 2018 compared Monte Carlo and Bellman targets for grasping); 0 is QT-Opt's.
    mc_weight: float = 0.0
    target_update: str = "polyak"  # "polyak": target <- (1 - tau) target + tau online every step; "copy"
    tau: float = 0.01
    target_copy_every: int = 200  # "copy": gradient steps between copies of the online weights
    # V(s') = min over two target networks at the CEM's best action (clipped double Q): the second target lags the
    # first as the first lags the online network (same tau or copy period)
    clipped_double_q: bool = False
    cem: TargetCEMConfig = field(default_factory=TargetCEMConfig)
    val_fraction: float = 0.15  # fraction of EPISODES held out
    seed: int = 0  # split, initialisation, shuffling, augmentation and the target's CEM
    augment_flips: bool = True  # mirror (s_t, a_t) pairs as train.py does (s_{t+1} is left as recorded)
    input_size: int = 64
    width: int = 32
    hidden: int = 64
    translation_scale: float = DEFAULT_TRANSLATION_SCALE
    near: float = 0.0
    far: float = 0.6
    offset: float = 0.3
    scale: float = 0.15
    torch_threads: int | None = None
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.target_update not in TARGET_UPDATES:
            raise ValueError(f"target_update must be one of {TARGET_UPDATES}, got {self.target_update!r}")
        if not 0.0 <= self.tau <= 1.0:
            raise ValueError(f"tau must be in [0, 1], got {self.tau}")
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {self.gamma}")
        if not 0.0 <= self.mc_weight <= 1.0:
            raise ValueError(f"mc_weight must be in [0, 1], got {self.mc_weight}")
        if isinstance(self.cem, dict):  # from asdict(), e.g. a saved report
            self.cem = TargetCEMConfig(**self.cem)

    def preprocessing(self) -> DepthPreprocessing:
        return DepthPreprocessing(
            height=self.input_size,
            width=self.input_size,
            near=self.near,
            far=self.far,
            offset=self.offset,
            scale=self.scale,
        )


def encode_motions_torch(motions: torch.Tensor, translation_scale: float) -> torch.Tensor:
    """``encode_motions`` for a (..., 4) tensor: (..., 5) laid out as ``ACTION_LAYOUT``."""
    dyaw = torch.remainder(motions[..., 3] + math.pi / 2, math.pi) - math.pi / 2
    return torch.cat(
        [motions[..., :3] / translation_scale, torch.sin(dyaw)[..., None], torch.cos(dyaw)[..., None]], dim=-1
    )


@torch.no_grad()
def cem_max_q(
    model: QNetwork,
    images: torch.Tensor,
    states: torch.Tensor,
    cem: TargetCEMConfig,
    translation_scale: float = DEFAULT_TRANSLATION_SCALE,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """max_a Q(s, a) for a batch of states by CEM: (values (B,) in [0, 1], best motions (B, 4)).

    ``images`` (B, 1, S, S) preprocessed, ``states`` (B, 2). Candidates are planar motions (dx, dy, dyaw) that
    descend to the grasp height (dz = -height, from the state), sampled around zero, then refit to the elites,
    as the servo does; "close now" (0, 0, dz, 0) is scored too, so the max is never below Q(s, close now).
    """
    batch, k = images.shape[0], cem.samples
    device = images.device
    features = model.image_features(images)
    dz = -states[:, 1] * STATE_HEIGHT_SCALE
    close_now = torch.zeros(batch, 4, device=device)
    close_now[:, 2] = dz
    best = model.logits_from_features(features, encode_motions_torch(close_now, translation_scale), states)
    best_motion = close_now
    tiled_features = features.repeat_interleave(k, dim=0)
    tiled_states = states.repeat_interleave(k, dim=0)
    mean = torch.zeros(batch, 3, device=device)
    std = torch.tensor([cem.initial_std_xy, cem.initial_std_xy, cem.initial_std_yaw], device=device).expand(batch, 3)
    floor = torch.tensor([cem.min_std_xy, cem.min_std_xy, cem.min_std_yaw], device=device)
    for _ in range(cem.iterations):
        noise = torch.randn(batch, k, 3, device=device, generator=generator)
        planar = mean[:, None] + std[:, None] * noise
        planar[..., 2] = planar[..., 2].clamp(-cem.rotation_limit, cem.rotation_limit)
        motions = torch.stack([planar[..., 0], planar[..., 1], dz[:, None].expand(batch, k), planar[..., 2]], -1)
        actions = encode_motions_torch(motions, translation_scale).reshape(batch * k, -1)
        scores = model.logits_from_features(tiled_features, actions, tiled_states).reshape(batch, k)
        top_scores, top = scores.topk(cem.elites, dim=1)
        better = top_scores[:, 0] > best
        best = torch.where(better, top_scores[:, 0], best)
        best_motion = torch.where(better[:, None], motions[torch.arange(batch, device=device), top[:, 0]], best_motion)
        elites = planar.gather(1, top[..., None].expand(-1, -1, 3))
        mean = elites.mean(dim=1)
        std = torch.maximum(elites.std(dim=1, unbiased=False), floor)
    return torch.sigmoid(best), best_motion


@torch.no_grad()
def bellman_targets(
    target_model: QNetwork,
    rewards: torch.Tensor,
    dones: torch.Tensor,
    next_images: torch.Tensor,
    next_states: torch.Tensor,
    gamma: float,
    cem: TargetCEMConfig,
    translation_scale: float = DEFAULT_TRANSLATION_SCALE,
    generator: torch.Generator | None = None,
    second_target: QNetwork | None = None,
) -> torch.Tensor:
    """y = clip(r + gamma * (1 - done) * max_a' Q_target(s', a'), 0, 1), (B,); s' is only looked at where not done.

    With ``second_target`` the max becomes min(Q_target(s', a*), Q_second(s', a*)) at the CEM's best a* (clipped
    double Q). Both models should be in eval mode (their batch norm then uses running statistics).
    """
    targets = rewards.clone().float()
    going = ~dones.bool()
    if going.any():
        images, states = next_images[going], next_states[going]
        best, motions = cem_max_q(target_model, images, states, cem, translation_scale, generator)
        if second_target is not None:
            actions = encode_motions_torch(motions, translation_scale)
            best = torch.minimum(best, torch.sigmoid(second_target.logits(images, actions, states)))
        targets[going] = targets[going] + gamma * best
    return targets.clamp(0.0, 1.0)


class QLearner:
    """The online network, its lagged target network, the optimiser and the target's CEM sampler."""

    def __init__(self, config: QTrainConfig, model: QNetwork | None = None):
        self.config = config
        self.device = torch.device(config.device)
        self.online = (model or QNetwork(config.input_size, width=config.width, hidden=config.hidden)).to(self.device)
        self.target = copy.deepcopy(self.online).eval()
        self.target.requires_grad_(False)
        self.second_target = copy.deepcopy(self.target) if config.clipped_double_q else None
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.criterion = nn.BCEWithLogitsLoss()
        self.generator = torch.Generator(device=self.device).manual_seed(config.seed)
        self.steps = 0

    def targets(
        self,
        rewards: torch.Tensor,
        dones: torch.Tensor,
        next_images: torch.Tensor,
        next_states: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Bellman targets from the target network (``generator`` defaults to the learner's own)."""
        cfg = self.config
        return bellman_targets(
            self.target, rewards, dones, next_images, next_states, cfg.gamma, cfg.cem, cfg.translation_scale,
            generator or self.generator, self.second_target,
        )  # fmt: skip

    def update(self, images: torch.Tensor, actions: torch.Tensor, states: torch.Tensor, targets: torch.Tensor) -> float:
        """One gradient step of the cross-entropy loss of Q(s, a) against ``targets``, then the target update."""
        self.online.train()
        loss = self.criterion(self.online.logits(images, actions, states), targets)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps += 1
        self.update_target()
        return float(loss.detach())

    @torch.no_grad()
    def update_target(self) -> None:
        """Polyak-average the target toward the online weights, or copy them every ``target_copy_every`` steps.

        Polyak averaging also averages the batch-norm running statistics (so ``tau`` = 0 freezes the target). The
        second target (clipped double Q) follows the first the same way, before the first moves.
        """
        if self.second_target is not None:
            self._follow(self.second_target, self.target)
        self._follow(self.target, self.online)

    def _follow(self, lagged: QNetwork, leader: QNetwork) -> None:
        """Move ``lagged`` toward ``leader`` by the configured Polyak step or periodic copy."""
        cfg = self.config
        if cfg.target_update == "copy":
            if self.steps % cfg.target_copy_every == 0:
                lagged.load_state_dict(leader.state_dict())
            return
        lagged_state = lagged.state_dict()
        for name, value in leader.state_dict().items():
            if value.is_floating_point():
                lagged_state[name].lerp_(value, cfg.tau)
            else:  # batch norm's num_batches_tracked
                lagged_state[name].copy_(value)


@dataclass
class QEpochStats:
    """Losses and validation metrics after one epoch (validation values are NaN without a val split)."""

    epoch: int
    gradient_steps: int  # in total so far
    train_loss: float  # cross-entropy against the Bellman targets
    mean_target: float  # mean Bellman target of the training batches
    val_loss: float
    val_auc: float  # Q(s_t, a_t) of every validation step against the episode's label
    val_auc_terminal: float  # the same, terminal steps only
    val_mean_q: float
    transitions_per_s: float
    seconds: float


@dataclass
class QTrainReport:
    """What happened during Q-learning."""

    config: dict[str, Any]
    n_train: int
    n_val: int
    train_episodes: int
    val_episodes: int
    train_success_fraction: float  # of the training episodes
    val_success_fraction: float
    epochs: list[QEpochStats] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def last(self) -> QEpochStats | None:
        """Stats of the last epoch (whose weights are returned)."""
        return self.epochs[-1] if self.epochs else None

    def metrics(self) -> dict[str, Any]:
        """A flat summary for the contract's provenance."""
        summary: dict[str, Any] = {
            "epochs_run": len(self.epochs),
            "train_success_fraction": self.train_success_fraction,
            "val_success_fraction": self.val_success_fraction,
        }
        last = self.last
        if last is not None:
            summary.update(
                gradient_steps=last.gradient_steps,
                train_loss=last.train_loss,
                val_loss=last.val_loss,
                val_auc=last.val_auc,
                val_auc_terminal=last.val_auc_terminal,
            )
        return {key: (None if isinstance(v, float) and np.isnan(v) else v) for key, v in summary.items()}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train_q_function(
    transitions: QTransitions, config: QTrainConfig | None = None, progress: bool = True
) -> tuple[QNetwork, QTrainReport]:
    """Train a Q-function on ``transitions`` (raw frames, see ``QTransitions``) by fitted Q-iteration.

    Returns the online network after the last epoch (CPU, eval mode) and a ``QTrainReport``. The weights of
    the last epoch are kept: the targets move, so validation losses of different epochs do not compare.
    """
    config = config or QTrainConfig()
    if len(transitions) == 0:
        raise ValueError("no transitions")
    if not np.isin(transitions.rewards, (0.0, 1.0)).all():
        raise ValueError("rewards must be 0 or 1")
    with torch_threads(config.torch_threads):
        return _train(transitions, config, progress)


@dataclass
class _Data:
    """Preprocessed arrays of all transitions, and where each s_{t+1} is."""

    images: np.ndarray  # (N, S, S) preprocessed
    states: np.ndarray
    motions: np.ndarray
    rewards: np.ndarray
    dones: np.ndarray
    next_rows: np.ndarray
    labels: np.ndarray
    returns: np.ndarray  # (N,) gamma^(T - t) R: the discounted return of each step

    def tensors(
        self, rows: np.ndarray, config: QTrainConfig, device: torch.device, rng: np.random.Generator | None
    ) -> tuple[torch.Tensor, ...]:
        """(images, actions, states, rewards, dones, next images, next states, returns) of ``rows``; flips with
        ``rng``."""
        images, motions = self.images[rows], self.motions[rows]
        if rng is not None:
            images, motions = random_flips(images, motions, rng)
        following = self.next_rows[rows]

        def tensor(array: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(array)).to(device)

        return (
            tensor(images.astype(np.float32))[:, None],
            tensor(encode_motions(motions, config.translation_scale)),
            tensor(self.states[rows]),
            tensor(self.rewards[rows]),
            tensor(self.dones[rows]),
            tensor(self.images[following])[:, None],
            tensor(self.states[following]),
            tensor(self.returns[rows]),
        )


def _train(transitions: QTransitions, config: QTrainConfig, progress: bool) -> tuple[QNetwork, QTrainReport]:
    start = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    data = _Data(
        images=config.preprocessing().batch(transitions.images),
        states=transitions.states.astype(np.float32),
        motions=transitions.motions.astype(np.float64),
        rewards=transitions.rewards.astype(np.float32),
        dones=transitions.dones.astype(bool),
        next_rows=transitions.next_rows(),
        labels=transitions.labels.astype(np.float32),
        returns=discounted_returns(transitions, config.gamma),
    )
    keys = transitions.episode_keys
    train_idx, val_idx = split_by_episode(keys, config.val_fraction, config.seed)
    report = QTrainReport(
        config=asdict(config),
        n_train=len(train_idx),
        n_val=len(val_idx),
        train_episodes=len(np.unique(keys[train_idx])),
        val_episodes=len(np.unique(keys[val_idx])),
        train_success_fraction=_episode_success(data, train_idx),
        val_success_fraction=_episode_success(data, val_idx),
    )
    learner = QLearner(config)
    steps_per_epoch = config.steps_per_epoch or max(1, -(-len(train_idx) // config.batch_size))
    bar = tqdm(range(config.epochs), desc="q-learning", unit="epoch", disable=not progress)
    for epoch in bar:
        epoch_start = time.perf_counter()
        total, target_total, seen = 0.0, 0.0, 0
        for rows in _batches(train_idx, steps_per_epoch, config, rng):
            batch = data.tensors(rows, config, learner.device, rng if config.augment_flips else None)
            images, actions, states, rewards, dones, next_images, next_states, returns = batch
            targets = _blend(learner.targets(rewards, dones, next_images, next_states), returns, config.mc_weight)
            total += learner.update(images, actions, states, targets) * len(rows)
            target_total += float(targets.sum())
            seen += len(rows)
        train_seconds = time.perf_counter() - epoch_start
        val_loss, val_auc, val_auc_terminal, val_mean_q = _evaluate(learner, data, val_idx, config)
        stats = QEpochStats(
            epoch=epoch,
            gradient_steps=learner.steps,
            train_loss=total / max(seen, 1),
            mean_target=target_total / max(seen, 1),
            val_loss=val_loss,
            val_auc=val_auc,
            val_auc_terminal=val_auc_terminal,
            val_mean_q=val_mean_q,
            transitions_per_s=seen / max(train_seconds, 1e-9),
            seconds=time.perf_counter() - epoch_start,
        )
        report.epochs.append(stats)
        bar.set_postfix(loss=f"{stats.train_loss:.4f}", val=f"{val_loss:.4f}", auc=f"{val_auc:.3f}")
    report.seconds = time.perf_counter() - start
    return learner.online.cpu().eval(), report


def discounted_returns(transitions: QTransitions, gamma: float) -> np.ndarray:
    """gamma^(T - t) R for every transition: R the episode's terminal reward, T its terminal step."""
    keys = transitions.episode_keys
    last_step = np.full(int(keys.max()) + 1, -1, dtype=np.int64)
    np.maximum.at(last_step, keys, transitions.steps.astype(np.int64))
    final_reward = np.zeros(int(keys.max()) + 1, dtype=np.float64)
    done = transitions.dones.astype(bool)
    final_reward[keys[done]] = transitions.rewards[done]
    to_go = last_step[keys] - transitions.steps
    return (final_reward[keys] * gamma**to_go).astype(np.float32)


def _blend(bellman: torch.Tensor, returns: torch.Tensor, mc_weight: float) -> torch.Tensor:
    """(1 - mc_weight) Bellman + mc_weight return."""
    if mc_weight == 0.0:
        return bellman
    return (1.0 - mc_weight) * bellman + mc_weight * returns.to(bellman.dtype)


def _batches(train_idx: np.ndarray, steps: int, config: QTrainConfig, rng: np.random.Generator) -> list[np.ndarray]:
    """``steps`` minibatches: one shuffled pass when ``steps_per_epoch`` is None, else random draws."""
    if config.steps_per_epoch is None:
        return np.array_split(rng.permutation(train_idx), steps)
    size = min(config.batch_size, len(train_idx))
    return [rng.choice(train_idx, size=size, replace=False) for _ in range(steps)]


def _evaluate(learner: QLearner, data: _Data, indices: np.ndarray, config: QTrainConfig) -> tuple[float, ...]:
    """(Bellman loss, AUC, terminal AUC, mean Q) on ``indices``; NaNs when there are none.

    The target's CEM uses a fixed seed, so the same networks give the same validation loss.
    """
    if len(indices) == 0:
        return (float("nan"),) * 4
    learner.online.eval()
    generator = torch.Generator(device=learner.device).manual_seed(config.seed + 1)
    logits, targets = [], []
    with torch.no_grad():
        for start in range(0, len(indices), config.batch_size):
            rows = indices[start : start + config.batch_size]
            images, actions, states, rewards, dones, next_images, next_states, returns = data.tensors(
                rows, config, learner.device, None
            )
            bellman = learner.targets(rewards, dones, next_images, next_states, generator)
            targets.append(_blend(bellman, returns, config.mc_weight))
            logits.append(learner.online.logits(images, actions, states))
    all_logits, all_targets = torch.cat(logits), torch.cat(targets)
    loss = float(learner.criterion(all_logits, all_targets))
    q = torch.sigmoid(all_logits).cpu().numpy()
    labels, terminal = data.labels[indices], data.dones[indices]
    return loss, roc_auc(labels, q), roc_auc(labels[terminal], q[terminal]), float(q.mean())


def _episode_success(data: _Data, indices: np.ndarray) -> float:
    """Fraction of successful episodes among the terminal transitions in ``indices``."""
    terminal = indices[data.dones[indices]]
    return float(data.labels[terminal].mean()) if len(terminal) else float("nan")
