"""Plain numpy/OpenCV image operations shared by restoring and training (no torch, no models)."""

from __future__ import annotations

import cv2
import numpy as np


def resize_to(image: np.ndarray, width: int, height: int, enlarge: int = cv2.INTER_LANCZOS4) -> np.ndarray:
    """Area averaging when shrinking (no aliasing), ``enlarge`` otherwise: Lanczos (the sharpest plain
    filter) by default, bicubic where a benchmark protocol or training recipe prescribes it."""
    if (width, height) == (image.shape[1], image.shape[0]):
        return image
    enlarging = width * height > image.shape[0] * image.shape[1]
    return cv2.resize(image, (width, height), interpolation=enlarge if enlarging else cv2.INTER_AREA)
