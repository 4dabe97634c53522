"""HQ face -> LQ model input, reproducible from a seed. Plain numpy/OpenCV/PIL: safe in DataLoader workers.

Downsampling in the ``bicubic`` model (and in ``eval --degradation bicubic``) is PIL's bicubic resize:
a = -0.5 cubic kernel widened by the factor, i.e. antialiased like MATLAB's ``imresize``, the
standard SR protocol. (cv2.resize INTER_CUBIC does not antialias when shrinking, which makes an
easier, aliased LQ.) The bicubic *baseline* the metrics compare against upsamples with cv2
INTER_CUBIC (see ``bicubic_upsample``), in validation and in eval alike.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from core.training.config import DegradationConfig


def sample_rng(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for (seed, keys...): the same numbers in any worker, order or process."""
    return np.random.default_rng([seed, *keys])


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0:
        return image
    size = 2 * math.ceil(3 * sigma) + 1
    return cv2.GaussianBlur(image, (size, size), sigma, borderType=cv2.BORDER_REFLECT_101)


def bicubic_downsample(image: np.ndarray, factor: int) -> np.ndarray:
    """uint8 HxWx3 -> (H/factor)x(W/factor)x3 with PIL's antialiased bicubic (sides must divide)."""
    height, width = image.shape[:2]
    if height % factor or width % factor:
        raise ValueError(f"image {width}x{height} is not a multiple of the scale {factor}")
    pil = Image.fromarray(np.ascontiguousarray(image))
    return np.asarray(pil.resize((width // factor, height // factor), Image.Resampling.BICUBIC))


def bicubic_upsample(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The bicubic baseline: cv2 INTER_CUBIC to the target size (identity when the size already matches)."""
    if image.shape[1] == width and image.shape[0] == height:
        return image.copy()
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC)


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Area when shrinking (no aliasing), bilinear when enlarging."""
    if image.shape[1] == width and image.shape[0] == height:
        return image
    shrinking = width < image.shape[1]
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Round-trip a uint8 RGB image through JPEG (OpenCV wants BGR so chroma is subsampled correctly)."""
    ok, encoded = cv2.imencode(".jpg", np.ascontiguousarray(image[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else None
    if decoded is None:
        raise RuntimeError("JPEG round trip failed")
    return np.ascontiguousarray(decoded[..., ::-1])


def degrade_bicubic(hq: np.ndarray, scale: int, config: DegradationConfig, rng: np.random.Generator) -> np.ndarray:
    """The seeds' model: optional Gaussian blur (sigma drawn from config.blur_sigma), then bicubic down."""
    low, high = config.blur_sigma
    image = gaussian_blur(hq, rng.uniform(low, high)) if high > 0 else hq
    return bicubic_downsample(image, scale)


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """Every octave of the range equally likely: x2 and x8 faces get the same share of training."""
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _enlarge(image: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Back to the model input with bilinear or bicubic, the two ways photos reach it (warps, benchmarks)."""
    if image.shape[1] >= width:
        return resize(image, width, height)
    interpolation = cv2.INTER_CUBIC if rng.random() < 0.5 else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)


def degrade_blind_bicubic(hq: np.ndarray, scale: int, config: DegradationConfig,
                          rng: np.random.Generator) -> np.ndarray:
    """Clean LQ of a random size: antialiased bicubic down by a factor from the blind range, bicubic up."""
    height, width = hq.shape[:2]
    factor = _log_uniform(rng, *config.blind_downsample)
    small = (max(1, round(width / factor)), max(1, round(height / factor)))
    image = np.asarray(Image.fromarray(np.ascontiguousarray(hq)).resize(small, Image.Resampling.BICUBIC))
    return bicubic_upsample(image, width // scale, height // scale) if small[0] < width // scale \
        else resize(image, width // scale, height // scale)


def degrade_blind(hq: np.ndarray, scale: int, config: DegradationConfig, rng: np.random.Generator) -> np.ndarray:
    """blur -> downsample by a random factor -> Gaussian noise -> JPEG -> resize to the model input
    (or, for ``blind_bicubic_share`` of the samples, plain bicubic)."""
    if rng.random() < config.blind_bicubic_share:
        return degrade_blind_bicubic(hq, scale, config, rng)
    height, width = hq.shape[:2]
    image = gaussian_blur(hq.astype(np.float32), rng.uniform(*config.blind_blur_sigma))
    factor = _log_uniform(rng, *config.blind_downsample)
    small = (max(1, round(width / factor)), max(1, round(height / factor)))
    image = resize(image, *small)
    noise = rng.uniform(*config.blind_noise)
    if noise > 0:
        image = image + rng.normal(0.0, noise, image.shape).astype(np.float32)
    image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    image = jpeg(image, int(rng.integers(config.blind_jpeg[0], config.blind_jpeg[1] + 1)))
    return _enlarge(image, width // scale, height // scale, rng)


def degrade(hq: np.ndarray, scale: int, config: DegradationConfig, rng: np.random.Generator) -> np.ndarray:
    """uint8 HxWx3 HQ -> uint8 (H/scale)x(W/scale)x3 LQ by the configured model."""
    if config.kind == "bicubic":
        return degrade_bicubic(hq, scale, config, rng)
    return degrade_blind(hq, scale, config, rng)
