"""ONNX Runtime motion regressor: the motion a regression model asks for, from one wrist depth frame.

Two regression targets (``model_targets``): ``pregrasp_motion`` (seed 003) predicts (dx, dy, dyaw) to the taught
pregrasp pose directly; ``grasp_map`` (seed 002, GG-CNN) predicts pixelwise grasp maps, whose best grasp is
turned into the motion that puts the pinch point above it, turned to its angle. Motions are in the
yaw-aligned tool frame (``grasp_servo.pose``): metres and radians.

Pixel -> motion: the best pixel's depth (from the preprocessed image) and the contract's intrinsics give a
point in the optical frame; the mount takes it to the pinch frame (z along the approach axis, pointing down,
x along the closing direction, y = z x x), whose x and -y are the yaw-aligned frame's x and y. A grasp angle
turns about the optical z axis (down), so the yaw (about base z, up) changes by minus that angle. A grasp whose
angle the map does not settle (``angle_confidence`` under ``min_angle_confidence``: a round object) keeps the
gripper's yaw instead of chasing an angle that follows the gripper's own turn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grasp_perception.grasp_maps import GraspDetection, GraspMapSpec, decode_grasps
from grasp_perception.grasp_rectangles import GraspRectangle, wrap_angle
from grasp_perception.model_targets import IMAGE_INPUT, KIND_REGRESSION
from grasp_perception.onnx_model import OnnxDepthModel

#: GG-CNN grasps whose angle confidence is under this keep the gripper's yaw (chosen on ``shapes_val`` scenes).
MIN_ANGLE_CONFIDENCE = 0.0


class NoGraspFoundError(ValueError):
    """A grasp map with no grasp in it (the quality map is flat): there is nothing to move to."""


class OnnxMotionRegressor(OnnxDepthModel):
    """Predicts the motion (dx, dy, dyaw) to a regression model's target from one frame of its camera.

    Also gives what the threshold servo needs from the contract: ``pregrasp_height`` and ``grasp_motion``.

    Args: as ``OnnxDepthModel``; ``min_angle_confidence``: grasp maps only, below it the yaw is kept.

    Raises:
        FileNotFoundError: no such file.
        ModelContractError: not a readable ONNX model, or its contract is missing or not implemented here, or
            it is a scoring model.
    """

    def __init__(
        self,
        path: str | Path,
        threads: int = 1,
        providers: list[str] | None = None,
        hole_fill: str | None = None,
        min_angle_confidence: float = MIN_ANGLE_CONFIDENCE,
    ):
        super().__init__(path, threads, providers, hole_fill, kind=KIND_REGRESSION)
        self.min_angle_confidence = min_angle_confidence
        contract = self.contract
        self.map_spec = GraspMapSpec(max_width=contract.map_width_scale) if contract.target == "grasp_map" else None

    @property
    def pregrasp_height(self) -> float:
        """Metres above the grasp height at which the model was trained to be followed."""
        return float(self.contract.pregrasp_height)

    @property
    def grasp_motion(self) -> np.ndarray:
        """The taught motion (dx, dy, dz, dyaw) from the pregrasp pose to the grasp."""
        return np.asarray(self.contract.grasp_motion, dtype=float)

    def raw_output(self, image: np.ndarray) -> np.ndarray:
        """The graph's output for one preprocessed image: (3,) motion or (4, H, W) grasp maps."""
        (output,) = self._session.run([self.target.output_name], {IMAGE_INPUT: self._checked_image(image)})
        return np.asarray(output[0], dtype=np.float64)

    def predict_preprocessed(self, image: np.ndarray) -> np.ndarray:
        """The motion (dx, dy, dyaw) for an image from ``preprocess``.

        Raises:
            ValueError: wrong image shape, or a non-finite prediction.
            NoGraspFoundError: a grasp map without a grasp.
        """
        return self.predict_candidates(image, 1)[0]

    def predict_candidates(self, image: np.ndarray, count: int) -> np.ndarray:
        """(K, 3) motions to up to ``count`` targets of an image from ``preprocess``, best first.

        A grasp map gives its ``count`` strongest peaks (at least ``GraspMapSpec.min_distance`` px apart); a
        pregrasp regressor has one target. Raises as ``predict_preprocessed``.
        """
        output = self.raw_output(image)
        if self.contract.target == "grasp_map":
            detections = decode_grasps(output, self.map_spec, count=max(1, count))
            if not detections:
                raise NoGraspFoundError(f"{self.path.name}: the grasp map holds no grasp")
            motions = np.array([self._detection_motion(detection, image) for detection in detections])
        else:
            motions = output.reshape(1, -1)
        if motions.shape[1:] != (3,) or not np.all(np.isfinite(motions)):
            raise ValueError(f"{self.path.name}: the model predicted {motions!r}, not 3 finite numbers")
        return motions

    def _detection_motion(self, detection: GraspDetection, image: np.ndarray) -> np.ndarray:
        """The motion to one decoded grasp; its yaw is kept when the angle is not settled enough."""
        motion = self.rectangle_motion(detection.rectangle, image)
        if detection.angle_confidence < self.min_angle_confidence:
            motion[2] = 0.0
        return motion

    def predict(self, depth: np.ndarray) -> np.ndarray:
        """The motion (dx, dy, dyaw) from a raw (H, W) depth frame of the model's camera, in metres."""
        return self.predict_preprocessed(self.preprocess(depth))

    def rectangle_motion(self, rectangle: GraspRectangle, image: np.ndarray) -> np.ndarray:
        """The motion that puts the pinch point above ``rectangle``'s centre, turned to its angle."""
        return rectangle_motion(rectangle, image, self.contract)


def rectangle_motion(rectangle: GraspRectangle, image: np.ndarray, contract: object) -> np.ndarray:
    """Motion (dx, dy, dyaw) to a grasp rectangle of a preprocessed image, with the camera of ``contract``.

    ``image`` is the network input (1, 1, h, w) or (h, w); the rectangle is in its pixels. The depth at the
    rectangle's centre is read back from the image (clipped to the preprocessing's range).
    """
    pixels = np.asarray(image, dtype=np.float64).reshape(image.shape[-2:])
    spec = contract.image  # type: ignore[attr-defined]
    camera = contract.camera  # type: ignore[attr-defined]
    height, width = pixels.shape
    row = int(np.clip(round(rectangle.row), 0, height - 1))
    col = int(np.clip(round(rectangle.col), 0, width - 1))
    depth = float(np.clip(pixels[row, col] * spec.scale + spec.offset, spec.near, spec.far))
    # The network image is the camera's frame resized: scale pixel coordinates back to the camera's.
    sx, sy = camera.width / width, camera.height / height
    u = (rectangle.col + 0.5) * sx - 0.5
    v = (rectangle.row + 0.5) * sy - 0.5
    optical = np.array([(u - camera.cx) / camera.fx * depth, (v - camera.cy) / camera.fy * depth, depth])
    transform = camera.mount.to_mount().matrix()
    pinch = transform[:3, :3] @ optical + transform[:3, 3]
    direction = transform[:3, :3] @ np.array([np.cos(rectangle.angle), np.sin(rectangle.angle), 0.0])
    angle_in_pinch = float(np.arctan2(direction[1], direction[0]))
    return np.array([pinch[0], -pinch[1], wrap_angle(-angle_in_pinch)])
