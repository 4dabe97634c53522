"""ONNX Runtime for a face model on the CPU: exported once, checked against PyTorch, cached, then run.

benchmarks/large_models.py measured ONNX Runtime's CPU provider at 1.71x, 1.91x and 2.62x the speed of
PyTorch float32 for GFPGAN 1.4, CodeFormer and RestoreFormer on an idle 2-core CPU, outputs within 0.02/255. So the
Restorer runs those models through here on the CPU (core/restorer.py decides which; ``--cpu-backend``).

The first use of a model exports its network (what ``LoadedModel.forward`` computes, at batch 1 and the
model's input size) with torch's TorchScript-based exporter, or where that fails or ONNX Runtime cannot
run its graph, with the torch.export-based one (CodeFormer, GFPGAN). One random face then goes through
PyTorch and through ONNX Runtime; only if they agree within ``TOLERANCE`` is the .onnx kept, in the user
cache folder, keyed by the weights file (path, size, modification time), the architecture, the input size
and the library versions. A model that does not export or does not agree gets a small "rejected" note
there instead, so it is not exported again on every start. A later start opens the cached file with ONNX
Runtime: no model code runs, and no exporter. The cache keeps the most recently used exports within
``CACHE_BUDGET`` bytes, so replaced weights files do not fill the disk with stale exports.

CodeFormer's fidelity weight is an input of the exported graph, not a constant, so one export serves every
fidelity (see ``_FidelityInput``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from core.atomic import atomic_file
from core.errors import brief
from core.models.loading import LoadedModel, ModelInfo
from core.paths import user_cache_dir
from core.progress import ProgressCallback, Stage, no_progress

log = logging.getLogger(__name__)

TOLERANCE = 1 / 255  # the largest difference from PyTorch (on a [0, 1] scale) that still uses ONNX Runtime
EXPORT_VERSION = 1  # part of the cache key: raise it when the export changes, so old files are not used
EXPORT_FIDELITY = 0.5  # the example value the exporter traces with
VERIFY_FIDELITY = 0.7  # another value for the check, so a fidelity frozen into the graph would show
IMAGE_INPUT, FIDELITY_INPUT, OUTPUT = "image", "fidelity", "restored"
TORCHSCRIPT_EXPORTER, TORCH_EXPORT_EXPORTER = "TorchScript-based exporter", "torch.export-based exporter"
EXPORTERS = (TORCHSCRIPT_EXPORTER, TORCH_EXPORT_EXPORTER)  # tried in this order
# Exported files are large (GFPGAN's about 340 MB) and every replaced or moved weights file gets a new one,
# so the cache keeps the most recently used files within this many bytes and removes the others.
CACHE_BUDGET = 2 * 1024**3


def available() -> bool:
    """Whether onnxruntime is installed (it is imported only when a model is to run through it)."""
    return importlib.util.find_spec("onnxruntime") is not None


def cache_folder() -> Path:
    return user_cache_dir() / "onnx"


class OnnxRunner:
    """A face model's network in an ONNX Runtime session: NCHW float32 [0, 1] in, the same out (unclamped)."""

    def __init__(self, session: Any, has_fidelity: bool) -> None:
        self.session = session
        self.has_fidelity = has_fidelity

    def __call__(self, batch: torch.Tensor, fidelity: float) -> torch.Tensor:
        # the graph was exported at batch 1: one face per call
        outputs = []
        for face in batch.float().cpu().split(1):
            feeds = {IMAGE_INPUT: face.contiguous().numpy()}
            if self.has_fidelity:
                feeds[FIDELITY_INPUT] = np.array([fidelity], dtype=np.float32)
            outputs.append(torch.from_numpy(self.session.run([OUTPUT], feeds)[0]))
        return torch.cat(outputs)


