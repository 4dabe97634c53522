"""PSNR-Y / SSIM-Y: the conventions of the standard SR evaluation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.metrics import PSNR_CAP, mean_psnr_ssim, psnr, rgb_to_y, ssim


def _image(seed: int = 0, size: int = 48) -> np.ndarray:
    return (np.random.default_rng(seed).random((size, size, 3)) * 255).astype(np.uint8)


def test_luma_is_bt601_in_the_16_to_235_range() -> None:
    black, white = np.zeros((1, 1, 3), np.uint8), np.full((1, 1, 3), 255, np.uint8)
    assert rgb_to_y(black)[0, 0] == pytest.approx(16.0)
    assert rgb_to_y(white)[0, 0] == pytest.approx(235.0)
    red = np.array([[[255, 0, 0]]], np.uint8)
    assert rgb_to_y(red)[0, 0] == pytest.approx(16 + 65.481)


def test_psnr_of_identical_images_is_capped_and_finite() -> None:
    image = _image()
    assert psnr(image, image) == PSNR_CAP and math.isfinite(psnr(image, image))


def test_psnr_of_a_constant_offset() -> None:
    a = np.full((16, 16, 3), 100, np.uint8)
    b = a + 10
    # RGB: MSE = 100 -> 20 log10(255 / 10)
    assert psnr(a, b, y_only=False) == pytest.approx(20 * math.log10(25.5))
    # Y: the offset becomes 10 * (65.481 + 128.553 + 24.966) / 255 = 10 * 219 / 255
    assert psnr(a, b) == pytest.approx(20 * math.log10(255 / (10 * 219 / 255)))


def test_crop_border_ignores_the_border() -> None:
    a = _image(1)
    b = a.copy()
    b[:2] = 0
    assert psnr(a, b, crop_border=2) == PSNR_CAP and psnr(a, b) < 40


def test_ssim_identical_is_one_and_noise_lowers_it() -> None:
    image = _image(2)
    assert ssim(image, image) == pytest.approx(1.0)
    noisy = np.clip(image.astype(int) + np.random.default_rng(3).integers(-30, 31, image.shape), 0, 255).astype(np.uint8)
    value = ssim(image, noisy)
    assert 0 < value < 0.99
    assert ssim(noisy, image) == pytest.approx(value)


def test_ssim_matches_scikit_image_gaussian_ssim() -> None:
    from skimage.metrics import structural_similarity

    a, b = _image(4), _image(5)
    b = ((a.astype(float) + b) / 2).astype(np.uint8)
    ya, yb = rgb_to_y(a), rgb_to_y(b)
    expected = structural_similarity(ya, yb, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                     data_range=255)
    assert ssim(a, b) == pytest.approx(expected, abs=1e-6)


def test_shape_mismatch_and_means() -> None:
    with pytest.raises(ValueError):
        psnr(_image(size=16), _image(size=20))
    a, b = _image(6), _image(7)
    mean_p, mean_s = mean_psnr_ssim([a, a], [a, b])
    assert mean_p == pytest.approx((PSNR_CAP + psnr(a, b)) / 2)
    assert mean_s == pytest.approx((1 + ssim(a, b)) / 2)


def test_detail_energy_is_zero_on_flat_images_and_falls_with_blur() -> None:
    import cv2

    from core.metrics import detail_energy

    assert detail_energy(np.full((32, 32, 3), 128, np.uint8)) == pytest.approx(0.0, abs=1e-9)
    sharp = _image(3, 64)
    blurred = cv2.GaussianBlur(sharp, (0, 0), 1.5)
    upsampled = cv2.resize(cv2.resize(sharp, (16, 16), interpolation=cv2.INTER_AREA), (64, 64),
                           interpolation=cv2.INTER_CUBIC)
    assert detail_energy(sharp) > 10 * detail_energy(blurred) > 0
    assert detail_energy(upsampled) < 0.2 * detail_energy(sharp)
