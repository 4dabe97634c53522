"""Running a loaded model: device and precision choice, batches chunked by memory, tiles for big images."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch

from core.device import choose_device, cpu_has_bfloat16
from core.imaging import resize_to
from core.memory import available_bytes, face_batch_limit, is_out_of_memory
from core.models.loading import LoadedModel, ModelInfo
from core.progress import CancelToken, ProgressCallback, no_progress
from core.tensor import images_to_tensor, tensor_to_images

if TYPE_CHECKING:
    from core.onnx_backend import OnnxRunner

log = logging.getLogger(__name__)

# Faces per forward pass, measured per device (benchmarks/large_models.py, `main.py bench`): on a 2-core
# CPU the default model runs 11.5 faces/s at batch 1 and 9.5 at batch 8, GFPGAN the same at 1 and 2, so
# the CPU takes one face at a time (which also answers Cancel soonest). A CPU batch is further bounded by
# the free memory (core.memory.face_batch_limit; GFPGAN at batch 8 peaked at 6.7 GB); a GPU batch halves
# when the GPU runs out of memory (the GPU paths are as they were: no GPU was at hand to measure them).
CPU_MAX_BATCH = 1
GPU_MAX_BATCH = 16
# NHWC memory layout: on a GPU for every architecture that runs in it (GFPGAN's StyleGAN decoder flattens
# features with .view(), which NHWC breaks, found on the CPU); on the CPU only where it was measured at least
# 1.3x faster with outputs within 1/255 (benchmarks/large_models.py, idle: RestoreFormer 1.42x, 0.02/255;
# CodeFormer 1.43x but with rounds spread 0.14-0.22 faces/s, and it runs in ONNX Runtime by default; the
# default RCAN 1.25-1.32x alone, so NHWC only together with bfloat16, see CPU_BF16_ARCHS).
NCHW_ONLY = frozenset({"GFPGAN"})
CPU_CHANNELS_LAST = frozenset({"RestoreFormer"})
# ONNX Runtime on the CPU (cpu_backend "auto"): 1.71x (GFPGAN), 1.91x (CodeFormer) and 2.62x (RestoreFormer)
# the speed of PyTorch float32, outputs within 0.02/255 (benchmarks/large_models.py, idle); each model is
# still checked against PyTorch when it is exported (core.onnx_backend). Other models run in PyTorch unless
# cpu_backend is "onnx".
CPU_ONNX_ARCHS = frozenset({"GFPGAN", "CodeFormer", "RestoreFormer"})
# bfloat16 autocast in NHWC on CPUs with bfloat16 instructions (AVX512-BF16 or AMX; cpu_backend "auto"): the
# default model (own RCAN) on 6 real aligned faces, idle 2-core CPU with AVX512-BF16, median of 9 interleaved
# rounds (benchmarks/cpu_inference.py has the same variants): 2.57x float32 eager (38 vs 99 ms a face) for the
# 4-group model, 2.1x (64 vs 136 ms) for the 8-group one shipped since, outputs within 1/255; ONNX Runtime was
# 1.35x and channels_last alone 1.25-1.32x. GFPGAN, CodeFormer and RestoreFormer differ by 2-183/255 in
# bfloat16 (benchmarks/large_models.py): not for them.
CPU_BF16_ARCHS = frozenset({"rcan"})


def choose_dtype(info: ModelInfo, device: torch.device) -> torch.dtype:
    """Half precision only on a GPU and only where the architecture is known to be safe with it."""
    if device.type != "cuda":
        return torch.float32
    if info.supports_half:
        return torch.float16
    if info.supports_bfloat16 and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def uses_cpu_bfloat16(info: ModelInfo, device: torch.device, cpu_backend: str) -> bool:
    """Whether ``info``'s network runs under bfloat16 autocast on the CPU (see CPU_BF16_ARCHS)."""
    return (device.type == "cpu" and cpu_backend == "auto" and info.arch in CPU_BF16_ARCHS
            and cpu_has_bfloat16())


