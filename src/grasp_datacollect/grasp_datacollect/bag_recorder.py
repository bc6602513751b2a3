"""Write assembled episodes to rosbag2 with ``EpisodeBagWriter``, tolerating bad episodes.

A step the writer rejects is skipped; an episode it refuses to start (e.g. a repeated id) is skipped. If an
outcome is refused after the episode was started, the writer would be stuck with an open episode, so the
recorder closes that bag (keeping everything in it) and continues in a new one, ``<path>_part<N>``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grasp_datacollect.bag_writer import EpisodeBagWriter
from grasp_datacollect.step_assembler import AssembledEpisode


class BagRecorder:
    """Owns the bag writer of the collector; ``close()`` finalises the bag (call it on shutdown)."""

    def __init__(
        self, path: Path, compression: str | None = None, warn: Callable[[str], None] | None = None
    ) -> None:
        self.base_path = Path(path)
        self.compression = compression
        self._warn = warn if warn is not None else (lambda message: None)
        self._part = 0
        self.writer = EpisodeBagWriter(self.base_path, compression)  # refuses an existing path
        self.paths = [self.base_path]
        self.episodes_written = 0

    def write(self, episode: AssembledEpisode) -> bool:
        """Write one episode; False when it was skipped or left without its outcome."""
        writer, info = self.writer, episode.info
        try:
            writer.start_episode(info)
        except ValueError as exc:
            self._warn(f"episode {info.episode_id} not recorded: {exc}")
            return False
        for step in episode.steps:
            try:
                writer.write_step(step)
            except ValueError as exc:
                self._warn(f"episode {info.episode_id} step {step.step} not recorded: {exc}")
        if episode.outcome is None:
            return False  # cut off: start and steps are in the bag, the outcome never came
        try:
            writer.end_episode(episode.outcome)
        except ValueError as exc:
            self._warn(f"episode {info.episode_id}: outcome not recorded ({exc}); continuing in a new bag")
            self._roll_over()
            return False
        self.episodes_written += 1
        return True

    def close(self) -> None:
        """Finalise the bag so the recorded episodes stay readable. Safe to call twice."""
        self.writer.close()

    def _roll_over(self) -> None:
        self.writer.close()
        while True:
            self._part += 1
            path = self.base_path.with_name(f"{self.base_path.name}_part{self._part}")
            if not path.exists():
                break
        self.writer = EpisodeBagWriter(path, self.compression)
        self.paths.append(path)
