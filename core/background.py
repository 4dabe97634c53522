"""Upscaling the whole photo: bicubic by default (core.imaging.PLAIN_ENLARGE), or a super-resolution model run in tiles."""

from __future__ import annotations

import cv2
import numpy as np

from core.imaging import resize_to
from core.progress import CancelToken
from core.restorer import Restorer


def upscale_background(image: np.ndarray, scale: int, model: Restorer | None = None, tile: int = 400,
                       cancel: CancelToken | None = None) -> np.ndarray:
    """The photo enlarged ``scale`` times; a model of another scale is followed by a resize to the target."""
    height, width = image.shape[:2]
    if model is None or scale == 1 and model.info.scale != 1:
        return resize_to(image, width * scale, height * scale)
    upscaled = model.upscale(image, tile=tile, cancel=cancel)
    return resize_to(upscaled, width * scale, height * scale)


def upscale_alpha(alpha: np.ndarray | None, scale: int) -> np.ndarray | None:
    if alpha is None or scale == 1:
        return alpha
    height, width = alpha.shape[:2]
    return cv2.resize(alpha, (width * scale, height * scale), interpolation=cv2.INTER_LINEAR)
