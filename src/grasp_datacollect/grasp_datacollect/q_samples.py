"""Q-function transitions (s_t, a_t, r_t, s_t+1) read from episode bags (seed 000: trained off-policy on them).

The transition layout and the per-episode assembly are grasp_perception's (``q_transitions``); this module only
reads the bags.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from grasp_perception.q_transitions import GRASP_HEIGHT, QTransitions, TransitionBuilder
from tqdm.auto import tqdm

from grasp_datacollect.bag_reader import MalformedBagError, read_episodes


def load_q_transitions(
    paths: Sequence[Path],
    grasp_height: float = GRASP_HEIGHT,
    progress: bool = True,
    skip_malformed: bool = False,
) -> QTransitions:
    """Transitions of every episode of the given bags (as ``transitions_from_episodes``).

    Raises ``MalformedBagError`` for a malformed bag (with ``skip_malformed``: warns and leaves out all of that
    bag), ``ValueError`` when a bag is listed twice, when frames differ in shape, or when nothing was found.
    """
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
                builder.add(episode, str(bag))
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
