"""A sequence of episode bags: a new bag every N finished episodes, each closed when full.

Long collections are split so that every closed bag is complete on disk, and a kill can at most leave the
last bag unfinished (``bag_repair`` recovers its finished episodes).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from grasp_datacollect.bag_writer import EpisodeBagWriter
from grasp_datacollect.episode import EpisodeInfo, EpisodeOutcome, StepRecord


class RollingEpisodeBags:
    """Writes episodes to bags ``<prefix>_0000``, ``<prefix>_0001``, ... with ``episodes_per_bag`` each.

    Same methods as ``EpisodeBagWriter`` (start_episode, write_step, end_episode; use it in ``with``).
    A bag is opened at the first episode that needs it, so no empty bag is left behind.
    """

    def __init__(self, prefix: Path, episodes_per_bag: int, compression: str | None = None) -> None:
        if episodes_per_bag < 1:
            raise ValueError(f"episodes per bag must be at least 1, got {episodes_per_bag}")
        self._prefix = Path(prefix)
        self._episodes_per_bag = episodes_per_bag
        self._compression = compression
        self._bag: EpisodeBagWriter | None = None
        self._parts = 0
        self.paths: list[Path] = []

    def start_episode(self, info: EpisodeInfo) -> None:
        if self._bag is None:
            path = self._prefix.parent / f"{self._prefix.name}_{self._parts:04d}"
            self._bag = EpisodeBagWriter(path, compression=self._compression)
            self._parts += 1
            self.paths.append(path)
        self._bag.start_episode(info)

    def write_step(self, step: StepRecord) -> None:
        self._current().write_step(step)

    def end_episode(self, outcome: EpisodeOutcome) -> None:
        bag = self._current()
        bag.end_episode(outcome)
        if bag.completed_episodes >= self._episodes_per_bag:
            self.close()

    def close(self) -> None:
        """Close the bag being written, if any (the next episode opens a new one)."""
        bag, self._bag = self._bag, None
        if bag is not None:
            bag.close()

    def _current(self) -> EpisodeBagWriter:
        if self._bag is None:
            raise ValueError("no episode is open")
        return self._bag

    def __enter__(self) -> RollingEpisodeBags:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
