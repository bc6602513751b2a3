"""Decoding of depth frames carried as ``sensor_msgs/Image`` into (H, W) float32 metres.

Works by attribute access only, so it accepts rclpy messages, ``rosbags`` messages and plain objects alike.
It lives here, with the rest of the frame handling, so that the servo node and the bag reader share one
decoder without depending on each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Depth encodings the decoder understands: numpy dtype and the factor to metres.
DEPTH_ENCODINGS: dict[str, tuple[str, float]] = {
    "32FC1": ("f4", 1.0),
    "16UC1": ("u2", 0.001),  # millimetres, as most depth cameras publish; 0 = no return
}


def depth_from_image(image: Any) -> np.ndarray:
    """(H, W) float32 metres from a sensor_msgs/Image in one of ``DEPTH_ENCODINGS``."""
    if image.encoding not in DEPTH_ENCODINGS:
        raise ValueError(
            f"unsupported depth encoding {image.encoding!r} (expected one of {', '.join(DEPTH_ENCODINGS)})"
        )
    code, scale = DEPTH_ENCODINGS[image.encoding]
    dtype = np.dtype((">" if image.is_bigendian else "<") + code)
    height, width, row_step = int(image.height), int(image.width), int(image.step)
    if height <= 0 or width <= 0:
        raise ValueError(f"empty image ({height}x{width})")
    if row_step < width * dtype.itemsize:
        raise ValueError(f"row step {row_step} is shorter than {width} pixels of {image.encoding}")
    try:  # bytes, array.array('B') (rclpy), numpy arrays (rosbags): no copy
        data = np.frombuffer(image.data, dtype=np.uint8)
    except (TypeError, ValueError):  # a plain sequence of ints
        data = np.asarray(image.data, dtype=np.uint8).reshape(-1)
    if data.size != row_step * height:
        raise ValueError(
            f"image data has {data.size} bytes, expected step*height = {row_step}*{height} = {row_step * height}"
        )
    rows = np.ascontiguousarray(data.reshape(height, row_step)[:, : width * dtype.itemsize])
    depth = rows.view(dtype).reshape(height, width).astype(np.float32)
    if scale != 1.0:
        depth *= np.float32(scale)
    return depth
