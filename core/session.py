"""Interactive restoring (the desktop application's Restore tab) without any Qt.

``PipelineCache`` keeps one FacePipeline warm between photos and option changes: the model, the
detector and the background model are each rebuilt only when their own options change (the face parser
only when the device does). ``Restoration``
is one photo's result plus what re-compositing needs (blend, face selection), and ``default_save_path``
names outputs so that the original photo is never the default target.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from core.config import RestoreSettings
from core.background import upscale_background
from core.detect import Detector, create_detector
from core.detect.base import CANDIDATE_FLOOR
from core.io import LoadedImage
from core.memory import check_output_fits
from core.models.loading import load_model
from core.pipeline import FacePipeline, compose
from core.progress import CancelToken, ProgressCallback, Stage, no_progress
from core.restorer import Restorer
from core.types import FaceStatus, RestoreResult

log = logging.getLogger(__name__)

RESTORED_SUFFIX = "_restored"
WARM_UP_SIDE = 960  # px: YuNet's largest detection copy, so its buffers are set up at their full size
# the formats an interactive save offers (write_image picks the format from the extension)
SAVE_FORMATS = (".png", ".jpg", ".webp", ".tif")


class PipelineCache:
    """The parts of the last pipeline, each reused while the options it depends on stay the same.

    ``cpu_chunk`` bounds how many faces one forward pass takes on the CPU: the cancel token is
    checked between passes, so 1 makes Cancel answer within one face.
    """

    def __init__(self, cpu_chunk: int | None = 1) -> None:
        self.cpu_chunk = cpu_chunk
        self._pipeline: FacePipeline | None = None
        self._detector: tuple[tuple[object, ...], Detector] | None = None

    @property
    def pipeline(self) -> FacePipeline | None:
        return self._pipeline

    def get(self, settings: RestoreSettings, progress: ProgressCallback = no_progress) -> FacePipeline:
        old, self._pipeline = self._pipeline, None  # a failed rebuild must not leave a half-updated pipeline
        restorer = old.restorer if old is not None and _model_key(old.settings) == _model_key(settings) else None
        background = old.background_model if old is not None and \
            _background_key(old.settings) == _background_key(settings) else None
        parser = old.parser if old is not None else None
        del old  # an unused model is freed before the next one loads
        if restorer is None:
            progress(0, 0, Stage.LOAD_MODEL)
            restorer = Restorer(load_model(settings.model), settings.device, settings.fidelity, settings.cpu_backend,
                                progress)
            if self.cpu_chunk and restorer.device.type == "cpu":
                restorer.max_batch = max(1, min(restorer.max_batch, self.cpu_chunk))
        if parser is not None and parser.device != restorer.device:
            parser = None  # ParseNet follows the face model to its device
        self._pipeline = FacePipeline(settings, restorer=restorer, detector=self._detector_for(settings),
                                      background_model=background, parser=parser)
        return self._pipeline

    def _detector_for(self, settings: RestoreSettings) -> Detector:
        # detectors keep candidates down to min(floor, threshold): a lower threshold needs a new one
        key = (settings.detect.detector, min(CANDIDATE_FLOOR, settings.detect.score_threshold))
        if self._detector is None or self._detector[0] != key:
            self._detector = None
            self._detector = (key, create_detector(settings.detect))
        return self._detector[1]

    def clear(self) -> None:
        self._pipeline = None
        self._detector = None


def _model_key(settings: RestoreSettings) -> tuple[object, ...]:
    return settings.model, settings.device, settings.cpu_backend


def _background_key(settings: RestoreSettings) -> tuple[object, ...]:
    return settings.bg_model, settings.device


@dataclass(frozen=True)
class Restoration:
    """One restored photo and the source it came from; ``composite`` re-pastes faces without a model."""

    source: LoadedImage
    result: RestoreResult
    name: str  # the source file name, or e.g. "clipboard" for a pasted image

    @property
    def face_count(self) -> int:
        return len(self.result.faces)

    @property
    def restorable(self) -> frozenset[int]:
        """Indices of the faces that have a restored crop (others were left to the background)."""
        return frozenset(i for i, face in enumerate(self.result.faces) if face.status is FaceStatus.RESTORED)

    def composite(self, blend: float, selected: Collection[int] | None = None) -> np.ndarray:
        return compose(self.result, blend, selected, gray=self.source.is_gray)

    def face_box(self, index: int, margin: float = 0.25) -> tuple[int, int, int, int]:
        """Face ``index``'s detection box in output pixels, widened by ``margin`` and clipped: x0, y0, x1, y1."""
        x0, y0, x1, y1 = self.result.faces[index].detection.box
        pad_x, pad_y = (x1 - x0) * margin, (y1 - y0) * margin
        scale = self.result.scale
        height, width = self.result.background.shape[:2]
        return (max(0, int((x0 - pad_x) * scale)), max(0, int((y0 - pad_y) * scale)),
                min(width, int(np.ceil((x1 + pad_x) * scale))), min(height, int(np.ceil((y1 + pad_y) * scale))))


