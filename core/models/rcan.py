"""RCAN-style generator (Zhang et al. 2018): residual groups of residual channel-attention blocks."""

from __future__ import annotations

import torch
from torch import nn

from core.models.blocks import ChannelAttention, LowResolutionBody, Upsampler


class RCAB(nn.Module):
    """conv-ReLU-conv, re-weighted by channel attention, plus the block's input."""

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1), ChannelAttention(channels, reduction),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResidualGroup(nn.Module):
    def __init__(self, channels: int, num_blocks: int, reduction: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*(RCAB(channels, reduction) for _ in range(num_blocks)),
                                  nn.Conv2d(channels, channels, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)

    def pass_through(self) -> None:
        """Zero the closing convolution: the group then returns its input (a group added to a trained model)."""
        closing = self.body[-1]
        assert isinstance(closing, nn.Conv2d) and closing.bias is not None
        nn.init.zeros_(closing.weight)
        nn.init.zeros_(closing.bias)


class RCAN(LowResolutionBody):
    """head conv -> G residual groups (each B RCABs + conv, short skip) -> conv + long skip -> upsampler."""

    def __init__(self, scale: int = 4, num_groups: int = 4, num_blocks: int = 4, channels: int = 64,
                 reduction: int = 16, unshuffle: int = 1, image_residual: bool = False) -> None:
        super().__init__(scale, unshuffle, image_residual)
        self.head = nn.Conv2d(self.in_channels, channels, 3, padding=1)
        self.groups = nn.Sequential(*(ResidualGroup(channels, num_blocks, reduction) for _ in range(num_groups)))
        self.body_end = nn.Conv2d(channels, channels, 3, padding=1)
        self.upsample = Upsampler(channels, self.upscale, lambda: nn.ReLU(inplace=True))
        self.tail = nn.Conv2d(channels, 3, 3, padding=1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x, height, width = self.pad_and_unshuffle(image)
        features = self.head(x)
        features = features + self.body_end(self.groups(features))
        return self.finish(self.tail(self.upsample(features)), image, height, width)
