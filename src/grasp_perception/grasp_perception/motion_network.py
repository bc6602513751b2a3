"""Seed 003's motion regression f(I) -> (dx, dy, dyaw) and its loss with learned weights (eq. 6).

The seed fine-tunes GoogLeNet on 224 px colour images; ours is a small CNN on the wrist depth image (no
pretrained weights: nothing is downloaded), with the seed's head: two fully connected layers (the seed's 2048
and 128, narrower here) and a 3-number regressor. Translation comes out in metres, rotation in radians.
"""

from __future__ import annotations

import torch
from torch import nn

TRANSLATION_SCALE = 0.1  # metres per unit of the network's raw translation output


def _conv(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class MotionRegressionNet(nn.Module):
    """f(I): the planar motion (dx, dy, dyaw) to the pregrasp pose, shape (1, 3) per image."""

    def __init__(self, input_size: int = 64, width: int = 16, hidden: tuple[int, int] = (512, 128)):
        super().__init__()
        if input_size % 16 or input_size < 32:
            raise ValueError(f"input_size must be a multiple of 16 and >= 32, got {input_size}")
        self.input_size = input_size
        self.features = nn.Sequential(
            _conv(1, width), _conv(width, width, 2),
            _conv(width, 2 * width), _conv(2 * width, 2 * width, 2),
            _conv(2 * width, 4 * width), _conv(4 * width, 4 * width, 2),
            _conv(4 * width, 4 * width), _conv(4 * width, 4 * width, 2),
        )
        side = input_size // 16
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(4 * width * side * side, hidden[0]),
            nn.ReLU(inplace=True),
            nn.Linear(hidden[0], hidden[1]),
            nn.ReLU(inplace=True),
            nn.Linear(hidden[1], 3),
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        raw = self.head(self.features(image))
        return torch.cat([raw[:, :2] * TRANSLATION_SCALE, raw[:, 2:]], dim=1)


class LearnedWeightLoss(nn.Module):
    """Seed 003 eq. 6: C = C_p exp(-s_p) + s_p + C_theta exp(-s_theta) + s_theta, s_p and s_theta learned.

    C_p is the Euclidean norm of the translation error (metres, divided by ``TRANSLATION_SCALE`` so both terms
    start of the same order), C_theta the absolute rotation error wrapped to a half turn (a parallel gripper).
    """

    def __init__(self) -> None:
        super().__init__()
        self.log_weights = nn.Parameter(torch.zeros(2))

    def forward(self, predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        translation = torch.linalg.vector_norm(predicted[:, :2] - target[:, :2], dim=1) / TRANSLATION_SCALE
        difference = predicted[:, 2] - target[:, 2]
        rotation = torch.abs(torch.remainder(difference + torch.pi / 2, torch.pi) - torch.pi / 2)
        s_p, s_theta = self.log_weights
        return (translation * torch.exp(-s_p) + s_p + rotation * torch.exp(-s_theta) + s_theta).mean()