def prepare(model: LoadedModel, progress: ProgressCallback = no_progress,
            folder: Path | None = None) -> OnnxRunner | None:
    """An ONNX Runtime runner of ``model``'s network, from the cache or exported and verified now; None
    (with the reason logged) where the model is to run in PyTorch: onnxruntime is missing, the model takes
    images of any size, its network does not export, or the exported one does not match PyTorch."""
    info = model.info
    if info.input_size is None:
        log.info("%s takes images of any size: it runs in PyTorch", info.name)
        return None
    if not available():
        log.info("onnxruntime is not installed: %s runs in PyTorch", info.name)
        return None
    try:
        import onnxruntime  # noqa: F401 - a broken install fails here, before a long export
    except ImportError as error:
        log.warning("onnxruntime cannot be imported (%s): %s runs in PyTorch", brief(error), info.name)
        return None
    folder = folder or cache_folder()
    stem = cache_stem(info)
    onnx_path, rejected_path = folder / f"{stem}.onnx", folder / f"{stem}.rejected.txt"
    if rejected_path.is_file():
        log.info("%s runs in PyTorch: %s (noted in %s)", info.name,
                 rejected_path.read_text(encoding="utf-8", errors="replace").strip(), rejected_path)
        return None
    if onnx_path.is_file():
        try:
            runner = OnnxRunner(open_session(str(onnx_path)), info.supports_fidelity)
            _mark_used(onnx_path)
            return runner
        except Exception as error:  # noqa: BLE001 - any failure to load a cached file means: make it again
            log.warning("the cached ONNX file %s cannot be loaded (%s); exporting the model again",
                        onnx_path, brief(error))
            with contextlib.suppress(OSError):
                onnx_path.unlink()
    progress(0, 0, Stage.PREPARE_MODEL)
    return _export_and_verify(model, onnx_path, rejected_path)


def _export_and_verify(model: LoadedModel, onnx_path: Path, rejected_path: Path) -> OnnxRunner | None:
    """Each exporter in turn until one's graph runs in ONNX Runtime and matches PyTorch (GFPGAN's
    TorchScript export loads, but ONNX Runtime has no kernel for one of its nodes)."""
    info = model.info
    reasons: list[str] = []
    for exporter in EXPORTERS:
        try:
            data = export(model, exporter)
            runner = OnnxRunner(open_session(data), info.supports_fidelity)
            difference = verify(model, runner)
        except MemoryError:
            log.warning("not enough memory to export %s for ONNX Runtime: it runs in PyTorch this time", info.name)
            return None
        except Exception as error:  # noqa: BLE001 - an exporter that fails leaves the next one, then PyTorch
            reasons.append(f"the {exporter}: {type(error).__name__}: {brief(error)}")
            continue
        if difference > TOLERANCE:
            reasons.append(f"the {exporter}: ONNX Runtime's output differs from PyTorch's by "
                           f"{difference * 255:.3g}/255 (allowed: {TOLERANCE * 255:.3g}/255)")
            continue
        _write_cache(onnx_path, data)
        prune_cache(onnx_path.parent, onnx_path, CACHE_BUDGET)
        log.info("%s: exported by the %s, within %.3g/255 of PyTorch; cached as %s",
                 info.name, exporter, difference * 255, onnx_path)
        return runner
    _reject(rejected_path, "; ".join(reasons))
    return None


def _reject(path: Path, reason: str) -> None:
    log.warning("%s runs in PyTorch on the CPU: %s", path.name.removesuffix(".rejected.txt"), reason)
    _write_cache(path, reason.encode("utf-8"))


def _write_cache(path: Path, data: bytes) -> None:
    """Write a cache file (verified, then renamed into place); a cache that cannot be written (a full disk,
    a read-only folder) only means the work is done again next time."""
    try:
        with atomic_file(path) as stream:
            stream.write(data)
    except OSError as error:
        log.warning("could not write %s (%s): the model will be prepared again next time", path, error)


def _mark_used(path: Path) -> None:
    """Recently used, for prune_cache (the modification time: access times are often not kept)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune_cache(folder: Path, keep: Path, budget: int) -> None:
    """Remove the least recently used exported files beyond ``budget`` bytes, never ``keep`` (the one
    just written, which may alone be larger than the budget)."""
    try:
        files = sorted((path.stat().st_mtime_ns, path) for path in folder.glob("*.onnx") if path != keep)
        total = keep.stat().st_size + sum(path.stat().st_size for _, path in files)
        while files and total > budget:
            _, oldest = files.pop(0)
            size = oldest.stat().st_size
            oldest.unlink()
            total -= size
            log.info("removed %s from the ONNX cache (least recently used; the cache keeps %d MB)",
                     oldest.name, budget // 2**20)
    except OSError as error:  # another process pruning at the same time, or a read-only folder
        log.warning("could not tidy the ONNX cache in %s: %s", folder, error)


def cache_stem(info: ModelInfo) -> str:
    """The cache file name (without suffix) for ``info``'s model: readable, and unique to the weights file
    as it is now and to everything the export depends on."""
    stat = info.path.stat()
    key = {"path": str(info.path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
           "arch": info.arch, "input_size": info.input_size, "fidelity_input": info.supports_fidelity,
           "torch": torch.__version__, "onnxruntime": _version("onnxruntime"), "export": EXPORT_VERSION,
           # a verdict may come from an exporter package that is missing or old: installing it changes the key
           "onnx": _version("onnx"), "onnxscript": _version("onnxscript"),
           "bundle": bool(getattr(sys, "frozen", False))}  # a bundle may lack what a source install has
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", info.path.stem)[:60]
    return f"{readable}-{info.arch}-{info.input_size}px-{digest}"


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "none"


def open_session(model: str | bytes) -> Any:
    """An ONNX Runtime CPU session of a model file (path) or its bytes, with torch's intra-op thread count."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: its warnings about unused initializers say nothing to a user
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def verify(model: LoadedModel, runner: OnnxRunner) -> float:
    """The largest difference between PyTorch's and ONNX Runtime's output for one random face."""
    size = cast(int, model.info.input_size)
    face = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        expected = model.forward(face, VERIFY_FIDELITY).float().clamp(0, 1)
    actual = runner(face, VERIFY_FIDELITY).clamp(0, 1)
    if actual.shape != expected.shape:
        raise ValueError(f"ONNX Runtime returned {tuple(actual.shape)}, PyTorch {tuple(expected.shape)}")
    return float((actual - expected).abs().max())


