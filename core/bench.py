"""`python main.py bench`: where the time and memory of restoring photos go.

Measures, for a folder of photos (or photos generated here from scikit-image's public-domain
astronaut, of two kinds: ``small`` 0.5-3 Mpx, ``real`` 1.2-12 Mpx as from a phone or a camera): the
time per stage of one photo (decode, detect, align, restore, mask, background, paste, encode), the
generator's faces/s at batch 1 and at the largest batch the free memory allows (up to 8), photos/s
of a whole batch end to end (sequential and with decode/encode overlapped), how much the non-network
stages add to the network time, and the peak resident memory, per model and overall.
``compare="gfpgan"`` (or codeformer, restoreformer) runs the same photos through a randomly
initialised network of that architecture (its speed does not depend on its weights) and reports the
ratios. On a GPU the generator is also timed in float16 and bfloat16.

Timings are medians over repeats after a warm-up run; on a loaded machine they are inflated and noisy,
so compare figures only from one run of this command. The result is a ``BenchReport`` (frozen
dataclasses); ``write_report`` saves it as JSON with the same field names.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from core.batch import BatchSummary, Job, plan_jobs, process_file, run_batch
from core.config import CPU_BACKENDS, OutputSettings, RestoreSettings
from core.device import choose_device
from core.errors import FaceSRError, ModelError
from core.io import no_images_found, read_image, scan_images, write_image
from core.models.loading import default_model_path
from core.pipeline import FacePipeline
from core.restorer import Restorer, batch_for_memory

log = logging.getLogger(__name__)

STAGES = ("decode", "detect", "align", "restore", "mask", "background", "paste", "encode")
NETWORK_STAGES = ("detect", "restore")
# Generated photos: (width, height, astronaut tiles) -- a phone snapshot, a scan, a group photo.
SYNTHETIC_SIZES = ((800, 600, 1), (1600, 1200, 2), (2000, 1500, 3))
# ... and at the sizes of real photos, 1.2, 4 and 12 Mpx, with faces of 110-170 px (a face takes about a
# fifth of its tile): what phones and cameras give, where decoding, enlarging and encoding weigh most
REAL_SIZES = ((1280, 960, 2), (2448, 1632, 3), (4000, 3000, 5))
PHOTO_KINDS = {"small": SYNTHETIC_SIZES, "real": REAL_SIZES}
COMPARE_MODELS = ("gfpgan", "codeformer", "restoreformer")  # the catalogue's 512-px face architectures
# The shape of the shipped default generators (weights/MODEL_CARD.md), used with random weights
# when no default model is installed: the speed of a network does not depend on its weights.
DEFAULT_RCAN_ARGS = dict(scale=1, unshuffle=4, num_groups=8, num_blocks=4, channels=64, reduction=16,
                         image_residual=True)
DEFAULT_INPUT_SIZE = 256
LARGEST_BATCH = 8  # the generator's second rate: at this batch, or the largest that fits in memory
MEMORY_SAMPLE_S = 0.02  # how often the resident memory is read while a model is measured


@dataclass(frozen=True)
class BenchSettings:
    photos: Path | None = None  # None: generate SYNTHETIC_SIZES photos
    count: int = 3  # generated photos (cycling through the sizes of their kind)
    kind: str = "small"  # generated photos: "small" (SYNTHETIC_SIZES) or "real" (REAL_SIZES)
    model: str | None = None  # None: the default model, else a random one of its shape
    scale: int = 2
    repeats: int = 3
    device: str = "auto"
    compare: str | None = None  # "gfpgan", "codeformer" or "restoreformer"
    io_threads: int = 2
    cpu_backend: str = "auto"  # as restore's --cpu-backend: "torch" times plain float32 PyTorch

    def __post_init__(self) -> None:
        if self.count < 1 or self.repeats < 1:
            raise ValueError(f"count and repeats must be at least 1, got {self.count} and {self.repeats}")
        if self.compare not in (None, *COMPARE_MODELS):
            raise ValueError(f"--compare takes one of {', '.join(COMPARE_MODELS)}, got {self.compare!r}")
        if self.kind not in PHOTO_KINDS:
            raise ValueError(f"--kind takes one of {', '.join(PHOTO_KINDS)}, got {self.kind!r}")
        if self.io_threads < 0:
            raise ValueError(f"io threads must be >= 0, got {self.io_threads}")
        if self.cpu_backend not in CPU_BACKENDS:
            raise ValueError(f"--cpu-backend takes one of {', '.join(CPU_BACKENDS)}, got {self.cpu_backend!r}")


# ---------------------------------------------------------------------------------------------- the report

@dataclass(frozen=True)
class PhotoStages:
    photo: str  # file name
    faces: int  # faces restored in it
    seconds: Mapping[str, float]  # median seconds per stage, keyed by STAGES


@dataclass(frozen=True)
class StageTimes:
    per_photo: tuple[PhotoStages, ...]
    mean: Mapping[str, float]  # seconds per stage (STAGES), mean over the photos
    faces_per_photo: float


@dataclass(frozen=True)
class GeneratorRates:
    """Faces/s of the bare network at batch 1 and at the largest batch that fits (``largest_batch``)."""

    batch1: float
    largest: float
    largest_batch: int


@dataclass(frozen=True)
class BatchRate:
    """Whole batch runs (decode to encode) with ``io_threads`` decode/encode threads; medians over rounds."""

    io_threads: int
    photos: int
    seconds: float
    photos_per_s: float
    rounds: tuple[float, ...]  # seconds of each round
    # wall time over the networks' own time in the same round, minus 1: 0.25 = the rest adds 25 %
    non_network_overhead: float

    @property
    def label(self) -> str:
        return f"io threads {self.io_threads}"


@dataclass(frozen=True)
class PrecisionRate:
    """On a GPU, the generator in one precision: faces/s at batch 8 and the largest difference from
    float32 (0..255 scale), or why it does not run in it."""

    precision: str  # float32, float16, bfloat16
    faces_per_s_batch8: float | None = None
    max_difference_255: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class ModelBench:
    """Every measurement for one face model."""

    model: str
    arch: str
    parameters_m: float
    input_size: int | None
    device: str
    dtype: str
    stages: StageTimes
    generator: GeneratorRates
    batches: tuple[BatchRate, ...]  # one per I/O thread count, 0 (sequential) first
    peak_rss_mb: float
    network_s_per_photo: float  # detect + restore stage means
    non_network_overhead: float  # of the overlapped batch (the settings' io_threads)
    precision: tuple[PrecisionRate, ...]  # empty on a CPU

    def precision_rate(self, precision: str) -> float | None:
        return next((p.faces_per_s_batch8 for p in self.precision if p.precision == precision), None)


@dataclass(frozen=True)
class Machine:
    python: str
    torch: str
    cpu_count: int | None
    torch_threads: int
    load_average_1min: float | None
    gpu: str | None


@dataclass(frozen=True)
class BenchReport:
    settings: BenchSettings
    photo_source: str  # the folder, or what was generated
    photo_count: int
    model_note: str  # which model and why (requested, default, or random of the default's shape)
    machine: Machine
    models: tuple[ModelBench, ...]  # the model, then the --compare one
    peak_rss_mb: float  # of the whole run


# ---------------------------------------------------------------------------------------------- inputs

def synthetic_photos(folder: Path, count: int, kind: str = "small") -> list[Path]:
    """``count`` JPEG photos of the sizes of ``kind``, each holding astronaut faces at different scales."""
    from skimage import data

    astronaut = data.astronaut()
    rng = np.random.default_rng(7)
    sizes = PHOTO_KINDS[kind]
    paths = []
    for index in range(count):
        width, height, tiles = sizes[index % len(sizes)]
        canvas = _background(width, height, rng)
        tile = min(width // tiles, height) - 8
        for slot in range(tiles):
            side = int(tile * (0.8 + 0.2 * ((slot + index) % 2)))  # faces of two sizes
            x, y = slot * (width // tiles) + 4, int(rng.integers(0, height - side + 1))
            canvas[y:y + side, x:x + side] = cv2.resize(astronaut, (side, side), interpolation=cv2.INTER_AREA)
        paths.append(write_image(folder / f"photo{index:02d}_{width}x{height}.jpg", canvas, quality=90))
    return paths


def _background(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A smooth colour gradient with sensor-like noise, so the JPEG codec has real work."""
    ramp_x = np.linspace(40, 200, width, dtype=np.float32)[None, :, None]
    ramp_y = np.linspace(60, 160, height, dtype=np.float32)[:, None, None]
    base = 0.5 * ramp_x + 0.5 * ramp_y * np.array([1.0, 0.8, 0.6], np.float32)
    noise = rng.normal(0, 6, (height, width, 3)).astype(np.float32)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def random_rcan(folder: Path) -> Path:
    """A randomly initialised generator of the default model's shape (RCAN 8x4x64, 256-px faces)."""
    from core.models.registry import build_generator
    from core.models.store import ModelMetadata, save_generator

    torch.manual_seed(0)
    path = folder / "rcan-random.safetensors"
    save_generator(path, build_generator("rcan", DEFAULT_RCAN_ARGS),
                   ModelMetadata("rcan", DEFAULT_RCAN_ARGS, scale=1, input_size=DEFAULT_INPUT_SIZE,
                                 name="rcan-random (default shape)"))
    return path


