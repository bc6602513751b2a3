"""An ONNX depth model with its contract: the session, the checks, and the frame preprocessing it asks for.

``OnnxDepthModel`` is what every model family shares: open the file, read and check the contract against the
graph, preprocess frames of the model's camera, reproject frames of any other camera. ``OnnxGraspScorer``
(scoring models) and ``OnnxMotionRegressor`` (regression models) add what their kind computes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import onnxruntime as ort

from grasp_perception.contract import CameraSpec, ModelContract, ModelContractError
from grasp_perception.model_targets import TargetSpec
from grasp_perception.reproject import FrameQuality, SourceCamera, assess_frame, reproject_to_camera

ASPECT_TOLERANCE = 0.01  # relative difference of width / height tolerated between a frame and the camera


def default_providers() -> list[str]:
    """CUDA when this ONNX Runtime build offers it, else CPU."""
    available = ort.get_available_providers()
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def read_model_contract(path: str | Path) -> ModelContract:
    """The checked contract of the model file at ``path`` (what family it is, which servo can use it).

    Raises:
        FileNotFoundError: no such file.
        ModelContractError: not a readable ONNX model, or its contract is missing or not one this code implements.
    """
    return OnnxDepthModel(path, providers=["CPUExecutionProvider"]).contract


class OnnxDepthModel:
    """A model file whose contract this code implements, ready to take depth frames.

    Args:
        path: ONNX file carrying a ``grasp_contract`` in its metadata.
        threads: ONNX Runtime intra-op threads.
        providers: execution providers; default CUDA if available, else CPU.
        hole_fill: override the contract's ``image.hole_fill`` ("constant" or "inpaint"): a model trained on
            hole-free frames can take a real sensor's holes inpainted (see ``DepthPreprocessing``).
        kind: refuse models of another kind ("scoring" or "regression"); None accepts both.

    Raises:
        FileNotFoundError: no such file.
        ModelContractError: the file is not a readable ONNX model, or its contract is missing, or not one
            this code implements, or disagrees with the graph, or is of another kind than ``kind``.
    """

    def __init__(
        self,
        path: str | Path,
        threads: int = 1,
        providers: list[str] | None = None,
        hole_fill: str | None = None,
        kind: str | None = None,
    ):
        self.path = Path(path)
        self.threads = threads
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        if not self.path.is_file():
            raise FileNotFoundError(f"model file not found: {self.path}")
        try:
            self._session = ort.InferenceSession(
                str(self.path), options, providers=providers or default_providers()
            )
        except Exception as error:  # onnxruntime raises its own exception types for unreadable files
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ModelContractError(f"{self.path}: not a readable ONNX model ({first_line})") from None
        try:
            metadata = self._session.get_modelmeta().custom_metadata_map
            self._contract = ModelContract.from_metadata(metadata)
            self._contract.validate()
            self._contract.check_graph(
                {arg.name: arg.shape for arg in self._session.get_inputs()},
                {arg.name: arg.shape for arg in self._session.get_outputs()},
            )
            if kind is not None and self._contract.kind != kind:
                spec = self._contract.spec
                raise ModelContractError(
                    f"kind: expected a {kind} model, got a {spec.kind} one ({spec.name}: {spec.family}; it needs "
                    f"the {spec.servo} servo)"
                )
        except ModelContractError as error:
            raise ModelContractError(f"{self.path}: {error}") from None
        self._preprocessing = self._contract.image.preprocessing()
        if hole_fill is not None:
            self._preprocessing = dataclasses.replace(self._preprocessing, hole_fill=hole_fill)

    @property
    def contract(self) -> ModelContract:
        return self._contract

    @property
    def target(self) -> TargetSpec:
        """What the model predicts (``model_targets.TargetSpec``)."""
        return self._contract.spec

    @property
    def camera(self) -> CameraSpec:
        """The camera the model was trained with (the frames ``preprocess`` expects)."""
        return self._contract.camera

    @property
    def providers(self) -> list[str]:
        return self._session.get_providers()

    def preprocess(self, depth: np.ndarray) -> np.ndarray:
        """A raw (H, W) depth frame in metres -> the (1, 1, h, w) float32 network image, per the contract.

        Raises ``ValueError`` for a frame whose aspect ratio is not the model camera's: resizing it would
        squash the scene (reproject it with ``reproject`` / ``score_camera_frame`` instead).
        """
        frame = np.asarray(depth)
        if frame.ndim == 2:
            height, width = frame.shape
            if frame.size == 0:
                raise ValueError(f"depth frame is empty ({width}x{height} pixels)")
            camera = self._contract.camera
            if abs((width * camera.height) / (height * camera.width) - 1.0) > ASPECT_TOLERANCE:
                raise ValueError(
                    f"depth frame is {width}x{height} but the model's camera is {camera.width}x{camera.height} "
                    "(another aspect ratio): resizing would squash the scene; reproject the frame into the "
                    "model's camera with its intrinsics and mount (OnnxGraspScorer.score_camera_frame)"
                )
        return self._preprocessing(depth)[None, None]

    def reproject(self, depth: np.ndarray, source: SourceCamera) -> np.ndarray:
        """A frame of ``source`` as the model's camera would have seen it (holes NaN; see ``reproject``)."""
        camera = self._contract.camera
        return reproject_to_camera(
            depth, source, camera.intrinsics(), camera.mount.to_mount(), camera.min_range, camera.max_range
        )

    def assess(self, depth: np.ndarray) -> FrameQuality:
        """How much of a frame of the model's camera lies inside the preprocessing's depth range."""
        return assess_frame(depth, self._preprocessing.near, self._preprocessing.far)

    def _checked_image(self, image: np.ndarray) -> np.ndarray:
        expected = (1, 1, self._preprocessing.height, self._preprocessing.width)
        image = np.asarray(image, dtype=np.float32)
        if image.ndim == 2:
            image = image[None, None]
        if image.shape != expected:
            raise ValueError(f"preprocessed image must have shape {expected}, got {image.shape}")
        return np.ascontiguousarray(image)
