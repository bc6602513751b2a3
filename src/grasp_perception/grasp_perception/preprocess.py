"""Wrist depth image preprocessing: hole filling, clipping, area resize and normalisation."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

HOLE_FILLS = ("constant", "inpaint")
INPAINT_RADIUS = 2  # pixels (cv2.inpaint, Navier-Stokes)


@dataclass(frozen=True)
class DepthPreprocessing:
    """How a raw depth frame (metres along the optical axis) becomes a network input.

    Invalid pixels (0, NaN, inf) are filled as ``hole_fill`` says, the frame is clipped to [near, far],
    resized to ``height`` x ``width`` with ``cv2.INTER_AREA`` and mapped to ``(depth - offset) / scale``.

    ``hole_fill``: "constant" (every invalid pixel becomes ``invalid_fill``, the far clip by default: what
    every model so far was trained with), or "inpaint" (+inf, "too far" in REP 118, becomes the far clip;
    0, NaN and -inf, "no measurement", are inpainted from the valid pixels around them with ``cv2.inpaint``,
    or become ``invalid_fill`` when the frame has no valid pixel). A real sensor's holes filled with a
    constant read as deep pits; inpainted, they read as the surface around them.
    """

    height: int = 64
    width: int = 64
    near: float = 0.0
    far: float = 0.6
    offset: float = 0.3
    scale: float = 0.15
    invalid_fill: float | None = None
    hole_fill: str = "constant"

    def __post_init__(self) -> None:
        if self.hole_fill not in HOLE_FILLS:
            raise ValueError(f"hole_fill must be one of {list(HOLE_FILLS)}, got {self.hole_fill!r}")
        if self.height < 1 or self.width < 1:
            raise ValueError(f"input size must be positive, got {self.height}x{self.width}")
        if not self.far > self.near:
            raise ValueError(f"far ({self.far}) must be greater than near ({self.near})")
        if not self.scale > 0:
            raise ValueError(f"scale must be > 0, got {self.scale}")

    @property
    def fill_value(self) -> float:
        """The value written into invalid pixels."""
        return self.far if self.invalid_fill is None else float(self.invalid_fill)

    def to_dict(self) -> dict[str, float | int]:
        values = asdict(self)
        values["invalid_fill"] = self.fill_value
        return values

    def __call__(self, depth: np.ndarray) -> np.ndarray:
        return preprocess_depth(depth, self)

    def batch(self, depths: np.ndarray) -> np.ndarray:
        """Preprocess an (N, H, W) stack of frames into (N, height, width) float32."""
        stack = np.asarray(depths)
        if stack.ndim != 3:
            raise ValueError(f"depth stack must have shape (N, H, W), got {stack.shape}")
        out = np.empty((stack.shape[0], self.height, self.width), dtype=np.float32)
        for index, frame in enumerate(stack):
            out[index] = preprocess_depth(frame, self)
        return out


def preprocess_depth(depth: np.ndarray, params: DepthPreprocessing | None = None) -> np.ndarray:
    """Turn one (H, W) depth frame in metres into a (height, width) float32 normalised image."""
    params = params or DepthPreprocessing()
    frame = np.asarray(depth, dtype=np.float32)
    if frame.ndim != 2:
        raise ValueError(f"depth must have shape (H, W), got {frame.shape}")
    invalid = ~np.isfinite(frame) | (frame == 0)
    if params.hole_fill == "inpaint" and invalid.any():
        frame = inpaint_holes(frame, params.near, params.far, params.fill_value)
    else:
        frame = np.where(invalid, np.float32(params.fill_value), frame)
    frame = np.clip(frame, params.near, params.far).astype(np.float32, copy=False)
    if frame.shape != (params.height, params.width):
        frame = cv2.resize(frame, (params.width, params.height), interpolation=cv2.INTER_AREA)
    return ((frame - np.float32(params.offset)) / np.float32(params.scale)).astype(np.float32, copy=False)


def inpaint_holes(depth: np.ndarray, near: float, far: float, fill: float) -> np.ndarray:
    """+inf -> ``far``; other invalid pixels (0, NaN, -inf) inpainted from their valid neighbours (clipped to
    [near, far]); a frame without any valid pixel becomes ``fill``."""
    frame = np.asarray(depth, dtype=np.float32)
    frame = np.where(np.isposinf(frame), np.float32(far), frame)
    missing = ~np.isfinite(frame) | (frame == 0)
    if missing.all():
        return np.full(frame.shape, np.float32(fill))
    if not missing.any():
        return frame
    known = np.clip(np.where(missing, np.float32(near), frame), near, far).astype(np.float32)
    return cv2.inpaint(known, missing.astype(np.uint8), INPAINT_RADIUS, cv2.INPAINT_NS)
