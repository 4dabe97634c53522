"""Per-stage times of one photo through the engine (decode, detect, align, restore, background, paste, encode).

    python benchmarks/stage_times.py PHOTO --model NAME_OR_PATH [--scale 2] [--repeats 3]
    python benchmarks/stage_times.py PHOTO --random rcan|gfpgan      # random weights, nothing to download

Prints the median of each stage over the repeats (after one warm-up run) as a table and as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.batch import Job, process_file  # noqa: E402
from core.config import OutputSettings, RestoreSettings  # noqa: E402
from core.pipeline import FacePipeline  # noqa: E402

STAGES = ("decode", "detect", "align", "restore", "background", "paste", "encode")


def random_model(kind: str, folder: Path) -> Path:
    """A randomly initialised model of realistic size: our RCAN (~2.5M parameters, 256-px faces) or GFPGAN v1.4."""
    import torch

    if kind == "gfpgan":
        from spandrel.architectures.GFPGAN.__arch.gfpganv1_clean_arch import GFPGANv1Clean

        path = folder / "gfpgan-random.pth"
        torch.save(GFPGANv1Clean().state_dict(), path)
        return path
    from core.models.registry import build_generator
    from core.models.store import ModelMetadata, save_generator

    args = dict(scale=1, unshuffle=4, num_groups=6, num_blocks=4, channels=64, image_residual=True)
    path = folder / "rcan-random.safetensors"
    save_generator(path, build_generator("rcan", args), ModelMetadata("rcan", args, scale=1, input_size=256))
    return path


def measure(photo: Path, model: str, scale: int, repeats: int, out_dir: Path) -> dict[str, float]:
    pipeline = FacePipeline(RestoreSettings(scale=scale, model=model))
    runs = []
    for index in range(repeats + 1):  # the first run warms up caches and lazy imports
        job = Job(photo, out_dir / f"run{index}{photo.suffix}")
        outcome = process_file(pipeline, job, OutputSettings(overwrite=True))
        if outcome.status != "done":
            raise SystemExit(f"{photo}: {outcome.reason}")
        runs.append(outcome.timings)
    medians = {stage: statistics.median(run.get(stage, 0.0) for run in runs[1:]) for stage in STAGES}
    medians["faces"] = outcome.faces_restored
    medians["parameters_m"] = pipeline.restorer.info.parameters / 1e6
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photo", type=Path)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model")
    source.add_argument("--random", choices=("rcan", "gfpgan"))
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        model = args.model or str(random_model(args.random, Path(folder)))
        result = measure(args.photo, model, args.scale, args.repeats, Path(folder))
    print(" | ".join(f"{stage} {result[stage] * 1000:.0f} ms" for stage in STAGES))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
