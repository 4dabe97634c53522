"""Which device inference runs on, and whether the CPU computes bfloat16 natively (asked by inference and training)."""

from __future__ import annotations

import torch

from core.errors import FaceSRError


def choose_device(requested: str = "auto") -> torch.device:
    """auto = the first CUDA GPU when PyTorch sees one, else the CPU."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise FaceSRError(None, f"device {requested!r} was requested but PyTorch sees no CUDA GPU; use --device cpu")
    return torch.device(requested)


def cpu_has_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (elsewhere PyTorch emulates it, slower than float32)."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private but stable since torch 2.3
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)
