"""The model contract: what a scoring model computes and exactly how to feed it.

The contract travels inside the ONNX file as JSON under the metadata key ``grasp_contract`` (plus a few
flat keys for humans). Runtime code reads it to preprocess frames and encode motions, and refuses models
whose contract it does not implement with ``ModelContractError``.

Version 2 adds ``camera`` (``CameraSpec``): the camera the model was trained with, i.e. the frames it expects:
pinhole intrinsics, mount on the tool, image orientation, depth units, encodings and range. A frame from
any other camera is reprojected into it first (``grasp_perception.reproject``).

Version 3 adds the other model families (``grasp_perception.model_targets``): Q-functions (a ``state`` input),
distance models (scores minimised), and regression models (a predicted motion or GG-CNN grasp maps, with the
taught grasp motion a threshold servo runs at the end). A version 2 file is a success model and reads as one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from grasp_perception.action_encoding import (
    ACTION_DIM,
    ACTION_FRAME,
    ACTION_LAYOUT,
    DEFAULT_TRANSLATION_SCALE,
    MOTION_UNITS,
)
from grasp_perception.camera_model import MOUNT_FRAME, Mount, PinholeIntrinsics
from grasp_perception.depth_image import DEPTH_ENCODINGS
from grasp_perception.model_targets import (
    ACTIONS_INPUT,
    IMAGE_INPUT,
    KIND_SCORING,
    MAP_LAYOUT,
    MOTION_LAYOUT,
    STATE_INPUT,
    STATE_LAYOUT,
    TARGETS,
    TargetSpec,
)
from grasp_perception.preprocess import DepthPreprocessing

CONTRACT_KEY = "grasp_contract"
CONTRACT_VERSION = 3
#: Versions this code reads: 2 (success models only, before the other families) and 3.
SUPPORTED_VERSIONS = (2, 3)
KNOWN_TARGETS = tuple(TARGETS)
OUTPUT_NAME = TARGETS["grasp_success"].output_name
BATCH_DIM = "batch"
DEPTH_ENCODING = "depth_m"
PROJECTION = "pinhole"
DISTORTION = "none"
IMAGE_ORIENTATION = "x_right_y_down"
DEPTH_KIND = "z"
DEPTH_UNITS = "m"

# The embedded world's wrist camera (grasp_sim: CameraConfig and GripperGeometry), which every model of this
# project so far was trained with; grasp_sim's tests check these numbers against the world itself.
EMBEDDED_FOV_DEG = 70.0  # horizontal = vertical (square image, square pixels)
EMBEDDED_MAX_RANGE = 1.0  # metres; farther pixels read +inf
EMBEDDED_CAMERA_BEHIND_PINCH = 0.058  # metres along the approach axis: pinch 0.103 m, camera 0.045 m from tool0
EMBEDDED_CAMERA_DESCRIPTION = (
    "grasp_sim wrist camera: depth ray-cast with MuJoCo (ideal: no noise, no holes, no minimum range, robot "
    "not in view), on the tool axis inside the palm, looking along the approach axis"
)

Dim = int | str


class ModelContractError(ValueError):
    """A model's contract is missing, malformed or not one this code implements."""


@dataclass
class TensorSpec:
    """Name, shape (ints or symbolic names) and dtype of one graph input or output."""

    name: str
    shape: list[Dim]
    dtype: str = "float32"


@dataclass
class ImageSpec:
    """The wrist depth input and its preprocessing (see ``DepthPreprocessing``)."""

    height: int = 64
    width: int = 64
    encoding: str = DEPTH_ENCODING
    near: float = 0.0
    far: float = 0.6
    offset: float = 0.3
    scale: float = 0.15
    invalid_fill: float = 0.6
    hole_fill: str = "constant"

    def preprocessing(self) -> DepthPreprocessing:
        return DepthPreprocessing(
            height=self.height,
            width=self.width,
            near=self.near,
            far=self.far,
            offset=self.offset,
            scale=self.scale,
            invalid_fill=self.invalid_fill,
            hole_fill=self.hole_fill,
        )

    @classmethod
    def from_preprocessing(cls, params: DepthPreprocessing) -> ImageSpec:
        return cls(
            height=params.height,
            width=params.width,
            near=params.near,
            far=params.far,
            offset=params.offset,
            scale=params.scale,
            invalid_fill=params.fill_value,
            hole_fill=params.hole_fill,
        )


