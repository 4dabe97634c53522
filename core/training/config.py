"""Training settings: small frozen dataclasses, validated on creation, and the named presets.

A run's resolved TrainConfig is written to its config.json; ``from_dict`` reads it back for --resume.
Fractions of the stage's steps (warm-up, multi-step milestones) keep presets valid whatever --steps is.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any

SCALES = (1, 2, 4, 8)
STAGES = ("pixel", "gan")
PRECISIONS = ("fp32", "bf16", "fp16")
DEFAULT_VAL_EVERY = 1000  # automatic validation interval of a long run
MIN_VALIDATIONS = 5  # validations an automatic interval gives at least: curves need points
PIXEL_LOSSES = ("l1", "mse", "charbonnier")
PERCEPTUAL_LAYERS = ("conv5_4", "conv2_2")
PERCEPTUAL_NETS = ("vgg19", "face", "none")
GAN_TYPES = ("standard", "relativistic")
OPTIMIZERS = ("adam", "adamw")
SCHEDULES = ("cosine", "multistep", "constant")
DEGRADATIONS = ("bicubic", "blind")


def _check_range(name: str, value: tuple[float, float], low: float, high: float) -> None:
    if len(value) != 2 or not low <= value[0] <= value[1] <= high:
        raise ValueError(f"{name} must be a range MIN MAX with {low} <= MIN <= MAX <= {high}, got {value}")


@dataclass(frozen=True)
class DegradationConfig:
    """How HQ faces become LQ inputs. ``bicubic``: optional blur, then bicubic down by the scale.
    ``blind``: blur -> downsample by a random factor -> Gaussian noise -> JPEG -> resize to the model input;
    a ``blind_bicubic_share`` of the samples are plain antialiased bicubic instead (down by a random
    factor, bicubic back up), so a blind model also serves clean bicubic inputs such as SR benchmarks.
    """

    kind: str = "bicubic"
    blur_sigma: tuple[float, float] = (0.0, 0.0)  # bicubic: (0, 0) = no blur, the standard protocol
    blind_blur_sigma: tuple[float, float] = (0.1, 10.0)
    blind_downsample: tuple[float, float] = (1.0, 8.0)
    blind_noise: tuple[float, float] = (0.0, 20.0)  # sigma on the 0..255 scale
    blind_jpeg: tuple[int, int] = (60, 100)
    blind_bicubic_share: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in DEGRADATIONS:
            raise ValueError(f"degradation must be one of {DEGRADATIONS}, got {self.kind!r}")
        _check_range("blur sigma", self.blur_sigma, 0.0, 50.0)
        _check_range("blind blur sigma", self.blind_blur_sigma, 0.0, 50.0)
        _check_range("blind downsampling factor", self.blind_downsample, 1.0, 32.0)
        _check_range("blind noise sigma", self.blind_noise, 0.0, 255.0)
        _check_range("blind JPEG quality", self.blind_jpeg, 1, 100)
        if not 0.0 <= self.blind_bicubic_share <= 1.0:
            raise ValueError(f"blind bicubic share must be between 0 and 1, got {self.blind_bicubic_share}")


@dataclass(frozen=True)
class AugmentConfig:
    hflip: bool = True
    scale_jitter: float = 0.05  # the face is zoomed by a random factor in 1 +- this
    shift_jitter: float = 0.03  # and shifted by up to this fraction of its side
    color_jitter: float = 0.0  # brightness/contrast/saturation factors in 1 +- this (0 = off)

    def __post_init__(self) -> None:
        for name in ("scale_jitter", "shift_jitter", "color_jitter"):
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise ValueError(f"{name.replace('_', ' ')} must be between 0 and 0.5, got {getattr(self, name)}")


@dataclass(frozen=True)
class LossConfig:
    pixel_loss: str = "l1"
    pixel_weight: float = 1.0
    perceptual_weight: float = 0.0  # > 0 needs the perceptual_net's weights
    # vgg19: ImageNet VGG19 (vgg_weights or download_vgg); face: the face feature network trained on face
    # labels (face_features, default the shipped one; see core/models/face_features.py); none: no perceptual loss
    perceptual_net: str = "vgg19"
    perceptual_layer: str = "conv5_4"  # vgg19: features before the ReLU of this convolution
    face_features: str | None = None  # face: the feature network file; None = weights/training/ of the app
    perceptual_criterion: str = "l1"  # distance between feature maps: l1 (ESRGAN) or mse (SRGAN)
    vgg_weights: str | None = None
    download_vgg: bool = False
    adv_weight: float = 0.0
    feature_match_weight: float = 0.0  # gan stage: L1 between D's features of real and restored faces
    gan_type: str = "standard"
    tv_weight: float = 0.0

    @property
    def uses_perceptual(self) -> bool:
        return self.perceptual_weight > 0 and self.perceptual_net != "none"

    def __post_init__(self) -> None:
        if self.pixel_loss not in PIXEL_LOSSES:
            raise ValueError(f"pixel loss must be one of {PIXEL_LOSSES}, got {self.pixel_loss!r}")
        if self.perceptual_layer not in PERCEPTUAL_LAYERS:
            raise ValueError(f"perceptual layer must be one of {PERCEPTUAL_LAYERS}, got {self.perceptual_layer!r}")
        if self.perceptual_criterion not in ("l1", "mse"):
            raise ValueError(f"perceptual criterion must be l1 or mse, got {self.perceptual_criterion!r}")
        if self.perceptual_net not in PERCEPTUAL_NETS:
            raise ValueError(f"perceptual net must be one of {PERCEPTUAL_NETS}, got {self.perceptual_net!r}")
        if self.gan_type not in GAN_TYPES:
            raise ValueError(f"GAN type must be one of {GAN_TYPES}, got {self.gan_type!r}")
        for name in ("pixel_weight", "perceptual_weight", "adv_weight", "tv_weight", "feature_match_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name.replace('_', ' ')} must be >= 0, got {getattr(self, name)}")


@dataclass(frozen=True)
class OptimConfig:
    optimizer: str = "adam"
    lr: float = 2e-4
    d_lr: float | None = None  # None = lr
    betas: tuple[float, float] = (0.9, 0.99)
    weight_decay: float = 0.0
    schedule: str = "cosine"
    warmup: float = 0.0  # fraction of the steps spent ramping the learning rate up linearly
    milestones: tuple[float, ...] = (0.5, 0.75)  # multistep: fractions of the steps where lr *= gamma
    gamma: float = 0.5
    min_lr_ratio: float = 0.01  # cosine: the final lr as a fraction of lr
    grad_clip: float = 0.0  # max gradient norm; 0 = off
    ema_decay: float = 0.999

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if not 0 < self.lr < 1 or (self.d_lr is not None and not 0 < self.d_lr < 1):
            raise ValueError(f"learning rates must be between 0 and 1, got {self.lr} / {self.d_lr}")
        if not 0.0 <= self.warmup < 1.0:
            raise ValueError(f"warm-up must be a fraction of the steps in [0, 1), got {self.warmup}")
        if any(not 0.0 < m < 1.0 for m in self.milestones) or list(self.milestones) != sorted(self.milestones):
            raise ValueError(f"milestones must be increasing fractions of the steps in (0, 1), got {self.milestones}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {self.ema_decay}")
        if self.grad_clip < 0 or self.weight_decay < 0 or not 0 < self.gamma <= 1 or not 0 <= self.min_lr_ratio <= 1:
            raise ValueError("grad clip and weight decay must be >= 0, gamma in (0, 1], min lr ratio in [0, 1]")


@dataclass(frozen=True)
class TrainConfig:
    data: str | None = None  # folder of HQ face images (recursive)
    val_data: str | None = None  # explicit validation folder; else val_count images held out by seed
    val_count: int = 300
    align: bool = False  # detect + align unaligned photos first (cached next to the runs)
    preset: str = "custom"
    arch: str = "rcan"
    arch_args: dict[str, Any] = field(default_factory=dict)
    scale: int = 4
    face_size: int = 128  # HQ side; the model takes face_size // scale
    patch_size: int = 0  # > 0: train on random HQ patches of this side cut from each face (0 = whole faces)
    stage: str = "pixel"
    init_from: str | None = None  # gan stage: a pixel run folder or generator file to start from
    steps: int = 100_000
    batch_size: int = 16
    degradation: DegradationConfig = DegradationConfig()
    augment: AugmentConfig = AugmentConfig()
    loss: LossConfig = LossConfig()
    optim: OptimConfig = OptimConfig()
    disc_args: dict[str, Any] = field(default_factory=dict)
    val_every: int = 0  # 0 = automatic (validation_interval): every 1000 steps, or 5 times in a short run
    log_every: int = 50
    checkpoint_every: int = 0  # 0 = at each validation
    sample_count: int = 8  # faces in each sample grid
    workers: int = 4
    seed: int = 0
    deterministic: bool = False
    compile: bool = False
    precision: str = "fp32"  # bf16/fp16 autocast on CUDA; bf16 also on CPUs with bfloat16 instructions
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {self.scale}")
        if self.face_size % self.scale or self.face_size // self.scale < 8:
            raise ValueError(f"face size {self.face_size} must be a multiple of the scale {self.scale} "
                             f"with an input side of at least 8 px")
        if self.patch_size and (self.patch_size % self.scale or not self.scale * 8 <= self.patch_size <= self.face_size):
            raise ValueError(f"patch size {self.patch_size} must be a multiple of the scale {self.scale}, "
                             f"at least {self.scale * 8} px and at most the face size {self.face_size}")
        if self.arch_args.get("scale", self.scale) != self.scale:
            raise ValueError(f"arch_args scale {self.arch_args['scale']} differs from the scale {self.scale}")
        if self.stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {self.stage!r}")
        if self.stage == "gan" and self.loss.adv_weight <= 0:
            raise ValueError("the gan stage needs an adversarial weight > 0")
        if self.stage == "pixel" and self.loss.adv_weight > 0:
            raise ValueError("the pixel stage trains without a discriminator: set adversarial weight 0 "
                             "or use --stage gan")
        if self.loss.pixel_weight <= 0 and not self.loss.uses_perceptual:
            raise ValueError("the generator needs a pixel or a perceptual loss weight above 0")
        if self.stage == "pixel" and self.loss.feature_match_weight > 0:
            raise ValueError("feature matching needs the discriminator of the gan stage (--stage gan)")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ValueError(f"device must be auto, cpu, cuda or cuda:N, got {self.device!r}")
        for name in ("steps", "batch_size", "log_every", "sample_count"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', ' ')} must be >= 1, got {getattr(self, name)}")
        if self.val_count < 0 or self.workers < 0 or self.checkpoint_every < 0 or self.val_every < 0:
            raise ValueError("validation count, workers, validation and checkpoint intervals must be >= 0")

    @property
    def generator_args(self) -> dict[str, Any]:
        """The generator's constructor arguments: arch_args with the run's scale."""
        return {**self.arch_args, "scale": self.scale}

    @property
    def validation_interval(self) -> int:
        """Steps between validations: val_every, or when it is 0 (automatic) every 1000 steps but at least
        MIN_VALIDATIONS times in the run, so that even a short run draws PSNR/SSIM curves, not a dot."""
        if self.val_every:
            return self.val_every
        return max(1, min(DEFAULT_VAL_EVERY, self.steps // MIN_VALIDATIONS))

    @property
    def input_size(self) -> int:
        """The LQ side the model takes in."""
        return self.face_size // self.scale

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a (nested) config dataclass from ``to_dict`` output / JSON; unknown keys are an error."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} settings: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        hint = hints[name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
            value = from_dict(hint, value)
        elif typing.get_origin(hint) is tuple and isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return cls(**values)


def with_overrides(config: Any, overrides: dict[str, Any]) -> Any:
    """A copy of a config with dotted keys replaced, e.g. {"loss.adv_weight": 1e-3, "steps": 500}."""
    nested: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            top[key] = value
    names = {f.name for f in dataclasses.fields(config)}
    unknown = (set(top) | set(nested)) - names
    if unknown:
        raise ValueError(f"unknown {type(config).__name__} settings: {', '.join(sorted(unknown))}")
    for head, sub in nested.items():
        top[head] = with_overrides(top.get(head, getattr(config, head)), sub)
    return dataclasses.replace(config, **top)


# --- presets ---------------------------------------------------------------------------------------
# Each preset gives both stages; the gan stage starts from the pixel stage's weights (--init-from).

def _srgan(stage: str) -> dict[str, Any]:
    # Ledig et al.: SRResNet-16 pre-trained on MSE at lr 1e-4, then the GAN at 1e-4 and 1e-5 for the
    # second half, content loss + 1e-3 adversarial (BCE). Content = MSE here ("SRGAN-MSE"); for
    # "SRGAN-VGG54" add --perceptual-weight 0.006 (their 1/12.75 rescaling, squared for MSE).
    # Batch norm is left out of the generator (EDSR/ESRGAN: same quality, no artefacts).
    common = {
        "arch": "srresnet", "arch_args": {"num_blocks": 16, "channels": 64, "batch_norm": False},
        "scale": 4, "face_size": 128, "batch_size": 16,
        "loss.pixel_loss": "mse", "loss.perceptual_criterion": "mse",
        "optim.lr": 1e-4, "optim.betas": (0.9, 0.999),
        "disc_args": {"channels": 64, "num_stages": 4, "batch_norm": True},
    }
    if stage == "pixel":
        return {**common, "steps": 100_000, "optim.schedule": "constant"}
    return {**common, "steps": 50_000, "loss.adv_weight": 1e-3, "loss.gan_type": "standard",
            "loss.tv_weight": 2e-8, "optim.schedule": "multistep", "optim.milestones": (0.5,), "optim.gamma": 0.1}


def _rcan_ragan(stage: str) -> dict[str, Any]:
    # RCAN-style generator sized for faces (6 groups x 8 RCABs x 64 ch) trained the ESRGAN way:
    # L1 pre-training at 2e-4 (cosine), then L1 1e-2 + VGG conv5_4 (before ReLU) 1 + RaGAN 5e-3.
    common = {
        "arch": "rcan", "arch_args": {"num_groups": 6, "num_blocks": 8, "channels": 64, "reduction": 16},
        "scale": 4, "face_size": 128, "batch_size": 16,
        "optim.betas": (0.9, 0.99), "optim.grad_clip": 0.0,
        "disc_args": {"channels": 64, "num_stages": 4, "batch_norm": True},
    }
    if stage == "pixel":
        return {**common, "steps": 100_000, "loss.pixel_loss": "l1", "optim.lr": 2e-4, "optim.warmup": 0.01,
                "optim.schedule": "cosine"}
    return {**common, "steps": 50_000, "loss.pixel_loss": "l1", "loss.pixel_weight": 1e-2,
            "loss.perceptual_weight": 1.0, "loss.perceptual_layer": "conv5_4", "loss.adv_weight": 5e-3,
            "loss.gan_type": "relativistic", "optim.lr": 1e-4, "optim.schedule": "multistep",
            "optim.milestones": (0.5, 0.75), "optim.gamma": 0.5}


def _cpu_quick(stage: str) -> dict[str, Any]:
    # Small enough to see a model learn on a laptop CPU in minutes; pixel losses only.
    common = {
        "arch": "rcan", "arch_args": {"num_groups": 2, "num_blocks": 2, "channels": 32, "reduction": 8,
                                      "image_residual": True},
        "scale": 4, "face_size": 64, "batch_size": 8, "steps": 300, "log_every": 10,  # validation: automatic
        "val_count": 32, "workers": 2, "optim.ema_decay": 0.99, "loss.pixel_loss": "l1",
        "disc_args": {"channels": 32, "num_stages": 3, "batch_norm": True},
    }
    if stage == "pixel":
        return {**common, "optim.lr": 5e-4, "optim.warmup": 0.05, "optim.schedule": "cosine"}
    return {**common, "loss.adv_weight": 5e-3, "loss.gan_type": "relativistic", "optim.lr": 1e-4,
            "optim.schedule": "constant"}


PRESETS = {"srgan": _srgan, "rcan-ragan": _rcan_ragan, "cpu-quick": _cpu_quick}


def preset_config(name: str, stage: str = "pixel", overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The named preset for a stage, with dotted-key overrides applied on top (all validated)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    values = {**PRESETS[name](stage), "preset": name, "stage": stage, **(overrides or {})}
    return with_overrides(TrainConfig(), values)