def random_face_model(name: str, folder: Path) -> Path:
    """A randomly initialised network of a catalogue face architecture at its real size (``COMPARE_MODELS``),
    saved as the .pth that spandrel detects, so that it loads through the engine's path like a real one."""
    torch.manual_seed(0)
    # the classes each spandrel architecture package exports (its private __arch modules are not API)
    if name == "gfpgan":
        from spandrel.architectures.GFPGAN import GFPGAN  # GFPGANv1Clean
        module: torch.nn.Module = GFPGAN()
    elif name == "codeformer":
        from spandrel_extra_arches.architectures.CodeFormer import CodeFormer
        module = CodeFormer()
    elif name == "restoreformer":
        from spandrel.architectures.RestoreFormer import RestoreFormer
        module = RestoreFormer()
    else:
        raise ValueError(f"no random {name!r}: one of {', '.join(COMPARE_MODELS)}")
    path = folder / f"{name}-random.pth"
    torch.save(module.state_dict(), path)
    return path


def choose_model(requested: str | None, folder: Path) -> tuple[str, str]:
    """(model name or path, a note for the report): the requested model, the default, or a random one."""
    if requested is not None:
        return requested, f"model {requested}"
    try:
        return str(default_model_path()), f"default model {default_model_path().name}"
    except ModelError:
        return str(random_rcan(folder)), "no default model installed: a random-weight RCAN of the default shape"


