"""The grasping Q-function Q(s, a) of QT-Opt (seed 000), laid out like ``GraspSuccessNet``.

The state is the wrist depth image plus two numbers (``STATE_LAYOUT``): whether the gripper is open, and the
pinch point's height above the grasp height divided by ``STATE_HEIGHT_SCALE``. The image goes through the conv
stem; the encoded action (``ACTION_LAYOUT``) and the two state numbers go through a small MLP into one vector
per channel that is tiled over and added to the middle feature map; more conv layers and a small fully
connected head give one logit, gated by a sigmoid so that Q lies in [0, 1] (rewards are 0 or 1).

One image can be paired with many actions: its features are computed once and broadcast. ``image_features``
and ``logits_from_features`` expose the two halves so a trainer can score many candidate actions for each of
many images (the CEM of the Bellman target) without recomputing the stem.
"""

from __future__ import annotations

import numpy as np
import torch

from grasp_perception.action_encoding import ACTION_DIM
from grasp_perception.model_targets import STATE_HEIGHT_SCALE, STATE_LAYOUT
from grasp_perception.network import GraspSuccessNet

STATE_DIM: int = len(STATE_LAYOUT)


def encode_states(gripper_open: np.ndarray | bool, height_above_grasp: np.ndarray | float) -> np.ndarray:
    """(N, 2) float32 state rows laid out as ``STATE_LAYOUT`` from open flags and heights (metres)."""
    heights = np.atleast_1d(np.asarray(height_above_grasp, dtype=np.float64))
    flags = np.broadcast_to(np.asarray(gripper_open, dtype=bool), heights.shape)
    return np.stack([flags.astype(np.float32), (heights / STATE_HEIGHT_SCALE).astype(np.float32)], axis=1)


class QNetwork(GraspSuccessNet):
    """Q(s, a): the discounted probability of a successful grasp after action ``a`` from state ``s``.

    Args:
        input_size: side of the square preprocessed depth image (a multiple of 16, at least 32).
        width: channels of the conv layers.
        action_dim: length of the encoded action (5, see ``ACTION_LAYOUT``).
        state_dim: length of the state vector (2, see ``STATE_LAYOUT``).
        hidden: units of the fully connected layers.
    """

    def __init__(
        self,
        input_size: int = 64,
        width: int = 32,
        action_dim: int = ACTION_DIM,
        state_dim: int = STATE_DIM,
        hidden: int = 64,
    ):
        # GraspSuccessNet's layers; QT-Opt feeds the action and the state into the middle of the conv stack, so
        # the action MLP takes both.
        super().__init__(input_size, width, action_dim + state_dim, hidden)
        self.action_dim = action_dim
        self.state_dim = state_dim

    def image_features(self, image: torch.Tensor) -> torch.Tensor:
        """The middle feature map (B, width, S/8, S/8) of images (B, 1, S, S)."""
        return self.image_stem(image)

    def logits_from_features(self, features: torch.Tensor, actions: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """Q logits (B,) from features (1 or B, ...), encoded actions (B, action_dim), states (1 or B, state_dim)."""
        return self._merged_logits(features, torch.cat([actions, state.expand(actions.shape[0], -1)], dim=1))

    def logits(self, image: torch.Tensor, actions: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """Q logits (B,) for images (1 or B, 1, H, W), actions (B, action_dim) and states (1 or B, state_dim)."""
        return self.logits_from_features(self.image_features(image), actions, state)

    def forward(self, image: torch.Tensor, actions: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """Q values (B,) in [0, 1]; one image and one state are broadcast to all actions."""
        return torch.sigmoid(self.logits(image, actions, state))
