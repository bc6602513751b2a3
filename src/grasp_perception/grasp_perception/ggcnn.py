"""GG-CNN (Morrison, Corke and Leitner 2018): a small fully convolutional net from a depth image to grasp maps.

The original takes 300x300 depth through three strided convolutions (9x9 / 3, 5x5 / 2, 3x3 / 2; 32, 16, 8
filters) and three transposed convolutions back (3x3, 5x5, 9x9; 8, 16, 32 filters), ReLU everywhere, then
four linear output convolutions: quality, cos(2 phi), sin(2 phi) and width. Here every stage has stride 2,
so an input side that is a multiple of 8 (64 or 96 px wrist frames) comes back at exactly its own size.
Outputs are raw (no sigmoid), as in the paper, and trained with MSE against ``grasp_maps`` targets.

``GGCNNHead`` is the upsampling half with the output layers: it turns any feature map at 1 / 2**k of the
input resolution (GG-CNN's own encoder, or another encoder's) into the four maps. Plain tensors in and out,
no data-dependent control flow: both export to ONNX as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

GGCNN_ENCODER_CHANNELS = (32, 16, 8)
GGCNN_ENCODER_KERNELS = (9, 5, 3)
GGCNN_HEAD_CHANNELS = (8, 16, 32)
GGCNN_HEAD_KERNELS = (3, 5, 9)


class GGCNNHead(nn.Module):
    """Upsample a (B, C, h, w) feature map by 2**len(kernels) and predict (B, 4, H, W) grasp maps.

    Each stage is a stride-2 transposed convolution (odd kernel) + ReLU that exactly doubles the size; the
    outputs are four 1x1 convolutions concatenated in ``MAP_CHANNELS`` order.
    """

    def __init__(
        self,
        in_channels: int,
        channels: Sequence[int] = GGCNN_HEAD_CHANNELS,
        kernels: Sequence[int] = GGCNN_HEAD_KERNELS,
    ):
        super().__init__()
        if len(channels) != len(kernels) or not kernels:
            raise ValueError(f"need one channel count per kernel, got {channels} and {kernels}")
        if any(k % 2 == 0 for k in kernels):
            raise ValueError(f"kernels must be odd, got {kernels}")
        layers: list[nn.Module] = []
        previous = in_channels
        for out, kernel in zip(channels, kernels, strict=True):
            layers += [
                nn.ConvTranspose2d(previous, out, kernel, stride=2, padding=kernel // 2, output_padding=1),
                nn.ReLU(inplace=True),
            ]
            previous = out
        self.upsample = nn.Sequential(*layers)
        self.quality = nn.Conv2d(previous, 1, 1)
        self.cos = nn.Conv2d(previous, 1, 1)
        self.sin = nn.Conv2d(previous, 1, 1)
        self.width = nn.Conv2d(previous, 1, 1)
        self.factor = 2 ** len(kernels)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = self.upsample(features)
        return torch.cat([self.quality(x), self.cos(x), self.sin(x), self.width(x)], dim=1)


class GGCNN(nn.Module):
    """GG-CNN for square ``input_size`` images with ``in_channels`` channels: (B, C, H, W) -> (B, 4, H, W).

    Args:
        input_size: image side; a multiple of 2**len(encoder_kernels) (8 by default).
        in_channels: 1 for a depth image.
        encoder_channels / encoder_kernels: the strided convolutions (GG-CNN: 32, 16, 8 and 9, 5, 3).
        head_channels / head_kernels: the transposed convolutions (GG-CNN: 8, 16, 32 and 3, 5, 9).
    """

    def __init__(
        self,
        input_size: int = 64,
        in_channels: int = 1,
        encoder_channels: Sequence[int] = GGCNN_ENCODER_CHANNELS,
        encoder_kernels: Sequence[int] = GGCNN_ENCODER_KERNELS,
        head_channels: Sequence[int] = GGCNN_HEAD_CHANNELS,
        head_kernels: Sequence[int] = GGCNN_HEAD_KERNELS,
    ):
        super().__init__()
        if len(encoder_channels) != len(encoder_kernels) or len(head_kernels) != len(encoder_kernels):
            raise ValueError("the encoder and the head need the same number of stages")
        if any(k % 2 == 0 for k in encoder_kernels):
            raise ValueError(f"kernels must be odd, got {encoder_kernels}")
        factor = 2 ** len(encoder_kernels)
        if input_size < factor or input_size % factor:
            raise ValueError(f"input_size must be a positive multiple of {factor}, got {input_size}")
        self.input_size = input_size
        self.in_channels = in_channels
        layers: list[nn.Module] = []
        previous = in_channels
        for out, kernel in zip(encoder_channels, encoder_kernels, strict=True):
            layers += [nn.Conv2d(previous, out, kernel, stride=2, padding=kernel // 2), nn.ReLU(inplace=True)]
            previous = out
        self.encoder = nn.Sequential(*layers)
        self.head = GGCNNHead(previous, head_channels, head_kernels)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Raw grasp maps (B, 4, H, W): quality, cos 2phi, sin 2phi, width / max_width."""
        return self.head(self.encoder(image))
