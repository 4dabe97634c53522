"""Peak memory of one huge photo: 8000x6000 at 2x with a background model run in tiles (goal: < 4 GiB).

    python benchmarks/huge_photo.py [--size 8000x6000] [--scale 2] [--ext jpg|png] [--tile 400]

Generates the photo (a noisy gradient with astronaut faces) in a temporary folder, then restores it in
a fresh child process, so the peak resident memory it prints (ru_maxrss) is that of restoring alone.
Both models have random weights (their memory does not depend on the weights): the face model has
the default models' shape, the background model is a tiny 2x RCAN.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_inputs(folder: Path, width: int, height: int, bg_channels: int) -> tuple[Path, Path, Path]:
    import cv2
    import numpy as np
    import torch
    from skimage import data

    from core.bench import random_rcan
    from core.io import write_image
    from core.models.registry import build_generator
    from core.models.store import ModelMetadata, save_generator

    rng = np.random.default_rng(0)
    canvas = np.empty((height, width, 3), np.uint8)
    for y in range(0, height, 1000):  # in bands: the generator must not itself set the peak
        rows = min(1000, height - y)
        ramp = np.linspace(40, 200, width, dtype=np.float32)[None, :, None] + 0.01 * y
        canvas[y:y + rows] = np.clip(ramp + rng.normal(0, 6, (rows, width, 3)), 0, 255).astype(np.uint8)
    face = cv2.resize(data.astronaut(), (900, 900), interpolation=cv2.INTER_AREA)
    for x in range(200, width - 900, 2500):
        canvas[height // 3:height // 3 + 900, x:x + 900] = face
    photo = write_image(folder / f"huge_{width}x{height}.jpg", canvas, quality=90)
    torch.manual_seed(0)
    # tiny and run at half resolution (unshuffle 2): memory is measured here, not the model's speed
    args = dict(scale=2, unshuffle=2, num_groups=1, num_blocks=1, channels=bg_channels, reduction=4)
    background = folder / "background-x2.safetensors"
    save_generator(background, build_generator("rcan", args), ModelMetadata("rcan", args, 2, 32))
    return photo, random_rcan(folder), background


def measure(photo: Path, face_model: Path, background: Path, scale: int, ext: str, tile: int) -> dict[str, object]:
    from core.batch import Job, process_file
    from core.bench import peak_rss_mb
    from core.config import OutputSettings, RestoreSettings
    from core.pipeline import FacePipeline

    baseline = peak_rss_mb()
    pipeline = FacePipeline(RestoreSettings(scale=scale, model=str(face_model), bg_model=str(background),
                                            tile=tile, device="cpu"))
    job = Job(photo, photo.parent / "out" / f"{photo.stem}_restored.{ext}")
    outcome = process_file(pipeline, job, OutputSettings(overwrite=True))
    return {"status": outcome.status, "reason": outcome.reason, "faces": outcome.faces_restored,
            "timings_s": {k: round(v, 2) for k, v in outcome.timings.items()},
            "peak_rss_mib_after_imports": round(baseline), "peak_rss_mib": round(peak_rss_mb()),
            "output_bytes": job.target.stat().st_size if job.target.exists() else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="8000x6000")
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--ext", default="jpg", choices=("jpg", "png"))
    parser.add_argument("--tile", type=int, default=400)
    parser.add_argument("--bg-channels", type=int, default=8, help="width of the random background model "
                        "(fewer: faster on a busy machine; the memory of the tiles hardly changes)")
    parser.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        photo, face_model, background = args.child
        print(json.dumps(measure(photo, face_model, background, args.scale, args.ext, args.tile)))
        return
    width, height = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory(prefix="facesr-huge-") as folder:
        inputs = make_inputs(Path(folder), width, height, args.bg_channels)
        command = [sys.executable, __file__, "--scale", str(args.scale), "--ext", args.ext, "--tile", str(args.tile),
                   "--child", *map(str, inputs)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(result.stderr)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{args.size} at {args.scale}x ({args.ext}, tile {args.tile}): {report['status']}, "
          f"peak resident memory {report['peak_rss_mib']} MiB (imports alone: {report['peak_rss_mib_after_imports']} MiB)")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
