"""The one conversion point between images (uint8 HxWx3 RGB numpy) and tensors (NCHW float 0..1)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def images_to_tensor(images: Sequence[np.ndarray], device: torch.device | str = "cpu") -> torch.Tensor:
    """Stack same-sized uint8 RGB images into an NCHW float32 tensor in [0, 1]."""
    batch = torch.from_numpy(np.stack(images)).to(device)
    # contiguous: a permuted (channels-last) layout would flow through the convs and break .view() in
    # third-party architectures such as GFPGAN
    return batch.permute(0, 3, 1, 2).float().div_(255.0).contiguous()


def tensor_to_images(batch: torch.Tensor) -> list[np.ndarray]:
    """Turn an NCHW tensor in [0, 1] back into uint8 RGB images (rounded, clipped)."""
    array = batch.detach().float().clamp_(0, 1).mul_(255.0).round_().byte()
    return list(array.permute(0, 2, 3, 1).cpu().numpy())


def image_to_tensor(image: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    return images_to_tensor([image], device)


def tensor_to_image(tensor: torch.Tensor) -> np.ndarray:
    return tensor_to_images(tensor if tensor.dim() == 4 else tensor.unsqueeze(0))[0]