# ---------------------------------------------------------------------------------------------- measures

def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss; psutil's peak on Windows)."""
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        info = psutil.Process().memory_info()
        return getattr(info, "peak_wset", info.rss) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


class PeakMemory:
    """The largest resident memory of this process while the ``with`` block runs, sampled in a thread
    (ru_maxrss only ever grows, so it cannot tell one model's peak from an earlier one's)."""

    def __init__(self, interval: float = MEMORY_SAMPLE_S) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="facesr-bench-memory", daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        process = psutil.Process()
        while True:
            self.peak_mb = max(self.peak_mb, process.memory_info().rss / 2**20)
            if self._stop.wait(self.interval):
                return


def stage_times(pipeline: FacePipeline, photos: Sequence[Path], out_dir: Path, repeats: int) -> StageTimes:
    """Median seconds per stage for each photo, processed one at a time, plus per-photo means."""
    output = OutputSettings(overwrite=True)
    per_photo: list[PhotoStages] = []
    for photo in photos:
        runs = []
        for repeat in range(repeats + 1):  # the first run warms caches and lazy imports up
            outcome = process_file(pipeline, Job(photo, out_dir / photo.name), output)
            if outcome.status != "done":
                raise FaceSRError(photo, outcome.reason)
            if repeat:
                runs.append(outcome.timings)
        medians = {stage: statistics.median(run.get(stage, 0.0) for run in runs) for stage in STAGES}
        per_photo.append(PhotoStages(photo.name, outcome.faces_restored, medians))
    mean = {stage: statistics.fmean(p.seconds[stage] for p in per_photo) for stage in STAGES}
    return StageTimes(tuple(per_photo), mean, statistics.fmean(p.faces for p in per_photo))


