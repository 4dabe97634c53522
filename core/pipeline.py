"""One photo through the engine: detect -> align -> restore -> upscale background -> paste back.

``FacePipeline`` holds the loaded models so that a batch (or the GUI) loads them once. ``compose``
is separate so the GUI can change blend strength or the face selection without running a model.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import time
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import torch

from core import align
from core.background import upscale_alpha, upscale_background
from core.config import RestoreSettings
from core.detect import Detector, create_detector, select_faces
from core.errors import ModelError
from core.imaging import resize_to, to_gray
from core.io import LoadedImage
from core.models.loading import load_model
from core.parsing import FaceParser
from core.progress import CancelToken, ProgressCallback, Stage, no_progress
from core.restorer import Restorer, restore_aligned
from core.types import AlignedFace, FaceStatus, LeftFaces, RestoredFace, RestoreResult

log = logging.getLogger(__name__)

# A warp that shrinks the face by more than this loses detail the model cannot give back.
MIN_WARP_SCALE = 0.999
# The catalogue's 512-px face model (core.downloads): what holds faces that outgrow a smaller model's input.
LARGER_FACE_MODEL = "gfpgan-1.4"
LARGER_FACE_MODEL_INPUT = 512


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


@functools.lru_cache(maxsize=1)
def _background_pool() -> ThreadPoolExecutor:
    """One thread for plain background enlargements, shared by every pipeline of the process."""
    return ThreadPoolExecutor(1, thread_name_prefix="facesr-background")


def overlap_background(device: torch.device) -> bool:
    """Whether the plain enlargement should run beside detection and the face model: only where it takes
    no core they use (a GPU model, or a logical CPU beyond PyTorch's threads). On 2 cores with PyTorch's
    2 threads the overlap made photos slower, as the model's threads wait on each other while a core
    enlarges: 6 photos of 0.5-12 Mpx at 2x, idle, interleaved, 3.14 s overlapped vs 2.87 s in turn
    (detection 133 -> 62 ms and restoration 269 -> 173 ms a photo, for 120 ms of enlarging)."""
    return device.type != "cpu" or (os.cpu_count() or 1) > torch.get_num_threads()


@functools.lru_cache(maxsize=8)
def _soft_mask(size: int) -> np.ndarray:
    return align.soft_mask(size)


def compose(result: RestoreResult, blend: float = 1.0, selected: Collection[int] | None = None,
            gray: bool = False, in_place: bool = False) -> np.ndarray:
    """Paste the restored faces (all, or the indices in ``selected``) onto a copy of the background.

    ``in_place`` pastes onto the background itself: no full-size copy, for callers that will not
    compose again (a batch writing the result).
    """
    canvas = result.background if in_place else result.background.copy()
    for index, face in enumerate(result.faces):
        if face.restored is None or (selected is not None and index not in selected):
            continue
        mask = face.mask if face.mask is not None else _soft_mask(face.restored.shape[0])
        align.paste_face(canvas, face.restored, face.matrix, result.scale, mask, blend, gray,
                         crop_size=face.crop_size)
    return canvas


def larger_model_for(left: LeftFaces) -> str | None:
    """A catalogue model whose larger input would take these faces without shrinking more of them, if any."""
    return LARGER_FACE_MODEL if left.model_input < LARGER_FACE_MODEL_INPUT else None


def left_faces_advice(left: LeftFaces) -> str:
    """The command line's words for faces left to the background and what would restore them."""
    text = (f"{left.count} face(s) larger than the {left.model_input}-px model input were left to the background "
            "upscaler: add --force to restore them anyway")
    model = larger_model_for(left)
    if model is not None:
        text += (f", or use a {LARGER_FACE_MODEL_INPUT}-px model such as {model} (python main.py models "
                 f"--download {model}, then --model {model})")
    return text


class FacePipeline:
    """Loaded models + settings; ``restore`` turns one decoded photo into a RestoreResult."""

    def __init__(self, settings: RestoreSettings, restorer: Restorer | None = None,
                 detector: Detector | None = None, background_model: Restorer | None = None,
                 parser: FaceParser | None = None) -> None:
        self.settings = settings
        self.restorer = restorer or Restorer(load_model(settings.model), settings.device, settings.fidelity,
                                             settings.cpu_backend)
        if self.restorer.info.kind != "face" and not settings.aligned:
            raise ModelError(self.restorer.info.path, "this is a general super-resolution model, not a face "
                             "model: use it as the background model (--bg-model)")
        self.restorer.fidelity = settings.fidelity
        self._detector = detector
        # ParseNet runs where the face model runs; it loads on the first face it masks
        self.parser = parser if parser is not None else FaceParser(self.restorer.device)
        self.background_model = background_model
        if background_model is None and settings.bg_model:
            self.background_model = Restorer(load_model(settings.bg_model), settings.device)

    @property
    def detector(self) -> Detector:
        if self._detector is None:
            self._detector = create_detector(self.settings.detect)
        return self._detector

    def restore(self, image: LoadedImage, cancel: CancelToken | None = None,
                keep_background: bool = True, progress: ProgressCallback = no_progress) -> RestoreResult:
        """``keep_background=False`` pastes onto the upscaled photo in place (result.background is then
        result.image): one full-size copy less, for a batch that writes the result and moves on.
        The caller has checked that the result fits (core.memory.check_output_fits) before any work:
        the batch as it decodes (with the output's format and comparison), the session before the models.

        ``progress`` hears each stage ("detecting faces", "restoring faces" with faces done out of
        the faces to restore, "upscaling the background", "pasting faces"); the faces' masks are made
        at the end of "restoring faces" (the timings' "mask" stage)."""
        if self.settings.aligned:
            return self._restore_aligned(image)
        timings: dict[str, float] = {}
        rgb, scale = image.rgb, self.settings.scale
        # the plain enlargement needs no model: where a core is free for it, it runs beside detection and
        # restoration (OpenCV releases the GIL), so the model thread only waits for what is left of it
        early = self.background_model is None and overlap_background(self.restorer.device)
        enlarged = _background_pool().submit(upscale_background, rgb, scale) if early else None
        progress(0, 0, Stage.DETECT)
        with _timed(timings, "detect"):
            detections = select_faces(self.detector.detect(rgb), self.settings.detect, rgb.shape[:2])
        size = self.restorer.info.input_size or 0
        with _timed(timings, "align"):
            aligned = [align.warp_face(rgb, detection, size) for detection in detections]
        wanted = [face for face in aligned if self.restorable(face)]
        with _timed(timings, "restore"):
            progress(0, len(wanted), Stage.RESTORE)
            outputs = self.restorer.restore_faces([face.image for face in wanted], cancel,
                                                  lambda done: progress(done, len(wanted), Stage.RESTORE))
        if image.is_gray:
            outputs = [to_gray(output) for output in outputs]
        with _timed(timings, "mask"):
            masks = self.face_masks(outputs, cancel)
        by_face = {id(face): (output, mask) for face, output, mask in zip(wanted, outputs, masks, strict=True)}
        progress(len(wanted), len(wanted), Stage.BACKGROUND)
        with _timed(timings, "background"):  # with the plain enlargement: the time the model thread waited for it
            background = enlarged.result() if enlarged is not None else \
                upscale_background(rgb, scale, self.background_model, self.settings.tile, cancel)
        faces = tuple(self._outcome(face, *by_face.get(id(face), (None, None))) for face in aligned)
        result = RestoreResult(image=background, background=background, alpha=upscale_alpha(image.alpha, scale),
                               faces=faces, scale=scale, timings=timings,
                               warnings=image.warnings + self._face_warnings(faces))
        progress(len(wanted), len(wanted), Stage.PASTE)
        with _timed(timings, "paste"):
            composed = compose(result, self.settings.blend, gray=image.is_gray, in_place=not keep_background)
            return dataclasses.replace(result, image=composed)

    def restore_face(self, image: LoadedImage, result: RestoreResult, index: int,
                     cancel: CancelToken | None = None) -> RestoreResult:
        """Restore face ``index`` of ``result`` alone, whatever its size (as with force), from ``image``, the
        photo ``result`` came from. The face's detection is reused and aligned as in ``restore``; the other
        faces and the upscaled background are kept, so no model runs on them again."""
        face = result.faces[index]
        if face.status is FaceStatus.RESTORED:
            return result
        if result.background is result.image:
            raise ValueError("this result was pasted in place (keep_background=False): it has no background left")
        aligned = align.warp_face(image.rgb, face.detection, self.restorer.info.input_size or 0)
        output = self.restorer.restore_faces([aligned.image], cancel)[0]
        if image.is_gray:
            output = to_gray(output)
        mask = self.face_masks([output], cancel)[0]
        faces = result.faces[:index] + (self._outcome(aligned, output, mask),) + result.faces[index + 1:]
        updated = dataclasses.replace(result, faces=faces)
        return dataclasses.replace(updated, image=compose(updated, self.settings.blend, gray=image.is_gray))

    def restorable(self, face: AlignedFace) -> bool:
        """Whether ``restore`` gives ``face`` to the model: its warp does not shrink it, or force is on."""
        return face.warp_scale >= MIN_WARP_SCALE or self.settings.force_small_model

    def face_masks(self, restored: list[np.ndarray], cancel: CancelToken | None = None) -> list[np.ndarray]:
        """Each restored face's blend mask: its outline from ParseNet when the weights are installed, else
        the soft square. ``cancel`` is checked before each face and after the last (ParseNet takes a
        while on a CPU)."""
        masks = []
        for face in restored:
            if cancel is not None:
                cancel.raise_if_cancelled()
            parsed = self.parser.mask(face)
            masks.append(parsed if parsed is not None else _soft_mask(face.shape[0]))
        if cancel is not None:
            cancel.raise_if_cancelled()
        return masks

    @staticmethod
    def _outcome(face: AlignedFace, restored: np.ndarray | None, mask: np.ndarray | None) -> RestoredFace:
        status = FaceStatus.RESTORED if restored is not None else FaceStatus.LEFT_TO_BACKGROUND
        return RestoredFace(face.detection, status, face.warp_scale, face.matrix, face.image.shape[0], restored, mask)

    @staticmethod
    def _face_warnings(faces: tuple[RestoredFace, ...]) -> tuple[str, ...]:
        # faces left to the background are not a warning but data (RestoreResult.left_faces): each front
        # end says in its own words what would restore them
        return () if faces else ("no face found: only the background was upscaled",)

    def _restore_aligned(self, image: LoadedImage) -> RestoreResult:
        timings: dict[str, float] = {}
        scale = self.settings.scale
        with _timed(timings, "restore"):
            output = restore_aligned(image.rgb, scale, self.restorer, self.settings.force_small_model)
        if image.is_gray:
            output = to_gray(output)
        with _timed(timings, "background"):
            background = resize_to(image.rgb, image.rgb.shape[1] * scale, image.rgb.shape[0] * scale)
        return RestoreResult(image=output, background=background, alpha=upscale_alpha(image.alpha, scale),
                             faces=(), scale=scale, timings=timings, warnings=image.warnings)
