"""Restoring many files: output naming, skip-if-done, atomic writes, one outcome per file.

One bad file never stops the batch: every user-caused error becomes a "failed" outcome with its
cause, and the originals are never written to (an output that would land on its input is refused).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from core.config import OutputSettings
from core.errors import FaceSRError
from core.io import read_image, scan_images, write_image
from core.pipeline import FacePipeline
from core.progress import CancelToken, Cancelled, PauseGate, ProgressCallback, no_progress
from core.types import FaceStatus, RestoreResult

log = logging.getLogger(__name__)

PLAIN_FORMATS = {"jpg": ".jpg", "jpeg": ".jpg", "png": ".png", "webp": ".webp"}


@dataclass(frozen=True)
class Job:
    source: Path
    target: Path


@dataclass(frozen=True)
class FileOutcome:
    source: Path
    target: Path
    status: Literal["done", "skipped", "failed", "cancelled"]
    reason: str = ""
    faces_found: int = 0
    faces_restored: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchSummary:
    outcomes: tuple[FileOutcome, ...]
    seconds: float

    def count(self, status: str) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)

    @property
    def failed(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]

    @property
    def faces_found(self) -> int:
        return sum(outcome.faces_found for outcome in self.outcomes)

    @property
    def faces_restored(self) -> int:
        return sum(outcome.faces_restored for outcome in self.outcomes)

    @property
    def files_without_face(self) -> int:
        return sum(o.status == "done" and o.faces_found == 0 for o in self.outcomes)


def output_extension(source: Path, output: OutputSettings) -> str:
    """auto keeps JPEG, PNG and WebP as they are and writes everything else (BMP, TIFF, GIF) as PNG."""
    if output.ext != "auto":
        return PLAIN_FORMATS[output.ext]
    return PLAIN_FORMATS.get(source.suffix.lower().lstrip("."), ".png")


def plan_jobs(input_path: Path, output_dir: Path, output: OutputSettings) -> list[Job]:
    """Pair every input image with its output path, mirroring sub-folders when recursive."""
    if input_path.is_file():
        sources, root = [input_path], input_path.parent
    else:
        sources, root = scan_images(input_path, output.recursive), input_path
        # outputs written inside the input folder must not be picked up as inputs by a later run
        sources = [s for s in sources if not _is_inside(s, output_dir) or output_dir.resolve() == root.resolve()]
    return [Job(source, _target_for(source, root, output_dir, output)) for source in sources]


def _target_for(source: Path, root: Path, output_dir: Path, output: OutputSettings) -> Path:
    relative = source.parent.relative_to(root) if _is_inside(source, root) else Path()
    return output_dir / relative / f"{source.stem}{output.suffix}{output_extension(source, output)}"


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def process_file(pipeline: FacePipeline, job: Job, output: OutputSettings,
                 cancel: CancelToken | None = None) -> FileOutcome:
    """Restore one file and write its outputs; errors the user can cause become a failed outcome."""
    if job.target.exists() and job.target.resolve() == job.source.resolve():
        return FileOutcome(job.source, job.target, "failed", "the output would overwrite the original; "
                           "choose another output folder or a --suffix")
    if job.target.exists() and not output.overwrite:
        return FileOutcome(job.source, job.target, "skipped", "output already exists")
    timings: dict[str, float] = {}
    try:
        start = time.perf_counter()
        image = read_image(job.source, pipeline.settings.max_pixels)
        timings["decode"] = time.perf_counter() - start
        result = pipeline.restore(image, cancel)
        timings.update(result.timings)
        start = time.perf_counter()
        write_outputs(result, job, output)
        timings["encode"] = time.perf_counter() - start
    except FaceSRError as error:
        return FileOutcome(job.source, job.target, "failed", error.cause, timings=timings)
    except MemoryError:
        return FileOutcome(job.source, job.target, "failed", "out of memory (try a smaller --tile or scale)")
    except Cancelled:
        raise
    except Exception as error:  # a bug or a library failure on one odd file must not stop the batch
        log.exception("unexpected error on %s", job.source)
        return FileOutcome(job.source, job.target, "failed", f"unexpected error: {type(error).__name__}: {error}")
    restored = sum(face.status is FaceStatus.RESTORED for face in result.faces)
    return FileOutcome(job.source, job.target, "done", faces_found=len(result.faces), faces_restored=restored,
                       timings=timings, warnings=result.warnings)


def write_outputs(result: RestoreResult, job: Job, output: OutputSettings) -> None:
    write_image(job.target, result.image, result.alpha, quality=output.jpeg_quality)
    folder, stem = job.target.parent, job.target.stem
    if output.save_compare:
        write_image(folder / "compare" / f"{stem}.jpg", side_by_side(result.background, result.image), quality=90)
    if output.save_faces:
        for index, face in enumerate(result.faces):
            if face.restored is not None:
                write_image(folder / "faces" / f"{stem}_face{index:02d}.png", face.restored)


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 8) -> np.ndarray:
    """Two same-height images with a white gap, for comparisons (before | after)."""
    spacer = np.full((left.shape[0], gap, 3), 255, dtype=np.uint8)
    return np.concatenate([left, spacer, right], axis=1)


def run_batch(pipeline: FacePipeline, jobs: Sequence[Job], output: OutputSettings,
              progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
              pause: PauseGate | None = None,
              on_file: Callable[[FileOutcome], None] | None = None) -> BatchSummary:
    """Process jobs in order; stop early (remaining files "cancelled") when the token is set.

    ``pause`` is waited on between files; ``on_file`` hears each file's outcome as soon as it is known.
    """
    start = time.perf_counter()
    outcomes: list[FileOutcome] = []
    for index, job in enumerate(jobs):
        if pause is not None:
            pause.wait(cancel)
        if cancel is not None and cancel.cancelled:
            outcomes += [FileOutcome(j.source, j.target, "cancelled") for j in jobs[index:]]
            break
        try:
            outcome = process_file(pipeline, job, output, cancel)
        except Cancelled:
            outcomes += [FileOutcome(j.source, j.target, "cancelled") for j in jobs[index:]]
            break
        if outcome.status == "failed":
            log.warning("%s: %s", job.source, outcome.reason)
        outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)
        progress(index + 1, len(jobs), job.source.name)
    return BatchSummary(tuple(outcomes), time.perf_counter() - start)