def restore(cache: PipelineCache, settings: RestoreSettings, image: LoadedImage, name: str,
            cancel: CancelToken | None = None, progress: ProgressCallback = no_progress) -> Restoration:
    """Restore ``image`` with the cached pipeline (rebuilt only where ``settings`` require)."""
    height, width = image.rgb.shape[:2]  # a result too large for the limit or the free memory: refused first
    check_output_fits(image.path, width, height, settings, has_alpha=image.alpha is not None, keep_background=True)
    pipeline = cache.get(settings, progress)
    if cancel is not None:
        cancel.raise_if_cancelled()
    result = pipeline.restore(image, cancel, progress=progress)
    return Restoration(source=image, result=result, name=name)


def warm_up(cache: PipelineCache, settings: RestoreSettings, cancel: CancelToken | None = None) -> None:
    """Load the models and run each stage once on a blank photo, so that the first real photo is as
    quick as the next ones (the first detection and the first forward pass set up buffers and kernels)."""
    pipeline = cache.get(settings)
    blank = np.full((WARM_UP_SIDE * 2 // 3, WARM_UP_SIDE, 3), 128, np.uint8)
    pipeline.detector.detect(blank)
    size = pipeline.restorer.info.input_size
    if size:
        if cancel is not None:
            cancel.raise_if_cancelled()
        pipeline.restorer.restore_faces([np.full((size, size, 3), 128, np.uint8)], cancel)
    if pipeline.background_model is not None:
        upscale_background(blank[:64, :64], settings.scale, pipeline.background_model, settings.tile, cancel)


def restore_face(cache: PipelineCache, settings: RestoreSettings, restoration: Restoration, index: int,
                 cancel: CancelToken | None = None, progress: ProgressCallback = no_progress) -> Restoration:
    """Restore face ``index`` of ``restoration`` alone, even one larger than the model input (its detection
    is reused; the other faces and the background are kept): "Restore this face", with no full re-run."""
    pipeline = cache.get(settings, progress)
    progress(0, 1, Stage.RESTORE)
    result = pipeline.restore_face(restoration.source, restoration.result, index, cancel)
    return replace(restoration, result=result)


def default_save_path(source: Path | None, folder: Path, extension: str | None = None,
                      name: str = "restored") -> Path:
    """stem + "_restored" + the source's format (PNG when it has none we write), beside the source.

    A pasted image (no source) gets ``name`` + "_restored.png" in ``folder``.
    """
    if source is None:
        return folder / f"{name}{RESTORED_SUFFIX}{extension or '.png'}"
    if extension is None:
        suffix = {".jpeg": ".jpg", ".tiff": ".tif"}.get(source.suffix.lower(), source.suffix.lower())
        extension = suffix if suffix in SAVE_FORMATS else ".png"
    return source.parent / f"{source.stem}{RESTORED_SUFFIX}{extension}"


def is_same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file (so writing ``a`` would replace ``b``)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()
