"""Image quality metrics of the standard super-resolution evaluation: PSNR and SSIM on the Y channel.

Conventions (the same in training validation and in ``eval``):
- Y is BT.601 luma as MATLAB's ``rgb2ycbcr`` computes it for 8-bit images, in the 16..235 range:
  Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 for R, G, B in 0..255. Like BasicSR's Python
  port it is kept as float (MATLAB would round it to uint8; the difference is a few hundredths of a dB).
- SSIM uses an 11x11 Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, over the
  'valid' region of the filter (Wang et al. 2004, as in BasicSR's ``calculate_ssim``).
- No border is cropped by default: face crops are aligned and the whole face is what is judged (the
  usual face-SR convention). ``crop_border`` exists for comparisons with the generic-SR convention of
  cropping ``scale`` pixels.
- PSNR of identical images would be infinite; it is capped at ``PSNR_CAP`` dB so that averages and
  the JSON logs stay finite.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

PSNR_CAP = 100.0


def rgb_to_y(image: np.ndarray) -> np.ndarray:
    """uint8 (or 0..255 float) HxWx3 RGB -> float64 HxW luma in 16..235."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 RGB image, got shape {image.shape}")
    rgb = image.astype(np.float64)
    return 16.0 + (rgb @ np.array([65.481, 128.553, 24.966])) / 255.0


def _prepare(a: np.ndarray, b: np.ndarray, crop_border: int, y_only: bool) -> tuple[np.ndarray, np.ndarray]:
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    if crop_border:
        a = a[crop_border:-crop_border, crop_border:-crop_border]
        b = b[crop_border:-crop_border, crop_border:-crop_border]
    if y_only:
        return rgb_to_y(a), rgb_to_y(b)
    return a.astype(np.float64), b.astype(np.float64)


def psnr(a: np.ndarray, b: np.ndarray, crop_border: int = 0, y_only: bool = True) -> float:
    """PSNR in dB between two uint8 images on the 0..255 scale (Y channel by default), capped at PSNR_CAP."""
    a, b = _prepare(a, b, crop_border, y_only)
    mse = float(np.mean((a - b) ** 2))
    if mse == 0.0:
        return PSNR_CAP
    return min(PSNR_CAP, 10.0 * np.log10(255.0**2 / mse))


def _ssim_channel(a: np.ndarray, b: np.ndarray) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    kernel = cv2.getGaussianKernel(11, 1.5)
    window = kernel @ kernel.T

    def filt(x: np.ndarray) -> np.ndarray:
        return cv2.filter2D(x, -1, window)[5:-5, 5:-5]  # 'valid' region only

    mu_a, mu_b = filt(a), filt(b)
    var_a = filt(a * a) - mu_a**2
    var_b = filt(b * b) - mu_b**2
    cov = filt(a * b) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(ssim_map.mean())


def ssim(a: np.ndarray, b: np.ndarray, crop_border: int = 0, y_only: bool = True) -> float:
    """SSIM between two uint8 images (Y channel by default; per-channel mean otherwise)."""
    a, b = _prepare(a, b, crop_border, y_only)
    if min(a.shape[:2]) < 11:
        raise ValueError(f"SSIM needs images of at least 11x11 pixels, got {a.shape[1]}x{a.shape[0]}")
    if a.ndim == 2:
        return _ssim_channel(a, b)
    return float(np.mean([_ssim_channel(a[..., c], b[..., c]) for c in range(a.shape[2])]))


def detail_energy(image: np.ndarray, sigma: float = 1.0) -> float:
    """High-frequency energy of a uint8 RGB image: the mean square of Y minus its Gaussian blur (``sigma`` px).

    It measures how much fine detail (pores, lashes, hair strands, and noise too) an image holds; eval
    divides a restored face's value by the ground truth's: bicubic upsampling stays far below 1, a model
    that restores real detail comes near 1, and well above 1 (about 1.3) it is inventing noise.
    """
    y = rgb_to_y(image)
    return float(np.mean((y - cv2.GaussianBlur(y, (0, 0), sigma)) ** 2))


def detail_ratio(energies: Sequence[float], truth_energies: Sequence[float]) -> float:
    """The detail ratio of a set of restored faces: the mean of their ``detail_energy`` over the mean of
    their ground truths' (a ratio of means, so that nearly flat faces weigh no more than others)."""
    return float(np.mean(energies)) / max(float(np.mean(truth_energies)), 1e-12)  # flat truths: no division by 0


def mean_psnr_ssim(outputs: Sequence[np.ndarray], targets: Sequence[np.ndarray],
                   crop_border: int = 0) -> tuple[float, float]:
    """Mean PSNR-Y and SSIM-Y over pairs of images (each pair may have its own size)."""
    if len(outputs) != len(targets) or not outputs:
        raise ValueError("need the same, non-zero number of outputs and targets")
    values = [(psnr(o, t, crop_border), ssim(o, t, crop_border)) for o, t in zip(outputs, targets, strict=True)]
    return float(np.mean([v[0] for v in values])), float(np.mean([v[1] for v in values]))
