"""Identity distance for `eval`: dlib's 128-d face descriptors of a restored face and its ground truth.

Optional evaluation extras, never needed by the application (requirements-eval.txt: dlib-bin and
face-recognition-models). The models folder of face-recognition-models is found with
importlib.util.find_spec, without importing the package (its __init__ pulls in pkg_resources); when
either package is missing, ``IdentityScorer.create`` returns None and eval leaves the column empty.

The distance is Euclidean between descriptors; dlib's same-person threshold is 0.6, lower is closer.
The face's five landmarks are found once on the ground truth (in dlib's detector box, else the whole
crop as the box, which suits tight face crops) and reused for every image compared with it: the images
are pixel-aligned with the ground truth, so each descriptor sees the same face chip and the distance
reflects the pixels, not the landmark predictor's jitter on a blurred input or a restorer's moved features.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

RECOGNITION_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"


def models_folder() -> Path | None:
    """face-recognition-models' folder of .dat files, found without importing the package."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    return folder if (folder / RECOGNITION_MODEL).is_file() and (folder / SHAPE_MODEL).is_file() else None


class IdentityScorer:
    def __init__(self, dlib: Any, folder: Path) -> None:
        self.dlib = dlib
        self.detector = dlib.get_frontal_face_detector()
        self.shapes = dlib.shape_predictor(str(folder / SHAPE_MODEL))
        self.recognition = dlib.face_recognition_model_v1(str(folder / RECOGNITION_MODEL))

    @classmethod
    def create(cls) -> IdentityScorer | None:
        """A scorer when dlib and face-recognition-models are installed, else None (logged once)."""
        folder = models_folder()
        if folder is None or importlib.util.find_spec("dlib") is None:
            log.info("identity distance skipped: pip install -r requirements-eval.txt to measure it")
            return None
        import dlib

        return cls(dlib, folder)

    def landmarks(self, truth: np.ndarray) -> Any:
        """The five landmarks of the face in ``truth``, in dlib's largest face box or the whole image."""
        truth = np.ascontiguousarray(truth)
        return self.shapes(truth, self._face_box(truth))

    def _face_box(self, truth: np.ndarray) -> Any:
        faces = self.detector(truth, 1)
        if faces:
            return max(faces, key=lambda box: box.area())
        height, width = truth.shape[:2]
        return self.dlib.rectangle(0, 0, width - 1, height - 1)

    def descriptor(self, image: np.ndarray, landmarks: Any) -> np.ndarray:
        return np.asarray(self.recognition.compute_face_descriptor(np.ascontiguousarray(image), landmarks))

    def distances(self, truth: np.ndarray, *images: np.ndarray) -> list[float]:
        """Distance of each RGB uint8 image to ``truth`` (all the same size, aligned with it)."""
        landmarks = self.landmarks(truth)
        reference = self.descriptor(truth, landmarks)
        return [float(np.linalg.norm(self.descriptor(image, landmarks) - reference)) for image in images]
