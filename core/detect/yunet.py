"""YuNet (libfacedetection) through the ``yuface`` package: offline, the weights are compiled in.

What ``yuface.detect(image, conf)`` really does (yuface 2023.5.1; its docstring is partly wrong):
- takes a C-contiguous uint8 HxWx3 **BGR** array; a negative-stride view such as ``rgb[:, :, ::-1]``
  is read as if it were contiguous and gives wrong results, so always pass a copy;
- returns int16 arrays (not uint16: boxes at the image edge have negative coordinates): scores 0..100,
  boxes as x, y, w, h, and landmarks as 10 integers x0 y0 .. x4 y4 in the order image-left eye,
  image-right eye, nose tip, image-left mouth corner, image-right mouth corner (FFHQ's order);
- warns above 960 px and works best from about 10 px to about 400 px faces.

Measured on skimage's astronaut and other skimage sample photos while writing this: faces under
~13 px are missed without upscaling and found with scores 0.7-0.9 after a 2-4x upscale of a small
image; faces over ~450 px in
the detection image score lower (0.64-0.76) with boxes 20-30 % too small, and are found cleanly at
half that scale; upscaling photos that are already 480 px adds false positives (0.6-0.74 on the Hubble
deep field). Hence the scale plan in ``detection_factors``.

Only its first scale always runs (one pass over 1280x960 costs about as much as the default face
model restoring a face): the coarse pass for large faces runs only when the first pass finds nothing,
or finds a face at the size where YuNet's boxes start to shrink (``LARGE_FACE_SIDE``).
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.detect.base import check_image, merge, resized, to_detection
from core.detect.vetting import vet
from core.errors import DetectorError
from core.types import FaceDetection

MAX_SIDE = 960  # the detection copy's longer side stays at or below this
SMALL_SIDE = 256  # images smaller than this are upscaled up to this size ...
MAX_UPSCALE = 4.0  # ... by at most this factor
COARSE_SIDE = 480  # second pass for large faces, when the first pass is well above this size ...
# ... and it found nothing, or a face whose box side is at least this in the detection copy: YuNet's
# boxes of ~450 px faces come out 20-30 % small, so such a box is a face at the size limit
LARGE_FACE_SIDE = 300

_lock = threading.Lock()  # libfacedetection keeps scratch buffers; one call at a time
_RESULT_BYTES = 0x9000  # libfacedetection's DETECT_BUFFER_SIZE: an int count, then 16 int16 per face
# int* facedetect_cnn(unsigned char* result_buffer, unsigned char* bgr, int width, int height, int step)
_NATIVE_SYMBOL = "_Z14facedetect_cnnPhS_iii"  # its GCC (Itanium ABI) name

log = logging.getLogger(__name__)

Found = tuple[np.ndarray, np.ndarray, np.ndarray]  # scores 0..100, boxes x y w h, landmarks (10)


def native_detect() -> Callable[[np.ndarray, float], Found] | None:
    """yuface's own library called through ctypes, which releases the GIL during the call.

    yuface's extension holds the GIL for the whole detection (about 0.4 s on a 1024 px photo here),
    which freezes the desktop application's window while the worker thread detects. Same library,
    same results; None where the library or its symbol is not found (then yuface.detect is used).
    """
    if not sys.platform.startswith("linux"):  # the symbol name below is GCC's; elsewhere keep yuface's call
        return None
    try:
        import yuface

        library = ctypes.CDLL(str(Path(yuface.__file__).parent / "libfacedetection.so"))
        function = getattr(library, _NATIVE_SYMBOL)
    except (ImportError, OSError, AttributeError) as error:
        log.debug("YuNet through ctypes unavailable (%s): using yuface.detect", error)
        return None
    function.restype = ctypes.c_void_p
    function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]

    def detect(bgr: np.ndarray, min_score: float) -> Found:
        """yuface.detect's contract: C-contiguous uint8 BGR in; rows scoring above ``min_score`` out."""
        buffer = np.zeros(_RESULT_BYTES, dtype=np.uint8)
        height, width = bgr.shape[:2]
        if not function(buffer.ctypes.data, bgr.ctypes.data, width, height, bgr.strides[0]):
            return np.zeros(0, np.int16), np.zeros((0, 4), np.int16), np.zeros((0, 10), np.int16)
        count = int(buffer[:4].view(np.int32)[0])
        rows = buffer[4:4 + 32 * count].view(np.int16).reshape(count, 16)
        rows = rows[rows[:, 0] > min_score * 100]
        return rows[:, 0].copy(), rows[:, 1:5].copy(), rows[:, 5:15].copy()

    return detect


