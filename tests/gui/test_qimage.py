"""numpy <-> QImage: exact round trips, row padding of odd widths, alpha kept or dropped when opaque."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from gui.qimage import from_qimage, to_qimage, to_qpixmap


def test_rgb_round_trip_with_odd_width_is_exact() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)  # 21-byte rows: padded to 24
    image = to_qimage(rgb)
    assert (image.width(), image.height()) == (7, 5)
    assert image.pixelColor(3, 2).getRgb()[:3] == tuple(int(v) for v in rgb[2, 3])
    back, alpha = from_qimage(image)
    assert np.array_equal(back, rgb) and alpha is None


def test_alpha_round_trip_and_opaque_alpha_is_dropped(qapp) -> None:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (4, 3, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (4, 3), dtype=np.uint8)
    back, back_alpha = from_qimage(to_qimage(rgb, alpha))
    assert np.array_equal(back, rgb) and np.array_equal(back_alpha, alpha)
    assert from_qimage(to_qimage(rgb, np.full((4, 3), 255, np.uint8)))[1] is None
    assert np.array_equal(from_qimage(to_qpixmap(rgb).toImage())[0], rgb)


def test_the_qimage_owns_its_pixels() -> None:
    rgb = np.zeros((2, 2, 3), dtype=np.uint8)
    image = to_qimage(rgb)
    rgb[:] = 255  # changing (or freeing) the array must not change the image
    assert image.pixelColor(0, 0).getRgb()[:3] == (0, 0, 0)


def test_wrong_arrays_are_refused() -> None:
    with pytest.raises(ValueError):
        to_qimage(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError):
        to_qimage(np.zeros((2, 2, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        from_qimage(QImage())
