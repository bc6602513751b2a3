"""Noise of a real depth sensor, applied to the world's ideal ray-cast depth frames.

An active stereo camera (RealSense D400) or a structured-light camera (PrimeSense / Kinect v1) measures
disparity d = f b / z (f: focal length in the sensor's pixels, b: baseline between its two imagers, or
between projector and camera) and turns it back into depth. So:

- **noise** is roughly Gaussian in disparity with a constant RMS (the "subpixel" RMS), hence grows with z^2
  in depth: sigma_z = z^2 sigma_d / (f b);
- **quantisation**: disparity comes in steps (1/32 px for the D400's subpixel estimator, 1/8 px for the
  PrimeSense), so depth steps grow with z^2 too (z^2 step / (f b)), and the published 16UC1 image rounds to
  its depth unit (1 mm);
- **holes** (REP 118 for 32FC1: NaN where there is no measurement, -inf nearer than the minimum range, +inf
  beyond the maximum): out of [min_range, max_range]; where the second imager (or the projector) cannot see
  the surface, i.e. the shadow beside a near object on the side away from the second imager; at depth
  discontinuities, where matching fails; and random dropout (specular, dark or textureless spots).

``add_depth_noise(depth, config, rng, focal_px)`` applies all of it to one frame with the episode's rng.
Spatially correlated noise (the stereo matching window) and systematic depth bias are not modelled.

Parameters, ``DepthNoiseConfig.realsense_d435()`` (the default), ``.realsense_d405()`` and ``.primesense()``;
sources:

- D435: baseline 50 mm and depth field of view 87 x 58 degrees (Intel RealSense D400 Series datasheet),
  so f = 424 / tan(43.5 deg) = 447 px at the recommended 848 x 480 ("Tuning depth cameras for best
  performance", Grunnet-Jepsen, Sweetser, Woodfill, Intel, rev 2.0); RMS error = z^2 x subpixel / (f b)
  with a subpixel RMS of about 0.08 px on a well-textured target (same guide); disparity step 1/32 px
  ("Subpixel linearity improvement for Intel RealSense depth cameras", Intel white paper); depth unit 1 mm
  (the default depth scale); minimum range: Min-Z is about 0.28 m at 1280 x 720 and scales with the
  resolution (tuning guide), so about 0.19 m at 848 x 480; maximum range 3 m (the datasheet's ideal range).
- D405 (Intel's short-range stereo camera for wrists and grippers): baseline 18 mm, depth field of view
  87 x 58 degrees, ideal range 7-50 cm (Intel RealSense D405 product brief / D400 Series datasheet), so at
  848 x 480 the same f = 447 px, subpixel and step as the D435; maximum range taken as 1 m (it measures beyond
  its ideal range, with errors growing as z^2 / (f b)).
- PrimeSense / Kinect v1: random error sigma_z = 1.425e-3 z^2 (metres) and a depth resolution of
  2.85e-3 z^2 per disparity unit (Khoshelham and Oude Elberink, "Accuracy and resolution of Kinect depth
  data for indoor mapping applications", Sensors 12(2), 2012), with f = 525 px (the intrinsics of the
  PrimeSense frames in ../shared/real-depth) and a projector-camera baseline of 75 mm, i.e. 0.056 px
  disparity RMS and steps of 1/8 px; range 0.35-1.4 m (PrimeSense Carmine 1.09 short-range datasheet).
- Assumed, not from a datasheet (tune them to your sensor): ``edge_jump`` 1 cm and ``edge_dropout`` 0.5 at
  depth discontinuities, ``dropout`` 0.5 % everywhere.

Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DepthNoiseConfig:
    """A disparity-based depth sensor (see the module doc for where the defaults come from).

    Lengths in metres; ``focal_px``, ``subpixel_rms`` and ``disparity_step`` in the sensor's own pixels.
    The second imager (stereo) or projector (structured light) sits ``baseline`` along the image's +x axis,
    so shadows fall on the -x side (image left) of near objects.
    """

    name: str = "realsense_d435"
    baseline: float = 0.050
    focal_px: float = 446.8
    subpixel_rms: float = 0.08
    disparity_step: float = 1.0 / 32.0
    depth_unit: float = 0.001
    min_range: float = 0.19
    max_range: float = 3.0
    edge_jump: float = 0.01
    edge_dropout: float = 0.5
    dropout: float = 0.005
    shadows: bool = True

    def __post_init__(self) -> None:
        for name in ("baseline", "focal_px", "max_range"):
            if not getattr(self, name) > 0:
                raise ValueError(f"depth noise {name} must be > 0, got {getattr(self, name)!r}")
        for name in ("subpixel_rms", "disparity_step", "depth_unit", "edge_jump", "min_range"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"depth noise {name} must be >= 0, got {getattr(self, name)!r}")
        for name in ("edge_dropout", "dropout"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"depth noise {name} must be a probability in [0, 1], got {getattr(self, name)!r}")
        if not self.min_range < self.max_range:
            raise ValueError(f"depth noise min_range ({self.min_range}) must be < max_range ({self.max_range})")

    @classmethod
    def realsense_d435(cls) -> DepthNoiseConfig:
        """Intel RealSense D435 at 848 x 480 (the defaults)."""
        return cls()

    @classmethod
    def realsense_d405(cls) -> DepthNoiseConfig:
        """Intel RealSense D405 at 848 x 480: the short-range stereo camera made for wrists."""
        return cls(name="realsense_d405", baseline=0.018, min_range=0.07, max_range=1.0)

    @classmethod
    def primesense(cls) -> DepthNoiseConfig:
        """PrimeSense Carmine 1.09 / Kinect v1 class structured light at 640 x 480."""
        return cls(
            name="primesense",
            baseline=0.075,
            focal_px=525.0,
            subpixel_rms=1.425e-3 * 525.0 * 0.075,  # sigma_z = 1.425e-3 z^2 (Khoshelham 2012)
            disparity_step=1.0 / 8.0,  # 2.85e-3 z^2 per step ~ z^2 / (8 f b)
            depth_unit=0.001,
            min_range=0.35,
            max_range=1.4,
        )

    def sigma(self, z: np.ndarray | float) -> np.ndarray:
        """Depth noise standard deviation (m) at depth z from the disparity noise alone."""
        return np.asarray(z, dtype=np.float64) ** 2 * self.subpixel_rms / (self.focal_px * self.baseline)

    def quantisation_step(self, z: np.ndarray | float) -> np.ndarray:
        """Depth step (m) between neighbouring disparity levels at depth z (before the depth unit rounding)."""
        return np.asarray(z, dtype=np.float64) ** 2 * self.disparity_step / (self.focal_px * self.baseline)


def shadow_mask(depth: np.ndarray, baseline: float, focal_px: float) -> np.ndarray:
    """Pixels the second imager (at +``baseline`` along image x) cannot see: hidden behind a nearer surface.

    ``focal_px`` is the focal length of *this* image (the shadow's width in pixels scales with it). A pixel at
    column u and depth z appears in the second view at u - f b / z; it is hidden when some pixel to its right
    in the same row lands at or left of that column (it is nearer, and covers it).
    """
    z = np.asarray(depth, dtype=np.float64)
    hit = np.isfinite(z) & (z > 0)
    columns = np.arange(z.shape[1], dtype=np.float64)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        second = np.where(hit, columns - focal_px * baseline / np.where(hit, z, 1.0), np.inf)
    # Smallest second-view column among the pixels strictly to the right of each pixel.
    right_min = np.minimum.accumulate(second[:, ::-1], axis=1)[:, ::-1]
    right_min = np.concatenate([right_min[:, 1:], np.full((z.shape[0], 1), np.inf)], axis=1)
    return hit & (second >= right_min)


def edge_mask(depth: np.ndarray, jump: float) -> np.ndarray:
    """Pixels with a 4-neighbour more than ``jump`` metres nearer or farther (or without a return)."""
    z = np.asarray(depth, dtype=np.float64)
    hit = np.isfinite(z) & (z > 0)
    filled = np.where(hit, z, np.inf)
    edges = np.zeros(z.shape, dtype=bool)
    for axis in (0, 1):
        diff = np.abs(np.diff(filled, axis=axis))
        with np.errstate(invalid="ignore"):
            big = ~(diff <= jump)  # inf - inf is NaN: a hole next to a hole is no edge; treat NaN as none
        both_missing = ~hit
        if axis == 0:
            big &= ~(both_missing[1:] & both_missing[:-1])
            edges[1:] |= big
            edges[:-1] |= big
        else:
            big &= ~(both_missing[:, 1:] & both_missing[:, :-1])
            edges[:, 1:] |= big
            edges[:, :-1] |= big
    return edges & hit


def add_depth_noise(
    depth: np.ndarray, config: DepthNoiseConfig, rng: np.random.Generator, focal_px: float
) -> np.ndarray:
    """A (H, W) float32 frame as ``config``'s sensor would report the ideal ``depth`` (metres, inf = no hit).

    ``focal_px``: the focal length of this image in its own pixels (for the shadow width); ``rng``: the
    episode's generator (the same number of draws for every frame of a given size).
    """
    z = np.asarray(depth, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"depth must have shape (H, W), got {z.shape}")
    hit = np.isfinite(z) & (z > 0)
    gaussian = rng.standard_normal(z.shape)
    uniform = rng.random((2, *z.shape))
    fb = config.focal_px * config.baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        disparity = np.where(hit, fb / np.where(hit, z, 1.0), 0.0) + config.subpixel_rms * gaussian
        if config.disparity_step > 0:
            disparity = np.round(disparity / config.disparity_step) * config.disparity_step
        measured = np.where(disparity > 0, fb / disparity, np.inf)
    if config.depth_unit > 0:
        measured = np.round(measured / config.depth_unit) * config.depth_unit
    out = np.where(hit, measured, np.inf)
    holes = np.zeros(z.shape, dtype=bool)
    if config.shadows:
        holes |= shadow_mask(z, config.baseline, focal_px)
    holes |= edge_mask(z, config.edge_jump) & (uniform[0] < config.edge_dropout)
    holes |= hit & (uniform[1] < config.dropout)
    out[hit & (out > config.max_range)] = np.inf
    out[hit & (out < config.min_range)] = -np.inf
    out[holes] = np.nan
    return out.astype(np.float32)


__all__ = ["DepthNoiseConfig", "add_depth_noise", "edge_mask", "shadow_mask"]
