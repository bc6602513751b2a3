"""A parallel gripper's drive, one physics step at a time (the logic of ``GraspWorld.close_gripper``).

ROS drives a gripper through a GripperActionController on one joint (``GripperJointScale``): the 2F-85 through
ros2_robotiq_gripper's controller on ``robotiq_85_left_knuckle_joint``, 0.0 rad open (85 mm between the pads) to
0.8 rad closed, the opening linear in the joint position between the open and closed positions. A command moves the
fingers at the gripper's speed towards the goal; a finger that falls ``block_lag`` behind its moving target is
blocked (an object): from then on both targets are past closed, so the fingers squeeze with the grip force. A
command to close fully squeezes too (the targets run past closed), as the world's own close does. The command is
done when the fingers have been still for ``still_time`` (or after ``timeout``); it reached its goal when the
opening is within ``goal_tolerance`` of the goal's, else it stalled (normal for a grasp: the object keeps the
fingers apart).

Numpy only: the caller reads the finger positions and velocities and applies the targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KNUCKLE_CLOSED = 0.8  # rad: the 2F-85's knuckle when the pads touch

IDLE, MOVING, SQUEEZING, HOLDING, DONE = "idle", "moving", "squeezing", "holding", "done"


@dataclass(frozen=True)
class GripperJointScale:
    """The gripper joint's position and the opening between the pads, linear between open and closed."""

    max_opening: float  # m at open_position
    open_position: float = 0.0  # the joint's position (its controller's units) when fully open
    closed_position: float = KNUCKLE_CLOSED  # ... when the pads touch

    def opening(self, position: float) -> float:
        """Opening between the pads (m) at a joint position: open_position -> max_opening, closed -> 0."""
        return self.max_opening * (position - self.closed_position) / (self.open_position - self.closed_position)

    def position(self, opening: float) -> float:
        """Joint position of an opening (m), within open..closed (fingers shut on nothing overshoot a hair)."""
        span = self.open_position - self.closed_position
        return self.clip(self.closed_position + span * opening / self.max_opening)

    def clip(self, position: float) -> float:
        low, high = sorted((self.open_position, self.closed_position))
        return float(np.clip(position, low, high))

    @property
    def per_metre(self) -> float:
        """Joint units per metre of opening (negative when the position grows as the gripper closes)."""
        return (self.open_position - self.closed_position) / self.max_opening


@dataclass(frozen=True)
class GripperStatus:
    """What GripperCommand reports: position (joint units), effort (N), stalled, reached_goal; and done."""

    position: float
    opening: float  # m between the pads
    effort: float  # N, the squeeze of one finger
    stalled: bool  # the command ended short of its goal (an object between the pads)
    reached_goal: bool
    done: bool  # the last command has finished (True before any command)
    goal: float | None  # joint position of the last command
    command_id: int  # counts commands (0: none yet)


class GripperDrive:
    """Finger position targets for a commanded opening, step by step (symmetric fingers, half the opening each)."""

    def __init__(
        self,
        scale: GripperJointScale,
        closing_speed: float,
        shut_target: float,
        block_lag: float = 0.002,
        still_speed: float = 0.002,
        still_time: float = 0.05,
        timeout: float = 1.2,
        goal_tolerance: float = 0.001,
    ) -> None:
        self.scale = scale
        self.max_opening = scale.max_opening
        self.finger_speed = closing_speed / 2  # each finger moves half the opening's speed
        self.shut_target = shut_target
        self.block_lag = block_lag
        self.still_speed = still_speed
        self.still_time = still_time
        self.timeout = timeout
        self.goal_tolerance = goal_tolerance
        self.command_id = 0  # counts commands over the drive's life (a reset does not restart it)
        self.reset(np.full(2, scale.max_opening / 2))

    def reset(self, targets: np.ndarray) -> None:
        """No command; the fingers held at ``targets``."""
        self.mode = IDLE
        self._targets = np.asarray(targets, dtype=float).copy()
        self.goal: float | None = None
        self._goal_half = float(self._targets.mean())
        self._end = self._goal_half
        self._closing = False
        self._elapsed = 0.0
        self._still = 0.0

    def command(self, position: float, fingers: np.ndarray) -> bool:
        """Start moving towards joint ``position`` (clipped to open..closed) from the fingers' positions ``fingers``.

        Returns whether this command closes the gripper (a smaller opening than now).
        """
        position = self.scale.clip(position)
        self.goal = position
        self._goal_half = self.scale.opening(position) / 2
        fingers = np.asarray(fingers, dtype=float)
        self._closing = self._goal_half < float(fingers.mean())
        # Closing fully squeezes what is in the way (the targets run on past closed), as the world's close does.
        fully = position == self.scale.closed_position
        self._end = self.shut_target if self._closing and fully else self._goal_half
        self._targets = fingers.copy()
        self.mode = MOVING
        self._elapsed = 0.0
        self._still = 0.0
        self.command_id += 1
        return self._closing

    def cancel(self, fingers: np.ndarray) -> None:
        """Stop where the fingers are (the command ends, not done by reaching or stalling)."""
        self._targets = np.asarray(fingers, dtype=float).copy()
        self.mode = IDLE

    def targets(self, fingers: np.ndarray, dt: float) -> np.ndarray:
        """The finger targets for the next step of ``dt`` seconds, given the fingers' positions now."""
        if self.mode == MOVING:
            step = self.finger_speed * dt
            if self._closing:
                if np.any(fingers - self._targets > self.block_lag):  # blocked: squeeze with the grip force
                    self.mode = SQUEEZING
                    self._targets = np.full(2, self.shut_target)
                else:
                    self._targets = np.maximum(self._targets - step, self._end)
            elif np.any(self._targets - fingers > self.block_lag):  # blocked while opening: stop there
                self.mode = HOLDING
                self._targets = np.asarray(fingers, dtype=float).copy()
            else:
                self._targets = np.minimum(self._targets + step, self._end)
        return self._targets.copy()

    def after_step(self, velocities: np.ndarray, dt: float) -> bool:
        """Account for one step (finger velocities after it); True when the command has just finished."""
        if self.mode not in (MOVING, SQUEEZING, HOLDING):
            return False
        self._elapsed += dt
        settled = self.mode != MOVING or bool(np.all(self._targets == self._end))
        if settled and float(np.abs(velocities).max()) <= self.still_speed:
            self._still += dt
        else:
            self._still = 0.0
        if self._still >= self.still_time or self._elapsed >= self.timeout:
            if self.mode == MOVING and self._closing:  # timed out on the way: keep closing, as the world's close does
                self._targets = np.full(2, self._end)
            self.mode = DONE
            return True
        return False

    @property
    def closing(self) -> bool:
        """Whether the last command closes the gripper."""
        return self._closing

    def status(self, opening: float, effort: float) -> GripperStatus:
        """The drive's report, given the opening now (m) and the squeeze (N)."""
        done = self.mode in (IDLE, DONE)
        reached = False
        if self.goal is not None and done:
            # Fingers squeezed shut on nothing overshoot closed a hair (negative opening): that is closed.
            goal_opening = self.scale.opening(self.goal)
            reached = abs(max(opening, 0.0) - goal_opening) <= self.goal_tolerance
        return GripperStatus(
            position=self.scale.position(opening),
            opening=float(opening),
            effort=float(effort),
            stalled=self.mode == DONE and not reached,
            reached_goal=reached,
            done=done,
            goal=self.goal,
            command_id=self.command_id,
        )
