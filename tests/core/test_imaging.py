"""core.imaging: the one gray conversion (exact BT.601 luma, rounded half up), used by the pipeline and paste-back."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from core import align
from core.imaging import to_gray


def _luma_half_up(red: int, green: int, blue: int) -> int:
    exact = Fraction(299 * red + 587 * green + 114 * blue, 1000)
    return int(exact + Fraction(1, 2))  # int() floors a non-negative Fraction


def test_to_gray_is_the_exact_bt601_luma_rounded_half_up() -> None:
    # exact halves: float32 weights put these a hair below or above .5, and the two old conversions
    # (np.rint and +0.5) gave 28 and 29 for the first
    halves = [(0, 0, 250), (0, 60, 20), (0, 70, 65), (0, 80, 110)]
    rng = np.random.default_rng(0)
    pixels = halves + [tuple(int(v) for v in rgb) for rgb in rng.integers(0, 256, (500, 3))]
    image = np.array(pixels, np.uint8)[None]
    gray = to_gray(image)
    assert gray.shape == image.shape and gray.dtype == np.uint8
    assert [int(v) for v in gray[0, :4, 0]] == [29, 38, 49, 60]
    assert [int(v) for v in gray[0, :, 0]] == [_luma_half_up(*rgb) for rgb in pixels]
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 1], gray[..., 2])


def test_a_gray_pixel_comes_back_unchanged() -> None:
    levels = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    assert np.array_equal(to_gray(levels), levels)
    assert np.array_equal(to_gray(to_gray(np.full((2, 2, 3), (0, 0, 250), np.uint8))), np.full((2, 2, 3), 29))


def test_paste_back_of_a_gray_photo_uses_the_same_conversion() -> None:
    rng = np.random.default_rng(1)
    face = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    face[::2, ::2] = (0, 0, 250)  # exact halves, where roundings differ
    matrix = np.array([[1.0, 0.0, -8.0], [0.0, 1.0, -8.0]])  # the face crop sits at (8, 8) in the photo
    mask = np.ones((64, 64), np.float32)
    converted_here = np.zeros((80, 80, 3), np.uint8)
    converted_by_paste = converted_here.copy()
    align.paste_face(converted_here, to_gray(face), matrix, 1, mask, crop_size=64)
    align.paste_face(converted_by_paste, face, matrix, 1, mask, gray=True, crop_size=64)
    assert np.array_equal(converted_by_paste, converted_here)
    assert np.array_equal(converted_here[8:72, 8:72], to_gray(face))  # an identity paste: the pixels themselves
