"""Restoring many files: output naming, skip-if-done, atomic writes, one outcome per file.

One bad file never stops the batch: every user-caused error becomes a "failed" outcome with its
cause, and the originals are never written to (an output that would land on its input is refused).

What may be replaced: only results this tool wrote (core.output_record), and a damaged file that
holds no whole image. Everything else with an output's name (an input of the run, a user's photo, a
result edited since) is left alone, with or without --overwrite. Inputs that would write the same
output name are given names of their own before the batch starts (a.jpg, a.png -> a_jpg.png, a_png.png).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, ParamSpec, TypeVar

import numpy as np

from core.atomic import remove_leftovers
from core.config import OutputSettings
from core.errors import FaceSRError
from core.io import LoadedImage, is_complete_image, max_side, read_image, scan_images, write_image
from core.memory import OUT_OF_MEMORY, check_output_fits, is_out_of_memory
from core.output_record import record_written, was_written_here
from core.pipeline import FacePipeline
from core.progress import CancelToken, Cancelled, PauseGate, ProgressCallback, no_progress
from core.types import FaceStatus, LeftFaces, RestoreResult

log = logging.getLogger(__name__)

PLAIN_FORMATS = {"jpg": ".jpg", "jpeg": ".jpg", "png": ".png", "webp": ".webp"}
# Decoding and encoding overlap the networks in this many threads: enough to hide the codecs behind the
# generator on a laptop, few enough not to take its cores.
DEFAULT_IO_THREADS = 2
READ_AHEAD = 2  # decoded photos waiting for the generator: never starved, yet few full-size images held
WRITE_BEHIND_PIXELS = 200_000_000  # output pixels waiting to be written (600 MB as RGB) before the models wait

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class Job:
    source: Path
    target: Path
    note: str = ""  # said before the run and with the outcome, e.g. why the output was renamed
    shared: Path | None = None  # the output name this input shares with another one (it got ``target``)


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
    left: LeftFaces | None = None  # faces left to the background upscaler (see RestoreResult.left_faces)


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
        if _real(output_dir) == _real(root):
            sources = [s for s in sources if not was_written_here(s)]  # our results of an earlier run
        else:
            sources = [s for s in sources if not _is_inside(s, output_dir)]
    jobs = [Job(source, _target_for(source, root, output_dir, output)) for source in sources]
    return _give_distinct_names(jobs, output)


def names_an_image(output: Path) -> bool:
    """Whether an output path given for one input file names the result itself (``-o out.png``) rather
    than a folder: it ends in an image suffix and is not an existing folder."""
    return output.suffix.lower().lstrip(".") in PLAIN_FORMATS and not output.is_dir()


def plan_file_job(source: Path, target: Path, output: OutputSettings) -> Job:
    """One input written exactly as ``target`` (its suffix picks the format); never onto the input."""
    wanted = PLAIN_FORMATS[target.suffix.lower().lstrip(".")]
    if output.ext != "auto" and PLAIN_FORMATS[output.ext] != wanted:
        raise FaceSRError(target, f"--ext {output.ext} does not match the output file's suffix {target.suffix}")
    if _key(target) == _key(source):
        raise FaceSRError(target, "is the input photo: give the result another name, so the original is kept")
    return Job(source, target)


def _give_distinct_names(jobs: list[Job], output: OutputSettings) -> list[Job]:
    """Inputs that would write one file (a.jpg and a.png with --ext png) each get a name of their own
    (a_jpg.png, a_png.png), as does an output that would land on another input of the run; the job's
    note says so. Decided from the whole listing before any work, so every shard decides the same."""
    keys = [_key(job.target) for job in jobs]
    inputs = {_key(job.source) for job in jobs}
    taken = set(keys) | inputs
    groups: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    renamed = list(jobs)
    for key, members in groups.items():
        names = [jobs[index].source.name for index in members]
        if len(members) > 1:
            together = " and ".join(names) if len(names) == 2 else ", ".join(names[:-1]) + " and " + names[-1]
            every = "both" if len(names) == 2 else "all"
            reason = f"{together} would {every} be written as {jobs[members[0]].target.name}"
        elif key in inputs and key != _key(jobs[members[0]].source):
            reason = f"{jobs[members[0]].target.name} is an input of this batch"
        else:
            continue
        for index in members:
            job = jobs[index]
            target = _free_name(job.target.with_name(f"{job.source.stem}_{job.source.suffix.lstrip('.')}"
                                                      f"{output.suffix}{job.target.suffix}"), taken)
            renamed[index] = Job(job.source, target, f"{reason}: this one is written as {target.name}", job.target)
    for job in renamed:
        if job.note:
            log.info("%s: %s", job.source, job.note)
    return renamed


def _free_name(wanted: Path, taken: set[str]) -> Path:
    """``wanted``, or ``stem_2``, ``stem_3``... the first that no other output or input of the run has."""
    candidate, number = wanted, 2
    while _key(candidate) in taken:
        candidate = wanted.with_name(f"{wanted.stem}_{number}{wanted.suffix}")
        number += 1
    taken.add(_key(candidate))
    return candidate


def _key(path: Path) -> str:
    """One spelling per file: the real path, case-folded where the file system ignores case."""
    real = os.path.normcase(os.path.realpath(path))
    return real.casefold() if sys.platform == "darwin" else real


def _real(path: Path) -> Path:
    """Path.resolve without its RuntimeError on a symbolic link loop (Python 3.11): realpath leaves it."""
    return Path(os.path.realpath(path))


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` (1 <= K <= N) as (K, N); ValueError saying what is wrong otherwise."""
    parts = text.split("/")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise ValueError(f"--shard takes K/N (e.g. 1/4 for the first of 4 shares), got {text!r}")
    index, count = (int(part) for part in parts)
    if not 1 <= index <= count:
        raise ValueError(f"--shard K/N needs 1 <= K <= N, got {text!r}")
    return index, count


