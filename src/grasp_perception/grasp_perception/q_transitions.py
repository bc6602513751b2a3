"""Q-learning transitions (s_t, a_t, r_t, s_{t+1}, done) from recorded grasp episodes.

Every recorded step t of an episode with an outcome gives one transition. The state s_t is the step's depth
frame and ``STATE_LAYOUT`` row (gripper open, height of the pinch point above the grasp height / 0.1 m); the
action a_t is the motion executed from it (dx, dy, dz, dyaw in the yaw-aligned frame of the step's pose), or any
other motion per step the caller gives (``grasp_datacollect.q_samples`` offers the motion to the episode's final
pose, the action our CEM servo scores). The last step (normally the close: descend, close, lift and test) is
terminal with reward = the episode's label; earlier steps have reward 0 and s_{t+1} = the next step's frame and
state.

Frames are kept raw (metres, as recorded), like ``GraspSamples``: the trainer preprocesses them with the
configuration that ends up in the model contract. Each frame is stored once: s_{t+1} of row i is row
``next_index[i]`` (-1 where done). Episodes without an outcome are skipped with a warning.

Bags are read by ``grasp_datacollect.q_samples.load_q_transitions`` (that package comes after this one in the
build order); in-memory episodes only need the attributes of ``grasp_datacollect.episode``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grasp_perception.action_encoding import DEFAULT_TRANSLATION_SCALE, encode_motions
from grasp_perception.q_network import encode_states
from grasp_perception.score_map import GRASP_HEIGHT

Episode = Any  # grasp_datacollect.episode.Episode (that package builds after this one): steps, info, outcome


@dataclass
class QTransitions:
    """Transitions as parallel arrays; ``sources[k]`` is the (bag, episode_id) of ``episode_keys == k``."""

    images: np.ndarray  # (N, H, W) float32, metres: the frame of s_t
    states: np.ndarray  # (N, 2) float32, STATE_LAYOUT of s_t
    motions: np.ndarray  # (N, 4) float32, a_t = executed (dx, dy, dz, dyaw), m and rad
    rewards: np.ndarray  # (N,) float32, the label on the terminal step, else 0
    dones: np.ndarray  # (N,) bool, the step ended the episode
    next_index: np.ndarray  # (N,) int64, row holding s_{t+1}; -1 where done
    labels: np.ndarray  # (N,) float32, the episode's final label (for evaluation)
    episode_keys: np.ndarray  # (N,) int64, one value per (bag, episode)
    steps: np.ndarray  # (N,) int32, step index within the episode
    sources: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.rewards)
        expected = {
            "images": (self.images, 3),
            "states": (self.states, 2),
            "motions": (self.motions, 2),
            "rewards": (self.rewards, 1),
            "dones": (self.dones, 1),
            "next_index": (self.next_index, 1),
            "labels": (self.labels, 1),
            "episode_keys": (self.episode_keys, 1),
            "steps": (self.steps, 1),
        }
        for name, (array, ndim) in expected.items():
            if array.ndim != ndim or array.shape[0] != n:
                raise ValueError(f"{name} has shape {array.shape}, expected {ndim}-D with {n} rows")
        if self.motions.shape[1] != 4:
            raise ValueError(f"motions has shape {self.motions.shape}, expected (N, 4)")
        if self.states.shape[1] != 2:
            raise ValueError(f"states has shape {self.states.shape}, expected (N, 2)")
        dones = self.dones.astype(bool)
        if np.any(self.next_index[dones] != -1):
            raise ValueError("next_index must be -1 on terminal transitions")
        following = self.next_index[~dones]
        if np.any((following < 0) | (following >= n)):
            raise ValueError("next_index of a non-terminal transition must name a row")
        if np.any(self.episode_keys[following] != self.episode_keys[~dones]):
            raise ValueError("next_index must stay within the episode")

    def __len__(self) -> int:
        return len(self.rewards)

    @property
    def image_shape(self) -> tuple[int, int]:
        return self.images.shape[1], self.images.shape[2]

    def next_rows(self) -> np.ndarray:
        """Row of s_{t+1} for every transition; terminal rows point at themselves (their s_{t+1} is unused)."""
        return np.where(self.dones, np.arange(len(self)), self.next_index)

    def actions(self, translation_scale: float = DEFAULT_TRANSLATION_SCALE) -> np.ndarray:
        """The encoded actions (N, 5) (``ACTION_LAYOUT``)."""
        return encode_motions(self.motions, translation_scale)

    @classmethod
    def concatenate(cls, parts: Sequence[QTransitions]) -> QTransitions:
        """One set from several; episode keys and next rows are offset so they stay valid."""
        if not parts:
            raise ValueError("nothing to concatenate")
        shapes = {part.image_shape for part in parts if len(part)}
        if len(shapes) > 1:
            raise ValueError(f"cannot concatenate transitions with different image shapes {sorted(shapes)}")
        keys, next_index, sources, key_offset, row_offset = [], [], [], 0, 0
        for part in parts:
            keys.append(part.episode_keys + key_offset)
            next_index.append(np.where(part.next_index >= 0, part.next_index + row_offset, -1))
            span = max(len(part.sources), int(part.episode_keys.max()) + 1 if len(part) else 0)
            sources += list(part.sources) + [("", -1)] * (span - len(part.sources))
            key_offset += span
            row_offset += len(part)
        return cls(
            images=np.concatenate([p.images for p in parts]),
            states=np.concatenate([p.states for p in parts]),
            motions=np.concatenate([p.motions for p in parts]),
            rewards=np.concatenate([p.rewards for p in parts]),
            dones=np.concatenate([p.dones for p in parts]),
            next_index=np.concatenate(next_index),
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
            states=self.states,
            motions=self.motions,
            rewards=self.rewards,
            dones=self.dones,
            next_index=self.next_index,
            labels=self.labels,
            episode_keys=self.episode_keys,
            steps=self.steps,
            source_bags=np.array([bag for bag, _ in self.sources], dtype=str),
            source_episodes=np.array([episode for _, episode in self.sources], dtype=np.int64),
        )

    @classmethod
    def load_npz(cls, path: Path) -> QTransitions:
        """Read what ``save_npz`` wrote."""
        with np.load(path, allow_pickle=False) as data:
            columns = {name: data[name] for name in _COLUMNS}
            sources = [(str(b), int(e)) for b, e in zip(data["source_bags"], data["source_episodes"], strict=True)]
        return cls(**columns, sources=sources)


_COLUMNS = ("images", "states", "motions", "rewards", "dones", "next_index", "labels", "episode_keys", "steps")


class TransitionBuilder:
    """Collects the rows of many episodes, checking that all frames share one shape."""

    def __init__(self, grasp_height: float):
        self.grasp_height = grasp_height
        self.rows: dict[str, list] = {name: [] for name in _COLUMNS}
        self.sources: list[tuple[str, int]] = []
        self.shape: tuple[tuple[int, ...], str] | None = None  # first frame shape and where it came from

    def add(self, episode: Episode, source: str, motions: Sequence[np.ndarray] | None = None) -> None:
        """Rows of one episode; ``motions`` (one per step) replaces the executed motions as the actions a_t."""
        episode_id = episode.info.episode_id
        if motions is not None and len(motions) != len(episode.steps):
            raise ValueError(f"{len(motions)} motions for the {len(episode.steps)} steps of episode {episode_id}")
        if episode.outcome is None:
            warnings.warn(
                f"{source or 'episodes'}, episode {episode_id}: no outcome (recording cut off?); skipped", stacklevel=3
            )
            return
        if not episode.steps:
            return
        key = len(self.sources)
        self.sources.append((source, episode_id))
        label = 1.0 if episode.outcome.success else 0.0
        first = len(self.rows["rewards"])
        last = len(episode.steps) - 1
        for t, step in enumerate(episode.steps):
            where = f"{source + ', ' if source else ''}episode {episode_id}, step {step.step}"
            if self.shape is None:
                self.shape = (step.depth.shape, where)
            elif step.depth.shape != self.shape[0]:
                raise ValueError(
                    f"{where}: depth frame is {step.depth.shape}, but {self.shape[1]} is {self.shape[0]}; "
                    "all frames of a data set must have one shape"
                )
            done = t == last
            self.rows["images"].append(np.asarray(step.depth, dtype=np.float32))
            self.rows["states"].append(encode_states(not step.closed, step.pose.z - self.grasp_height)[0])
            motion = step.motion if motions is None else motions[t]
            self.rows["motions"].append(np.asarray(motion, dtype=np.float32))
            self.rows["rewards"].append(label if done else 0.0)
            self.rows["dones"].append(done)
            self.rows["next_index"].append(-1 if done else first + t + 1)
            self.rows["labels"].append(label)
            self.rows["episode_keys"].append(key)
            self.rows["steps"].append(step.step)

    def result(self) -> QTransitions:
        if not self.rows["rewards"]:
            raise ValueError("no transitions: no episode with an outcome and depth frames")
        dtypes = {
            "images": np.float32, "states": np.float32, "motions": np.float32, "rewards": np.float32,
            "dones": bool, "next_index": np.int64, "labels": np.float32, "episode_keys": np.int64,
            "steps": np.int32,
        }  # fmt: skip
        columns = {name: np.asarray(rows, dtype=dtypes[name]) for name, rows in self.rows.items()}
        return QTransitions(**columns, sources=self.sources)


def transitions_from_episodes(
    episodes: Iterable[Episode], grasp_height: float = GRASP_HEIGHT, source: str = ""
) -> QTransitions:
    """Transitions of in-memory episodes (see the module docstring); ``source`` names them in ``sources``.

    ``grasp_height``: the pinch point's height (base_link z, m) where the gripper closes (the workspace floor of
    every robot profile); the state's height is measured from it.
    """
    builder = TransitionBuilder(grasp_height)
    for episode in episodes:
        builder.add(episode, source)
    return builder.result()
