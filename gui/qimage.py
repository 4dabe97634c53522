"""The one place where numpy images become QImage/QPixmap and back.

Core works on uint8 HxWx3 RGB arrays (alpha kept aside as uint8 HxW); Qt paints QImages. Every
conversion copies, so a QImage never points into an array that numpy may free or change later.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage, QPixmap


def to_qimage(rgb: np.ndarray, alpha: np.ndarray | None = None) -> QImage:
    """A QImage holding its own copy of ``rgb`` (and ``alpha`` when given)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected uint8 HxWx3 RGB, got {rgb.dtype} {rgb.shape}")
    height, width = rgb.shape[:2]
    if alpha is not None and (alpha.shape != (height, width) or alpha.dtype != np.uint8):
        raise ValueError(f"expected uint8 alpha of shape {(height, width)}, got {alpha.dtype} {alpha.shape}")
    channels = 3 if alpha is None else 4
    image = QImage(width, height, QImage.Format.Format_RGB888 if alpha is None else QImage.Format.Format_RGBA8888)
    # numpy fills the QImage's own buffer: unlike QImage.copy(), it lets other threads run meanwhile
    # (a 4096 px image otherwise holds the GIL for ~50 ms, which the UI thread feels)
    lines = np.frombuffer(image.bits(), dtype=np.uint8, count=image.sizeInBytes())
    pixels = lines.reshape(height, image.bytesPerLine())[:, : width * channels].reshape(height, width, channels)
    pixels[..., :3] = rgb
    if alpha is not None:
        pixels[..., 3] = alpha
    return image


def to_qimage_levels(rgb: np.ndarray, min_side: int) -> list[QImage]:
    """``rgb`` and its successive halvings (area-averaged) while the shorter side stays >= ``min_side``.

    OpenCV halves a 4096 px image about ten times faster than QImage.scaled's smooth mode.
    """
    levels = [to_qimage(rgb)]
    while min(rgb.shape[:2]) >= 2 * min_side:
        rgb = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
        levels.append(to_qimage(rgb))
    return levels


def to_qpixmap(rgb: np.ndarray, alpha: np.ndarray | None = None) -> QPixmap:
    return QPixmap.fromImage(to_qimage(rgb, alpha))


def from_qimage(image: QImage) -> tuple[np.ndarray, np.ndarray | None]:
    """(RGB, alpha or None) copies of any QImage; alpha is None when the image is fully opaque."""
    if image.isNull():
        raise ValueError("the image is empty")
    has_alpha = image.hasAlphaChannel()
    fmt = QImage.Format.Format_RGBA8888 if has_alpha else QImage.Format.Format_RGB888
    converted = image.convertToFormat(fmt)
    channels = 4 if has_alpha else 3
    height, width = converted.height(), converted.width()
    # rows are padded to 4 bytes: read whole lines, then drop the padding
    lines = np.frombuffer(converted.constBits(), dtype=np.uint8, count=converted.bytesPerLine() * height)
    pixels = lines.reshape(height, converted.bytesPerLine())[:, : width * channels].reshape(height, width, channels)
    rgb = np.array(pixels[..., :3])
    if not has_alpha:
        return rgb, None
    alpha = np.array(pixels[..., 3])
    return rgb, None if bool(np.all(alpha == 255)) else alpha


def rgb_from_qimage(image: QImage) -> np.ndarray:
    """Only the RGB pixels of ``image`` (e.g. a widget grab in a test)."""
    return from_qimage(image)[0]