def generator_rate(restorer: Restorer, batch: int, repeats: int, dtype: torch.dtype | None = None) -> float:
    """Faces per second of the bare network (no conversions) at ``batch`` faces per forward pass."""
    size = restorer.info.input_size or DEFAULT_INPUT_SIZE
    faces = torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(0))
    previous = restorer.dtype
    restorer.dtype = dtype or previous
    try:
        restorer.run(faces)  # warm-up: kernel selection, lazy allocations
        seconds = []
        for _ in range(repeats):
            _sync(restorer.device)
            start = time.perf_counter()
            restorer.run(faces)
            _sync(restorer.device)
            seconds.append(time.perf_counter() - start)
    finally:
        restorer.dtype = previous
    return batch / statistics.median(seconds)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def precision_check(restorer: Restorer, repeats: int) -> tuple[PrecisionRate, ...]:
    """On a GPU: faces/s at batch 8 and the largest difference from float32, per half precision."""
    if restorer.device.type != "cuda":
        return ()
    module = restorer.model.module
    size = restorer.info.input_size or DEFAULT_INPUT_SIZE
    faces = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    results: list[PrecisionRate] = []
    reference = _run_as(restorer, module, torch.float32, faces)
    for name, dtype in (("float32", torch.float32), ("float16", torch.float16), ("bfloat16", torch.bfloat16)):
        if dtype is torch.bfloat16 and not torch.cuda.is_bf16_supported():
            continue
        try:
            difference = float((_run_as(restorer, module, dtype, faces) - reference).abs().max()) * 255
            module.to(dtype)
            rate = generator_rate(restorer, 8, repeats, dtype)
        except RuntimeError as error:  # an architecture that does not run in this precision
            results.append(PrecisionRate(name, error=str(error).splitlines()[0]))
            continue
        finally:
            module.to(restorer.dtype)
        results.append(PrecisionRate(name, faces_per_s_batch8=rate, max_difference_255=difference))
    return tuple(results)


def _run_as(restorer: Restorer, module: torch.nn.Module, dtype: torch.dtype, faces: torch.Tensor) -> torch.Tensor:
    previous = restorer.dtype
    module.to(dtype)
    restorer.dtype = dtype
    try:
        return restorer.run(faces)
    finally:
        restorer.dtype = previous
        module.to(previous)


def batch_rates(pipeline: FacePipeline, photos: Sequence[Path], work: Path, thread_counts: Sequence[int],
                repeats: int) -> tuple[BatchRate, ...]:
    """Photos/s of whole batch runs (decode to encode) into empty folders, per I/O thread count.

    The thread counts take turns round by round (A B A B ...), so a load that comes and goes on the
    machine slows them alike; the median round is reported. The overhead of the non-network stages is
    the batch's wall time over the networks' time alone (``network_alone``, timed in the same round)
    minus 1: the network stages' own timings inside a batch would count the background work that
    overlaps them (a thread enlarging the photo, the write-behind pool) as network time.
    """
    seconds: dict[int, list[float]] = {threads: [] for threads in thread_counts}
    overheads: dict[int, list[float]] = {threads: [] for threads in thread_counts}
    images = [read_image(photo, pipeline.settings.max_pixels).rgb for photo in photos]
    for round_ in range(repeats):
        network = network_alone(pipeline, images)
        for threads in thread_counts:
            out_dir = work / f"batch-{threads}-{round_}"
            jobs = [job for job in plan_jobs(photos[0].parent, out_dir, OutputSettings()) if job.source in set(photos)]
            summary: BatchSummary = run_batch(pipeline, jobs, OutputSettings(), io_threads=threads)
            if summary.failed:
                raise FaceSRError(summary.failed[0].source, summary.failed[0].reason)
            seconds[threads].append(summary.seconds)
            overheads[threads].append(summary.seconds / network - 1 if network else float("nan"))
    return tuple(BatchRate(threads, len(photos), statistics.median(runs), len(photos) / statistics.median(runs),
                           tuple(runs), statistics.median(overheads[threads]))
                 for threads, runs in seconds.items())


