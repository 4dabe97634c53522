"""SRResNet, the generator of SRGAN (Ledig et al. 2017): residual blocks + sub-pixel upsampling."""

from __future__ import annotations

import torch
from torch import nn

from core.models.blocks import LowResolutionBody, Upsampler


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, batch_norm: bool) -> None:
        super().__init__()
        norm = (lambda: nn.BatchNorm2d(channels)) if batch_norm else nn.Identity
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), norm(), nn.PReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), norm(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRResNet(LowResolutionBody):
    """conv9 -> N residual blocks -> conv + long skip -> PixelShuffle x2 stages -> conv9.

    Batch norm is optional: the paper uses it, later work (EDSR, ESRGAN) showed removing it avoids
    artefacts and trains as well.
    """

    def __init__(self, scale: int = 4, num_blocks: int = 16, channels: int = 64, batch_norm: bool = False,
                 unshuffle: int = 1, image_residual: bool = False) -> None:
        super().__init__(scale, unshuffle, image_residual)
        self.head = nn.Sequential(nn.Conv2d(self.in_channels, channels, 9, padding=4), nn.PReLU())
        self.blocks = nn.Sequential(*(ResidualBlock(channels, batch_norm) for _ in range(num_blocks)))
        self.body_end = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1),
                                      nn.BatchNorm2d(channels) if batch_norm else nn.Identity())
        self.upsample = Upsampler(channels, self.upscale, nn.PReLU)
        self.tail = nn.Conv2d(channels, 3, 9, padding=4)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x, height, width = self.pad_and_unshuffle(image)
        features = self.head(x)
        features = features + self.body_end(self.blocks(features))
        return self.finish(self.tail(self.upsample(features)), image, height, width)
