"""Weeding out detections that are not faces: impossible landmark layouts, and unconfirmed marginal scores.

A detector's candidate is kept when

1. its five landmarks are laid out as a face's can be (``plausible_landmarks``): measured in the
   frame of the eye line, with the eye distance as the unit, the mouth lies below the eyes, the nose
   between eye line and mouth, the mouth about as wide as the eyes are apart, and the eyes a
   plausible part of the box. The bounds are wide: on 600 UTKFace crops, the 50 Helen crops and the
   real-lq photos (sizes 16-330 px, turned and tilted faces) the measured ranges are mouth drop
   0.80-1.52, nose drop 0.48-0.79 (at most 0.8 of the mouth drop), nose across 0.17-0.86, mouth
   width 0.64-0.97, eye distance over the box's longer side 0.30-0.53; the bounds below lie well
   outside them;
2. and, when it scores under ``MARGINAL_SCORE``, a second look confirms it (``confirmed``): the
   region is detected again enlarged (or reduced) to two standard face sizes. A real face that
   scored low because it is small or blurred scores as well or better there (small faces in UTKFace
   mosaics and halved real-lq photos: 0.35-0.84 at first, 0.86-0.93 on the second look); a lookalike
   scores worse (the wall lamp in real-lq/whole/10045.png, 25 px: 0.68 at first, 0.34-0.41 on the
   second look; clusters of stars in skimage's Hubble deep field: 0.55-0.69, then 0-0.52).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import cv2
import numpy as np

from core.detect.base import iou
from core.types import FaceDetection

log = logging.getLogger(__name__)

# landmark bounds in the eye-line frame (unit: the eye distance); see the module docstring
MOUTH_DROP = (0.5, 2.0)  # mouth centre below the eye line
NOSE_ACROSS = (-0.5, 1.5)  # nose along the eye line (0 = left eye, 1 = right eye): a turned head moves it
NOSE_DROP_OF_MOUTH = (0.1, 1.0)  # nose below the eye line, as a fraction of the mouth's drop
MOUTH_WIDTH = (0.3, 1.6)  # mouth corner to mouth corner along the eye line
EYES_OF_BOX = (0.15, 0.8)  # eye distance over the box's longer side (which a rotation changes little)
BOX_MARGIN = 0.25  # landmarks may lie this fraction of the box size outside it

MARGINAL_SCORE = 0.85  # real faces of 30 px and more score 0.87-0.97 with YuNet
SECOND_LOOK_SIDES = (64, 96)  # px: the face's longer box side on the second look
SECOND_LOOK_CONTEXT = 2.5  # the second look's crop side, in face box sides
CONFIRM_SCORE = 0.8  # a second look scoring this much always confirms ...
CONFIRM_TOLERANCE = 0.1  # ... else it must score at least the first score minus this

# detects faces in a uint8 HxWx3 RGB image (a crop), in that image's coordinates
Redetect = Callable[[np.ndarray], list[FaceDetection]]


def eye_frame(landmarks: np.ndarray) -> np.ndarray:
    """The landmarks in the frame of the eye line: left eye at (0, 0), right eye at (1, 0), y down the face."""
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    across = points[1] - points[0]
    distance = float(np.hypot(*across))
    if distance < 1e-6:
        return np.full((5, 2), np.nan)
    x_axis = across / distance
    y_axis = np.array([-x_axis[1], x_axis[0]])  # 90 degrees clockwise on screen: down the face
    return (points - points[0]) @ np.stack([x_axis, y_axis], axis=1) / distance


def plausible_landmarks(face: FaceDetection) -> bool:
    """True when ``face``'s five landmarks (FFHQ order) could be a face's; see the module docstring."""
    frame = eye_frame(face.landmarks)
    if not np.isfinite(frame).all():
        return False
    nose_x, nose_y = frame[2]
    mouth_drop = float((frame[3, 1] + frame[4, 1]) / 2.0)
    mouth_width = float(frame[4, 0] - frame[3, 0])
    eye_distance = float(np.hypot(*(face.landmarks[1] - face.landmarks[0])))
    width, height = face.width, face.height
    if width <= 0 or height <= 0:
        return False
    x0, y0, x1, y1 = face.box
    inside = ((face.landmarks[:, 0] >= x0 - BOX_MARGIN * width) & (face.landmarks[:, 0] <= x1 + BOX_MARGIN * width)
              & (face.landmarks[:, 1] >= y0 - BOX_MARGIN * height) & (face.landmarks[:, 1] <= y1 + BOX_MARGIN * height))
    return bool(
        _within(mouth_drop, MOUTH_DROP)
        and _within(nose_x, NOSE_ACROSS)
        and _within(nose_y / mouth_drop, NOSE_DROP_OF_MOUTH)
        and _within(mouth_width, MOUTH_WIDTH)
        and _within(eye_distance / max(width, height), EYES_OF_BOX)
        and inside.all()
    )


def confirmed(face: FaceDetection, image: np.ndarray, redetect: Redetect) -> bool:
    """True when ``face`` scores at least ``MARGINAL_SCORE``, or a second look at standard face sizes agrees."""
    if face.score >= MARGINAL_SCORE:
        return True
    needed = min(CONFIRM_SCORE, face.score - CONFIRM_TOLERANCE)
    second = min(second_look(face, image, redetect, side) for side in SECOND_LOOK_SIDES)
    if second < needed:
        log.debug("dropped a candidate at %s: score %.2f, %.2f on a second look", _rounded(face.box), face.score,
                  second)
        return False
    return True


def second_look(face: FaceDetection, image: np.ndarray, redetect: Redetect, side: int) -> float:
    """The best score ``redetect`` gives a face overlapping ``face`` in a crop around it, resized so that
    the face's longer side is ``side`` px; 0 when it finds none there."""
    x0, y0, x1, y1 = face.box
    longer = max(face.width, face.height, 1.0)
    half = SECOND_LOOK_CONTEXT * longer / 2.0
    centre_x, centre_y = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    height, width = image.shape[:2]
    left, top = int(max(0, np.floor(centre_x - half))), int(max(0, np.floor(centre_y - half)))
    right, bottom = int(min(width, np.ceil(centre_x + half))), int(min(height, np.ceil(centre_y + half)))
    if right - left < 2 or bottom - top < 2:
        return 0.0
    factor = side / longer
    interpolation = cv2.INTER_CUBIC if factor > 1.0 else cv2.INTER_AREA
    crop = cv2.resize(image[top:bottom, left:right], None, fx=factor, fy=factor, interpolation=interpolation)
    best = 0.0
    for found in redetect(np.ascontiguousarray(crop)):
        box = (found.box[0] / factor + left, found.box[1] / factor + top,
               found.box[2] / factor + left, found.box[3] / factor + top)
        if iou(box, face.box) >= 0.3:
            best = max(best, found.score)
    return best


def vet(faces: list[FaceDetection], image: np.ndarray, redetect: Redetect | None = None) -> list[FaceDetection]:
    """``faces`` without implausible landmark layouts and, given ``redetect``, without unconfirmed marginal ones."""
    kept = []
    for face in faces:
        if not plausible_landmarks(face):
            log.debug("dropped a candidate at %s: its landmarks are not laid out as a face's", _rounded(face.box))
        elif redetect is None or confirmed(face, image, redetect):
            kept.append(face)
    return kept


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _rounded(box: tuple[float, float, float, float]) -> list[int]:
    return [round(v) for v in box]
