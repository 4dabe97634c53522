"""Ways to run the face generator faster on the CPU, measured A/B on the same inputs.

    python benchmarks/cpu_inference.py [--model NAME_OR_PATH] [--batch 1 4] [--rounds 9]

Variants: eager float32 (the baseline), channels_last, bfloat16 autocast in channels_last (what core/restorer.py
does for the default model on CPUs with bfloat16 instructions), one intra-op thread
instead of all, torch.compile (inductor), a frozen TorchScript trace, bfloat16 autocast and ONNX Runtime
(exported with a batch axis, run as the engine opens its sessions: core.onnx_backend.open_session). The variants are interleaved round by round (A B C A B C ...),
so a background load slows them alike, and the median of the rounds is reported with the largest
output difference from the baseline in 1/255 steps. A variant is worth keeping only at >= 1.3x the
baseline's speed with outputs within 1/255.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.bench import random_rcan
from core.models.loading import load_model
from core.onnx_backend import open_session

Runner = Callable[[torch.Tensor], torch.Tensor]
SPEEDUP_TO_KEEP = 1.3


def variants(module: torch.nn.Module, example: torch.Tensor, threads: int, skip: set[str]) -> dict[str, Runner]:
    """name -> a function batch -> output; building a variant that fails is reported and skipped."""
    eager = _inference(module, threads)

    def one_thread(batch: torch.Tensor) -> torch.Tensor:
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                return module(batch)
        finally:
            torch.set_num_threads(threads)

    def bf16(batch: torch.Tensor) -> torch.Tensor:
        torch.set_num_threads(threads)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            return module(batch).float()

    built: dict[str, Runner] = {"eager float32": eager, "1 thread": one_thread, "bf16 autocast": bf16}
    built = {name: run for name, run in built.items() if name == "eager float32" or name not in skip}
    for name, builder in (("channels_last", _channels_last), ("bf16 + channels_last", _bf16_channels_last),
                          ("torchscript frozen", _torchscript),
                          ("torch.compile", _compiled), ("onnxruntime", _onnxruntime)):
        if name in skip:
            continue
        start = time.perf_counter()
        try:
            runner = builder(module, example, threads)
            runner(example)  # compilation happens on the first call
        except Exception as error:  # noqa: BLE001 - an experiment that cannot run is a finding, not a crash
            print(f"{name}: unavailable ({type(error).__name__}: {str(error).splitlines()[0][:160]})")
            continue
        print(f"{name}: built in {time.perf_counter() - start:.1f} s")
        built[name] = runner
    return built


def _inference(forward: Runner, threads: int) -> Runner:
    """``forward`` run as every torch variant runs: with ``threads`` intra-op threads, in inference mode."""
    def run(batch: torch.Tensor) -> torch.Tensor:
        torch.set_num_threads(threads)
        with torch.inference_mode():
            return forward(batch)
    return run


def _channels_last(module: torch.nn.Module, example: torch.Tensor, threads: int) -> Runner:
    import copy

    clone = copy.deepcopy(module).to(memory_format=torch.channels_last)
    return _inference(lambda batch: clone(batch.contiguous(memory_format=torch.channels_last)).contiguous(), threads)


def _bf16_channels_last(module: torch.nn.Module, example: torch.Tensor, threads: int) -> Runner:
    """What the engine runs on CPUs with bfloat16 instructions (core.restorer.CPU_BF16_ARCHS)."""
    nhwc = _channels_last(module, example, threads)

    def run(batch: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return nhwc(batch).float()
    return run


def _torchscript(module: torch.nn.Module, example: torch.Tensor, threads: int) -> Runner:
    with torch.inference_mode():
        frozen = torch.jit.optimize_for_inference(torch.jit.trace(module, example).eval())
    return _inference(frozen, threads)


def _compiled(module: torch.nn.Module, example: torch.Tensor, threads: int) -> Runner:
    return _inference(torch.compile(module), threads)


def _onnxruntime(module: torch.nn.Module, example: torch.Tensor, threads: int) -> Runner:
    """The module exported by the TorchScript-based exporter with a batch axis (the engine's exports are
    fixed at batch 1), run by ONNX Runtime with ``threads`` threads (the session takes torch's count)."""
    buffer = io.BytesIO()
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():  # graph dumps, tracer warnings
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), buffer,  # type: ignore[arg-type]  # a file object works too
                          input_names=["image"], output_names=["restored"],
                          dynamic_axes={"image": {0: "batch"}, "restored": {0: "batch"}}, dynamo=False)
    torch.set_num_threads(threads)
    session = open_session(buffer.getvalue())
    return lambda batch: torch.from_numpy(session.run(None, {"image": batch.contiguous().numpy()})[0])


def measure(runners: dict[str, Runner], batch: torch.Tensor, rounds: int) -> dict[str, dict[str, float]]:
    reference = runners["eager float32"](batch).clamp(0, 1)
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():  # interleaved: a load spike slows every variant of the round
            start = time.perf_counter()
            run(batch)
            seconds[name].append(time.perf_counter() - start)
    base = statistics.median(seconds["eager float32"])
    results = {}
    for name, run in runners.items():
        difference = float((run(batch).float().clamp(0, 1) - reference).abs().max()) * 255
        median = statistics.median(seconds[name])
        results[name] = {"median_ms": median * 1000, "min_ms": min(seconds[name]) * 1000,
                         "speedup": base / median, "max_difference_255": difference,
                         "keep": base / median >= SPEEDUP_TO_KEEP and difference <= 1.0}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="face model (default: a random RCAN of the default models' shape)")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--skip", nargs="*", default=[], help="variant names to leave out (e.g. 'torch.compile')")
    args = parser.parse_args()
    threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory() as folder:
        loaded = load_model(args.model or random_rcan(Path(folder)))
    module = loaded.module.eval()
    size = loaded.info.input_size or 256
    torch.manual_seed(0)
    report: dict[str, Any] = {"model": loaded.info.name, "threads": threads, "torch": torch.__version__, "batches": {}}
    runners = variants(module, torch.rand(1, 3, size, size), threads, set(args.skip))
    for batch_size in args.batch:
        batch = torch.rand(batch_size, 3, size, size)
        for run in runners.values():  # warm-up at this batch size (kernel choice, compiled shapes)
            run(batch)
        results = measure(runners, batch, args.rounds)
        report["batches"][batch_size] = results
        print(f"\nbatch {batch_size} ({size}px faces, {threads} threads), median of {args.rounds} interleaved rounds:")
        for name, row in results.items():
            print(f"  {name:<20} {row['median_ms']:8.1f} ms  (min {row['min_ms']:7.1f})  {row['speedup']:5.2f}x  "
                  f"max diff {row['max_difference_255']:6.2f}/255  {'KEEP' if row['keep'] else 'discard'}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
