"""ONNX Runtime grasp scorer: scores candidate motions with a scoring model (success, Q or distance)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grasp_perception.action_encoding import as_motion_array, encode_motions, encode_state
from grasp_perception.contract import ModelContractError
from grasp_perception.model_targets import ACTIONS_INPUT, IMAGE_INPUT, KIND_SCORING, STATE_INPUT
from grasp_perception.onnx_model import OnnxDepthModel, default_providers
from grasp_perception.reproject import DegenerateFrameError, SourceCamera


class OnnxGraspScorer(OnnxDepthModel):
    """Scores grasp motions (N, 4) against one wrist depth frame with an exported scoring model.

    Scoring models (``model_targets``): the success CNN and the Q-function (probabilities, maximised) and the
    distance to the nearest grasp (metres, minimised: ``objective``). A Q-function also takes the state: pass
    ``height_above_grasp`` (metres of the pinch point above the grasp height; the gripper is open while the servo
    runs).

    ``score`` takes frames of the model's own camera (``contract.camera``: same field of view and mount; any
    resolution of the same aspect ratio). Frames of another camera go through ``score_camera_frame``, which
    reprojects them into the model's camera and refuses degenerate results.

    Args: as ``OnnxDepthModel``.

    Raises:
        FileNotFoundError: no such file.
        ModelContractError: the file is not a readable ONNX model, or its contract is missing, or not one
            this code implements, or disagrees with the graph, or it is a regression model.
    """

    def __init__(
        self,
        path: str | Path,
        threads: int = 1,
        providers: list[str] | None = None,
        hole_fill: str | None = None,
    ):
        super().__init__(path, threads, providers, hole_fill, kind=KIND_SCORING)

    @property
    def objective(self) -> str:
        """``maximise`` (success, Q) or ``minimise`` (distance)."""
        return str(self.target.objective)

    @property
    def needs_state(self) -> bool:
        """Whether scores depend on the gripper's state (a Q-function): pass ``height_above_grasp``."""
        return STATE_INPUT in self.target.inputs

    def score_camera_frame(
        self, depth: np.ndarray, source: SourceCamera, motions: np.ndarray, height_above_grasp: float | None = None
    ) -> np.ndarray:
        """Scores (N,) of motions (N, 4) for a frame of any camera: reprojected, checked, then scored.

        Raises ``DegenerateFrameError`` when the reprojected frame holds nothing to score.
        """
        frame = self.reproject(depth, source)
        quality = self.assess(frame)
        if quality.degenerate:
            raise DegenerateFrameError(f"after reprojection into the model's camera: {quality.reason}")
        return self.score(frame, motions, height_above_grasp)

    def score_preprocessed(
        self, image: np.ndarray, motions: np.ndarray, height_above_grasp: float | None = None
    ) -> np.ndarray:
        """Scores (N,) of motions (N, 4) for an image from ``preprocess`` (or (h, w)).

        Raises:
            ValueError: wrong image shape, or a Q-function without ``height_above_grasp``.
        """
        motion_array = as_motion_array(motions)
        if motion_array.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        actions = encode_motions(motion_array, self._contract.translation_scale)
        feeds = {IMAGE_INPUT: self._checked_image(image), ACTIONS_INPUT: actions}
        if self.needs_state:
            feeds[STATE_INPUT] = encode_state(height_above_grasp)
        (scores,) = self._session.run([self.target.output_name], feeds)
        return scores

    def score(self, depth: np.ndarray, motions: np.ndarray, height_above_grasp: float | None = None) -> np.ndarray:
        """Scores (N,) of motions (N, 4) from a raw (H, W) depth frame in metres."""
        return self.score_preprocessed(self.preprocess(depth), motions, height_above_grasp)


class MaximisedScorer:
    """A minimised scorer (a distance model) seen as one to maximise: scores negated, the rest passed through.

    Lets the optimisers that maximise (CEM, the open-loop baseline) search a distance model's motions.
    """

    def __init__(self, scorer: OnnxGraspScorer):
        self.scorer = scorer
        self.needs_state = scorer.needs_state

    def preprocess(self, depth: np.ndarray) -> np.ndarray:
        return self.scorer.preprocess(depth)

    def score_preprocessed(self, image: np.ndarray, motions: np.ndarray, *state: float) -> np.ndarray:
        scores = self.scorer.score_preprocessed(image, motions, *state)
        return -scores if self.scorer.objective == "minimise" else scores


__all__ = ["DegenerateFrameError", "MaximisedScorer", "ModelContractError", "OnnxGraspScorer", "default_providers"]
