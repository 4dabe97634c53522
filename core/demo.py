"""The README's main job: degrade a public-domain photo, restore it, write the result and a comparison.

The photo is scikit-image's `astronaut` (Eileen Collins, NASA, public domain), shipped with the
scikit-image package, so the project carries no photo of its own for the demo.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from core.batch import side_by_side
from core.config import RestoreSettings
from core.imaging import resize_to
from core.io import LoadedImage, ensure_writable_folder, write_image
from core.pipeline import LARGER_FACE_MODEL_INPUT, FacePipeline, larger_model_for
from core.types import LeftFaces

DEMO_SCALE = 4


def degraded_astronaut(shrink: int = DEMO_SCALE, jpeg_quality: int = 60) -> np.ndarray:
    """The astronaut photo shrunk (area averaging) and JPEG-compressed, as an old web photo would be."""
    from skimage import data

    original = data.astronaut()
    small = resize_to(original, original.shape[1] // shrink, original.shape[0] // shrink)
    buffer = io.BytesIO()
    Image.fromarray(small).save(buffer, format="JPEG", quality=jpeg_quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def run(output_dir: Path, model: str | None = None) -> str:
    """Write demo input, restored result and an (input upscaled | restored) comparison; return a summary."""
    ensure_writable_folder(output_dir)
    degraded = degraded_astronaut()
    pipeline = FacePipeline(RestoreSettings(scale=DEMO_SCALE, model=model))
    result = pipeline.restore(LoadedImage(rgb=degraded, alpha=None, is_gray=False, path=None, format="jpg",
                                          warnings=()))
    write_image(output_dir / "astronaut_input.png", degraded)
    write_image(output_dir / "astronaut_restored.png", result.image)
    comparison = output_dir / "astronaut_compare.png"
    write_image(comparison, side_by_side(result.background, result.image))
    left = f" ({left_faces_note(result.left_faces)})" if result.left_faces else ""
    return (f"{result.restored_count}/{len(result.faces)} faces restored with {pipeline.restorer.info.name}{left}; "
            f"wrote {output_dir / 'astronaut_restored.png'} and {comparison} (left: plain bicubic x{DEMO_SCALE}, "
            "right: restored)")


def left_faces_note(left: LeftFaces) -> str:
    """The demo's words for faces its model left as they were, and what would restore them."""
    note = (f"{left.count} face(s) left as plainly upscaled: larger than the model's {left.model_input}-px input; "
            "`main.py restore --force` restores them anyway")
    model = larger_model_for(left)
    if model is not None:
        note += f", or try a {LARGER_FACE_MODEL_INPUT}-px model: `main.py demo --model {model}`"
    return note