def shard_of(job: Job, output_dir: Path, count: int) -> int:
    """The share (1..count) a job belongs to: a hash of its output path relative to the output folder.

    A hash of the file's own name rather than its position in the list, so processes that list the
    folder at different moments (files added meanwhile) still agree on every file they both see; the
    output path rather than the input path, and the shared name of inputs that would write the same
    file (a.png, a.bmp), so that such inputs fall into one share and never race each other even in
    processes that saw only one of them.
    """
    output_path = job.shared or job.target
    relative = output_path.relative_to(output_dir) if output_path.is_relative_to(output_dir) else output_path
    digest = hashlib.sha256(relative.as_posix().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select_shard(jobs: Sequence[Job], output_dir: Path, index: int, count: int) -> list[Job]:
    """The jobs of share ``index`` of ``count`` (in their order): the shares are disjoint and cover all jobs."""
    return [job for job in jobs if shard_of(job, output_dir, count) == index]


def _target_for(source: Path, root: Path, output_dir: Path, output: OutputSettings) -> Path:
    relative = source.parent.relative_to(root) if _is_inside(source, root) else Path()
    return output_dir / relative / f"{source.stem}{output.suffix}{output_extension(source, output)}"


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        _real(path).relative_to(_real(folder))
        return True
    except ValueError:
        return False


def process_file(pipeline: FacePipeline, job: Job, output: OutputSettings,
                 cancel: CancelToken | None = None) -> FileOutcome:
    """Restore one file and write its outputs: the batch's flow for one job, in turn on this thread.
    Errors the user can cause become a failed outcome; Cancelled passes through."""
    outcomes: list[FileOutcome] = []
    _run_flow(pipeline, [job], output, outcomes.append, cancel, None, _InTurn(), read_ahead=0, max_writes=0)
    if not outcomes:
        raise Cancelled()
    return outcomes[0]


def check_target(job: Job, output: OutputSettings) -> FileOutcome | None:
    """The outcome of a job that must not run (its output is the original, is done, or is a file this tool
    did not write), else None. A damaged file under the output's name does not count as done."""
    if job.target.exists() and _real(job.target) == _real(job.source):
        return FileOutcome(job.source, job.target, "failed", "the output would overwrite the original; "
                           "choose another output folder or a --suffix")
    state = existing_output(job.target)
    if state in ("ours", "foreign") and not output.overwrite:
        return FileOutcome(job.source, job.target, "skipped", "output already exists")
    if state == "foreign":
        return FileOutcome(job.source, job.target, "failed", NOT_OURS)
    return None


NOT_OURS = ("a file that this batch did not write has the output's name and is never replaced; "
            "move it or choose another output folder")


def existing_output(path: Path) -> Literal["none", "ours", "foreign", "damaged"]:
    """What is at an output path: nothing, a result this tool wrote (unchanged since), another whole
    image, or a file that holds no whole image (a result cut off by a full disk, for instance)."""
    if not os.path.lexists(path):
        return "none"
    if was_written_here(path):
        return "ours"
    return "foreign" if is_complete_image(path) else "damaged"


def prepare_file(pipeline: FacePipeline, job: Job, output: OutputSettings,
                 timings: dict[str, float]) -> LoadedImage | FileOutcome:
    """The first step of a file (on an I/O thread when overlapped): its outcome when it must not run
    (check_target) or cannot be read or made (decode), else the decoded photo."""
    early = check_target(job, output)
    if early is not None:
        return early
    return _guarded(job, timings, lambda: decode(pipeline, job, timings, output))


def decode(pipeline: FacePipeline, job: Job, timings: dict[str, float], output: OutputSettings) -> LoadedImage:
    """Read the photo and check, before any work, that its result fits the limits and the free memory."""
    start = time.perf_counter()
    image = read_image(job.source, pipeline.settings.max_pixels)
    height, width = image.rgb.shape[:2]
    check_output_fits(job.source, width, height, pipeline.settings, has_alpha=image.alpha is not None,
                      compare=output.save_compare, max_side=max_side(job.target.suffix))
    timings["decode"] = time.perf_counter() - start
    return image


def restore(pipeline: FacePipeline, image: LoadedImage, timings: dict[str, float],
            cancel: CancelToken | None, keep_background: bool = True) -> RestoreResult:
    result = pipeline.restore(image, cancel, keep_background)
    timings.update(result.timings)
    return result


def finish_file(result: RestoreResult, job: Job, output: OutputSettings, timings: dict[str, float]) -> FileOutcome:
    """Write a restored photo's outputs and describe the outcome (a failed write is a failed outcome)."""
    def encode() -> tuple[str, ...]:
        start = time.perf_counter()
        notes = write_outputs(result, job, output)
        timings["encode"] = time.perf_counter() - start
        return notes or ()

    notes = _guarded(job, timings, encode)
    if isinstance(notes, FileOutcome):
        return notes
    restored = sum(face.status is FaceStatus.RESTORED for face in result.faces)
    warnings = ((job.note,) if job.note else ()) + result.warnings + notes
    return FileOutcome(job.source, job.target, "done", faces_found=len(result.faces), faces_restored=restored,
                       timings=timings, warnings=warnings, left=result.left_faces)


def _guarded(job: Job, timings: dict[str, float], step: Callable[[], T]) -> T | FileOutcome:
    """Run one step of a file; an error the user can cause (or a bug on one odd file) becomes its outcome.

    Cancelled passes through: it stops the batch, not the file.
    """
    try:
        return step()
    except FaceSRError as error:
        return FileOutcome(job.source, job.target, "failed", error.cause, timings=timings)
    except Cancelled:
        raise
    except Exception as error:  # a bug or a library failure on one odd file must not stop the batch
        if is_out_of_memory(error):  # MemoryError, OpenCV's "Insufficient memory", torch's allocator
            log.debug("out of memory on %s: %r", job.source, error)
            return FileOutcome(job.source, job.target, "failed", OUT_OF_MEMORY, timings=timings)
        log.exception("unexpected error on %s", job.source)
        return FileOutcome(job.source, job.target, "failed", f"unexpected error: {type(error).__name__}: {error}",
                           timings=timings)


def write_outputs(result: RestoreResult, job: Job, output: OutputSettings) -> tuple[str, ...]:
    """Write the result (and comparison, face crops); return notes for the outcome. Each file is
    checked again just before it is written, as another process may have put a file there meanwhile."""
    notes: list[str] = []
    if _may_write(job.target, notes, main=True):
        _write_recorded(job.target, result.image, result.alpha, quality=output.jpeg_quality)
    folder, stem = job.target.parent, job.target.stem
    if output.save_compare:
        compare = folder / "compare" / f"{stem}.jpg"
        if _may_write(compare, notes):
            _write_recorded(compare, side_by_side(result.background, result.image), quality=90)
    if output.save_faces:
        for index, face in enumerate(result.faces):
            crop = folder / "faces" / f"{stem}_face{index:02d}.png"
            if face.restored is not None and _may_write(crop, notes):
                _write_recorded(crop, face.restored)
    return tuple(notes)


def _may_write(path: Path, notes: list[str], main: bool = False) -> bool:
    """False (with a note) for a whole image this tool did not write; the main result then fails."""
    state = existing_output(path)
    if state == "foreign":
        if main:
            raise FaceSRError(path, NOT_OURS)
        notes.append(f"{path} was not written by this batch and is left as it is")
        return False
    if state == "damaged":
        notes.append(f"replaced the damaged file {path.name}")
    return True


def _write_recorded(path: Path, rgb: np.ndarray, alpha: np.ndarray | None = None, quality: int = 95) -> None:
    write_image(path, rgb, alpha, quality=quality)
    record_written(path)


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 8) -> np.ndarray:
    """Two same-height images with a white gap, for comparisons (before | after)."""
    spacer = np.full((left.shape[0], gap, 3), 255, dtype=np.uint8)
    return np.concatenate([left, spacer, right], axis=1)


