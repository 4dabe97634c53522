"""Plain data passed between the stages of the engine (see docs/DESIGN.md's data flow)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class FaceDetection:
    """One face found in a photo, in that photo's pixel coordinates.

    ``landmarks`` is a (5, 2) float32 array in the FFHQ template order: the eye on the image's
    left, the eye on the image's right, nose tip, left mouth corner, right mouth corner.
    """

    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    score: float
    landmarks: np.ndarray

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class AlignedFace:
    """A face warped onto the FFHQ template at the model's input size.

    ``matrix`` is the 2x3 similarity transform from photo pixels to crop pixels; ``warp_scale`` is
    its scale factor (below 1 means warping shrank the face).
    """

    image: np.ndarray  # uint8 HxWx3 RGB, H == W == the model's input size
    matrix: np.ndarray  # float64 2x3
    warp_scale: float
    detection: FaceDetection


class FaceStatus(enum.Enum):
    RESTORED = "restored"
    LEFT_TO_BACKGROUND = "left to the background upscaler (the face is larger than the model input)"


@dataclass(frozen=True)
class RestoredFace:
    """The outcome for one face: its restored crop (when restored) and where it goes back."""

    detection: FaceDetection
    status: FaceStatus
    warp_scale: float
    matrix: np.ndarray  # photo -> model-input crop, as in AlignedFace
    crop_size: int  # side of that model-input crop (the restored crop may be a multiple of it)
    restored: np.ndarray | None = None  # uint8 model-output crop, None when not restored
    mask: np.ndarray | None = None  # float32 0..1 blend mask at the restored crop's size


@dataclass(frozen=True)
class LeftFaces:
    """Faces left to the background upscaler because they hold more pixels than the model input (the
    never-worse rule); ``model_input`` is that input's side in pixels. Each front end says in its own words
    what would restore them (core.pipeline.left_faces_advice for the command line)."""

    count: int
    model_input: int


@dataclass(frozen=True)
class RestoreResult:
    """Everything needed to show, re-composite (other blend or face selection) and save a photo."""

    image: np.ndarray  # the composed output, uint8 HxWx3 RGB
    background: np.ndarray  # the upscaled photo without restored faces
    alpha: np.ndarray | None  # upscaled alpha channel, kept aside from the RGB work
    faces: tuple[RestoredFace, ...]
    scale: int
    timings: dict[str, float] = field(default_factory=dict)  # stage name -> seconds
    warnings: tuple[str, ...] = ()

    @property
    def restored_count(self) -> int:
        return sum(face.status is FaceStatus.RESTORED for face in self.faces)

    @property
    def left_faces(self) -> LeftFaces | None:
        """The faces left to the background, or None when every face found was restored."""
        left = [face for face in self.faces if face.status is FaceStatus.LEFT_TO_BACKGROUND]
        return LeftFaces(len(left), left[0].crop_size) if left else None
