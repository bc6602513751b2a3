"""Parameters of the ``grasp_perception`` node: names, defaults, valid values, and the checked config.

Plain Python (the node only declares them): ``perception_parameters`` checks every value and raises
``ParameterError``, one line naming the parameter, its value and what is valid, which the node logs as a
fatal error before it exits. Every parameter is read once, at start (read-only).

(The servo's ``ParamSpec`` tables live in grasp_servo, which depends on this package, so this node keeps its
own small table.)
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnxruntime as ort

from grasp_perception.camera_model import Mount
from grasp_perception.depth_image import DEPTH_ENCODINGS
from grasp_perception.source_camera import mount_from_values

NODE_NAME = "grasp_perception"
TOPIC_DEPTH_IMAGE = "/wrist_camera/depth/image_raw"
TOPIC_CAMERA_INFO = "/wrist_camera/depth/camera_info"
TOPIC_ENCODED_FRAME = "/grasp/encoded_frame"
TOPIC_CANDIDATE_MARKERS = "/grasp/candidate_markers"
SHIPPED_MODEL = ("grasp_bringup", "models", "grasp_success.onnx")
PROVIDER_ALIASES = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
}
_ROS_NAME = re.compile(r"(~/|/)?[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*")


class ParameterError(ValueError):
    """A node parameter the node cannot run with; one line naming it, its value and what is valid."""


@dataclass(frozen=True)
class Param:
    """One declared parameter: its default (its ROS type), what it means, and which values are valid.

    A default of ``None`` declares a float list without a value (unset = the model's camera mount).
    """

    name: str
    default: Any
    description: str
    valid: str
    accepts: Callable[[Any], bool]


def _number(low: float, high: float, integer: bool = False) -> Callable[[Any], bool]:
    def accepts(value: Any) -> bool:
        kind = int if integer else float
        return isinstance(value, kind) and not isinstance(value, bool) and math.isfinite(value) and low <= value <= high

    return accepts


def _ros_name(value: Any) -> bool:
    return isinstance(value, str) and _ROS_NAME.fullmatch(value) is not None


def _encodings(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(item in DEPTH_ENCODINGS for item in value)


def _model_path(value: Any) -> bool:
    return isinstance(value, str) and (not value or Path(value).expanduser().is_file())


def _mount(value: Any) -> bool:
    if value is None:
        return True
    try:
        mount_from_values(value)
    except (TypeError, ValueError):
        return False
    return True


def _providers(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


PARAMS: tuple[Param, ...] = (
    Param("model_path", "", "ONNX scoring model; empty = the model shipped with grasp_bringup",
          "empty or an existing file", _model_path),
    Param("threads", 1, "ONNX Runtime intra-op threads of the encoder and the marker head (0 = its default)",
          "an integer in [0, 256]", _number(0, 256, integer=True)),
    Param("providers", "auto", "ONNX Runtime execution providers, comma separated (cpu, cuda, tensorrt or "
          "full names); auto = CUDA when this ONNX Runtime offers it, else CPU (TensorRT only when named)",
          "auto, or providers this ONNX Runtime offers", _providers),
    Param("depth_topic", TOPIC_DEPTH_IMAGE, "wrist depth frames (sensor_msgs/Image, 32FC1 m or 16UC1 mm)",
          "a ROS topic name", _ros_name),
    Param("camera_info_topic", TOPIC_CAMERA_INFO, "the depth camera's sensor_msgs/CameraInfo",
          "a ROS topic name", _ros_name),
    Param("expected_encodings", list(DEPTH_ENCODINGS), "depth encodings accepted; other frames are refused",
          f"a non-empty list of {', '.join(DEPTH_ENCODINGS)}", _encodings),
    Param("max_frame_age_s", 0.5, "frames older than this (node clock - header stamp) are refused; 0 = any age",
          "a float in [0, 60]", _number(0.0, 60.0)),
    Param("camera_mount", None, "the depth camera's optical frame in the pinch frame [x, y, z, qx, qy, qz, qw] "
          "(m, unit quaternion; pinch frame: z along the approach, x along the closing direction); unset = "
          "where the model's camera sits", "unset, or 7 floats with a unit quaternion", _mount),
    Param("reproject_oversampling", 2.0, "a frame of another camera much finer than the model's is thinned to "
          "this many pixels per model-camera pixel before reprojection (faster); 0 = reproject every pixel",
          "a float in [0, 64]", _number(0.0, 64.0)),
    Param("markers", True, "publish scored candidate motions as markers (needs visualization_msgs)",
          "true or false", lambda value: isinstance(value, bool)),
    Param("marker_rate_hz", 2.0, "rate of the candidate markers", "a float in (0, 100]",
          lambda value: _number(0.0, 100.0)(value) and value > 0),
    Param("marker_descend", True, "marker candidates descend to the grasp height above the farthest depth in "
          "range (the table, about); false = at the current height", "true or false",
          lambda value: isinstance(value, bool)),
    Param("warn_throttle_s", 1.0, "at most one warning per this many seconds for refused frames",
          "a float in [0, 3600]", _number(0.0, 3600.0)),
)


@dataclass(frozen=True)
class PerceptionParameters:
    """The checked parameters of the perception node."""

    model_path: Path
    threads: int
    providers: list[str]
    depth_topic: str
    camera_info_topic: str
    expected_encodings: tuple[str, ...]
    max_frame_age_ns: int  # 0 = any age
    camera_mount: Mount | None  # None = the model's camera mount
    reproject_oversampling: float
    markers: bool
    marker_rate_hz: float
    marker_descend: bool
    warn_throttle_s: float


def resolve_providers(value: str, available: Sequence[str] | None = None) -> list[str]:
    """Execution providers from the ``providers`` parameter; CPU is always appended as the fallback."""
    offered = list(available if available is not None else ort.get_available_providers())
    if value.strip().lower() == "auto":
        wanted = ["CUDAExecutionProvider"] if "CUDAExecutionProvider" in offered else []
    else:
        wanted = [PROVIDER_ALIASES.get(item.strip().lower(), item.strip()) for item in value.split(",") if item.strip()]
    missing = [name for name in wanted if name not in offered]
    if missing:
        raise ParameterError(
            f"parameter providers = {value!r} names {', '.join(missing)}, which this ONNX Runtime does not offer; "
            f"valid: auto, or some of {', '.join(offered)}"
        )
    return [*dict.fromkeys([*wanted, "CPUExecutionProvider"])]


def shipped_model_path() -> Path | None:
    """The model installed with grasp_bringup, found without importing it; None when not installed."""
    spec = importlib.util.find_spec(SHIPPED_MODEL[0])
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location).joinpath(*SHIPPED_MODEL[1:])
        if candidate.is_file():
            return candidate
    return None


def resolve_model_path(value: str) -> Path:
    """``model_path`` as a file: the given one, or the shipped model when empty (ParameterError if none)."""
    if value:
        return Path(value).expanduser()
    shipped = shipped_model_path()
    if shipped is None:
        raise ParameterError(
            f"model_path is empty and no model is shipped with grasp_bringup ({'/'.join(SHIPPED_MODEL)}); "
            "set model_path to an ONNX scoring model"
        )
    return shipped


def perception_parameters(values: Mapping[str, Any]) -> PerceptionParameters:
    """Check the node's parameters (missing ones take their defaults); ParameterError, one line, if bad."""
    known = {param.name: param for param in PARAMS}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ParameterError(f"unknown parameter {unknown[0]}; known: {', '.join(sorted(known))}")
    checked: dict[str, Any] = {}
    for param in PARAMS:
        value = values.get(param.name, param.default)
        if isinstance(value, tuple):
            value = list(value)
        if isinstance(param.default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not param.accepts(value):
            raise ParameterError(f"parameter {param.name} = {value!r} is not valid; valid: {param.valid}")
        checked[param.name] = value
    return PerceptionParameters(
        model_path=resolve_model_path(checked["model_path"]),
        threads=int(checked["threads"]),
        providers=resolve_providers(checked["providers"]),
        depth_topic=checked["depth_topic"],
        camera_info_topic=checked["camera_info_topic"],
        expected_encodings=tuple(checked["expected_encodings"]),
        max_frame_age_ns=round(checked["max_frame_age_s"] * 1e9),
        camera_mount=None if checked["camera_mount"] is None else mount_from_values(checked["camera_mount"]),
        reproject_oversampling=checked["reproject_oversampling"],
        markers=checked["markers"],
        marker_rate_hz=checked["marker_rate_hz"],
        marker_descend=checked["marker_descend"],
        warn_throttle_s=checked["warn_throttle_s"],
    )


__all__ = [
    "NODE_NAME",
    "PARAMS",
    "TOPIC_CAMERA_INFO",
    "TOPIC_CANDIDATE_MARKERS",
    "TOPIC_DEPTH_IMAGE",
    "TOPIC_ENCODED_FRAME",
    "Param",
    "ParameterError",
    "PerceptionParameters",
    "perception_parameters",
    "resolve_model_path",
    "resolve_providers",
    "shipped_model_path",
]