def run_batch(pipeline: FacePipeline, jobs: Sequence[Job], output: OutputSettings,
              progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
              pause: PauseGate | None = None,
              on_file: Callable[[FileOutcome], None] | None = None,
              io_threads: int = DEFAULT_IO_THREADS) -> BatchSummary:
    """Process jobs; stop early (remaining files "cancelled") when the token is set.

    ``pause`` is waited on between files; ``on_file`` hears each file's outcome as soon as it is known.
    Outcomes, ``on_file`` and ``progress`` always come in job order and on the calling thread.
    With ``io_threads`` > 0, files are decoded ahead and written behind in that many threads while
    the calling thread runs the models, so the networks never wait for the disk or the codecs;
    0 does everything in turn on the calling thread.
    """
    start = time.perf_counter()
    outcomes: list[FileOutcome] = []
    remove_leftovers_of_killed_runs(jobs)

    def report(outcome: FileOutcome) -> None:
        if outcome.status == "failed":
            log.warning("%s: %s", outcome.source, outcome.reason)
        outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)
        progress(len(outcomes), len(jobs), outcome.source.name)

    pool: Executor = ThreadPoolExecutor(io_threads, thread_name_prefix="facesr-io") if io_threads > 0 else _InTurn()
    with pool:
        _run_flow(pipeline, jobs, output, report, cancel, pause, pool,
                  read_ahead=READ_AHEAD if io_threads > 0 else 0, max_writes=io_threads)
    outcomes += [FileOutcome(job.source, job.target, "cancelled") for job in jobs[len(outcomes):]]
    return BatchSummary(tuple(outcomes), time.perf_counter() - start)


