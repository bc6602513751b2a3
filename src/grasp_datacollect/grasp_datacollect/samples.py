"""Training samples from episode bags.

Every recorded step with a depth frame gives one sample: the frame I_t, the motion v_t = p_T - p_t from the
step's pose to the episode's final pose, expressed in the yaw-aligned frame of p_t (``motion_between``), and
the episode's grasp label. Episodes without an outcome are skipped with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from grasp_servo.pose import motion_between
from tqdm import tqdm

from grasp_datacollect.bag_reader import MalformedBagError, read_episodes


@dataclass
class GraspSamples:
    """Samples as parallel arrays; ``sources[k]`` is the (bag, episode_id) of ``episode_keys == k``."""

    images: np.ndarray  # (N, H, W) float32, metres
    motions: np.ndarray  # (N, 4) float32, dx, dy, dz, dyaw to the final pose
    labels: np.ndarray  # (N,) float32, 1 = the grasp held
    episode_keys: np.ndarray  # (N,) int64, one value per (bag, episode)
    steps: np.ndarray  # (N,) int32, step index within the episode
    sources: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.labels)
        expected = {
            "images": (self.images, 3),
            "motions": (self.motions, 2),
            "labels": (self.labels, 1),
            "episode_keys": (self.episode_keys, 1),
            "steps": (self.steps, 1),
        }
        for name, (array, ndim) in expected.items():
            if array.ndim != ndim or array.shape[0] != n:
                raise ValueError(f"{name} has shape {array.shape}, expected {ndim}-D with {n} rows")
        if self.motions.shape[1] != 4:
            raise ValueError(f"motions has shape {self.motions.shape}, expected (N, 4)")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def image_shape(self) -> tuple[int, int]:
        return self.images.shape[1], self.images.shape[2]

    @classmethod
    def concatenate(cls, parts: Sequence[GraspSamples]) -> GraspSamples:
        """One set from several; episode keys are offset so they stay unique per (bag, episode)."""
        if not parts:
            raise ValueError("nothing to concatenate")
        shapes = {part.image_shape for part in parts if len(part)}
        if len(shapes) > 1:
            raise ValueError(f"cannot concatenate samples with different image shapes {sorted(shapes)}")
        keys, sources, offset = [], [], 0
        for part in parts:
            keys.append(part.episode_keys + offset)
            span = max(len(part.sources), int(part.episode_keys.max()) + 1 if len(part) else 0)
            sources += list(part.sources) + [("", -1)] * (span - len(part.sources))
            offset += span
        return cls(
            images=np.concatenate([p.images for p in parts]),
            motions=np.concatenate([p.motions for p in parts]),
            labels=np.concatenate([p.labels for p in parts]),
            episode_keys=np.concatenate(keys),
            steps=np.concatenate([p.steps for p in parts]),
            sources=sources,
        )

    def save_npz(self, path: Path) -> None:
        """Write to an uncompressed .npz (depth compresses poorly)."""
        np.savez(
            path,
            images=self.images,
            motions=self.motions,
            labels=self.labels,
            episode_keys=self.episode_keys,
            steps=self.steps,
            source_bags=np.array([bag for bag, _ in self.sources], dtype=str),
            source_episodes=np.array([episode for _, episode in self.sources], dtype=np.int64),
        )

    @classmethod
    def load_npz(cls, path: Path) -> GraspSamples:
        """Read what ``save_npz`` wrote."""
        with np.load(path, allow_pickle=False) as data:
            return cls(
                images=data["images"],
                motions=data["motions"],
                labels=data["labels"],
                episode_keys=data["episode_keys"],
                steps=data["steps"],
                sources=[(str(b), int(e)) for b, e in zip(data["source_bags"], data["source_episodes"], strict=True)],
            )


def load_grasp_samples(paths: Sequence[Path], progress: bool = True, skip_malformed: bool = False) -> GraspSamples:
    """All samples of the given bags (see the module docstring).

    Raises ``MalformedBagError`` for a malformed bag (with ``skip_malformed``: warns, naming the bag and why,
    and leaves out all of that bag), ``ValueError`` when a bag is listed twice, when frames differ in shape,
    or when no sample was found.
    """
    bags = [Path(p) for p in paths]
    seen: dict[Path, Path] = {}
    for bag in bags:
        resolved = bag.resolve()
        if resolved in seen:
            raise ValueError(f"bag {bag} is listed twice (also as {seen[resolved]})")
        seen[resolved] = bag

    images: list[np.ndarray] = []
    motions: list[np.ndarray] = []
    labels: list[float] = []
    keys: list[int] = []
    steps: list[int] = []
    sources: list[tuple[str, int]] = []
    shape: tuple[tuple[int, int], str] | None = None  # first frame shape and where it came from

    for bag in tqdm(bags, desc="bags", unit="bag", disable=not progress):
        before = len(images), len(sources)
        episodes = tqdm(read_episodes(bag), desc=bag.name, unit="episode", leave=False, disable=not progress)
        try:
            for episode in episodes:
                episode_id = episode.info.episode_id
                if episode.outcome is None:
                    warnings.warn(
                        f"bag {bag}, episode {episode_id}: no outcome (recording cut off?); skipped", stacklevel=2
                    )
                    continue
                if not episode.steps:
                    continue
                key = len(sources)
                sources.append((str(bag), episode_id))
                final_pose = episode.outcome.final_pose
                label = 1.0 if episode.outcome.success else 0.0
                for step in episode.steps:
                    where = f"bag {bag}, episode {episode_id}, step {step.step}"
                    if shape is None:
                        shape = (step.depth.shape, where)
                    elif step.depth.shape != shape[0]:
                        raise ValueError(
                            f"{where}: depth frame is {step.depth.shape}, but {shape[1]} is {shape[0]}; "
                            "all frames of a data set must have one shape"
                        )
                    images.append(step.depth.astype(np.float32, copy=False))
                    motions.append(motion_between(step.pose, final_pose))
                    labels.append(label)
                    keys.append(key)
                    steps.append(step.step)
        except MalformedBagError as error:
            if not skip_malformed:
                raise
            warnings.warn(f"skipping {error}", stacklevel=2)
            for column in (images, motions, labels, keys, steps):
                del column[before[0] :]
            del sources[before[1] :]

    if not images:
        raise ValueError(f"no samples in {len(bags)} bag(s): no episode with an outcome and depth frames")
    return GraspSamples(
        images=np.stack(images),
        motions=np.asarray(motions, dtype=np.float32),
        labels=np.asarray(labels, dtype=np.float32),
        episode_keys=np.asarray(keys, dtype=np.int64),
        steps=np.asarray(steps, dtype=np.int32),
        sources=sources,
    )