def uses_channels_last(info: ModelInfo, device: torch.device) -> bool:
    """Whether ``info``'s network runs in NHWC on ``device`` (see NCHW_ONLY and CPU_CHANNELS_LAST)."""
    if device.type == "cuda":
        return info.arch not in NCHW_ONLY
    return info.arch in CPU_CHANNELS_LAST


def uses_onnx_runtime(info: ModelInfo, device: torch.device, cpu_backend: str) -> bool:
    """Whether ``info``'s network is to run through ONNX Runtime (if it exports and matches PyTorch): on the
    CPU, for face models of a fixed input size; "auto" for CPU_ONNX_ARCHS, "onnx" for all of them."""
    if device.type != "cpu" or cpu_backend == "torch" or info.kind != "face" or info.input_size is None:
        return False
    return cpu_backend == "onnx" or info.arch in CPU_ONNX_ARCHS


def to_channels_last(module: torch.nn.Module) -> torch.nn.Module:
    """``module`` with its 4-d weights in NHWC; others (GFPGAN's 5-d modulated weights) as they are, where
    ``module.to(memory_format=...)`` would raise."""
    for parameter in module.parameters():
        if parameter.dim() == 4:
            parameter.data = parameter.data.contiguous(memory_format=torch.channels_last)
    return module


def batch_for_memory(info: ModelInfo, largest: int, free: int | None = None) -> int:
    """At most ``largest`` faces per pass, fewer where their working memory would not fit in the RAM
    that is free (``free``, or measured now)."""
    if info.input_size is None:
        return largest
    limit = face_batch_limit(info.input_size, available_bytes() if free is None else free)
    return largest if limit is None else min(largest, limit)