def remove_leftovers_of_killed_runs(jobs: Sequence[Job]) -> None:
    """Temporary files of a run killed with kill -9 go in the next run in that folder, even one that has
    nothing to write there (core.atomic removes only unlocked files of its own naming)."""
    folders = {job.target.parent for job in jobs}
    for folder in sorted(folders | {f / sub for f in folders for sub in ("compare", "faces")}):
        if folder.is_dir():
            remove_leftovers(folder)


class _InFlight:
    """Outcomes not yet reported, in job order: finished ones and writes still running in the pool."""

    def __init__(self, report: Callable[[FileOutcome], None], max_files: int) -> None:
        self._report = report
        self._max_files = max_files
        self._queue: deque[tuple[Future[FileOutcome], int]] = deque()
        self._pixels = 0

    def add(self, outcome: Future[FileOutcome], pixels: int = 0) -> None:
        self._queue.append((outcome, pixels))
        self._pixels += pixels

    def add_done(self, outcome: FileOutcome) -> None:
        future: Future[FileOutcome] = Future()
        future.set_result(outcome)
        self.add(future)

    def drain(self, max_files: int | None = None) -> None:
        """Report finished outcomes from the head; block while more than allowed are still in flight.

        The bounds keep memory flat: each running write holds a full-size result, so at most
        ``max_files`` of them, and together at most WRITE_BEHIND_PIXELS output pixels (but always one).
        """
        limit = self._max_files if max_files is None else max_files
        while self._queue:
            future, pixels = self._queue[0]
            too_many = len(self._queue) > limit or (self._pixels > WRITE_BEHIND_PIXELS and len(self._queue) > 1)
            if not future.done() and not too_many:
                return
            outcome = future.result()
            self._queue.popleft()
            self._pixels -= pixels
            self._report(outcome)


