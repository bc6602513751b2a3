"""Which candidate motions would set a finger down on something the wrist camera sees, or squeeze it out.

A scoring model learns that a finger landing on an object fails only as well as its data show it; the depth
frame says it directly. Every valid pixel is back-projected with the model camera's intrinsics and mount into
the pinch frame and expressed in the yaw-aligned frame of the current pose (x along the closing direction, y,
height up; ``grasp_servo.pose``). A candidate motion is *blocked* when, at its end pose, a seen surface lies
inside either finger's footprint (the pad plus a margin) above the fingertips' lowest point plus a clearance:
descending there, that finger would come down on it. What the camera cannot see (holes, the far side of a tall
object) counts as free; the servo looks again on every frame as it descends.

A motion is blocked too when a pad would close on a face turned more than ``max_contact_angle_deg`` from square
to the closing direction: squeezed there, an object slides out sideways instead of being held (outside the
friction cone of a coefficient tan(angle)). The face is read from the outermost seen surface in the near and far
thirds of the pad's width.

A real robot can compute this: it needs the frame, the camera's intrinsics and mount (the model's contract),
and the fingers' size and opening. Numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from grasp_perception.contract import CameraSpec

ScoreFunction = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class FingerFootprint:
    """Where the open fingers of a parallel-jaw gripper are, around its pinch point (metres; a Robotiq 2F-85)."""

    opening: float = 0.085  # between the pads' inner faces, fully open
    pad_thickness: float = 0.010  # each finger along the closing direction, outward from its inner face
    pad_width: float = 0.024  # each finger across the closing direction
    tips_below_pinch: float = 0.012  # the fingertips, below the pinch point along the approach axis
    margin: float = 0.003  # added to each pad's footprint on every side
    # A surface at most this far above the fingertips' end height counts as clear. 3 and 6 mm did equally well on
    # the validation objects (shapes_val, urdf_val); 6 mm leaves a real sensor's depth noise more room.
    clearance: float = 0.006

    def __post_init__(self) -> None:
        for name in ("opening", "pad_thickness", "pad_width"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"finger footprint {name} must be > 0 metres, got {value}")
        for name in ("tips_below_pinch", "margin", "clearance"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"finger footprint {name} must be >= 0 metres, got {value}")


def surface_points(depth: np.ndarray, camera: CameraSpec) -> np.ndarray:
    """(N, 3) seen surface points (x, y, height above the pinch point) in the yaw-aligned frame of the pose.

    ``depth`` is a frame of ``camera`` (any resolution of its aspect ratio: the intrinsics are scaled to it), z
    in metres; holes (0, NaN, +-inf, <= 0) are skipped.
    """
    frame = np.asarray(depth, dtype=np.float64)
    if frame.ndim != 2 or frame.size == 0:
        raise ValueError(f"depth frame must be a non-empty (H, W) array, got shape {frame.shape}")
    height, width = frame.shape
    k = camera.intrinsics().scaled(width, height)
    rows, cols = np.nonzero(np.isfinite(frame) & (frame > 0))
    z = frame[rows, cols]
    optical = np.stack([(cols - k.cx) * z / k.fx, (rows - k.cy) * z / k.fy, z, np.ones_like(z)])
    tool = (camera.mount.to_mount().matrix() @ optical)[:3]  # pinch frame: x closing, y = z x x, z down
    return np.stack([tool[0], -tool[1], -tool[2]], axis=1)


#: Contact faces turned more than this from square to the closing direction are not closed on (chosen on the
#: validation objects: 15, 25 and 35 deg tried; tan 25 deg = 0.47, inside the world's friction range 0.3-1.0).
MAX_CONTACT_ANGLE_DEG = 25.0


#: Whether the check is on under ``auto`` for each scoring target, as chosen on the validation objects
#: (``shapes_val``, ``urdf_val``): it lifted the success CNN, the distance model and the shipped Q-function there
#: (Q-function of 2026-11-23: 84.0 / 81.0 % without it, 93.0 / 87.0 % with it; the one before it had lost).
CLEARANCE_BY_TARGET = {"grasp_success": True, "grasp_distance": True, "q_value": True}
CLEARANCE_CHOICES = ("auto", "on", "off")


def clearance_wanted(choice: str, target: str) -> bool:
    """Whether to check finger clearance for a model of ``target``: ``on``, ``off``, or ``auto`` (the table above;
    a target not in it: on).

    Raises:
        ValueError: a choice that is not auto, on or off.
    """
    if choice not in CLEARANCE_CHOICES:
        raise ValueError(f"finger clearance must be one of {', '.join(CLEARANCE_CHOICES)}, got {choice!r}")
    return choice == "on" or (choice == "auto" and CLEARANCE_BY_TARGET.get(target, True))


class FingerClearance:
    """Marks the candidate motions whose end pose would set a finger down on a seen surface, or close the pads on
    faces too steep to hold (``max_contact_angle_deg``; 0 turns that part off)."""

    def __init__(
        self,
        camera: CameraSpec,
        footprint: FingerFootprint | None = None,
        max_contact_angle_deg: float = MAX_CONTACT_ANGLE_DEG,
    ):
        if not (np.isfinite(max_contact_angle_deg) and 0 <= max_contact_angle_deg < 90):
            raise ValueError(f"max_contact_angle_deg must be in [0, 90), got {max_contact_angle_deg}")
        self.camera = camera
        self.footprint = footprint or FingerFootprint()
        self.max_contact_angle_deg = float(max_contact_angle_deg)
        self._max_slope = float(np.tan(np.radians(max_contact_angle_deg)))

    def points(self, observation: Any) -> np.ndarray:
        """The surface points (``surface_points``) of a depth frame, or of the ``model_frame`` an observation of
        encoded features carries (a perception node's, in the ROS graph).

        Raises:
            ValueError: encoded features without their model-camera frame, or a frame that is not (H, W).
        """
        frame = getattr(observation, "model_frame", observation)
        if frame is None:
            raise ValueError("the finger-clearance check needs the depth frame in the model's camera, and these "
                             "encoded features carry none (a perception node that does not send EncodedFrame.depth)")
        points = surface_points(frame, self.camera)
        # Above the fingertips, inside the fingers' footprint where they are now: the fingers themselves (a
        # camera that sees them), not an obstacle.
        fingers = self._in_pads(points[:, 0], points[:, 1], inward=self.footprint.margin)
        return points[~(fingers & (points[:, 2] > -self.footprint.tips_below_pinch))]

    def _in_pads(self, across_x: np.ndarray, along_y: np.ndarray, inward: float = 0.0) -> np.ndarray:
        """Whether points (x along the closing direction, y across it) lie in either pad's footprint, widened by
        the margin outward and along, and by ``inward`` toward the pinch point."""
        f = self.footprint
        across, along = np.abs(across_x), np.abs(along_y)
        inner = f.opening / 2 - inward  # what lies between the pads is what they close on
        outer = f.opening / 2 + f.pad_thickness + f.margin
        return (across >= inner) & (across <= outer) & (along <= f.pad_width / 2 + f.margin)

    def blocked(self, points: np.ndarray, motions: np.ndarray) -> np.ndarray:
        """(N,) bool: motion i (dx, dy, dz, dyaw in the yaw-aligned frame) ends with a finger over a surface, or
        with a pad facing a surface turned more than ``max_contact_angle_deg`` from square."""
        f = self.footprint
        moves = np.asarray(motions, dtype=np.float64).reshape(-1, 4)
        lowest_tips = moves[:, 2] - f.tips_below_pinch + f.clearance  # per motion, relative to the pinch now
        candidates = points[points[:, 2] > lowest_tips.min()] if len(moves) else points[:0]
        if len(candidates) == 0:
            return np.zeros(len(moves), dtype=bool)
        rel_x = candidates[None, :, 0] - moves[:, 0:1]
        rel_y = candidates[None, :, 1] - moves[:, 1:2]
        cos, sin = np.cos(moves[:, 3:4]), np.sin(moves[:, 3:4])
        # In the end pose's frame: along its closing direction, and across it.
        across, along = cos * rel_x + sin * rel_y, -sin * rel_x + cos * rel_y
        in_pad = self._in_pads(across, along)
        above = candidates[None, :, 2] > lowest_tips[:, None]
        blocked = np.any(in_pad & above, axis=1)
        if self.max_contact_angle_deg > 0:
            blocked |= self._squeezed(across, along, above)
        return blocked

    def _squeezed(self, across: np.ndarray, along: np.ndarray, above: np.ndarray) -> np.ndarray:
        """(M,) bool: a pad would meet a face turned more than ``max_contact_angle_deg`` from square.

        ``across`` / ``along`` / ``above``: (M, P) coordinates of the P points in each end pose's frame and whether
        they stand above the fingertips' clearance. Each pad closes until it touches the outermost surface on its
        side; that surface's reach in the pad's near and far thirds (across its width) gives the face it meets.
        """
        half = self.footprint.pad_width / 2
        between = (np.abs(across) < self.footprint.opening / 2) & (np.abs(along) <= half) & above
        near, far = between & (along < -half / 3), between & (along > half / 3)
        run = 4 * half / 3  # between the two thirds' centres
        squeezed = np.zeros(across.shape[0], dtype=bool)
        for side in (1.0, -1.0):
            reach = side * across
            reach_near = np.max(np.where(near & (reach > 0), reach, -np.inf), axis=1)
            reach_far = np.max(np.where(far & (reach > 0), reach, -np.inf), axis=1)
            seen = np.isfinite(reach_near) & np.isfinite(reach_far)
            rise = np.abs(np.where(seen, reach_far, 0.0) - np.where(seen, reach_near, 0.0))
            squeezed |= seen & (rise > self._max_slope * run)
        return squeezed

    def guard(self, score: ScoreFunction, points: np.ndarray, blocked_score: float) -> ScoreFunction:
        """``score`` with every blocked motion's score replaced by ``blocked_score`` (the objective's worst)."""

        def guarded(motions: np.ndarray) -> np.ndarray:
            scores = np.array(score(motions), dtype=np.float64).reshape(-1)
            if scores.shape[0] == len(motions):  # a wrong count is the caller's checked_scores' to report
                scores[self.blocked(points, motions)] = blocked_score
            return scores

        return guarded


def guarded(
    score: ScoreFunction, clearance: FingerClearance | None, observation: Any, blocked_score: float
) -> ScoreFunction:
    """``score`` checked by ``clearance`` against the observation's frame (``FingerClearance.guard``), or ``score``
    itself when there is no check."""
    if clearance is None:
        return score
    return clearance.guard(score, clearance.points(observation), blocked_score)
