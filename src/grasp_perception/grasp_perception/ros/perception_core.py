"""What the perception node does with each message, in plain Python (no rclpy).

``PerceptionCore.on_camera_info`` keeps the depth camera (``source_camera``); ``on_image`` checks a depth
frame (encoding, camera info known, size, age), decodes it, encodes it with ``FrameEncoder`` and returns
either a ``FrameResult`` or a ``FrameRefusal`` saying why in one line. ``score_candidates`` scores the
marker candidates on the latest result. Messages are read by attribute only (rclpy, rosbags or plain
objects).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from grasp_perception.camera_model import Mount
from grasp_perception.candidate_markers import Candidates, candidate_motions, candidates_in_camera, descent
from grasp_perception.depth_image import depth_from_image
from grasp_perception.reproject import SourceCamera
from grasp_perception.source_camera import matches_model_camera, source_camera
from grasp_perception.split_model import EncodedFeatures, FrameEncoder, HeadScorer


@dataclass(frozen=True)
class FrameRefusal:
    """A frame that was not encoded, and why (one line)."""

    reason: str


@dataclass(frozen=True)
class FrameResult:
    """A frame encoded: the features, the stamp and frame of the image, and the encoder's time."""

    encoded: EncodedFeatures
    stamp_ns: int
    frame_id: str
    reprojected: bool
    decode_seconds: float
    encode_seconds: float


@dataclass(frozen=True)
class ScoredCandidates:
    """Marker candidates of one frame: arrows in its camera frame and their scores."""

    candidates: Candidates
    scores: np.ndarray
    stamp_ns: int
    frame_id: str


class PerceptionCore:
    """Camera info + depth frames in, encoded frames (or refusals) out.

    Args:
        encoder: the image half of the model.
        expected_encodings: image encodings accepted (32FC1, 16UC1).
        max_frame_age_ns: frames older than this are refused; 0 accepts any age.
        camera_mount: the depth camera's optical frame in the pinch frame; None = the model camera's mount.
    """

    def __init__(
        self,
        encoder: FrameEncoder,
        expected_encodings: Sequence[str] = ("32FC1", "16UC1"),
        max_frame_age_ns: int = 0,
        camera_mount: Mount | None = None,
    ) -> None:
        self.encoder = encoder
        self.expected_encodings = tuple(expected_encodings)
        self.max_frame_age_ns = int(max_frame_age_ns)
        self.camera_mount = camera_mount or encoder.contract.camera.mount.to_mount()
        self.camera: SourceCamera | None = None
        self.camera_problem = "no camera_info received yet"
        self._info_key: tuple[Any, ...] | None = None
        self.latest: FrameResult | None = None
        self.camera_frame_id = ""

    @property
    def reprojects(self) -> bool:
        """Whether frames of the current camera are reprojected into the model's camera."""
        return self.camera is not None and not matches_model_camera(self.camera, self.encoder.contract.camera)

    def on_camera_info(self, width: int, height: int, k: Sequence[float], frame_id: str = "") -> str | None:
        """Keep the camera of a CameraInfo; returns a problem (and forgets the camera) when it is unusable,
        else None. Repeated identical infos cost nothing."""
        self.camera_frame_id = str(frame_id)
        key = (int(width), int(height), tuple(float(v) for v in k))
        if key == self._info_key:
            return None if self.camera is not None else self.camera_problem
        self._info_key = key
        try:
            self.camera = source_camera(width, height, k, self.encoder.contract.camera, self.camera_mount)
        except (TypeError, ValueError) as error:
            self.camera = None
            self.camera_problem = f"camera_info is unusable: {error}"
            return self.camera_problem
        return None

    def on_image(self, image: Any, stamp_ns: int, now_ns: int, frame_id: str = "") -> FrameResult | FrameRefusal:
        """Check, decode and encode one ``sensor_msgs/Image``-like depth frame stamped ``stamp_ns``."""
        if image.encoding not in self.expected_encodings:
            return FrameRefusal(
                f"encoding {image.encoding!r} is not one of the expected {', '.join(self.expected_encodings)}"
            )
        if self.camera is None:
            return FrameRefusal(self.camera_problem)
        if frame_id and self.camera_frame_id and frame_id != self.camera_frame_id:
            return FrameRefusal(f"frame is in '{frame_id}' but camera_info describes '{self.camera_frame_id}' "
                                "(another camera?)")
        size = (int(image.width), int(image.height))
        expected = (self.camera.intrinsics.width, self.camera.intrinsics.height)
        if size != expected:
            return FrameRefusal(f"frame is {size[0]}x{size[1]} but camera_info says {expected[0]}x{expected[1]}")
        age = now_ns - stamp_ns
        if self.max_frame_age_ns and age > self.max_frame_age_ns:
            return FrameRefusal(f"frame is {age / 1e9:.3f} s old (max_frame_age_s {self.max_frame_age_ns / 1e9:g})")
        start = time.perf_counter()
        try:
            depth = depth_from_image(image)
        except ValueError as error:
            return FrameRefusal(f"undecodable frame: {error}")
        decoded = time.perf_counter()
        reprojected = self.reprojects
        try:
            encoded = self.encoder.encode(depth, self.camera)
        except ValueError as error:  # DegenerateFrameError among them
            return FrameRefusal(str(error))
        result = FrameResult(encoded, int(stamp_ns), frame_id, reprojected, decoded - start,
                             time.perf_counter() - decoded)
        self.latest = result
        return result

    def score_candidates(self, head: HeadScorer, descend: bool = True) -> ScoredCandidates | None:
        """The marker candidates scored on the latest encoded frame (None before the first)."""
        latest = self.latest
        if latest is None:
            return None
        model_mount = self.encoder.contract.camera.mount.to_mount()
        dz = descent(latest.encoded.quality, model_mount) if descend else 0.0
        candidates = candidates_in_camera(candidate_motions(dz), self.camera_mount)
        # A Q-function also takes the state: the camera's descent to the table is the pinch point's height.
        height = -dz if head.needs_state else None
        scores = head.score(latest.encoded, candidates.motions, height)
        return ScoredCandidates(candidates, scores, latest.stamp_ns, latest.frame_id)


__all__ = ["FrameRefusal", "FrameResult", "PerceptionCore", "ScoredCandidates"]