def _run_flow(pipeline: FacePipeline, jobs: Sequence[Job], output: OutputSettings,
              report: Callable[[FileOutcome], None], cancel: CancelToken | None, pause: PauseGate | None,
              pool: Executor, read_ahead: int, max_writes: int) -> None:
    """The one flow of every file: prepare_file (check, decode) -> restore -> finish_file (write), the
    outcomes reported in job order on this thread, pause and cancel heard between files.

    Where each step runs is the only difference between the ways of running it: the models always
    run on this thread; ``pool`` runs the reads and writes. With I/O threads, files are decoded up to
    ``read_ahead`` ahead and up to ``max_writes`` are written behind while the models work on the next
    one; with _InTurn (read_ahead 0), each file is read, restored and written before the next begins.
    """
    in_flight = _InFlight(report, max_writes)
    reads: deque[Future[LoadedImage | FileOutcome]] = deque()
    timings: list[dict[str, float]] = [{} for _ in jobs]
    try:
        for index, job in enumerate(jobs):
            in_flight.drain()
            if pause is not None and pause.paused:
                in_flight.drain(0)  # report what is finished before sitting still
                pause.wait(cancel)
            if cancel is not None and cancel.cancelled:
                return
            # reads are queued before this file's write, so the pool's FIFO keeps the generator fed
            for ahead in range(index + len(reads), min(index + read_ahead + 1, len(jobs))):
                reads.append(pool.submit(prepare_file, pipeline, jobs[ahead], output, timings[ahead]))
            image = reads.popleft().result()
            if isinstance(image, FileOutcome):
                in_flight.add_done(image)
                continue
            result = _guarded(job, timings[index], functools.partial(restore, pipeline, image, timings[index],
                                                                     cancel, output.save_compare))
            del image  # the decoded photo is not needed while the result is written
            if isinstance(result, FileOutcome):
                in_flight.add_done(result)
                continue
            in_flight.add(pool.submit(finish_file, result, job, output, timings[index]), result.image.size // 3)
            del result  # held by the write alone, which frees it when done
    except Cancelled:
        return
    finally:
        for read in reads:
            read.cancel()
        in_flight.drain(0)  # finished restorations are still written and reported


class _InTurn(Executor):
    """An executor that runs each call at once on the calling thread: the flow without I/O threads."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - delivered by result(), as a thread pool would (Ctrl-C is not)
            future.set_exception(error)
        return future
