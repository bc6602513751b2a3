"""Q-function transitions (s_t, a_t, r_t, s_t+1) read from episode bags (seed 000: trained off-policy on them).

The transition layout and the per-episode assembly are grasp_perception's (``q_transitions``); this module reads
the bags and picks the action a_t of each step (``Q_ACTIONS``):

- ``to_final``: the motion from the step's pose to the episode's final pose (where it closed), in the step's
  yaw-aligned frame: the action the CEM servo scores (a motion to the grasp height) and the target's CEM
  maximises over, and the success CNN's v_t = p_T - p_t;
- ``executed``: the motion the step executed (at most one servo step), as recorded.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from grasp_perception.q_transitions import GRASP_HEIGHT, QTransitions, TransitionBuilder
from grasp_servo.pose import motion_between
from tqdm.auto import tqdm

from grasp_datacollect.bag_reader import MalformedBagError, read_episodes
from grasp_datacollect.episode import Episode

Q_ACTIONS = ("to_final", "executed")


def load_q_transitions(
    paths: Sequence[Path],
    grasp_height: float = GRASP_HEIGHT,
    progress: bool = True,
    skip_malformed: bool = False,
    action: str = "to_final",
) -> QTransitions:
    """Transitions of every episode of the given bags (as ``transitions_from_episodes``), actions as ``action``.

    Raises ``MalformedBagError`` for a malformed bag (with ``skip_malformed``: warns and leaves out all of that
    bag), ``ValueError`` when a bag is listed twice, when frames differ in shape, or when nothing was found.
    """
    if action not in Q_ACTIONS:
        raise ValueError(f"action must be one of {Q_ACTIONS}, got {action!r}")
    bags = [Path(p) for p in paths]
    resolved = [bag.resolve() for bag in bags]
    if len(set(resolved)) != len(resolved):
        twice = next(bag for bag, r in zip(bags, resolved, strict=True) if resolved.count(r) > 1)
        raise ValueError(f"bag {twice} is listed twice")
    parts: list[QTransitions] = []
    for bag in tqdm(bags, desc="bags", unit="bag", disable=not progress):
        builder = TransitionBuilder(grasp_height)
        try:
            episodes = tqdm(read_episodes(bag), desc=bag.name, unit="episode", leave=False, disable=not progress)
            for episode in episodes:
                builder.add(episode, str(bag), _actions(episode, action))
        except MalformedBagError as error:
            if not skip_malformed:
                raise
            warnings.warn(f"skipping {error}", stacklevel=2)
            continue
        if builder.rows["rewards"]:
            parts.append(builder.result())
    if not parts:
        raise ValueError(f"no transitions in {len(bags)} bag(s): no episode with an outcome and depth frames")
    return QTransitions.concatenate(parts)


def _actions(episode: Episode, action: str) -> list[np.ndarray] | None:
    """The actions a_t of an episode's steps as ``action`` says (None: the executed motions)."""
    if action == "executed" or episode.outcome is None:
        return None
    final_pose = episode.outcome.final_pose
    return [motion_between(step.pose, final_pose) for step in episode.steps]
