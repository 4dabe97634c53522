"""Contact sheets for judging models by eye: one row per photo, columns input | model A | model B ...

    python benchmarks/contact_sheets.py PHOTOS_DIR OUT_DIR --model facesr-faithful --model runs/NAME/latest_g_ema.safetensors \
        [--aligned] [--scale 2] [--height 384]

Whole photos: every face is detected and restored, and each row shows the photo's largest face region
(from the plainly upscaled photo, then each model's result) so small faces are visible. ``--aligned``:
the inputs are FFHQ-aligned crops, restored whole at scale 1 (forced to the model's input size).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import RestoreSettings
from core.imaging import resize_to
from core.io import read_image, scan_images, write_image
from core.pipeline import FacePipeline
from core.types import RestoreResult


def face_region(result: RestoreResult, margin: float = 0.6) -> tuple[int, int, int, int]:
    """The largest face's box in output pixels, grown by ``margin`` of its size (whole image if no face)."""
    height, width = result.image.shape[:2]
    if not result.faces:
        return 0, 0, width, height
    box = max((face.detection.box for face in result.faces), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    x0, y0, x1, y1 = (value * result.scale for value in box)
    grow = margin * max(x1 - x0, y1 - y0)
    return (max(0, int(x0 - grow)), max(0, int(y0 - grow)), min(width, int(x1 + grow)), min(height, int(y1 + grow)))


def label(image: np.ndarray, text: str) -> np.ndarray:
    image = image.copy()
    cv2.putText(image, text, (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    return image


def row_for(photo: Path, pipelines: dict[str, FacePipeline], height: int) -> np.ndarray:
    image = read_image(photo)
    results = {name: pipeline.restore(image) for name, pipeline in pipelines.items()}
    first = next(iter(results.values()))
    x0, y0, x1, y1 = face_region(first)
    tiles = [("input (plain bicubic)", first.background)] + [(name, result.image) for name, result in results.items()]
    width = round((x1 - x0) * height / (y1 - y0))
    cells = [label(resize_to(img[y0:y1, x0:x1], width, height), text) for text, img in tiles]
    return np.concatenate(cells, axis=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--aligned", action="store_true")
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--height", type=int, default=384)
    args = parser.parse_args()
    scale = 1 if args.aligned else args.scale
    pipelines = {Path(m).stem: FacePipeline(RestoreSettings(scale=scale, model=m, aligned=args.aligned,
                                                            force_small_model=args.aligned))
                 for m in args.model}
    rows = []
    for photo in scan_images(args.photos):
        row = row_for(photo, pipelines, args.height)
        rows.append(row)
        print(f"{photo.name}: done", flush=True)
    width = max(row.shape[1] for row in rows)
    padded = [np.pad(row, ((0, 4), (0, width - row.shape[1]), (0, 0)), constant_values=255) for row in rows]
    sheet = args.out / f"contact-{args.photos.name}.png"
    write_image(sheet, np.concatenate(padded, axis=0))
    print(sheet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