class YuNetDetector:
    name = "yunet"

    def __init__(self, min_score: float = 0.3, every_scale: bool = False) -> None:
        """``every_scale`` runs every pass of the scale plan on every photo (the slower behaviour before
        the later passes were made conditional; kept to compare them)."""
        try:
            import yuface
        except ImportError as exc:
            raise DetectorError(None, f"the YuNet detector needs yuface ({exc}): pip install yuface==2023.5.1") from exc
        self._detect = native_detect() or yuface.detect
        self.min_score = min_score
        self.every_scale = every_scale
        self.passes = 0  # YuNet passes over whole photos so far (not second looks): for benchmarks and tests

    def detect(self, image: np.ndarray) -> list[FaceDetection]:
        check_image(image)
        found: list[FaceDetection] = []
        first, *extra = detection_factors(image.shape[:2])
        found += self._detect_scaled(image, first)
        if self.every_scale or needs_more_scales(found, first):
            for factor in extra:
                found += self._detect_scaled(image, factor)
        # a lookalike (a lamp, a knot in wood) scores like a small blurred face: look again before keeping it
        return vet(merge(found), image, self._second_look)

    def _detect_scaled(self, rgb: np.ndarray, factor: float) -> list[FaceDetection]:
        """One pass over the photo resized by ``factor``; the faces in photo coordinates.

        The channels turn to YuNet's BGR after the resize, on the small copy: the same pixels (the
        filters work per channel), where OpenCV would first copy a reversed view of the whole photo
        (60 of 90 ms of CPU on a 12 Mpx photo)."""
        copy, factor_x, factor_y = resized(rgb, factor)
        self.passes += 1
        return self._detect_once(np.ascontiguousarray(copy[:, :, ::-1]), factor_x, factor_y)

    def _second_look(self, crop: np.ndarray) -> list[FaceDetection]:
        """One pass over a small RGB crop (core.detect.vetting resizes it to a standard face size)."""
        return self._detect_once(np.ascontiguousarray(crop[:, :, ::-1]), 1.0, 1.0)

    def _detect_once(self, bgr: np.ndarray, factor_x: float, factor_y: float) -> list[FaceDetection]:
        with _lock:
            scores, boxes, landmarks = self._detect(bgr, self.min_score)
        faces = []
        for score, (x, y, w, h), points in zip(scores, boxes.astype(np.float64), landmarks, strict=True):
            box = np.array([x, y, x + w, y + h])
            faces.append(to_detection(box, float(score) / 100.0, points, factor_x, factor_y))
        return faces


def needs_more_scales(found: list[FaceDetection], factor: float) -> bool:
    """True when a pass at ``factor`` found no face above the candidate floor, or a face at the size limit."""
    return not found or any(max(face.width, face.height) * factor >= LARGE_FACE_SIDE for face in found)


def detection_factors(shape: tuple[int, int]) -> list[float]:
    """The scale factors at which YuNet may run on an image of ``shape`` (height, width): the first always,
    the others only when ``needs_more_scales`` says so."""
    longer = max(shape[:2])
    if longer > MAX_SIDE:
        first = MAX_SIDE / longer
    elif longer < SMALL_SIDE:
        first = min(MAX_UPSCALE, SMALL_SIDE / longer)
    else:
        first = 1.0
    factors = [first]
    if longer * first > 1.25 * COARSE_SIDE:
        factors.append(COARSE_SIDE / longer)
    return factors
