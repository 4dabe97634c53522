"""ONNX Runtime as a benchmark variant: a module exported by torch.onnx, run by ONNX Runtime's CPU provider.

Shared by cpu_inference.py and large_models.py. onnxruntime, and onnx (which torch's exporter needs to write
the file), are experiment packages, not application dependencies; install them outside the venv and put
them on PYTHONPATH (onnxscript too for the torch.export-based exporter, leaving out the packages the venv
already has, such as numpy, so that they do not shadow the venv's):

    .venv/bin/python -m pip install --target /tmp/ort onnxruntime onnx
    PYTHONPATH=/tmp/ort .venv/bin/python benchmarks/large_models.py --model gfpgan
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import warnings
from collections.abc import Callable

import torch

Runner = Callable[[torch.Tensor], torch.Tensor]


def available() -> bool:
    """Whether onnxruntime can be imported (the variant is offered only then)."""
    return importlib.util.find_spec("onnxruntime") is not None


def export(module: torch.nn.Module, example: torch.Tensor, dynamic_batch: bool = True) -> bytes:
    """``module`` traced on ``example`` by the TorchScript-based exporter, as an ONNX file's bytes.

    ``dynamic_batch=False`` fixes every shape to the example's: StyleGAN's modulated convolutions
    (GFPGAN) compute their kernels from the batch, and the exporter refuses a kernel of unknown shape.
    Raises whatever the exporter raises for an operation it cannot translate; its graph dump (thousands
    of lines on stderr) and the tracer's warnings (Python control flow frozen at the example's values)
    are silenced: the benchmarks compare the exported model's output with eager float32 on the same
    input, which is the check that counts.
    """
    buffer = io.BytesIO()
    batch_axis = {"image": {0: "batch"}, "restored": {0: "batch"}} if dynamic_batch else None
    with (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()),
          warnings.catch_warnings()):
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), buffer,  # type: ignore[arg-type]  # a file object works too
                          input_names=["image"], output_names=["restored"], dynamic_axes=batch_axis, dynamo=False)
    return buffer.getvalue()


def dynamo_available() -> bool:
    """Whether torch's torch.export-based exporter can run (it writes through onnxscript)."""
    return importlib.util.find_spec("onnxscript") is not None


def export_dynamo(module: torch.nn.Module, example: torch.Tensor) -> bytes:
    """``module`` exported by the torch.export-based exporter at the example's shapes, as an ONNX file's bytes.

    It captures shapes as Python numbers where the TorchScript tracer sees tensors (CodeFormer picks
    a layer by ``str(x.shape[-1])``, which the tracer turns into 'tensor(32)'). Its optimiser is skipped:
    ONNX Runtime optimises the graph itself when it loads it.
    """
    with (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()),
          warnings.catch_warnings()):
        warnings.simplefilter("ignore")
        program = torch.onnx.export(module, (example,), input_names=["image"], output_names=["restored"],
                                    dynamo=True, optimize=False)
    if program is None:
        raise RuntimeError("torch.onnx.export returned no program")
    return program.model_proto.SerializeToString()


def runner(model: bytes, threads: int) -> Runner:
    """A function batch -> output that runs the exported ``model`` with ``threads`` intra-op threads."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def run(batch: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(session.run(None, {"image": batch.contiguous().numpy()})[0])
    return run
