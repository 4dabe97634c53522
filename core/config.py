"""Frozen, validated settings for restoring photos. Training settings live in core/training/config.py."""

from __future__ import annotations

from dataclasses import dataclass

SCALES = (1, 2, 4, 8)
DETECTORS = ("yunet", "retinaface", "retinaface-mobile")
OUTPUT_EXTENSIONS = ("auto", "png", "jpg", "webp")
DEVICES = ("auto", "cpu", "cuda")
# how a face model runs on the CPU: auto = ONNX Runtime for the models where it was measured faster and its
# output matches PyTorch (core/restorer.py, core/onnx_backend.py), bfloat16 where that was; torch = PyTorch
# float32 always; onnx = try ONNX Runtime for any face model
CPU_BACKENDS = ("auto", "torch", "onnx")
DEFAULT_MAX_PIXELS = 100_000_000  # 100 Mpx: above this a file is refused as a likely decompression bomb
# 400 Mpx (a 100-Mpx photo at x2, 20000x20000): about 3 GB of working memory. A larger result is refused
# before any work unless the user raises the limit; the free memory is checked as well (core.memory).
DEFAULT_MAX_OUTPUT_PIXELS = 400_000_000


@dataclass(frozen=True)
class DetectSettings:
    detector: str = "yunet"
    score_threshold: float = 0.6
    min_face: int = 16  # px: faces whose box is smaller on its shorter side are ignored
    only_center_face: bool = False

    def __post_init__(self) -> None:
        if self.detector not in DETECTORS:
            raise ValueError(f"unknown detector {self.detector!r}; choose from {', '.join(DETECTORS)}")
        if not 0.0 < self.score_threshold < 1.0:
            raise ValueError(f"score threshold must be between 0 and 1, got {self.score_threshold}")
        if self.min_face < 0:
            raise ValueError(f"minimum face size must be >= 0, got {self.min_face}")


@dataclass(frozen=True)
class RestoreSettings:
    """How to restore one photo. Field names follow the CLI flags."""

    scale: int = 2
    model: str | None = None  # name or path; None = the default model
    detect: DetectSettings = DetectSettings()
    aligned: bool = False  # input is an aligned face crop: no detection, output = input size * scale
    blend: float = 1.0  # 0 = original face, 1 = fully restored face
    fidelity: float = 0.5  # for models with a fidelity weight (CodeFormer)
    force_small_model: bool = False  # restore faces even when the model input would shrink them
    bg_model: str | None = None  # path of a super-resolution model for the background; None = plain bicubic
    tile: int = 400  # background model tile size in input pixels (0 = no tiling)
    device: str = "auto"
    cpu_backend: str = "auto"  # one of CPU_BACKENDS
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_output_pixels: int = DEFAULT_MAX_OUTPUT_PIXELS

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {self.scale}")
        if not 0.0 <= self.blend <= 1.0:
            raise ValueError(f"blend must be between 0 and 1, got {self.blend}")
        if not 0.0 <= self.fidelity <= 1.0:
            raise ValueError(f"fidelity must be between 0 and 1, got {self.fidelity}")
        if self.tile != 0 and self.tile < 32:
            raise ValueError(f"tile must be 0 (no tiling) or at least 32 px, got {self.tile}")
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            raise ValueError(f"device must be one of {DEVICES} or cuda:N, got {self.device!r}")
        if self.cpu_backend not in CPU_BACKENDS:
            raise ValueError(f"CPU backend must be one of {CPU_BACKENDS}, got {self.cpu_backend!r}")
        if self.max_pixels <= 0:
            raise ValueError(f"pixel limit must be positive, got {self.max_pixels}")
        if self.max_output_pixels <= 0:
            raise ValueError(f"output pixel limit must be positive, got {self.max_output_pixels}")


@dataclass(frozen=True)
class OutputSettings:
    """Where and how results of a batch are written."""

    ext: str = "auto"  # auto = the input's format (png when it cannot hold the result, e.g. alpha in jpg)
    suffix: str = ""
    save_faces: bool = False
    save_compare: bool = False
    overwrite: bool = False
    recursive: bool = False
    jpeg_quality: int = 95

    def __post_init__(self) -> None:
        if self.ext not in OUTPUT_EXTENSIONS:
            raise ValueError(f"output format must be one of {OUTPUT_EXTENSIONS}, got {self.ext!r}")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f"JPEG quality must be 1..100, got {self.jpeg_quality}")
        if any(sep in self.suffix for sep in ("/", "\\")):
            raise ValueError(f"suffix must not contain a path separator: {self.suffix!r}")
