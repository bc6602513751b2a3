"""The grasp success network g(I, v): a small CNN after Levine et al. (seed 004), sized for 64x64 depth.

The wrist depth image goes through conv + batch-norm + pool layers; the encoded motion goes through a small
MLP into one vector per channel that is tiled over and added to the middle feature map (as the paper
merges the motor command); further conv layers and two small fully connected layers give one logit.
One image can be paired with many actions: its features are computed once and broadcast.
"""

from __future__ import annotations

import torch
from torch import nn

from grasp_perception.action_encoding import ACTION_DIM


def _conv_block(in_channels: int, out_channels: int, kernel: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class GraspSuccessNet(nn.Module):
    """Predicts the probability that a motion from the current pose ends in a successful grasp.

    Args:
        input_size: side of the square preprocessed depth image (a multiple of 16, at least 32).
        width: channels of the conv layers.
        action_dim: length of the encoded action (5, see ``ACTION_LAYOUT``).
        hidden: units of the fully connected layers.
    """

    def __init__(self, input_size: int = 64, width: int = 32, action_dim: int = ACTION_DIM, hidden: int = 64):
        super().__init__()
        if input_size < 32 or input_size % 16:
            raise ValueError(f"input_size must be a multiple of 16 and >= 32, got {input_size}")
        self.input_size = input_size
        self.action_dim = action_dim
        self.width = width
        self.hidden = hidden
        # Image branch: /2 (stride), /2 (pool), /2 (pool) -> input_size / 8 at the merge.
        self.image_stem = nn.Sequential(
            _conv_block(1, width, 5, stride=2),
            nn.MaxPool2d(2),
            _conv_block(width, width, 3),
            _conv_block(width, width, 3),
            nn.MaxPool2d(2),
        )
        self.action_mlp = nn.Sequential(
            nn.Linear(action_dim, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, width),
        )
        # After the merge: one conv, /2 (pool), one conv -> input_size / 16.
        self.head_conv = nn.Sequential(
            _conv_block(width, width, 3),
            nn.MaxPool2d(2),
            _conv_block(width, width, 3),
        )
        side = input_size // 16
        self.head_fc = nn.Sequential(
            nn.Flatten(),
            nn.Linear(width * side * side, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, 1),
        )

    def logits(self, image: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Success logits (B,) for images (1 or B, 1, H, W) and encoded actions (B, action_dim)."""
        return self._merged_logits(self.image_stem(image), actions)

    def _merged_logits(self, features: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
        """Logits (B,) from stem features (1 or B, ...) and the vectors (B, ...) the action MLP takes."""
        merged = torch.relu(features + self.action_mlp(vectors)[:, :, None, None])
        return self.head_fc(self.head_conv(merged)).squeeze(-1)

    def forward(self, image: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Success probabilities (B,); one image is broadcast to all actions."""
        return torch.sigmoid(self.logits(image, actions))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
