"""Safety checks and sequencing of the MoveIt motion node, without ROS.

``goal_refusal`` says why a goal pose must not be executed (too old, wrong frame, not finite, outside the
robot's workspace). ``CloseSequencer`` closes the gripper only once the descend goal of the same servo step
(same stamp as the CLOSE command) has been executed, whichever of the two messages arrives first.
"""

from __future__ import annotations

import math

import numpy as np

from grasp_servo.pose import GripperPose
from grasp_servo.workspace import Workspace

NS_PER_MS = 1_000_000


def goal_refusal(
    stamp_ns: int,
    frame_id: str,
    pose: GripperPose,
    finite: bool,
    now_ns: int,
    *,
    base_frame: str,
    workspace: Workspace,
    max_age_ns: int,
    tolerance: float = 0.0,
) -> str | None:
    """Why the goal must not be executed, or None when it may be."""
    age = now_ns - stamp_ns
    if age > max_age_ns:
        return f"goal is {age / NS_PER_MS:.0f} ms old (max {max_age_ns / NS_PER_MS:.0f} ms)"
    if -age > max_age_ns:
        return f"goal is stamped {-age / NS_PER_MS:.0f} ms in the future (clock mismatch?)"
    if frame_id != base_frame:
        return f"goal is in frame '{frame_id}', expected '{base_frame}'"
    if not finite or not all(math.isfinite(v) for v in pose.as_array()):
        return "goal pose is not finite or its orientation is not a unit quaternion"
    if not bool(workspace.contains(pose.position, margin=-tolerance)):
        lower, upper = np.round(workspace.lower, 3), np.round(workspace.upper, 3)
        where = np.round(pose.position, 3)
        return f"goal position {where.tolist()} is outside the workspace {lower.tolist()}..{upper.tolist()}"
    return None


def opening_from_position(
    position: float, open_position: float, closed_position: float, max_opening: float
) -> float:
    """Finger opening (m) from a GripperCommand position, linear between the closed and open positions.

    Works for controllers commanded in finger distance (closed 0, open = max opening) and in joint angle
    (e.g. a Robotiq knuckle: open 0.0, closed 0.8) alike.
    """
    span = open_position - closed_position
    if span == 0:
        return float(max_opening)
    fraction = (position - closed_position) / span
    return float(np.clip(fraction, 0.0, 1.0) * max_opening)


class CloseSequencer:
    """Pairs a CLOSE command with the executed descend goal of the same stamp."""

    def __init__(self) -> None:
        self._executed: int | None = None
        self._failed: int | None = None
        self._pending_close: int | None = None

    def reset(self) -> None:
        self._executed = self._failed = self._pending_close = None

    def close_requested(self, stamp_ns: int) -> str:
        """'close' if the goal of this stamp was executed, 'refuse' if it failed, else 'wait'."""
        if self._executed == stamp_ns:
            return "close"
        if self._failed == stamp_ns:
            return "refuse"
        self._pending_close = stamp_ns
        return "wait"

    def goal_executed(self, stamp_ns: int) -> bool:
        """Record an executed goal; True when a CLOSE for it is waiting (close now)."""
        self._executed = stamp_ns
        if self._pending_close == stamp_ns:
            self._pending_close = None
            return True
        return False

    def goal_failed(self, stamp_ns: int) -> bool:
        """Record a goal that was refused or failed; True when a CLOSE for it was waiting (and is dropped)."""
        self._failed = stamp_ns
        if self._pending_close == stamp_ns:
            self._pending_close = None
            return True
        return False