def network_alone(pipeline: FacePipeline, images: Sequence[np.ndarray]) -> float:
    """Seconds the networks (detection, then restoration of the faces it finds) take over ``images`` with
    nothing else running: no decoding, enlarging, pasting or encoding beside them."""
    from core import align
    from core.detect import select_faces

    size = pipeline.restorer.info.input_size or 0
    seconds = 0.0
    for rgb in images:
        start = time.perf_counter()
        faces = select_faces(pipeline.detector.detect(rgb), pipeline.settings.detect, rgb.shape[:2])
        seconds += time.perf_counter() - start
        aligned = [align.warp_face(rgb, face, size) for face in faces]
        wanted = [face.image for face in aligned if pipeline.restorable(face)]
        start = time.perf_counter()
        pipeline.restorer.restore_faces(wanted)
        seconds += time.perf_counter() - start
    return seconds


# ---------------------------------------------------------------------------------------------- the run

def bench_model(model: str, photos: Sequence[Path], settings: BenchSettings, work: Path,
                progress: Callable[[str], None]) -> ModelBench:
    """Every measurement for one face model."""
    restore = RestoreSettings(scale=settings.scale, model=model, device=settings.device,
                              cpu_backend=settings.cpu_backend)
    pipeline = FacePipeline(restore)
    info = pipeline.restorer.info
    with PeakMemory() as memory:
        progress(f"{info.name}: stage times")
        stages = stage_times(pipeline, photos, work / "stages", settings.repeats)
        largest = batch_for_memory(info, LARGEST_BATCH)  # GFPGAN at batch 8 took 6.7 GB
        progress(f"{info.name}: generator faces/s at batch 1 and {largest}")
        rates = {name: generator_rate(pipeline.restorer, n, settings.repeats)
                 for name, n in (("batch1", 1), ("largest", largest))}
        progress(f"{info.name}: batch runs with 0 and {settings.io_threads} I/O threads")
        batches = batch_rates(pipeline, photos, work / info.name, tuple(dict.fromkeys((0, settings.io_threads))),
                              settings.repeats)
    overlapped = next(run for run in batches if run.io_threads == settings.io_threads)
    return ModelBench(
        model=info.name, arch=info.arch, parameters_m=info.parameters / 1e6, input_size=info.input_size,
        device=str(pipeline.restorer.device), dtype=pipeline.restorer.precision,
        stages=stages, generator=GeneratorRates(rates["batch1"], rates["largest"], largest), batches=batches,
        peak_rss_mb=memory.peak_mb, network_s_per_photo=sum(stages.mean[stage] for stage in NETWORK_STAGES),
        # wall time of the overlapped batch over the time its networks (detect, restore) take alone,
        # timed in the same round, minus 1: 0.25 = the non-network work adds 25 % (the goal)
        non_network_overhead=overlapped.non_network_overhead,
        precision=precision_check(pipeline.restorer, settings.repeats),
    )


