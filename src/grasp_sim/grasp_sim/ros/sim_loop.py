"""The sim node's physics loop in plain Python: what is due when, pacing against the wall clock, depth encoding."""

from __future__ import annotations

import numpy as np

MM_PER_M = 1000.0
MAX_LAG_S = 0.25  # wall seconds behind schedule before the pacer gives up catching up (re-anchors)


class Periodic:
    """Something due every ``period_ns`` of simulated time (a rate in sim time, not wall time)."""

    def __init__(self, period_ns: int) -> None:
        self.period_ns = int(period_ns)
        self.next_ns: int | None = None  # None: due at once

    def due(self, now_ns: int) -> bool:
        """Whether it is due at ``now_ns``; if so, the next time is scheduled (never more than once per call)."""
        if self.next_ns is not None and now_ns < self.next_ns:
            return False
        if self.next_ns is None or now_ns - self.next_ns >= self.period_ns:
            self.next_ns = now_ns + self.period_ns  # first time, or time jumped (a reset): restart from now
        else:
            self.next_ns += self.period_ns  # keeps the average rate exact when steps do not divide the period
        return True

    def trigger(self) -> None:
        """Due at the next call (e.g. the first frame of a new scene)."""
        self.next_ns = None


class Pacer:
    """Keeps simulated time at ``real_time_factor`` x wall time (0: no pacing, as fast as possible).

    Simulated time that jumps (a reset builds a scene and lets it settle) or wall time that falls more than
    ``MAX_LAG_S`` behind (the machine is too slow for the factor) re-anchors the schedule instead of sleeping
    or racing to catch up.
    """

    def __init__(self, real_time_factor: float, max_jump_ns: int = 50_000_000) -> None:
        self.factor = float(real_time_factor)
        self.max_jump_ns = max_jump_ns
        self._anchor: tuple[int, float] | None = None
        self._last_sim_ns: int | None = None

    def delay(self, sim_ns: int, wall_s: float) -> float:
        """Wall seconds to sleep before simulating past ``sim_ns`` (wall clock now ``wall_s``, monotonic)."""
        jumped = self._last_sim_ns is None or abs(sim_ns - self._last_sim_ns) > self.max_jump_ns
        self._last_sim_ns = sim_ns
        if self.factor <= 0:
            return 0.0
        if self._anchor is None or jumped:
            self._anchor = (sim_ns, wall_s)
            return 0.0
        sim0, wall0 = self._anchor
        ahead = wall0 + (sim_ns - sim0) / 1e9 / self.factor - wall_s
        if ahead < -MAX_LAG_S:
            self._anchor = (sim_ns, wall_s)
            return 0.0
        return max(0.0, ahead)

    def reanchor(self) -> None:
        self._anchor = None


def encode_depth(depth: np.ndarray, encoding: str) -> tuple[bytes, int]:
    """The data and row step (bytes) of a sensor_msgs/Image for a depth frame in metres (little-endian).

    32FC1: metres, holes as the camera gives them (REP 118: NaN no return, -inf too near, +inf too far).
    16UC1: millimetres rounded, every hole (and anything beyond 65.535 m) 0.
    """
    depth = np.asarray(depth, dtype=np.float32)
    if depth.ndim != 2:
        raise ValueError(f"a depth frame must be 2-D, got shape {depth.shape}")
    if encoding == "32FC1":
        data = depth.astype("<f4")
        return data.tobytes(), depth.shape[1] * 4
    if encoding == "16UC1":
        millimetres = np.rint(np.where(np.isfinite(depth), depth, 0.0) * MM_PER_M)
        millimetres[(millimetres <= 0) | (millimetres > 65535)] = 0
        return millimetres.astype("<u2").tobytes(), depth.shape[1] * 2
    raise ValueError(f"unknown depth encoding {encoding!r}: 32FC1 or 16UC1")
