"""The model contract: what a scoring model computes and exactly how to feed it.

The contract travels inside the ONNX file as JSON under the metadata key ``grasp_contract`` (plus a few
flat keys for humans). Runtime code reads it to preprocess frames and encode motions, and refuses models
whose contract it does not implement with ``ModelContractError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from grasp_perception.action_encoding import (
    ACTION_DIM,
    ACTION_FRAME,
    ACTION_LAYOUT,
    DEFAULT_TRANSLATION_SCALE,
    MOTION_UNITS,
)
from grasp_perception.preprocess import DepthPreprocessing

CONTRACT_KEY = "grasp_contract"
CONTRACT_VERSION = 1
KIND_SCORING = "scoring"
KNOWN_TARGETS = ("grasp_success",)
IMAGE_INPUT = "image"
ACTIONS_INPUT = "actions"
OUTPUT_NAME = "success"
BATCH_DIM = "batch"
DEPTH_ENCODING = "depth_m"

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

    def preprocessing(self) -> DepthPreprocessing:
        return DepthPreprocessing(
            height=self.height,
            width=self.width,
            near=self.near,
            far=self.far,
            offset=self.offset,
            scale=self.scale,
            invalid_fill=self.invalid_fill,
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
        )


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
    """Everything a runtime needs to use a scoring model correctly."""

    image: ImageSpec = field(default_factory=ImageSpec)
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

    def __post_init__(self) -> None:
        if not self.inputs:
            self.inputs = [
                TensorSpec(IMAGE_INPUT, [1, 1, self.image.height, self.image.width]),
                TensorSpec(ACTIONS_INPUT, [BATCH_DIM, len(self.action_layout)]),
            ]
        if not self.outputs:
            self.outputs = [TensorSpec(OUTPUT_NAME, [BATCH_DIM])]

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def metadata(self) -> dict[str, str]:
        """ONNX metadata_props entries: the full contract plus flat keys for humans."""
        return {
            CONTRACT_KEY: self.to_json(),
            "kind": self.kind,
            "target": self.target,
            "contract_version": str(self.contract_version),
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
        if version != CONTRACT_VERSION:
            raise ModelContractError(f"contract_version: expected {CONTRACT_VERSION}, got {version!r}")
        try:
            values = dict(data)
            values["image"] = ImageSpec(**values.get("image", {}))
            values["provenance"] = Provenance(**values.get("provenance", {}))
            values["inputs"] = [TensorSpec(**spec) for spec in values.get("inputs", [])]
            values["outputs"] = [TensorSpec(**spec) for spec in values.get("outputs", [])]
            return cls(**values)
        except TypeError as error:
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
        _expect("kind", self.kind, KIND_SCORING)
        if self.target not in KNOWN_TARGETS:
            raise ModelContractError(f"target: expected one of {list(KNOWN_TARGETS)}, got {self.target!r}")
        _expect("output", self.output, "probability")
        _expect("action_layout", list(self.action_layout), list(ACTION_LAYOUT))
        _expect("action_frame", self.action_frame, ACTION_FRAME)
        _expect("units", list(self.units), list(MOTION_UNITS))
        _expect("image.encoding", self.image.encoding, DEPTH_ENCODING)
        if not self.translation_scale > 0:
            raise ModelContractError(f"translation_scale: expected > 0, got {self.translation_scale!r}")
        try:
            self.image.preprocessing()
        except (TypeError, ValueError) as error:
            raise ModelContractError(f"image: {error}") from error
        _expect("inputs names", [spec.name for spec in self.inputs], [IMAGE_INPUT, ACTIONS_INPUT])
        _expect("outputs names", [spec.name for spec in self.outputs], [OUTPUT_NAME])
        image_shape, actions_shape = (spec.shape for spec in self.inputs)
        _expect("inputs.image.shape", list(image_shape), [1, 1, self.image.height, self.image.width])
        if len(actions_shape) != 2 or actions_shape[1] != ACTION_DIM:
            raise ModelContractError(
                f"inputs.actions.shape: expected [<batch>, {ACTION_DIM}], got {list(actions_shape)}"
            )

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


def _expect(name: str, actual: Any, expected: Any) -> None:
    if actual != expected:
        raise ModelContractError(f"{name}: expected {expected!r}, got {actual!r}")
