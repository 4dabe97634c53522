"""The SRGAN discriminator (Ledig et al. 2017), made size-agnostic.

VGG-style: pairs of 3x3 convolutions (stride 1, then stride 2) with LeakyReLU(0.2), doubling the
channels from 64 up to 512, then a dense head (1024 units, LeakyReLU, 1 logit). The paper's dense
head fixes the input size (96 px); here the features are average-pooled to a fixed grid first, so one
discriminator judges 32-px and 512-px faces alike. It returns raw logits: the loss (standard BCE or
relativistic average) decides how they are read (core/training/losses.py).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _conv(in_channels: int, out_channels: int, stride: int, batch_norm: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_channels))
    layers.append(nn.LeakyReLU(0.2, inplace=True))
    return layers


class VGGDiscriminator(nn.Module):
    """conv(64) -> [conv s2, conv s1 (x2 channels)] ... -> conv s2 -> avg-pool to pool_size^2 -> dense."""

    def __init__(self, in_channels: int = 3, channels: int = 64, num_stages: int = 4, batch_norm: bool = True,
                 pool_size: int = 4, max_channels: int = 512) -> None:
        super().__init__()
        if num_stages < 1 or pool_size < 1 or channels < 1:
            raise ValueError("discriminator needs num_stages, pool_size and channels >= 1")
        # The first convolution has no batch norm, as in the paper.
        layers: list[nn.Module] = [nn.Conv2d(in_channels, channels, 3, 1, 1), nn.LeakyReLU(0.2, inplace=True)]
        width = channels
        for stage in range(num_stages):
            layers += _conv(width, width, 2, batch_norm)  # halve the resolution
            if stage < num_stages - 1:
                wider = min(width * 2, max_channels)
                layers += _conv(width, wider, 1, batch_norm)
                width = wider
        self.features = nn.Sequential(*layers)
        self.pool_size = pool_size
        self.head = nn.Sequential(
            nn.Linear(width * pool_size * pool_size, 1024), nn.LeakyReLU(0.2, inplace=True), nn.Linear(1024, 1),
        )

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        # avg_pool2d has a deterministic CUDA backward, adaptive_avg_pool2d does not: use it when it fits.
        height, width = x.shape[-2:]
        if height % self.pool_size == 0 and width % self.pool_size == 0:
            return F.avg_pool2d(x, (height // self.pool_size, width // self.pool_size))
        return F.adaptive_avg_pool2d(x, self.pool_size)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """NCHW image in [0, 1] -> N logits (N x 1)."""
        return self.head(torch.flatten(self._pool(self.features(image)), 1))

    def forward_with_features(self, image: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits and the activation after every LeakyReLU (for the feature matching loss)."""
        found = []
        x = image
        for layer in self.features:
            x = layer(x)
            if isinstance(layer, nn.LeakyReLU):
                # the next layer is a convolution, which does not overwrite x: no copy needed
                found.append(x)
        return self.head(torch.flatten(self._pool(x), 1)), found


def build_discriminator(args: dict) -> VGGDiscriminator:
    """Instantiate from a config's argument dict; bad arguments raise ValueError with the reason."""
    try:
        return VGGDiscriminator(**args)
    except TypeError as error:
        raise ValueError(f"bad discriminator arguments: {error}") from error
