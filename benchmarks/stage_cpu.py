"""CPU time of each stage of a batch, per photo: what the stages around the networks cost, on a shared machine.

    python benchmarks/stage_cpu.py FOLDER [FOLDER ...] [--rounds 2] [--threads N] [--scale 2]

Wall-clock stage times swing with whatever else runs on the machine; the CPU time a stage spends does
much less. This runs a batch in turn (no I/O threads) with the plain background enlargement done in
line where its result is waited for, so each stage runs alone on the model thread and its CPU seconds
are its own, and reads the engine's own stage timings with ``time.perf_counter`` pointed at the
process's CPU time. A warm-up round, then the median of ``--rounds``; the table is milliseconds per
photo, with the non-network stages over the networks' (detect + restore). ``--threads 1`` gives torch
and OpenCV one thread each: on a loaded machine their idle threads spin and inflate the network's CPU
time several times over.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import pipeline as pipeline_module
from core.batch import FileOutcome, plan_jobs, run_batch
from core.config import OutputSettings, RestoreSettings
from core.pipeline import FacePipeline

STAGES = ("decode", "detect", "align", "restore", "mask", "background", "paste", "encode")
NETWORK_STAGES = ("detect", "restore")


class _WhenWaitedFor:
    """A result computed when it is asked for: the background enlargement, timed as the model thread's wait."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._call = call

    def result(self) -> Any:
        return self._call()


class _InLine:
    def submit(self, function: Callable[..., Any], *args: Any) -> _WhenWaitedFor:
        return _WhenWaitedFor(lambda: function(*args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch and OpenCV threads (0: their defaults)")
    parser.add_argument("--scale", type=int, default=2)
    args = parser.parse_args()
    if args.threads:
        import cv2
        import torch

        torch.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    setattr(time, "perf_counter", time.process_time)  # noqa: B010 - the engine's stage timings, in CPU seconds
    setattr(pipeline_module, "_background_pool", _InLine)  # noqa: B010 - the enlargement runs where it is waited for
    pipeline = FacePipeline(RestoreSettings(scale=args.scale, device="cpu"))
    output = OutputSettings()
    rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as work:
        for round_ in range(args.rounds + 1):
            outcomes: list[FileOutcome] = []
            for number, folder in enumerate(args.folders):
                jobs = plan_jobs(folder, Path(work) / f"{round_}-{number}", output)
                outcomes += run_batch(pipeline, jobs, output, io_threads=0).outcomes
            failed = [outcome for outcome in outcomes if outcome.status != "done"]
            if failed:
                raise SystemExit(f"{failed[0].source}: {failed[0].reason}")
            if round_:  # the first round warms caches, lazy imports and kernels up
                rounds.append({stage: sum(o.timings.get(stage, 0.0) for o in outcomes) / len(outcomes)
                               for stage in STAGES})
    faces = sum(outcome.faces_restored for outcome in outcomes)
    print(f"{len(outcomes)} photos, {faces} faces restored, x{args.scale}; CPU ms per photo, median of "
          f"{args.rounds} rounds:")
    median = {stage: statistics.median(r[stage] for r in rounds) * 1000 for stage in STAGES}
    for stage in STAGES:
        print(f"  {stage:<11}{median[stage]:8.1f}")
    network = sum(median[stage] for stage in NETWORK_STAGES)
    around = sum(median[stage] for stage in STAGES if stage not in NETWORK_STAGES)
    print(f"  networks {network:.1f}, stages around them {around:.1f} ({around / network:.0%} of the networks)")


if __name__ == "__main__":
    main()
