"""Seed 001's distance network d(I, a): LeNet on 64 x 64 depth with the action tiled after pool1.

Conv1 (20 filters, 5 x 5, stride 2) -> leaky ReLU -> max pool; the action (the 5-number encoding of ``action_encoding``)
goes through one inner-product layer to 20 values, tiled over pool1 and added; Conv2 (50, 5 x 5) -> leaky
ReLU -> max pool; two inner-product layers (500, leaky ReLU; 1). The output is the distance in metres from
the hand, displaced by a, to the nearest grasp (softplus keeps it positive); trained with an L1 loss.

One change from the seed: conv1 has stride 2 (the seed's has 1), so conv2 runs on 16 x 16 instead of 32 x 32.
Every (image, action) pair passes conv2 separately (the action enters before it), and at stride 1 a 2-core CPU
trains about 50-200 pairs a second; the seed had a GPU and 5 million pairs.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from grasp_perception.action_encoding import ACTION_DIM


class GraspDistanceNet(nn.Module):
    """d(I, a) >= 0 in metres; one image (1, 1, H, W) is broadcast to a batch of actions (B, 5)."""

    def __init__(self, input_size: int = 64, action_dim: int = ACTION_DIM, conv1: int = 20, conv2: int = 50,
                 hidden: int = 500):
        super().__init__()
        if input_size % 8 or input_size < 32:
            raise ValueError(f"input_size must be a multiple of 8 and >= 32, got {input_size}")
        self.input_size = input_size
        self.action_dim = action_dim
        self.conv1 = nn.Conv2d(1, conv1, 5, stride=2, padding=2)
        self.action_ip = nn.Linear(action_dim, conv1)
        self.conv2 = nn.Conv2d(conv1, conv2, 5, padding=2)
        side = input_size // 8
        self.ip1 = nn.Linear(conv2 * side * side, hidden)
        self.ip2 = nn.Linear(hidden, 1)

    def forward(self, image: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Distances (B,) in metres."""
        pool1 = functional.max_pool2d(functional.leaky_relu(self.conv1(image)), 2)
        merged = pool1 + self.action_ip(actions)[:, :, None, None]
        pool2 = functional.max_pool2d(functional.leaky_relu(self.conv2(merged)), 2)
        hidden = functional.leaky_relu(self.ip1(pool2.flatten(1)))
        return functional.softplus(self.ip2(hidden)).squeeze(-1) * 0.1
