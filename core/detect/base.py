"""The detector interface and the detector-independent parts: face selection, scales, merging."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from core.config import DetectSettings
from core.types import FaceDetection

# Detectors keep candidates down to this score (or the user's threshold, when lower) so that the
# GUI can move the threshold and re-select without detecting again.
CANDIDATE_FLOOR = 0.3
MERGE_IOU = 0.4  # boxes of one face found at two scales overlap far more than this


@runtime_checkable
class Detector(Protocol):
    """Finds faces in a photo. ``detect`` takes uint8 HxWx3 RGB and returns faces by score, best first."""

    name: str

    def detect(self, image: np.ndarray) -> list[FaceDetection]: ...


def select_faces(
    faces: list[FaceDetection], settings: DetectSettings, image_shape: tuple[int, int]
) -> list[FaceDetection]:
    """The faces to restore: above the score threshold, at least ``min_face`` px on the box's shorter side,
    and with ``only_center_face`` the one whose box centre is nearest the image centre (as GFPGAN)."""
    kept = [
        face
        for face in faces
        if face.score >= settings.score_threshold and min(face.width, face.height) >= settings.min_face
    ]
    kept.sort(key=lambda face: face.score, reverse=True)
    if settings.only_center_face and kept:
        height, width = image_shape[:2]
        centre = np.array([width / 2.0, height / 2.0])
        kept = [min(kept, key=lambda face: float(np.linalg.norm(_box_centre(face) - centre)))]
    return kept


def check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        got = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"detectors take a uint8 HxWx3 RGB image, got {got}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"cannot detect faces in an empty image ({image.shape})")


def resized(image: np.ndarray, factor: float) -> tuple[np.ndarray, float, float]:
    """``image`` scaled by about ``factor`` (area-averaged down, bicubic up), with the exact x and y factors."""
    height, width = image.shape[:2]
    new_w, new_h = max(1, round(width * factor)), max(1, round(height * factor))
    if (new_w, new_h) == (width, height):
        return image, 1.0, 1.0
    interpolation = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(image, (new_w, new_h), interpolation=interpolation), new_w / width, new_h / height


def to_detection(
    box: np.ndarray, score: float, landmarks: np.ndarray, factor_x: float = 1.0, factor_y: float = 1.0
) -> FaceDetection:
    """A FaceDetection in photo pixels from one found in a copy resized by (factor_x, factor_y).

    Box corners are pixel edges (they scale plainly); landmarks are points in pixel-centre
    coordinates, which move by (p + 0.5) / f - 0.5 under a resize.
    """
    x0, y0, x1, y1 = (float(v) for v in box)
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    points = (points + 0.5) / np.array([factor_x, factor_y]) - 0.5
    return FaceDetection(
        box=(x0 / factor_x, y0 / factor_y, x1 / factor_x, y1 / factor_y),
        score=float(np.clip(score, 0.0, 1.0)),
        landmarks=ffhq_order(points).astype(np.float32),
    )


def ffhq_order(points: np.ndarray) -> np.ndarray:
    """Landmarks in FFHQ template order, whatever the face's rotation.

    Both detectors already give (image-left eye, image-right eye, nose, image-left mouth corner,
    image-right mouth corner); this guards the handedness: the template has the mouth clockwise of
    the eye line (y points down), and a mirrored order would make the similarity fit fail badly.
    Rotation-safe, unlike sorting by x.
    """
    points = np.array(points, dtype=np.float64).reshape(5, 2)
    eye_line = points[1] - points[0]
    down = (points[3] + points[4]) / 2.0 - (points[0] + points[1]) / 2.0
    if eye_line[0] * down[1] - eye_line[1] * down[0] < 0.0:
        points = points[[1, 0, 2, 4, 3]]
    return points


def merge(faces: list[FaceDetection], iou_threshold: float = MERGE_IOU) -> list[FaceDetection]:
    """Greedy non-maximum suppression over faces found at several scales; best score first."""
    kept: list[FaceDetection] = []
    for face in sorted(faces, key=lambda f: f.score, reverse=True):
        if all(iou(face.box, other.box) <= iou_threshold for other in kept):
            kept.append(face)
    return kept


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two boxes (x0, y0, x1, y1)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _box_centre(face: FaceDetection) -> np.ndarray:
    x0, y0, x1, y1 = face.box
    return np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])
