"""Building blocks shared by the generators."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F


def check_power_of_two(factor: int, what: str) -> int:
    """Return log2(factor); PixelShuffle stages double the size, so only 1, 2, 4, 8 work."""
    if factor < 1 or factor & (factor - 1):
        raise ValueError(f"{what} must be a power of two (1, 2, 4 or 8), got {factor}")
    return int(math.log2(factor))


class Upsampler(nn.Sequential):
    """log2(factor) stages of conv -> PixelShuffle(2) -> activation (sub-pixel convolution, SRGAN/ESPCN)."""

    def __init__(self, channels: int, factor: int, activation: Callable[[], nn.Module] = nn.PReLU) -> None:
        layers: list[nn.Module] = []
        for _ in range(check_power_of_two(factor, "upsampling factor")):
            layers += [nn.Conv2d(channels, channels * 4, 3, padding=1), nn.PixelShuffle(2), activation()]
        super().__init__(*layers)


class LowResolutionBody(nn.Module):
    """Wraps a network so that its body runs at low resolution and its output has ``scale`` x the input.

    For scale 1 or 2 the input is pixel-unshuffled first (as Real-ESRGAN's x1/x2 models do), which keeps
    a fixed-size face model as cheap as an x4 SR model. ``image_residual`` adds the bilinearly upsampled
    input to the output, so the network learns only the missing detail (faster to train).
    """

    def __init__(self, scale: int, unshuffle: int, image_residual: bool) -> None:
        super().__init__()
        check_power_of_two(scale, "scale")
        check_power_of_two(unshuffle, "unshuffle factor")
        self.scale = scale
        self.unshuffle = unshuffle
        self.image_residual = image_residual
        self.in_channels = 3 * unshuffle * unshuffle
        self.upscale = scale * unshuffle  # what the PixelShuffle stages must restore

    def pad_and_unshuffle(self, x: torch.Tensor) -> tuple[torch.Tensor, int, int]:
        height, width = x.shape[-2:]
        if self.unshuffle > 1:
            pad_h, pad_w = (-height) % self.unshuffle, (-width) % self.unshuffle
            if pad_h or pad_w:
                x = F.pad(x, (0, pad_w, 0, pad_h), mode="reflect")
            x = F.pixel_unshuffle(x, self.unshuffle)
        return x, height, width

    def finish(self, out: torch.Tensor, image: torch.Tensor, height: int, width: int) -> torch.Tensor:
        out = out[..., : height * self.scale, : width * self.scale]
        if self.image_residual:
            out = out + F.interpolate(image, scale_factor=self.scale, mode="bilinear", align_corners=False) \
                if self.scale > 1 else out + image
        return out


class GlobalMean(nn.Module):
    """Mean over H and W, as AdaptiveAvgPool2d(1) but with a deterministic CUDA backward."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3), keepdim=True)


class ChannelAttention(nn.Module):
    """Squeeze-and-excitation over channels (RCAN's CA layer)."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        squeezed = max(1, channels // reduction)
        self.gate = nn.Sequential(
            GlobalMean(),
            nn.Conv2d(channels, squeezed, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(squeezed, channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(x)