class _FidelityInput:
    """CodeFormer's fidelity weight as a graph input. Its forward asks ``weight > 0`` in Python before each
    fusion and then computes ``dec + weight * residual``; fusing with weight 0 adds 0 * residual, the same
    result as not fusing, so the question may answer yes for every value and the product uses the tensor
    (a tensor in the ``if`` would freeze the traced value or stop torch.export)."""

    def __init__(self, tensor: torch.Tensor) -> None:
        self.tensor = tensor

    def __gt__(self, other: object) -> bool:
        return True

    def __mul__(self, other: torch.Tensor) -> torch.Tensor:
        return self.tensor * other

    __rmul__ = __mul__


class _Network(nn.Module):
    """What ``LoadedModel.forward`` computes, as a module the exporters trace: the image in [0, 1] (and the
    fidelity, for models that have one) in, the restored image out."""

    def __init__(self, model: LoadedModel) -> None:
        super().__init__()
        self.network = model.module  # a submodule, so that its weights are exported as weights
        self.restore = model.forward

    def forward(self, image: torch.Tensor, fidelity: torch.Tensor | None = None) -> torch.Tensor:
        weight = EXPORT_FIDELITY if fidelity is None else cast(float, _FidelityInput(fidelity))
        return self.restore(image, weight).float()


def export(model: LoadedModel, exporter: str) -> bytes:
    """The model's network as ONNX bytes at batch 1, made by ``exporter`` (one of EXPORTERS)."""
    size = cast(int, model.info.input_size)
    network = _Network(model).eval()
    example: tuple[torch.Tensor, ...] = (torch.rand(1, 3, size, size),)
    names = [IMAGE_INPUT]
    if model.info.supports_fidelity:
        example += (torch.tensor([EXPORT_FIDELITY]),)
        names.append(FIDELITY_INPUT)
    if exporter == TORCHSCRIPT_EXPORTER:
        return _export_torchscript(network, example, names)
    if importlib.util.find_spec("onnxscript") is None:
        raise ImportError("onnxscript is not installed")
    return _export_dynamo(network, example, names)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporters print graph dumps (thousands of lines) and tracer warnings (Python control flow frozen
    at the example's values, which the check against PyTorch covers): none of it is for a user."""
    noisy = [logging.getLogger(name)
             for name in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript", "onnx_ir")]
    levels = [logger.level for logger in noisy]
    try:
        with (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()),
              warnings.catch_warnings(), torch.no_grad()):
            warnings.simplefilter("ignore")
            for logger in noisy:
                logger.setLevel(logging.ERROR)
            yield
    finally:
        for logger, level in zip(noisy, levels, strict=True):
            logger.setLevel(level)


def _export_torchscript(network: nn.Module, example: tuple[torch.Tensor, ...], names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with _quiet():
        torch.onnx.export(network, example, buffer,  # type: ignore[arg-type]  # a file object works too
                          input_names=names, output_names=[OUTPUT], dynamo=False)
    return buffer.getvalue()


def _export_dynamo(network: nn.Module, example: tuple[torch.Tensor, ...], names: list[str]) -> bytes:
    # it keeps shapes as Python numbers where the tracer sees tensors (CodeFormer picks a layer by
    # str(x.shape[-1])); its own optimiser is skipped, as ONNX Runtime optimises the graph when it loads it
    with _quiet():
        program = torch.onnx.export(network, example, input_names=names, output_names=[OUTPUT],
                                    dynamo=True, optimize=False)
    if program is None:
        raise RuntimeError("torch.onnx.export returned no program")
    data: bytes = program.model_proto.SerializeToString()
    return data
