"""Optional dataset preparation: detect and align unaligned photos to the FFHQ template, cached on disk.

Each photo gives one crop (its largest face; every face with ``all_faces``) at the training face
size, written as PNG under the cache folder with the photo's relative path. Photos already done are
skipped, so a second run (or a resumed training) costs nothing. Photos without a face, and faces
that would have to be enlarged to reach the training size (a blurry target teaches blur), are skipped.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import DetectSettings
from core.errors import ImageReadError, TrainingError
from core.io import read_image, scan_images, write_image
from core.paths import user_runs_dir
from core.progress import CancelToken, ProgressCallback, no_progress

if TYPE_CHECKING:
    from core.detect.base import Detector

log = logging.getLogger(__name__)

MAX_UPSCALE = 1.05  # faces are used when warping enlarges them by at most this (resampling noise)


@dataclass(frozen=True)
class PrepareResult:
    folder: Path
    written: int  # face crops written now
    cached: int  # photos done by an earlier run
    no_face: int
    too_small: int  # faces smaller than the training size
    unreadable: int


def aligned_cache_dir(source: Path, size: int) -> Path:
    """Where the aligned crops of ``source`` at ``size`` px live (one folder per source and size)."""
    digest = hashlib.sha1(str(Path(source).resolve()).encode("utf-8")).hexdigest()[:8]
    return user_runs_dir() / "aligned" / f"{Path(source).name}-{digest}-{size}px"


def prepare_faces(source: str | Path, target: str | Path, size: int, detect: DetectSettings | None = None,
                  all_faces: bool = False, progress: ProgressCallback = no_progress,
                  cancel: CancelToken | None = None, detector: Detector | None = None) -> PrepareResult:
    """Align the faces of every photo under ``source`` into ``target``; ``detector`` overrides the default."""
    from core.align import warp_face
    from core.detect import create_detector, select_faces

    source, target = Path(source), Path(target)
    settings = detect or DetectSettings()
    try:
        photos = scan_images(source, recursive=True)
    except ImageReadError as error:
        raise TrainingError(source, f"cannot read the photo folder: {error.cause}") from error
    detector = detector or create_detector(settings)
    written = cached = no_face = too_small = unreadable = 0
    for done, photo in enumerate(photos):
        if cancel is not None and cancel.cancelled:
            break
        progress(done, len(photos), f"aligning faces: {photo.name}")
        stem = target / photo.relative_to(source).with_suffix("")
        if stem.with_name(f"{stem.name}_0.png").exists() or stem.with_name(f"{stem.name}.none").exists():
            cached += 1
            continue
        try:
            image = read_image(photo).rgb
        except ImageReadError as error:
            log.warning("skipped %s", error)
            unreadable += 1
            continue
        faces = select_faces(detector.detect(image), settings, image.shape[:2])
        faces.sort(key=lambda face: face.width * face.height, reverse=True)
        kept = 0
        for face in faces if all_faces else faces[:1]:
            aligned = warp_face(image, face, size)
            if aligned.warp_scale > MAX_UPSCALE:
                too_small += 1
                continue
            write_image(stem.with_name(f"{stem.name}_{kept}.png"), aligned.image)
            kept += 1
        if not faces:
            no_face += 1
        if kept == 0:  # remember the verdict so the next run does not detect again
            stem.parent.mkdir(parents=True, exist_ok=True)
            stem.with_name(f"{stem.name}.none").touch()
        written += kept
    progress(len(photos), len(photos), "faces aligned")
    result = PrepareResult(target, written, cached, no_face, too_small, unreadable)
    log.info("aligned faces in %s: %d written, %d photos done before, %d without a face, %d faces too small, "
             "%d unreadable", target, written, cached, no_face, too_small, unreadable)
    return result