@dataclass
class MountSpec:
    """Pose of the camera's optical frame in the tool frame (``frame``): p_tool = R(rotation) p_optical + t.

    The tool frame is the pinch frame the motions refer to: origin between the fingertips, z along the
    approach axis (down for a top-down grasp), x along the closing direction, y = z x x (REP 103).
    """

    frame: str = MOUNT_FRAME
    translation: list[float] = field(default_factory=lambda: [0.0, 0.0, -EMBEDDED_CAMERA_BEHIND_PINCH])
    rotation_xyzw: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 1.0])

    def to_mount(self) -> Mount:
        return Mount(tuple(self.translation), tuple(self.rotation_xyzw), self.frame)  # type: ignore[arg-type]

    @classmethod
    def from_mount(cls, mount: Mount) -> MountSpec:
        return cls(mount.frame, [float(v) for v in mount.translation], [float(v) for v in mount.rotation_xyzw])


_EMBEDDED_K = PinholeIntrinsics.from_fov(64, 64, EMBEDDED_FOV_DEG)


@dataclass
class CameraSpec:
    """The depth camera a model was trained with: the frames it expects, and how to read them.

    - ``width``, ``height``, ``fx``, ``fy``, ``cx``, ``cy``: rectified pinhole intrinsics in pixels (pixel
      centres at integer coordinates, as in ``sensor_msgs/CameraInfo``); ``projection`` "pinhole",
      ``distortion`` "none" (frames must be rectified).
    - ``image_orientation`` "x_right_y_down": column index grows along the optical x axis, row index along
      optical y, row 0 at the top (REP 103 optical frame: z forward, x right, y down); a rotated or mirrored
      image must be turned back, or its rotation put into the mount.
    - ``mount``: the optical frame in the pinch frame (``MountSpec``).
    - ``depth`` "z": a pixel holds the distance along the optical axis, not along its ray, in ``depth_units``
      "m" once decoded; ``depth_encodings``: the ``sensor_msgs/Image`` encodings accepted and their scale to
      metres (32FC1 metres, 16UC1 millimetres). 0, NaN and +-inf are holes (REP 118), never depth.
    - ``min_range``, ``max_range``: the depths the camera measured in training (metres); anything outside
      is a hole.
    - ``sees_gripper``: whether the fingers appeared in the training frames; ``noise``: sensor noise in the
      training frames ("none" for ideal ray casting, else a description); ``description``: free text.
    """

    width: int = _EMBEDDED_K.width
    height: int = _EMBEDDED_K.height
    fx: float = _EMBEDDED_K.fx
    fy: float = _EMBEDDED_K.fy
    cx: float = _EMBEDDED_K.cx
    cy: float = _EMBEDDED_K.cy
    projection: str = PROJECTION
    distortion: str = DISTORTION
    image_orientation: str = IMAGE_ORIENTATION
    mount: MountSpec = field(default_factory=MountSpec)
    depth: str = DEPTH_KIND
    depth_units: str = DEPTH_UNITS
    depth_encodings: dict[str, float] = field(
        default_factory=lambda: {name: scale for name, (_, scale) in DEPTH_ENCODINGS.items()}
    )
    min_range: float = 0.0
    max_range: float = EMBEDDED_MAX_RANGE
    sees_gripper: bool = False
    noise: str = "none"
    description: str = EMBEDDED_CAMERA_DESCRIPTION

    @classmethod
    def embedded_wrist(cls, width: int = 64, height: int = 64) -> CameraSpec:
        """The embedded world's wrist camera sampled at ``width`` x ``height`` (70 degree field of view)."""
        k = PinholeIntrinsics.from_fov(width, height, EMBEDDED_FOV_DEG)
        return cls(width=k.width, height=k.height, fx=k.fx, fy=k.fy, cx=k.cx, cy=k.cy)

    @classmethod
    def from_intrinsics(cls, intrinsics: PinholeIntrinsics, mount: Mount, **fields: Any) -> CameraSpec:
        k = intrinsics
        return cls(width=k.width, height=k.height, fx=k.fx, fy=k.fy, cx=k.cx, cy=k.cy,
                   mount=MountSpec.from_mount(mount), **fields)

    def intrinsics(self) -> PinholeIntrinsics:
        return PinholeIntrinsics(self.width, self.height, self.fx, self.fy, self.cx, self.cy)

    def summary(self) -> str:
        """One line for humans (the flat ``camera`` metadata key)."""
        fov_x, fov_y = self.intrinsics().fov_deg
        t = self.mount.translation
        return (
            f"{self.width}x{self.height} px pinhole, fx {self.fx:.2f} fy {self.fy:.2f} cx {self.cx:.2f} "
            f"cy {self.cy:.2f} (field of view {fov_x:.1f} x {fov_y:.1f} deg); optical frame at "
            f"({t[0]:.3f}, {t[1]:.3f}, {t[2]:.3f}) m in the {self.mount.frame} frame, rotation (x, y, z, w) "
            f"{[round(v, 4) for v in self.mount.rotation_xyzw]}; depth z in {self.depth_units}, "
            f"{self.min_range:g}-{self.max_range:g} m; sees gripper: {str(self.sees_gripper).lower()}; "
            f"noise: {self.noise}"
        )

    def problems(self) -> list[str]:
        """Every reason this code cannot honour the camera (empty when it can)."""
        found = [f"camera.{p}" for p in _problems_of(lambda: self.intrinsics())]
        for name, actual, expected in (
            ("projection", self.projection, PROJECTION),
            ("distortion", self.distortion, DISTORTION),
            ("image_orientation", self.image_orientation, IMAGE_ORIENTATION),
            ("depth", self.depth, DEPTH_KIND),
            ("depth_units", self.depth_units, DEPTH_UNITS),
        ):
            if actual != expected:
                found.append(f"camera.{name}: expected {expected!r}, got {actual!r}")
        if not isinstance(self.mount, MountSpec):
            found.append(f"camera.mount: expected an object with frame, translation, rotation_xyzw, got {self.mount!r}")
        else:
            found += [f"camera.{p}" for p in _problems_of(lambda: self.mount.to_mount())]
        if not isinstance(self.depth_encodings, dict) or not self.depth_encodings:
            found.append(f"camera.depth_encodings: expected a non-empty mapping, got {self.depth_encodings!r}")
        else:
            for name, scale in self.depth_encodings.items():
                if name not in DEPTH_ENCODINGS:
                    found.append(f"camera.depth_encodings: {name!r} is not one this code decodes "
                                 f"({', '.join(DEPTH_ENCODINGS)})")
                elif scale != DEPTH_ENCODINGS[name][1]:
                    found.append(f"camera.depth_encodings: {name} is {DEPTH_ENCODINGS[name][1]} m per unit, "
                                 f"got {scale!r}")
        ranges = (self.min_range, self.max_range)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in ranges):
            found.append(f"camera range: min_range and max_range must be finite numbers, got {ranges!r}")
        elif not 0 <= self.min_range < self.max_range:
            found.append(f"camera range: expected 0 <= min_range < max_range, got {self.min_range!r}, "
                         f"{self.max_range!r}")
        if not isinstance(self.sees_gripper, bool):
            found.append(f"camera.sees_gripper: expected true or false, got {self.sees_gripper!r}")
        return found