def run_bench(settings: BenchSettings, progress: Callable[[str], None] = lambda message: None) -> BenchReport:
    with tempfile.TemporaryDirectory(prefix="facesr-bench-") as folder:
        work = Path(folder)
        if settings.photos is None:
            photos = synthetic_photos(work / "photos", settings.count, settings.kind)
            source = f"generated, {settings.kind} ({_megapixels(settings.kind, settings.count)} Mpx)"
        else:
            photos, source = scan_images(settings.photos), str(settings.photos)
            if not photos:
                raise no_images_found(settings.photos)
        model, note = choose_model(settings.model, work)
        machine = _machine()
        models = [bench_model(model, photos, settings, work, progress)]
        if settings.compare is not None:
            compared = random_face_model(settings.compare, work)
            models.append(bench_model(str(compared), photos, settings, work, progress))
    return BenchReport(settings, source, len(photos), note, machine, tuple(models), peak_rss_mb())


def _megapixels(kind: str, count: int) -> str:
    sizes = [width * height / 1e6 for width, height, _ in PHOTO_KINDS[kind][:count]]
    return f"{min(sizes):.1f}-{max(sizes):.1f}" if len(sizes) > 1 else f"{sizes[0]:.1f}"


def _machine() -> Machine:
    import os

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    device = choose_device("auto")
    return Machine(python=platform.python_version(), torch=torch.__version__, cpu_count=os.cpu_count(),
                   torch_threads=torch.get_num_threads(), load_average_1min=load,
                   gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else None)


# ---------------------------------------------------------------------------------------------- output

def format_table(report: BenchReport) -> str:
    """The report as an aligned text table; with two models a ratio column (second / first)."""
    models = report.models
    rows: list[tuple[str, list[float | None], str]] = []
    for stage in STAGES:
        rows.append((f"{stage} (ms/photo)", [m.stages.mean[stage] * 1000 for m in models], "time"))
    rows.append(("generator batch1 (faces/s)", [m.generator.batch1 for m in models], "rate"))
    largest = "/".join(dict.fromkeys(str(m.generator.largest_batch) for m in models))
    rows.append((f"generator batch{largest} (faces/s)", [m.generator.largest for m in models], "rate"))
    # every model ran the same thread counts in the same order
    for index, run in enumerate(models[0].batches):
        rows.append((f"batch, {run.label} (photos/s)", [m.batches[index].photos_per_s for m in models], "rate"))
    for index, run in enumerate(models[0].batches):
        rows.append((f"non-network overhead, {run.label} (%)",
                     [_percent(m.batches[index].non_network_overhead) for m in models], "none"))
    rows.append(("peak resident memory (MiB)", [m.peak_rss_mb for m in models], "none"))
    for precision in models[0].precision:
        rows.append((f"{precision.precision} batch8 (faces/s)",
                     [m.precision_rate(precision.precision) for m in models], "rate"))
    header = ["", *(m.model[:22] for m in models)] + (["ratio"] if len(models) == 2 else [])
    lines = [header]
    for label, values, kind in rows:
        cells = [label, *(_cell(v) for v in values)]
        if len(models) == 2:
            cells.append(_ratio(values, kind))
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(line, widths, strict=True))) for line in lines)
    faces = models[0].stages.faces_per_photo
    return (f"{report.photo_count} photos ({report.photo_source}, {faces:.1f} faces/photo); "
            f"{report.model_note}\n{text}\npeak resident memory: {report.peak_rss_mb:.0f} MiB; "
            f"load average {report.machine.load_average_1min}")


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def _ratio(values: list[float | None], kind: str) -> str:
    """How many times faster the first model is (times: second/first, rates: first/second)."""
    first, second = values
    if kind == "none" or not first or not second or kind == "time" and first <= 0:
        return "-"
    return f"{(second / first if kind == 'time' else first / second):.1f}x"


def write_report(report: BenchReport, path: Path) -> Path:
    """The report as JSON (the dataclasses' fields; paths as text), written atomically."""
    from core.atomic import atomic_output

    with atomic_output(path) as temporary:
        temporary.write_text(json.dumps(dataclasses.asdict(report), indent=2, default=str), encoding="utf-8")
    return path
