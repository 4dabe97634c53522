"""Multi-process training set-up: torchrun's environment -> the process group, the device, DDP wrapping.

Launched by ``torchrun``, each process sees RANK/WORLD_SIZE, joins the process group (NCCL on CUDA,
Gloo on CPU) and trains a DistributedDataParallel replica; without those variables, one process
trains alone and every collective here is a no-op. Only rank 0 (``is_main``) logs and writes files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from core.errors import TrainingError


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")
    initialised_here: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    def barrier(self) -> None:
        """Wait for every rank (e.g. while rank 0 validates or prepares the data)."""
        if self.enabled:
            dist.barrier()

    def any_rank(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is True on any: ranks that must leave a loop at the same step."""
        if not self.enabled:
            return flag
        tensor = torch.tensor([float(flag)], device=self.device)
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return bool(tensor.item())

    def wrap(self, module: nn.Module) -> nn.Module | Callable[..., torch.Tensor]:
        """The module as trained: a DDP replica that synchronises gradients across ranks, or itself."""
        if not self.enabled:
            return module
        return DistributedDataParallel(module, device_ids=[self.device.index] if self.device.type == "cuda" else None)

    def close(self) -> None:
        """Leave the process group if this process joined it (a caller's own group is left alone)."""
        if self.initialised_here and dist.is_initialized():
            dist.destroy_process_group()


def setup_distributed(requested_device: str) -> Dist:
    """Join torchrun's process group when RANK/WORLD_SIZE say so; else a single process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    use_cuda = torch.cuda.is_available() and requested_device != "cpu"
    if requested_device.startswith("cuda") and not torch.cuda.is_available():
        raise TrainingError(None, f"device {requested_device!r} requested but PyTorch sees no CUDA GPU")
    if world_size <= 1 or "RANK" not in os.environ:
        device = torch.device(requested_device if requested_device.startswith("cuda") else "cuda") \
            if use_cuda else torch.device("cpu")
        return Dist(device=device)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    initialised_here = not dist.is_initialized()
    if initialised_here:
        dist.init_process_group("nccl" if use_cuda else "gloo")
    return Dist(rank, world_size, device, initialised_here)