class Restorer:
    """A model placed on a device, ready to restore batches of faces or upscale whole images."""

    def __init__(self, model: LoadedModel, device: str = "auto", fidelity: float = 0.5, cpu_backend: str = "auto",
                 progress: ProgressCallback = no_progress) -> None:
        """``cpu_backend``: see uses_onnx_runtime; ``progress`` hears Stage.PREPARE_MODEL when the model is
        exported for ONNX Runtime (its first use on this machine: a minute or two for GFPGAN)."""
        self.model = model
        self.device = choose_device(device)
        self.dtype = choose_dtype(model.info, self.device)
        self.fidelity = fidelity
        self.max_batch = GPU_MAX_BATCH if self.device.type == "cuda" else batch_for_memory(model.info, CPU_MAX_BATCH)
        module = model.module.to(self.device, self.dtype).eval()
        self.onnx: OnnxRunner | None = None  # set: the network runs through ONNX Runtime instead of `module`
        if uses_onnx_runtime(model.info, self.device, cpu_backend):
            from core.onnx_backend import prepare  # imports onnxruntime only now

            self.onnx = prepare(model, progress)
        if self.onnx is not None:
            # ONNX Runtime holds its own copy of the weights: PyTorch's would only sit in memory (GFPGAN's
            # 330 MB: a restorer's resident memory 2,436 -> 2,103 MB). Meta tensors keep the module's shape.
            module.to("meta")
        # float32 weights; convolutions in bfloat16 (NHWC is where oneDNN's bfloat16 kernels are fast)
        self.cpu_bfloat16 = self.onnx is None and uses_cpu_bfloat16(model.info, self.device, cpu_backend)
        self.channels_last = self.onnx is None and (self.cpu_bfloat16 or uses_channels_last(model.info, self.device))
        if self.channels_last:
            to_channels_last(module)
        log.info("model %s on %s (%s%s)", model.info.name, self.device, self.precision,
                 ", ONNX Runtime" if self.onnx is not None else "")

    @property
    def precision(self) -> str:
        """What the network computes in, in words: float32, float16, bfloat16 or bfloat16 autocast."""
        dtype = str(self.dtype).removeprefix("torch.")
        return "bfloat16 autocast" if self.cpu_bfloat16 and self.dtype == torch.float32 else dtype

    @property
    def info(self) -> ModelInfo:
        return self.model.info

    def run(self, batch: torch.Tensor) -> torch.Tensor:
        """One forward pass: NCHW float [0, 1] on any device in, NCHW float [0, 1] on the CPU out."""
        # bench may ask for another dtype (on a GPU, so never with ONNX Runtime): then plain PyTorch in it
        as_chosen = self.dtype == torch.float32
        if self.onnx is not None and as_chosen:
            return self.onnx(batch, self.fidelity).clamp_(0, 1)
        with torch.inference_mode(), torch.autocast("cpu", torch.bfloat16, enabled=self.cpu_bfloat16 and as_chosen):
            batch = batch.to(self.device, self.dtype)
            if self.channels_last:
                batch = batch.contiguous(memory_format=torch.channels_last)
            return self.model.forward(batch, self.fidelity).float().clamp_(0, 1).cpu()

    def restore_faces(self, faces: Sequence[np.ndarray], cancel: CancelToken | None = None,
                      done: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """Restore same-sized aligned faces, in chunks that fit in memory; halves the chunk on OOM.
        ``done`` hears how many faces are restored after each chunk."""
        restored: list[np.ndarray] = []
        start = 0
        while start < len(faces):
            if cancel is not None:
                cancel.raise_if_cancelled()
            chunk = faces[start:start + self.max_batch]
            try:
                restored += tensor_to_images(self.run(images_to_tensor(chunk)))
            except RuntimeError as error:
                if not is_out_of_memory(error) or self.max_batch == 1:
                    raise
                self.max_batch //= 2
                log.warning("out of memory with %d faces at once; retrying with %d", len(chunk), self.max_batch)
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            start += len(chunk)
            if done is not None:
                done(start)
        return restored

    def upscale(self, image: np.ndarray, tile: int = 400, pad: int = 16,
                cancel: CancelToken | None = None) -> np.ndarray:
        """Run an image model over a whole image in overlapping tiles (Real-ESRGAN's scheme).

        Each tile is run with ``pad`` pixels of context on every side and only its centre is kept, so
        no seam shows where tiles meet and memory stays bounded by the tile size. ``tile=0`` runs the
        image in one piece.
        """
        scale = self.info.scale
        height, width = image.shape[:2]
        tile = tile or max(height, width)
        output = np.empty((height * scale, width * scale, 3), dtype=np.uint8)
        for y in range(0, height, tile):
            for x in range(0, width, tile):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                y0, x0 = max(y - pad, 0), max(x - pad, 0)
                y1, x1 = min(y + tile + pad, height), min(x + tile + pad, width)
                result = tensor_to_images(self.run(images_to_tensor([image[y0:y1, x0:x1]])))[0]
                keep_h, keep_w = min(tile, height - y), min(tile, width - x)
                top, left = (y - y0) * scale, (x - x0) * scale
                output[y * scale:(y + keep_h) * scale, x * scale:(x + keep_w) * scale] = \
                    result[top:top + keep_h * scale, left:left + keep_w * scale]
        return output


def restore_aligned(image: np.ndarray, scale: int, restorer: Restorer, force: bool = False) -> np.ndarray:
    """Restore an already aligned face crop of any size; the result is exactly its size times ``scale``.

    The crop is resized to the model's input (bicubic upsampling when smaller, as in blind face
    restoration benchmarks). A crop larger than the model input would be shrunk, so it is upscaled
    plainly instead, unless ``force``.
    """
    height, width = image.shape[:2]
    info = restorer.info
    if info.input_size is None:  # a general SR model: run it on the whole crop
        return resize_to(restorer.upscale(image), width * scale, height * scale)
    size = info.input_size
    if max(height, width) > size and not force:
        return resize_to(image, width * scale, height * scale)
    # bicubic, as face SR benchmarks upsample their inputs
    face_input = resize_to(image, size, size, enlarge=cv2.INTER_CUBIC)
    restored = restorer.restore_faces([face_input])[0]
    return resize_to(restored, width * scale, height * scale, enlarge=cv2.INTER_CUBIC)
