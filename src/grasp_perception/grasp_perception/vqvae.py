"""A small VQ-VAE for 1-channel depth images, and the semi-supervised GG-CNN of seed 002 built on it.

VQ-VAE (van den Oord et al. 2017): a convolutional encoder (two stride-2 convolutions, residual blocks)
gives z_e at 1/4 resolution; each latent vector is replaced by its nearest codebook entry (z_q); a mirrored
decoder reconstructs the image. Loss (seed 002, eq. 4): reconstruction MSE + ||sg[z_e] - e||^2 (codebook)
+ beta ||z_e - sg[e]||^2 (commitment); gradients cross the quantiser with the straight-through estimator.

``SemiSupervisedGGCNN`` (Mahajan et al., seed 002): the VQ-VAE is first trained on all frames, labelled or
not. Then its encoder and quantiser are frozen, and its decoder (pretrained weights, fine-tuned) is the
front of a modified GG-CNN: image -> frozen encoder -> frozen quantiser -> decoder -> GG-CNN -> grasp maps,
the decoder and the GG-CNN trained on the labelled frames only.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from grasp_perception.ggcnn import GGCNN


class ResidualBlock(nn.Module):
    """x + conv1x1(relu(conv3x3(relu(x)))), as in the VQ-VAE paper."""

    def __init__(self, channels: int, hidden: int):
        super().__init__()
        self.block = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(channels, hidden, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden, channels, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class VQEncoder(nn.Module):
    """(B, C, H, W) -> z_e (B, code_dim, H/4, W/4)."""

    def __init__(
        self, in_channels: int = 1, hidden: int = 32, res_hidden: int = 16, n_res: int = 2, code_dim: int = 16
    ):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, hidden // 2, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden // 2, hidden, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden, hidden, 3, padding=1),
            *[ResidualBlock(hidden, res_hidden) for _ in range(n_res)],
            nn.ReLU(),
            nn.Conv2d(hidden, code_dim, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class VQDecoder(nn.Module):
    """z_q (B, code_dim, h, w) -> (B, out_channels, 4h, 4w)."""

    def __init__(
        self, out_channels: int = 1, hidden: int = 32, res_hidden: int = 16, n_res: int = 2, code_dim: int = 16
    ):
        super().__init__()
        self.out_channels = out_channels
        self.net = nn.Sequential(
            nn.Conv2d(code_dim, hidden, 3, padding=1),
            *[ResidualBlock(hidden, res_hidden) for _ in range(n_res)],
            nn.ReLU(),
            nn.ConvTranspose2d(hidden, hidden // 2, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(hidden // 2, out_channels, 4, stride=2, padding=1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class VectorQuantizer(nn.Module):
    """Nearest-neighbour lookup of (B, D, h, w) latents in a (codes, D) codebook."""

    def __init__(self, codes: int = 64, code_dim: int = 16, beta: float = 0.25):
        super().__init__()
        self.codes = codes
        self.code_dim = code_dim
        self.beta = beta
        self.codebook = nn.Embedding(codes, code_dim)
        self.codebook.weight.data.uniform_(-1.0 / codes, 1.0 / codes)

    def indices(self, z_e: torch.Tensor) -> torch.Tensor:
        """(B, h, w) index of the nearest code of every latent vector."""
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, self.code_dim)
        weight = self.codebook.weight
        distances = (flat * flat).sum(1, keepdim=True) - 2 * flat @ weight.t() + (weight * weight).sum(1)[None]
        b, _, h, w = z_e.shape
        return distances.argmin(1).reshape(b, h, w)

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """Codes (B, D, h, w) for (B, h, w) indices."""
        return self.codebook(indices).permute(0, 3, 1, 2)

    @torch.no_grad()
    def restart_codes(self, codes: torch.Tensor, z_e: torch.Tensor, generator: torch.Generator | None = None) -> None:
        """Move the given (dead) codes onto latent vectors drawn at random from ``z_e`` (B, D, h, w)."""
        if len(codes) == 0:
            return
        flat = z_e.detach().permute(0, 2, 3, 1).reshape(-1, self.code_dim)
        picks = torch.randint(len(flat), (len(codes),), generator=generator, device="cpu").to(flat.device)
        self.codebook.weight.data[codes] = flat[picks]

    def forward(self, z_e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(z_q with straight-through gradients, codebook loss, beta * commitment loss, indices)."""
        indices = self.indices(z_e)
        z_q = self.lookup(indices)
        codebook_loss = F.mse_loss(z_q, z_e.detach())
        commitment_loss = self.beta * F.mse_loss(z_e, z_q.detach())
        z_q = z_e + (z_q - z_e).detach()
        return z_q, codebook_loss, commitment_loss, indices


class VQVAE(nn.Module):
    """VQ-VAE for square ``input_size`` images (a multiple of 4); latents at input_size / 4."""

    def __init__(
        self,
        input_size: int = 64,
        in_channels: int = 1,
        hidden: int = 32,
        res_hidden: int = 16,
        n_res: int = 2,
        codes: int = 64,
        code_dim: int = 16,
        beta: float = 0.25,
    ):
        super().__init__()
        if input_size < 4 or input_size % 4:
            raise ValueError(f"input_size must be a positive multiple of 4, got {input_size}")
        self.input_size = input_size
        self.in_channels = in_channels
        self.encoder = VQEncoder(in_channels, hidden, res_hidden, n_res, code_dim)
        self.quantizer = VectorQuantizer(codes, code_dim, beta)
        self.decoder = VQDecoder(in_channels, hidden, res_hidden, n_res, code_dim)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reconstruction, codebook loss, beta * commitment loss, code indices (B, h, w))."""
        z_q, codebook_loss, commitment_loss, indices = self.quantizer(self.encoder(image))
        return self.decoder(z_q), codebook_loss, commitment_loss, indices

    def reconstruct(self, image: torch.Tensor) -> torch.Tensor:
        """Decoded nearest-code latents of ``image``."""
        return self.decoder(self.quantizer.lookup(self.quantizer.indices(self.encoder(image))))


class SemiSupervisedGGCNN(nn.Module):
    """Frozen VQ-VAE encoder + quantiser -> (fine-tuned) VQ-VAE decoder -> GG-CNN: (B, 1, H, W) -> (B, 4, H, W).

    Takes the modules of ``vqvae`` itself (copy it first to keep the original). ``freeze_decoder`` also
    freezes the decoder (an ablation; the seed fine-tunes it). Frozen parts stay in eval mode.
    """

    def __init__(self, vqvae: VQVAE, ggcnn: GGCNN | None = None, freeze_decoder: bool = False):
        super().__init__()
        self.input_size = vqvae.input_size
        self.encoder = vqvae.encoder
        self.quantizer = vqvae.quantizer
        self.decoder = vqvae.decoder
        self.ggcnn = ggcnn or GGCNN(vqvae.input_size, in_channels=vqvae.decoder.out_channels)
        if self.ggcnn.input_size != self.input_size or self.ggcnn.in_channels != self.decoder.out_channels:
            raise ValueError("the GG-CNN must take the decoder's output (same size and channels)")
        self.frozen: list[nn.Module] = [self.encoder, self.quantizer] + ([self.decoder] if freeze_decoder else [])
        for module in self.frozen:
            module.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> SemiSupervisedGGCNN:
        super().train(mode)
        for module in self.frozen:
            module.eval()
        return self

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Raw grasp maps (B, 4, H, W) in ``MAP_CHANNELS`` order."""
        z_q = self.quantizer.lookup(self.quantizer.indices(self.encoder(image)))
        return self.ggcnn(self.decoder(z_q))