def _problems_of(build: Any) -> list[str]:
    try:
        build()
    except (TypeError, ValueError) as error:
        return [part.strip() for part in str(error).split(";")]
    return []


@dataclass
class Provenance:
    """Where a model came from (free-form but recorded)."""

    training_command: str = ""
    data_description: str = ""
    dataset_sizes: dict[str, int] = field(default_factory=dict)
    rounds: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    date: str = ""
    torch_version: str = ""


@dataclass
class ModelContract:
    """Everything a runtime needs to use a model correctly (see ``model_targets`` for the targets).

    Regression models also carry ``pregrasp_height`` (m above the grasp height: where the threshold servo holds
    the gripper while it follows the model) and ``grasp_motion`` (dx, dy, dz, dyaw: the fixed motion from the
    pregrasp pose to the grasp, taught once by demonstration); GG-CNN models ``map_layout`` and
    ``map_width_scale`` (pixels of opening, in the network image, that the width map's 1.0 stands for);
    Q-functions ``state_layout``.
    """

    image: ImageSpec = field(default_factory=ImageSpec)
    camera: CameraSpec = field(default_factory=CameraSpec)
    translation_scale: float = DEFAULT_TRANSLATION_SCALE
    inputs: list[TensorSpec] = field(default_factory=list)
    outputs: list[TensorSpec] = field(default_factory=list)
    provenance: Provenance = field(default_factory=Provenance)
    contract_version: int = CONTRACT_VERSION
    kind: str = KIND_SCORING
    target: str = "grasp_success"
    output: str = "probability"
    action_layout: list[str] = field(default_factory=lambda: list(ACTION_LAYOUT))
    action_frame: str = ACTION_FRAME
    units: list[str] = field(default_factory=lambda: list(MOTION_UNITS))
    state_layout: list[str] = field(default_factory=list)
    motion_layout: list[str] = field(default_factory=list)
    map_layout: list[str] = field(default_factory=list)
    map_width_scale: float = 0.0
    pregrasp_height: float = 0.0
    grasp_motion: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        spec = TARGETS.get(self.target)
        if spec is None:
            return  # validate() names the problem
        if not self.inputs:
            shapes = {
                IMAGE_INPUT: [1, 1, self.image.height, self.image.width],
                ACTIONS_INPUT: [BATCH_DIM, len(self.action_layout)],
                STATE_INPUT: [1, len(STATE_LAYOUT)],
            }
            self.inputs = [TensorSpec(name, shapes[name]) for name in spec.inputs]
        if not self.outputs:
            shape = {
                "motion": [1, len(MOTION_LAYOUT)],
                "grasp_maps": [1, len(MAP_LAYOUT), self.image.height, self.image.width],
            }.get(spec.output, [BATCH_DIM])
            self.outputs = [TensorSpec(spec.output_name, shape)]
        if self.target == "q_value" and not self.state_layout:
            self.state_layout = list(STATE_LAYOUT)
        if self.target == "pregrasp_motion" and not self.motion_layout:
            self.motion_layout = list(MOTION_LAYOUT)
        if self.target == "grasp_map" and not self.map_layout:
            self.map_layout = list(MAP_LAYOUT)

    @property
    def spec(self) -> TargetSpec:
        """The target's fixed facts (``model_targets.TargetSpec``)."""
        return TARGETS[self.target]

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def metadata(self) -> dict[str, str]:
        """ONNX metadata_props entries: the full contract plus flat keys for humans."""
        return {
            CONTRACT_KEY: self.to_json(),
            "kind": self.kind,
            "target": self.target,
            "contract_version": str(self.contract_version),
            "camera": self.camera.summary(),
        }

    @classmethod
    def from_json(cls, text: str) -> ModelContract:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ModelContractError(f"contract is not valid JSON: {error}") from error
        if not isinstance(data, dict):
            raise ModelContractError(f"contract must be a JSON object, got {type(data).__name__}")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelContract:
        version = data.get("contract_version")
        if version == 1:
            raise ModelContractError(
                f"contract_version: expected {CONTRACT_VERSION}, got 1 (a version 1 contract does not say which "
                "camera the model was trained with; add it with grasp_perception.export.upgrade_contract)"
            )
        if version not in SUPPORTED_VERSIONS:
            raise ModelContractError(
                f"contract_version: expected one of {list(SUPPORTED_VERSIONS)}, got {version!r}"
                + (" (written by a newer grasp_perception: update this one)" if isinstance(version, int)
                   and version > CONTRACT_VERSION else "")
            )
        if "camera" not in data:
            raise ModelContractError("contract has no camera description (field 'camera')")
        try:
            values = dict(data)
            values["image"] = ImageSpec(**values.get("image", {}))
            camera = dict(values["camera"])
            camera["mount"] = MountSpec(**camera.get("mount", {}))
            values["camera"] = CameraSpec(**camera)
            values["provenance"] = Provenance(**values.get("provenance", {}))
            values["inputs"] = [TensorSpec(**spec) for spec in values.get("inputs", [])]
            values["outputs"] = [TensorSpec(**spec) for spec in values.get("outputs", [])]
            return cls(**values)
        except (TypeError, AttributeError) as error:
            raise ModelContractError(f"contract has unexpected or missing fields: {error}") from error

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str]) -> ModelContract:
        """Read the contract from ONNX metadata; raises ``ModelContractError`` if it is absent."""
        if CONTRACT_KEY not in metadata:
            raise ModelContractError(
                f"model has no contract: metadata key {CONTRACT_KEY!r} is missing (found keys: {sorted(metadata)})"
            )
        return cls.from_json(metadata[CONTRACT_KEY])

    def validate(self) -> None:
        """Refuse contracts this code does not implement."""
        spec = TARGETS.get(self.target)
        if spec is None:
            raise ModelContractError(f"target: expected one of {list(KNOWN_TARGETS)}, got {self.target!r}")
        if self.contract_version == 2 and self.target != "grasp_success":
            raise ModelContractError(f"target {self.target!r} needs contract_version 3, got 2")
        _expect("kind", self.kind, spec.kind)
        _expect("output", self.output, spec.output)
        _expect("image.encoding", self.image.encoding, DEPTH_ENCODING)
        if ACTIONS_INPUT in spec.inputs:
            _expect("action_layout", list(self.action_layout), list(ACTION_LAYOUT))
            _expect("action_frame", self.action_frame, ACTION_FRAME)
            _expect("units", list(self.units), list(MOTION_UNITS))
            if not self.translation_scale > 0:
                raise ModelContractError(f"translation_scale: expected > 0, got {self.translation_scale!r}")
        if STATE_INPUT in spec.inputs:
            _expect("state_layout", list(self.state_layout), list(STATE_LAYOUT))
        if self.target == "pregrasp_motion":
            _expect("motion_layout", list(self.motion_layout), list(MOTION_LAYOUT))
        if self.target == "grasp_map":
            _expect("map_layout", list(self.map_layout), list(MAP_LAYOUT))
            if not _positive(self.map_width_scale):
                raise ModelContractError(f"map_width_scale: expected > 0 pixels, got {self.map_width_scale!r}")
        if not spec.scoring:
            if not _positive(self.pregrasp_height):
                raise ModelContractError(f"pregrasp_height: expected > 0 metres, got {self.pregrasp_height!r}")
            motion = self.grasp_motion
            if not (isinstance(motion, list) and len(motion) == 4 and all(_finite(v) for v in motion)):
                raise ModelContractError(
                    f"grasp_motion: expected 4 finite numbers (dx, dy, dz, dyaw), got {motion!r}"
                )
        try:
            self.image.preprocessing()
        except (TypeError, ValueError) as error:
            raise ModelContractError(f"image: {error}") from error
        problems = self.camera.problems() if isinstance(self.camera, CameraSpec) else ["camera: malformed"]
        if problems:
            raise ModelContractError("; ".join(problems))
        _expect("inputs names", [s.name for s in self.inputs], list(spec.inputs))
        _expect("outputs names", [s.name for s in self.outputs], [spec.output_name])
        shapes = {s.name: list(s.shape) for s in self.inputs}
        _expect("inputs.image.shape", shapes[IMAGE_INPUT], [1, 1, self.image.height, self.image.width])
        if ACTIONS_INPUT in shapes:
            actions_shape = shapes[ACTIONS_INPUT]
            if len(actions_shape) != 2 or actions_shape[1] != ACTION_DIM:
                raise ModelContractError(
                    f"inputs.actions.shape: expected [<batch>, {ACTION_DIM}], got {list(actions_shape)}"
                )
        if STATE_INPUT in shapes:
            _expect("inputs.state.shape", shapes[STATE_INPUT], [1, len(STATE_LAYOUT)])

    def check_graph(
        self,
        inputs: Mapping[str, Sequence[Dim | None]],
        outputs: Mapping[str, Sequence[Dim | None]],
    ) -> None:
        """Check graph names and shapes: fixed dimensions must match, symbolic ones must stay dynamic."""
        for role, declared, actual in (("inputs", self.inputs, inputs), ("outputs", self.outputs, outputs)):
            names = [spec.name for spec in declared]
            if sorted(names) != sorted(actual):
                raise ModelContractError(
                    f"{role}: contract declares {sorted(names)} but the graph has {sorted(actual)}"
                )
            for spec in declared:
                graph_shape = list(actual[spec.name])
                if len(graph_shape) != len(spec.shape) or any(
                    have != want if isinstance(want, int) else isinstance(have, int)
                    for want, have in zip(spec.shape, graph_shape, strict=True)
                ):
                    raise ModelContractError(
                        f"{role}.{spec.name}.shape: contract says {spec.shape}, graph has {graph_shape}"
                    )


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and bool(np.isfinite(value))


def _positive(value: Any) -> bool:
    return _finite(value) and value > 0


def _expect(name: str, actual: Any, expected: Any) -> None:
    if actual != expected:
        raise ModelContractError(f"{name}: expected {expected!r}, got {actual!r}")
