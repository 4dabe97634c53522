"""The 512-px face models on the CPU (GFPGAN 1.4, CodeFormer, RestoreFormer): ways to run them faster, A/B.

    python benchmarks/large_models.py --model gfpgan [--rounds 3] [--faces out_dir]

Each model is a randomly initialised network of the real architecture (the speed of a network does not
depend on its weights), saved as a .pth and loaded through the engine's spandrel path
(core.models.loading.load_model), so the variants time exactly what a restore runs.

Variants, interleaved round by round (A B C A B C ...) so that a load that comes and goes on the machine
slows them alike; the median and the spread (min..max) of the rounds are reported:
  float32            plain NCHW float32 (the baseline; core/restorer.py adds NHWC where CPU_CHANNELS_LAST says)
  channels_last      the module and the input in NHWC
  bf16 autocast      torch.autocast("cpu", bfloat16): oneDNN's bf16 kernels where the CPU has them
  1 thread           torch.set_num_threads(1) instead of all cores
  float32 batch 2    two faces per forward pass (faces/s, to choose the batch size)
  onnxruntime        the engine's ONNX path (core.onnx_backend: the network with its [0, 1] <-> [-1, 1]
                     wrapping and fidelity, exported at batch 1, run by ONNX Runtime's CPU provider), without
                     its cache and check. The TorchScript-based exporter first, then the torch.export-based
                     one; a line under the table says which made it, and why each other failed: "does not
                     export: <reason>" or "exports, but ONNX Runtime cannot run it: <reason>".
A variant is worth keeping at >= 1.3x the baseline with outputs within 1/255 (bf16: the largest
difference is reported, and ``--faces`` writes float32 | variant crops of real faces to look at).
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.bench import COMPARE_MODELS, random_face_model
from core import onnx_backend
from core.models.loading import LoadedModel, _signed_face_forward, load_model
from core.restorer import to_channels_last

Runner = Callable[[torch.Tensor], torch.Tensor]
SPEEDUP_TO_KEEP = 1.3
FIDELITY = 0.5
REAL_FACES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real-lq" / "aligned"


def variants(loaded: LoadedModel, threads: int) -> dict[str, Runner]:
    module = loaded.module

    def float32(batch: torch.Tensor) -> torch.Tensor:
        torch.set_num_threads(threads)
        with torch.inference_mode():
            return loaded.forward(batch, FIDELITY).float().clamp(0, 1)

    # a copy whose 4-d weights are NHWC (GFPGAN's modulated convolutions hold 5-d weights, which stay)
    clone = to_channels_last(copy.deepcopy(module))
    nhwc_forward = _signed_face_forward(clone, loaded.info.supports_fidelity)

    def channels_last(batch: torch.Tensor) -> torch.Tensor:
        torch.set_num_threads(threads)
        with torch.inference_mode():
            batch = batch.contiguous(memory_format=torch.channels_last)
            return nhwc_forward(batch, FIDELITY).float().clamp(0, 1).contiguous()

    def bf16(batch: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return float32(batch)

    def one_thread(batch: torch.Tensor) -> torch.Tensor:
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                return loaded.forward(batch, FIDELITY).float().clamp(0, 1)
        finally:
            torch.set_num_threads(threads)

    return {"float32": float32, "channels_last": channels_last, "bf16 autocast": bf16, "1 thread": one_thread}


def onnx_variant(loaded: LoadedModel, face: torch.Tensor) -> tuple[Runner | None, str]:
    """An ONNX Runtime runner of the model and which exporter made it, or None and why there is none."""
    def why(error: Exception) -> str:
        return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0][:140]}"

    reasons = []
    for exporter in onnx_backend.EXPORTERS:
        try:
            model = onnx_backend.export(loaded, exporter)
        except Exception as error:  # noqa: BLE001 - an architecture that does not export is a finding, not a crash
            reasons.append(f"{exporter}: does not export: {why(error)}")
            continue
        try:
            runner = onnx_backend.OnnxRunner(onnx_backend.open_session(model), loaded.info.supports_fidelity)
            runner(face, FIDELITY)  # ONNX Runtime checks some shapes and types only when it runs
        except Exception as error:  # noqa: BLE001 - likewise
            reasons.append(f"{exporter}: exports, but ONNX Runtime cannot run it: {why(error)}")
            continue
        return _at_fidelity(runner), "; ".join([f"exported by the {exporter}", *reasons])
    return None, "; ".join(reasons)


def _at_fidelity(runner: onnx_backend.OnnxRunner) -> Runner:
    return lambda batch: runner(batch, FIDELITY).clamp(0, 1)


def measure(runners: dict[str, Runner], face: torch.Tensor, rounds: int) -> dict[str, dict[str, Any]]:
    """faces/s per variant (median and spread of interleaved rounds) and the largest difference from float32."""
    pair = torch.cat([face, face.flip(-1)])
    timed: dict[str, tuple[Runner, torch.Tensor]] = {name: (run, face) for name, run in runners.items()}
    timed["float32 batch 2"] = (runners["float32"], pair)
    for name, (run, batch) in list(timed.items()):  # warm-up: kernel choice, lazy allocations
        try:
            run(batch)
        except RuntimeError as error:  # a variant the architecture does not run in is a finding, not a crash
            print(f"  {name}: fails on this architecture ({str(error).splitlines()[0][:120]})")
            del timed[name]
    seconds: dict[str, list[float]] = {name: [] for name in timed}
    for _ in range(rounds):
        for name, (run, batch) in timed.items():
            start = time.perf_counter()
            run(batch)
            seconds[name].append((time.perf_counter() - start) / len(batch))
    reference = runners["float32"](face)
    base = statistics.median(seconds["float32"])
    results = {}
    for name, (run, batch) in timed.items():
        difference = float((run(batch)[:1] - reference).abs().max()) * 255
        median = statistics.median(seconds[name])
        results[name] = {"faces_per_s": 1 / median, "spread_faces_per_s": [1 / max(seconds[name]),
                                                                           1 / min(seconds[name])],
                         "speedup": base / median, "max_difference_255": difference,
                         "keep": base / median >= SPEEDUP_TO_KEEP and difference <= 1.0}
    return results


def real_face(size: int) -> torch.Tensor:
    """A real low-quality aligned face from real-lq (a random one when the data is absent), NCHW [0, 1]."""
    import cv2

    files = sorted(REAL_FACES.glob("*.png")) if REAL_FACES.is_dir() else []
    if not files:
        return torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    bgr = cv2.imread(str(files[0]), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"{files[0]}: OpenCV cannot read this face")
    rgb = cv2.resize(bgr, (size, size), interpolation=cv2.INTER_CUBIC)[:, :, ::-1]
    # contiguous: the permuted view is NHWC in memory, and convolutions follow their input's layout,
    # which would turn the float32 baseline into a channels_last run
    return (torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float() / 255).contiguous()


def write_faces(runners: dict[str, Runner], face: torch.Tensor, folder: Path, name: str) -> None:
    """float32 | bf16 | 8x amplified difference, side by side, to judge by eye."""
    import cv2

    reference, other = runners["float32"](face)[0], runners["bf16 autocast"](face)[0]
    difference = ((other - reference).abs() * 8).clamp(0, 1)
    row = torch.cat([face[0], reference, other, difference], dim=2)
    folder.mkdir(parents=True, exist_ok=True)
    image = (row.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)[:, :, ::-1]
    cv2.imwrite(str(folder / f"{name}_input_f32_bf16_diffx8.png"), image)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=COMPARE_MODELS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--faces", type=Path, help="write float32 | bf16 crops of a real face here")
    args = parser.parse_args()
    threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory() as folder:
        loaded = load_model(random_face_model(args.model, Path(folder)))
    loaded.module.eval()
    face = real_face(loaded.info.input_size or 512)
    runners = variants(loaded, threads)
    notes: dict[str, str] = {}
    if onnx_backend.available():
        onnx, notes["onnxruntime"] = onnx_variant(loaded, face)
        if onnx is not None:
            runners["onnxruntime"] = onnx
    results = measure(runners, face, args.rounds)
    print(f"{args.model} ({loaded.info.arch}, {loaded.info.parameters / 1e6:.1f} M parameters, {threads} threads), "
          f"median of {args.rounds} interleaved rounds:")
    for name, row in results.items():
        low, high = row["spread_faces_per_s"]
        print(f"  {name:<16} {row['faces_per_s']:6.3f} faces/s ({low:.3f}..{high:.3f})  {row['speedup']:5.2f}x  "
              f"max diff {row['max_difference_255']:7.2f}/255  {'KEEP' if row['keep'] else 'discard'}")
    for name, note in notes.items():
        print(f"  {name:<16} {note}")
    if args.faces:
        write_faces(runners, face, args.faces, args.model)
    print(json.dumps({"model": args.model, "threads": threads, "torch": torch.__version__, "results": results,
                      "notes": notes}))


if __name__ == "__main__":
    main()
