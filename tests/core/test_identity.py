"""core.training.identity: the landmarks are fit once, on the ground truth, and every descriptor uses them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from core.training.identity import IdentityScorer


class _FakeDlib:
    """Just enough of dlib: no face is detected, the shape predictor records what it was given, and a
    descriptor is the mean colour of the image plus the landmarks' tag (so a tag mix-up changes it)."""

    def __init__(self) -> None:
        self.fitted_on: list[int] = []  # mean brightness of each image the landmarks were fit on
        self.described_with: list[float] = []

    def get_frontal_face_detector(self) -> Any:
        return lambda image, upsample: []

    def rectangle(self, left: int, top: int, right: int, bottom: int) -> tuple[int, int, int, int]:
        return left, top, right, bottom

    def shape_predictor(self, path: str) -> Any:
        def fit(image: np.ndarray, box: tuple[int, int, int, int]) -> SimpleNamespace:
            assert box == (0, 0, image.shape[1] - 1, image.shape[0] - 1)  # no face found: the whole crop
            self.fitted_on.append(int(image.mean()))
            return SimpleNamespace(tag=float(image.mean()))

        return fit

    def face_recognition_model_v1(self, path: str) -> Any:
        def describe(image: np.ndarray, landmarks: SimpleNamespace) -> list[float]:
            self.described_with.append(landmarks.tag)
            return [float(image.mean()) + landmarks.tag, 0.0]

        return SimpleNamespace(compute_face_descriptor=describe)


def test_the_landmarks_of_the_truth_serve_every_image() -> None:
    fake = _FakeDlib()
    scorer = IdentityScorer(fake, Path("models"))
    truth, near, far = (np.full((40, 30, 3), value, np.uint8) for value in (100, 110, 160))
    assert scorer.distances(truth, near, far) == pytest.approx([10.0, 60.0])
    assert fake.fitted_on == [100]  # once, on the ground truth; not on the restored or bicubic image
    assert fake.described_with == [100.0, 100.0, 100.0]


def test_with_dlib_an_image_is_at_distance_zero_from_itself_and_the_landmarks_are_fit_once(
        astronaut: np.ndarray) -> None:
    scorer = IdentityScorer.create()
    if scorer is None:
        pytest.skip("the optional eval extras (dlib, face-recognition-models) are not installed")
    face = np.ascontiguousarray(astronaut[30:230, 140:320])
    fits: list[int] = []
    predictor = scorer.shapes
    scorer.shapes = lambda image, box: fits.append(1) or predictor(image, box)
    noisy = np.clip(face.astype(np.int16) + np.random.default_rng(0).integers(-40, 41, face.shape), 0, 255)
    same, other = scorer.distances(face, face.copy(), noisy.astype(np.uint8))
    assert same == 0.0 and other > 0.0 and len(fits) == 1
