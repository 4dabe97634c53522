"""`eval`: a model against bicubic upsampling on a folder of HR faces, by the standard protocol.

Protocol (the same as training validation):
- each HR image is cropped at its bottom/right edge to a multiple of the scale ("modcrop");
- ``bicubic``: LQ = PIL bicubic (antialiased, MATLAB-imresize-like) downsampling by the scale, no blur;
  ``blind``: blur -> random downsampling -> noise -> JPEG -> resize to HR/scale, with the default
  ranges of core.training.config.DegradationConfig, seeded per image from --seed;
- the model runs through core.restorer.restore_aligned (the LQ crop is resized to the model input if
  it differs, and the output back to HR size); the baseline is cv2 INTER_CUBIC upsampling of the LQ;
- PSNR-Y / SSIM-Y as in core/metrics.py, no border cropped unless --crop-border;
- detail ratio: the mean high-frequency energy of the outputs' Y (Y minus its Gaussian blur, sigma 1 px,
  mean of squares; core.metrics.detail_energy) over the same mean of the HR faces, no border cropped;
- identity distance: Euclidean distance of dlib's 128-d descriptors of output and HR, when the optional
  extras of requirements-eval.txt are installed (else empty);
- ms per face: wall time of restore_aligned per face (after one untimed warm-up face), on the chosen device.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.atomic import atomic_output
from core.errors import ImageReadError, TrainingError
from core.io import read_image, scan_images
from core.metrics import detail_energy, detail_ratio, psnr, ssim
from core.progress import CancelToken, ProgressCallback, no_progress
from core.training.config import DegradationConfig
from core.training.degradations import bicubic_upsample, degrade, sample_rng

if TYPE_CHECKING:
    from core.training.identity import IdentityScorer

log = logging.getLogger(__name__)

EVAL_STREAM = 2  # random stream of the blind degradations in eval (training uses 0 and 1)
MAX_PIXELS = 64_000_000

PROTOCOL = " ".join(__doc__.split("Protocol (the same as training validation):")[1].split())
Restore = Callable[[np.ndarray], np.ndarray]  # LQ uint8 HxWx3 -> uint8 (H*scale)x(W*scale)x3


@dataclass(frozen=True)
class FaceScore:
    file: str
    psnr_y: float
    ssim_y: float
    bicubic_psnr_y: float
    bicubic_ssim_y: float
    ms: float
    detail: float = float("nan")  # high-frequency energy of the output, of bicubic, of the HR face
    bicubic_detail: float = float("nan")
    hr_detail: float = float("nan")
    identity: float | None = None  # dlib descriptor distance to the HR face (None: extras not installed)
    bicubic_identity: float | None = None


@dataclass(frozen=True)
class EvalReport:
    model: str
    scale: int
    degradation: str
    seed: int
    crop_border: int
    psnr_y: float
    ssim_y: float
    bicubic_psnr_y: float
    bicubic_ssim_y: float
    ms_per_face: float
    faces: tuple[FaceScore, ...]
    skipped: tuple[str, ...] = ()
    protocol: str = PROTOCOL
    detail_ratio: float = float("nan")
    bicubic_detail_ratio: float = float("nan")
    identity_distance: float | None = None
    bicubic_identity_distance: float | None = None


def modcrop(image: np.ndarray, scale: int) -> np.ndarray:
    height, width = image.shape[:2]
    return image[: height - height % scale, : width - width % scale]


def make_lq(hr: np.ndarray, scale: int, degradation: str, seed: int, index: int) -> np.ndarray:
    """The LQ input of HR face ``index`` by the protocol (hr must be modcropped)."""
    return degrade(hr, scale, DegradationConfig(kind=degradation), sample_rng(seed, EVAL_STREAM, 0, index))


def evaluate_faces(restore: Restore, files: Sequence[Path], scale: int, degradation: str = "bicubic",
                   seed: int = 0, crop_border: int = 0, progress: ProgressCallback = no_progress,
                   cancel: CancelToken | None = None, identity: IdentityScorer | None = None,
                   ) -> tuple[list[FaceScore], list[str]]:
    """Score ``restore`` and bicubic on each HR file; unreadable or too small files are skipped (listed).
    ``identity`` (optional dlib extras) adds the identity distances."""
    scores: list[FaceScore] = []
    skipped: list[str] = []
    warmed_up = False
    for index, path in enumerate(files):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(index, len(files), f"evaluating {path.name}")
        try:
            hr = modcrop(read_image(path, MAX_PIXELS).rgb, scale)
        except ImageReadError as error:
            log.warning("skipped %s", error)
            skipped.append(f"{path}: {error.cause}")
            continue
        if min(hr.shape[:2]) < max(11, 8 * scale):
            skipped.append(f"{path}: smaller than {8 * scale} px")
            continue
        lq = make_lq(hr, scale, degradation, seed, index)
        if not warmed_up:  # the first call pays for lazy initialisation (kernels, allocations)
            restore(lq)
            warmed_up = True
        start = time.perf_counter()
        output = restore(lq)
        elapsed_ms = (time.perf_counter() - start) * 1000
        if output.shape != hr.shape:
            raise TrainingError(path, f"the model returned {output.shape[1]}x{output.shape[0]} for a "
                                      f"{hr.shape[1]}x{hr.shape[0]} target")
        baseline = bicubic_upsample(lq, hr.shape[1], hr.shape[0])
        distances = identity.distances(hr, output, baseline) if identity is not None else [None, None]
        scores.append(FaceScore(str(path), psnr(output, hr, crop_border), ssim(output, hr, crop_border),
                                psnr(baseline, hr, crop_border), ssim(baseline, hr, crop_border), elapsed_ms,
                                detail_energy(output), detail_energy(baseline), detail_energy(hr), *distances))
    progress(len(files), len(files), "evaluated")
    return scores, skipped


def summarise(model: str, scores: Sequence[FaceScore], skipped: Sequence[str], scale: int, degradation: str,
              seed: int, crop_border: int) -> EvalReport:
    def mean(name: str) -> float:
        return float(np.mean([getattr(score, name) for score in scores]))

    def mean_or_none(name: str) -> float | None:
        values = [getattr(score, name) for score in scores]
        return None if any(v is None for v in values) else float(np.mean(values))

    def ratio(name: str) -> float:
        return detail_ratio([getattr(score, name) for score in scores], [score.hr_detail for score in scores])

    return EvalReport(model, scale, degradation, seed, crop_border, mean("psnr_y"), mean("ssim_y"),
                      mean("bicubic_psnr_y"), mean("bicubic_ssim_y"), mean("ms"), tuple(scores), tuple(skipped),
                      detail_ratio=ratio("detail"), bicubic_detail_ratio=ratio("bicubic_detail"),
                      identity_distance=mean_or_none("identity"),
                      bicubic_identity_distance=mean_or_none("bicubic_identity"))


def evaluate(model: str, hr_dir: str | Path, scale: int, degradation: str = "bicubic", seed: int = 0,
             device: str = "auto", crop_border: int = 0, progress: ProgressCallback = no_progress,
             cancel: CancelToken | None = None) -> EvalReport:
    """Load ``model`` (name or path) and evaluate it on every image under ``hr_dir``."""
    from core.models.loading import load_model
    from core.restorer import Restorer, restore_aligned

    try:
        files = scan_images(hr_dir, recursive=True)
    except ImageReadError as error:
        raise TrainingError(hr_dir, f"cannot read the HR folder: {error.cause}") from error
    if not files:
        raise TrainingError(hr_dir, "holds no images")
    loaded = load_model(model)
    # PyTorch in float32 on the CPU: the figures must not depend on the CPU (bfloat16 where it is native)
    restorer = Restorer(loaded, device=device, cpu_backend="torch")
    info = loaded.info
    if info.scale != scale:
        log.warning("%s is a x%d model evaluated at x%d: its output is resized to the HR size", info.name,
                    info.scale, scale)

    def restore(lq: np.ndarray) -> np.ndarray:
        # force: evaluate the model even when the LQ is larger than its input (it is then shrunk).
        return restore_aligned(lq, scale, restorer, force=True)

    from core.training.identity import IdentityScorer

    scores, skipped = evaluate_faces(restore, files, scale, degradation, seed, crop_border, progress, cancel,
                                     IdentityScorer.create())
    if not scores:
        raise TrainingError(hr_dir, "none of its images could be evaluated")
    return summarise(str(info.path), scores, skipped, scale, degradation, seed, crop_border)


def format_table(report: EvalReport) -> str:
    name = Path(report.model).name

    def identity(value: float | None) -> str:
        return f"{value:>9.4f}" if value is not None else f"{'-':>9}"

    lines = [
        f"x{report.scale}, {report.degradation} degradation, {len(report.faces)} faces"
        + (f", {len(report.skipped)} skipped" if report.skipped else ""),
        f"{'method':<32} {'PSNR-Y (dB)':>12} {'SSIM-Y':>8} {'detail':>7} {'identity':>9} {'ms/face':>9}",
        f"{name[:32]:<32} {report.psnr_y:>12.2f} {report.ssim_y:>8.4f} {report.detail_ratio:>7.3f} "
        f"{identity(report.identity_distance)} {report.ms_per_face:>9.1f}",
        f"{'bicubic':<32} {report.bicubic_psnr_y:>12.2f} {report.bicubic_ssim_y:>8.4f} "
        f"{report.bicubic_detail_ratio:>7.3f} {identity(report.bicubic_identity_distance)} {'':>9}",
    ]
    if report.identity_distance is None:
        lines.append("identity: distance of dlib face descriptors (0.6 = same-person threshold); "
                     "not measured: pip install -r requirements-eval.txt")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def write_report(report: EvalReport, out_dir: str | Path) -> tuple[Path, Path]:
    """Per-face CSV (plus a mean row) and the whole report as JSON, both written atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = out_dir / "eval.csv", out_dir / "eval.json"
    columns = list(FaceScore.__dataclass_fields__)
    with atomic_output(csv_path) as temporary:
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for score in report.faces:
                writer.writerow([_cell(getattr(score, c)) for c in columns])
            means = {"file": "MEAN", "psnr_y": report.psnr_y, "ssim_y": report.ssim_y,
                     "bicubic_psnr_y": report.bicubic_psnr_y, "bicubic_ssim_y": report.bicubic_ssim_y,
                     "ms": report.ms_per_face, "identity": report.identity_distance,
                     "bicubic_identity": report.bicubic_identity_distance}
            writer.writerow([_cell(means.get(c)) for c in columns])  # energies: the ratio is in the JSON
    with atomic_output(json_path) as temporary:
        temporary.write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    return csv_path, json_path
