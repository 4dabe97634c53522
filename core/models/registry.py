"""The project's own architectures, by name. Saved files name their architecture and arguments."""

from __future__ import annotations

from typing import Any

from torch import nn

from core.models.rcan import RCAN
from core.models.srresnet import SRResNet

GENERATORS: dict[str, type[nn.Module]] = {
    "srresnet": SRResNet,
    "rcan": RCAN,
}


def build_generator(arch: str, arch_args: dict[str, Any]) -> nn.Module:
    """Instantiate an own generator; unknown names or arguments raise ValueError with the reason."""
    if arch not in GENERATORS:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(sorted(GENERATORS))}")
    try:
        return GENERATORS[arch](**arch_args)
    except TypeError as error:
        raise ValueError(f"bad arguments for {arch}: {error}") from error


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
