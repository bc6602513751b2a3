"""ONNX Runtime grasp scorer: reads the model contract, preprocesses frames and scores motions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from grasp_perception.action_encoding import as_motion_array, encode_motions
from grasp_perception.contract import (
    ACTIONS_INPUT,
    IMAGE_INPUT,
    OUTPUT_NAME,
    ModelContract,
    ModelContractError,
)


def default_providers() -> list[str]:
    """CUDA when this ONNX Runtime build offers it, else CPU."""
    available = ort.get_available_providers()
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


class OnnxGraspScorer:
    """Scores grasp motions (N, 4) against one wrist depth frame with an exported ``GraspSuccessNet``.

    Args:
        path: ONNX file carrying a ``grasp_contract`` in its metadata.
        threads: ONNX Runtime intra-op threads.
        providers: execution providers; default CUDA if available, else CPU.

    Raises:
        FileNotFoundError: no such file.
        ModelContractError: the file is not a readable ONNX model, or its contract is missing, or not one
            this code implements, or disagrees with the graph.
    """

    def __init__(self, path: str | Path, threads: int = 1, providers: list[str] | None = None):
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
        except ModelContractError as error:
            raise ModelContractError(f"{self.path}: {error}") from None
        self._preprocessing = self._contract.image.preprocessing()

    @property
    def contract(self) -> ModelContract:
        return self._contract

    @property
    def providers(self) -> list[str]:
        return self._session.get_providers()

    def preprocess(self, depth: np.ndarray) -> np.ndarray:
        """A raw (H, W) depth frame in metres -> the (1, 1, h, w) float32 network image, per the contract."""
        return self._preprocessing(depth)[None, None]

    def score_preprocessed(self, image: np.ndarray, motions: np.ndarray) -> np.ndarray:
        """Success probabilities (N,) of motions (N, 4) for an image from ``preprocess`` (or (h, w))."""
        motion_array = as_motion_array(motions)
        if motion_array.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        expected = (1, 1, self._preprocessing.height, self._preprocessing.width)
        image = np.asarray(image, dtype=np.float32)
        if image.ndim == 2:
            image = image[None, None]
        if image.shape != expected:
            raise ValueError(f"preprocessed image must have shape {expected}, got {image.shape}")
        actions = encode_motions(motion_array, self._contract.translation_scale)
        feeds = {IMAGE_INPUT: np.ascontiguousarray(image, dtype=np.float32), ACTIONS_INPUT: actions}
        (success,) = self._session.run([OUTPUT_NAME], feeds)
        return success

    def score(self, depth: np.ndarray, motions: np.ndarray) -> np.ndarray:
        """Success probabilities (N,) of motions (N, 4) from a raw (H, W) depth frame in metres."""
        return self.score_preprocessed(self.preprocess(depth), motions)


__all__ = ["ModelContractError", "OnnxGraspScorer", "default_providers"]
