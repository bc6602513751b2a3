"""A scoring model split in two: the image encoder (once per frame) and the head (per batch of motions).

``GraspSuccessNet`` encodes the depth image with ``image_stem`` and then adds the encoded motion, tiled over
the feature map, to it; everything after that Add depends on both. The split point is found in the exported
ONNX graph itself (not from layer names): the Add whose one input depends on the ``image`` input only and the
other on the ``actions`` input only, after which the image is not used again. ``onnx.utils.Extractor`` then
cuts, in memory, the encoder (``image`` -> that feature map) and the head (feature map, ``actions`` ->
``success``). Encoder then head computes exactly what the whole model computes.

The perception node runs ``FrameEncoder`` on every depth frame and publishes the features; the servo scores
its candidate motions with ``HeadScorer``, which has the ``preprocess`` / ``score_preprocessed`` shape
``ClosedLoopController`` expects. Both check the model's contract through ``OnnxGraspScorer``.

No rclpy, no torch: numpy, onnx and ONNX Runtime.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx.utils import Extractor

from grasp_perception.action_encoding import as_motion_array, encode_motions, encode_state
from grasp_perception.contract import ACTIONS_INPUT, IMAGE_INPUT, OUTPUT_NAME, ModelContract, ModelContractError
from grasp_perception.model_targets import STATE_INPUT
from grasp_perception.reproject import DegenerateFrameError, FrameQuality, SourceCamera
from grasp_perception.scorer import OnnxGraspScorer, default_providers
from grasp_perception.source_camera import decimate, decimation_step, matches_model_camera

MERGE_OPS = ("Add",)
ASSESS_MAX_SIDE = 128  # frames larger than this are assessed on a strided subsample (the share is a fraction)
OVERSAMPLING = 2.0  # source pixels kept per model-camera pixel (each axis) when a fine frame is reprojected


class FeatureMismatchError(ValueError):
    """Features that do not fit this head: another model, or another shape."""


@dataclass(frozen=True)
class SplitGraph:
    """The two halves of a scoring model, and the name of the tensor between them."""

    encoder: onnx.ModelProto  # image -> features
    head: onnx.ModelProto  # features, actions -> success
    features: str
    feature_shape: tuple[int, ...]  # (C, H, W): the batch of one image dropped


@dataclass(frozen=True)
class EncodedFeatures:
    """One frame encoded: the feature map where the action enters, and how much of the frame was usable."""

    features: np.ndarray  # float32 (C, H, W)
    valid_fraction: float  # share of the (reprojected) frame with depth inside the model's range
    model_sha256: str
    quality: FrameQuality | None = None
    # The frame in the model's camera (metres, NaN holes) the features came from: the servo's finger-clearance
    # check reads it (grasp_servo.finger_clearance). None where it was not sent.
    model_frame: np.ndarray | None = None


def _dependencies(graph: onnx.GraphProto) -> dict[str, frozenset[str]]:
    """For every tensor of the graph, the graph inputs it is computed from (initializers: none)."""
    initializers = {tensor.name for tensor in graph.initializer}
    depends: dict[str, frozenset[str]] = {
        value.name: frozenset() if value.name in initializers else frozenset([value.name]) for value in graph.input
    }
    for name in initializers:
        depends[name] = frozenset()
    for node in graph.node:  # ONNX graphs are topologically sorted
        sources = frozenset().union(*(depends.get(name, frozenset()) for name in node.input if name))
        for name in node.output:
            depends[name] = sources
    return depends


def _reaches(graph: onnx.GraphProto, outputs: Sequence[str], stop: set[str]) -> set[str]:
    """Every tensor the outputs are computed from, not looking past the tensors in ``stop``."""
    producer = {name: node for node in graph.node for name in node.output}
    seen: set[str] = set()
    stack = list(outputs)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in stop or name not in producer:
            continue
        stack.extend(value for value in producer[name].input if value)
    return seen


def _output_name(proto: onnx.ModelProto) -> str:
    return proto.graph.output[0].name if len(proto.graph.output) == 1 else OUTPUT_NAME


def find_merge_tensor(proto: onnx.ModelProto, name: str | Path = "model") -> str:
    """The image feature map the encoded action is added to: the split point of a scoring model.

    The other side of that Add is computed from the actions (and, for a Q-function, the state) only.
    Raises ``ModelContractError`` naming ``name`` when the graph has no such point: no Add of an image-only
    and an actions-only tensor, or the image still reaches the output past it.
    """
    graph = proto.graph
    depends = _dependencies(graph)
    image = frozenset([IMAGE_INPUT])
    motion_sides = (frozenset([ACTIONS_INPUT]), frozenset([ACTIONS_INPUT, STATE_INPUT]))
    candidates: list[str] = []
    for node in graph.node:
        if node.op_type not in MERGE_OPS or len(node.input) != 2:
            continue
        sides = [depends.get(value, frozenset()) for value in node.input]
        if image in sides and any(side in motion_sides for side in sides):
            candidates.append(node.input[sides.index(image)])
    for tensor in candidates:
        if IMAGE_INPUT not in _reaches(graph, [_output_name(proto)], {tensor, ACTIONS_INPUT, STATE_INPUT}):
            return tensor
    found = (
        f"the image is used again after {candidates}" if candidates
        else "no Add of a tensor computed from the image only and one computed from the actions only"
    )
    raise ModelContractError(
        f"{name}: cannot split the model into an image encoder and a head: {found} (expected the "
        "GraspSuccessNet layout, where the encoded action is added to the image features once)"
    )


def split_graph(proto: onnx.ModelProto, name: str | Path = "model") -> SplitGraph:
    """Cut a scoring model into encoder and head at ``find_merge_tensor`` (in memory)."""
    features = find_merge_tensor(proto, name)
    try:
        inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
    except onnx.shape_inference.InferenceError as error:
        first = str(error).strip().splitlines()[0]
        raise ModelContractError(f"{name}: shape inference failed ({first})") from None
    values = {value.name: value for value in [*inferred.graph.value_info, *inferred.graph.input]}
    dims = values[features].type.tensor_type.shape.dim if features in values else []
    shape = [dim.dim_value if dim.HasField("dim_value") else None for dim in dims]
    if len(shape) < 2 or None in shape or shape[0] != 1:
        raise ModelContractError(
            f"{name}: the image features {features!r} where the action enters have no fixed shape (1, C, ...): "
            f"{shape or 'unknown'}"
        )
    extractor = Extractor(inferred)
    encoder = extractor.extract_model([IMAGE_INPUT], [features])
    inputs = [value.name for value in proto.graph.input]
    head = extractor.extract_model(
        [features, ACTIONS_INPUT, *([STATE_INPUT] if STATE_INPUT in inputs else [])], [_output_name(proto)]
    )
    for part in (encoder, head):
        part.ClearField("metadata_props")
        for prop in proto.metadata_props:
            part.metadata_props.add(key=prop.key, value=prop.value)
        try:
            onnx.checker.check_model(part)
        except onnx.checker.ValidationError as error:
            first = str(error).strip().splitlines()[0]
            raise ModelContractError(f"{name}: the split model is not valid ONNX ({first})") from None
    return SplitGraph(encoder, head, features, tuple(int(d) for d in shape[1:]))


class SplitModel:
    """A scoring model file checked (``OnnxGraspScorer``'s contract checks), hashed and split.

    Build one and hand it to both ``FrameEncoder`` and ``HeadScorer`` to read and check the file once.
    Raises ``FileNotFoundError`` or ``ModelContractError`` (naming the file).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        data = self.path.read_bytes() if self.path.is_file() else b""
        # The contract checks, and the numpy-side preprocessing / reprojection / assessment (CPU: no GPU
        # memory for a session that never scores).
        self.checked = OnnxGraspScorer(self.path, threads=1, providers=["CPUExecutionProvider"])
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.graph = split_graph(onnx.load_from_string(data), self.path)

    @property
    def contract(self) -> ModelContract:
        return self.checked.contract

    def session(self, part: onnx.ModelProto, threads: int, providers: list[str] | None) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        return ort.InferenceSession(part.SerializeToString(), options, providers=providers or default_providers())


def _load(model: str | Path | SplitModel) -> SplitModel:
    return model if isinstance(model, SplitModel) else SplitModel(model)


class _ModelHalf:
    """What the encoder and the head share: the split model they run, its file's sha256, contract, providers."""

    model: SplitModel
    _session: Any

    @property
    def sha256(self) -> str:
        return self.model.sha256

    @property
    def contract(self) -> ModelContract:
        return self.model.contract

    @property
    def providers(self) -> list[str]:
        return self._session.get_providers()


class FrameEncoder(_ModelHalf):
    """Runs the image half of a scoring model on depth frames.

    Args:
        model: the ONNX file (or a ``SplitModel`` shared with a ``HeadScorer``).
        threads: ONNX Runtime intra-op threads.
        providers: execution providers; default CUDA if available, else CPU.
        oversampling: a frame of another camera much finer than the model's is thinned (every n-th pixel)
            to keep this many source pixels per model pixel before it is reprojected (a 640x480 frame costs
            about 10 times less); 0 reprojects every pixel, as ``OnnxGraspScorer.score_camera_frame`` does.
    """

    def __init__(
        self,
        model: str | Path | SplitModel,
        threads: int = 1,
        providers: list[str] | None = None,
        oversampling: float = OVERSAMPLING,
    ):
        self.model = _load(model)
        self.threads = threads
        self.oversampling = oversampling
        self._session = self.model.session(self.model.graph.encoder, threads, providers)
        self._output = self._session.get_outputs()[0].name
        self.feature_shape = self.model.graph.feature_shape


    def _run(self, image: np.ndarray) -> np.ndarray:
        (features,) = self._session.run([self._output], {IMAGE_INPUT: image})
        return np.ascontiguousarray(features[0], dtype=np.float32)

    def model_frame(self, depth: np.ndarray, source: SourceCamera | None = None) -> np.ndarray:
        """The frame as the model's camera sees it: reprojected when ``source`` is another camera."""
        if source is None or matches_model_camera(source, self.contract.camera):
            return np.asarray(depth)
        step = decimation_step(source, self.contract.camera.intrinsics(), self.oversampling)
        return self.model.checked.reproject(*decimate(depth, source, step))

    def assess(self, frame: np.ndarray) -> FrameQuality:
        """The model's frame check (``OnnxGraspScorer.assess``), on a strided subsample of a large frame."""
        stride = max(1, -(-max(frame.shape) // ASSESS_MAX_SIDE))
        return self.model.checked.assess(frame[::stride, ::stride])

    def encode(self, depth: np.ndarray, source: SourceCamera | None = None) -> EncodedFeatures:
        """Encode one (H, W) depth frame in metres.

        ``source``: the camera that took it (``source_camera``); None, or one equal to the model's camera,
        means a frame of the model's camera (any resolution of its aspect ratio). Another camera's frame is
        reprojected into the model's camera first. Raises ``DegenerateFrameError`` for a frame with nothing
        to score (all holes, all out of the model's range, one flat value) and ``ValueError`` for a frame of
        the wrong shape.
        """
        depth = np.asarray(depth)
        if depth.ndim != 2:
            raise ValueError(f"depth must have shape (H, W), got {depth.shape}")
        frame = self.model_frame(depth, source)
        quality = self.assess(frame)
        # A frame of the model's own camera with depth in range is scored as the embedded loop scores it, even
        # when it is one flat value (the gripper pressed onto a surface: the model should say "raise");
        # reprojected frames and frames with nothing in range are refused.
        own_camera_in_range = frame is depth and quality.in_range > 0
        if quality.degenerate and not own_camera_in_range:
            where = "after reprojection into the model's camera" if frame is not depth else "frame"
            raise DegenerateFrameError(f"{where}: {quality.reason}")
        features = self._run(self.model.checked.preprocess(frame))
        return EncodedFeatures(features, quality.in_range, self.sha256, quality,
                               np.asarray(frame, dtype=np.float32))


class HeadScorer(_ModelHalf):
    """Scores motions (N, 4) against encoded features with the head half of a scoring model.

    ``preprocess`` / ``score_preprocessed`` match ``OnnxGraspScorer``'s, so ``ClosedLoopController`` drives
    it unchanged with features (or ``EncodedFeatures``) in place of depth frames.
    """

    def __init__(self, model: str | Path | SplitModel, threads: int = 1, providers: list[str] | None = None):
        self.model = _load(model)
        self.threads = threads
        self._session = self.model.session(self.model.graph.head, threads, providers)
        self._features = self.model.graph.features
        self.feature_shape = self.model.graph.feature_shape


    def preprocess(self, features: np.ndarray | EncodedFeatures) -> np.ndarray:
        """Check features (C, H, W) or (1, C, H, W) and return them as (1, C, H, W) float32.

        ``EncodedFeatures`` of another model (``model_sha256``) raise ``FeatureMismatchError``.
        """
        if isinstance(features, EncodedFeatures):
            if features.model_sha256 != self.sha256:
                raise FeatureMismatchError(
                    f"features of model {features.model_sha256[:12]}, this head is model {self.sha256[:12]} "
                    f"({self.model.path.name})"
                )
            features = features.features
        array = np.asarray(features, dtype=np.float32)
        if array.ndim == len(self.feature_shape) + 1 and array.shape[0] == 1:
            array = array[0]
        if array.shape != self.feature_shape:
            raise FeatureMismatchError(f"features must have shape {self.feature_shape}, got {array.shape}")
        return np.ascontiguousarray(array[None])

    @property
    def needs_state(self) -> bool:
        """A Q-function's head: pass the height above the grasp height (``OnnxGraspScorer.needs_state``)."""
        return self.model.checked.needs_state

    @property
    def objective(self) -> str:
        return self.model.checked.objective

    def score_preprocessed(
        self, features: np.ndarray, motions: np.ndarray, height_above_grasp: float | None = None
    ) -> np.ndarray:
        """Scores (N,) of motions (N, 4) for features from ``preprocess`` (as the whole model's)."""
        motion_array = as_motion_array(motions)
        if motion_array.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        ready = (
            isinstance(features, np.ndarray) and features.dtype == np.float32
            and features.shape == (1, *self.feature_shape) and features.flags.c_contiguous
        )
        image = features if ready else self.preprocess(features)
        actions = encode_motions(motion_array, self.contract.translation_scale)
        feeds = {self._features: image, ACTIONS_INPUT: actions}
        if self.needs_state:
            feeds[STATE_INPUT] = encode_state(height_above_grasp)
        (scores,) = self._session.run([self.contract.spec.output_name], feeds)
        return scores

    def score(
        self, features: np.ndarray | EncodedFeatures, motions: np.ndarray, height_above_grasp: float | None = None
    ) -> np.ndarray:
        return self.score_preprocessed(self.preprocess(features), motions, height_above_grasp)


def features_from_fields(
    shape: Sequence[int], data: Sequence[float] | np.ndarray, model_sha256: str, valid_fraction: float = float("nan")
) -> EncodedFeatures:
    """``EncodedFeatures`` from the fields of a ``grasp_interfaces/EncodedFrame`` (shape, flat features).

    Raises ``FeatureMismatchError`` when the data does not fill the shape.
    """
    dims = tuple(int(d) for d in shape)
    array = np.asarray(data, dtype=np.float32)
    if not dims or any(d < 1 for d in dims) or array.size != int(np.prod(dims)):
        raise FeatureMismatchError(f"{array.size} feature values do not fill the shape {list(dims)}")
    return EncodedFeatures(array.reshape(dims), float(valid_fraction), str(model_sha256))


__all__ = [
    "EncodedFeatures",
    "FeatureMismatchError",
    "FrameEncoder",
    "HeadScorer",
    "SplitGraph",
    "SplitModel",
    "features_from_fields",
    "find_merge_tensor",
    "split_graph",
]
