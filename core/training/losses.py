"""Training losses: pixel, perceptual (VGG19 or the face feature network), adversarial (standard and
relativistic average), discriminator feature matching, total variation.

Every loss takes NCHW float tensors in [0, 1]. The perceptual loss is the only one that needs files:
VGG19 ImageNet weights in torchvision's format (from a given path, the user model folder, or fetched
once on request), or the face feature network trained offline on face labels (`train-features`; one
ships in weights/training/). Nothing here reads a network unless the perceptual weight is above zero.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from core.errors import ModelError, TrainingError, brief
from core.models.vetting import check_file
from core.paths import shipped_weights_dir, user_models_dir
from core.training.config import LossConfig

log = logging.getLogger(__name__)

VGG19_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
VGG19_FILE = "vgg19-dcbb9e9d.pth"
# Index of each layer in torchvision's vgg19().features; the perceptual features are taken *before*
# the ReLU that follows (ESRGAN: pre-activation features keep more information, brightness included).
VGG_LAYER_INDEX = {"conv2_2": 7, "conv5_4": 34}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
FACE_FEATURES_FILE = "facesr-face-features.safetensors"  # shipped in weights/training/
FACE_FEATURE_STAGES = (1, 2, 3)  # the face network's stages compared (stage 0 is close to the pixels)


def pixel_loss(kind: str, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if kind == "l1":
        return F.l1_loss(output, target)
    if kind == "mse":
        return F.mse_loss(output, target)
    if kind == "charbonnier":  # smooth L1 variant (LapSRN): sqrt(d^2 + eps^2)
        return torch.sqrt((output - target) ** 2 + 1e-6).mean()
    raise ValueError(f"unknown pixel loss {kind!r}")


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of neighbouring pixels (the SRGAN paper's regulariser, weight 2e-8)."""
    dy = image[..., 1:, :] - image[..., :-1, :]
    dx = image[..., :, 1:] - image[..., :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()


# --- adversarial --------------------------------------------------------------------------------------
# Logits in, scalar losses out. "standard" is SRGAN's BCE; "relativistic" is the relativistic average
# GAN of ESRGAN: D judges whether real looks more real than the average fake, and the reverse.

def discriminator_loss(real: torch.Tensor, fake: torch.Tensor, gan_type: str) -> torch.Tensor:
    if gan_type == "standard":
        return _bce(real, 1.0) + _bce(fake, 0.0)
    return (_bce(real - fake.mean(), 1.0) + _bce(fake - real.mean(), 0.0)) / 2


def generator_adversarial_loss(real: torch.Tensor | None, fake: torch.Tensor, gan_type: str) -> torch.Tensor:
    """``real`` (detached logits of the real batch) is needed only by the relativistic formulation."""
    if gan_type == "standard":
        return _bce(fake, 1.0)
    if real is None:
        raise ValueError("the relativistic loss needs the logits of the real batch")
    return (_bce(real - fake.mean(), 0.0) + _bce(fake - real.mean(), 1.0)) / 2


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def feature_matching_loss(fake: list[torch.Tensor], real: list[torch.Tensor]) -> torch.Tensor:
    """Mean over D's layers of the L1 distance between its features of restored and (detached) real faces:
    a perceptual loss that needs no pretrained network, the discriminator learns the features."""
    if not fake or len(fake) != len(real):
        raise ValueError("feature matching needs the same non-empty list of layers for real and fake")
    return torch.stack([F.l1_loss(f, r.detach()) for f, r in zip(fake, real, strict=True)]).mean()


# --- perceptual ---------------------------------------------------------------------------------------

def find_vgg_weights(explicit: str | None, download: bool) -> Path:
    """The VGG19 weights file: the given path, else the user model folder, else torch's hub cache;
    downloaded into the user model folder when ``download``; otherwise a TrainingError saying what to do."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise TrainingError(path, "VGG19 weights file not found (the perceptual loss needs it)")
        return path
    target = user_models_dir() / VGG19_FILE
    candidates = [target, Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if not download:
        raise TrainingError(
            target,
            f"the perceptual loss needs torchvision's VGG19 ImageNet weights: download {VGG19_URL} to this "
            "path, pass --vgg-weights FILE, add --download-vgg to fetch it now, or set --perceptual-weight 0",
        )
    log.warning("downloading the VGG19 weights for the perceptual loss to %s", target)
    return _download_vgg(target)


def _download_vgg(target: Path) -> Path:
    """Fetch torchvision's VGG19 with torch.hub, which checks the hash prefix in the file name and renames
    the download into place only when it matches (atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # torch.hub writes to a temporary file and renames it once the hash prefix of the name matches.
        torch.hub.download_url_to_file(VGG19_URL, str(target), hash_prefix=VGG19_FILE.split("-")[1][:8])
    except (OSError, RuntimeError) as error:
        raise TrainingError(target, f"could not download the VGG19 weights from {VGG19_URL} ({brief(error)}); "
                                    "download it by hand to this path or pass --vgg-weights FILE") from error
    return target


def _load_vgg_state(path: Path) -> dict[str, torch.Tensor]:
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            check_file(path)  # TorchScript and zip bombs are refused before anything is unpickled
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # any failure here means the same thing to the user
        raise TrainingError(path, f"not a readable VGG19 weights file ({brief(error)})") from error
    if not isinstance(state, dict):
        raise TrainingError(path, "not a torchvision VGG19 state dict")
    return state


class PerceptualLoss(nn.Module):
    """Distance between VGG19 features (before the ReLU of ``layer``) of output and target."""

    mean: torch.Tensor  # ImageNet normalisation, registered as buffers (they follow .to(device))
    std: torch.Tensor


    def __init__(self, weights: Path, layer: str = "conv5_4", criterion: str = "l1") -> None:
        super().__init__()
        from torchvision.models.vgg import cfgs, make_layers

        # Only the convolutional layers up to ``layer``: torchvision's vgg19() would also allocate its
        # 120M-parameter classifier, which the loss never uses.
        last = VGG_LAYER_INDEX[layer]
        self.features = make_layers(cfgs["E"])[: last + 1]
        state = _load_vgg_state(weights)
        wanted = {}
        for key, value in state.items():
            prefix, _, rest = key.partition(".")
            index, _, name = rest.partition(".")
            if prefix == "features" and index.isdigit() and int(index) <= last:
                wanted[f"{index}.{name}"] = value
        try:
            self.features.load_state_dict(wanted, strict=True)
        except RuntimeError as error:
            raise TrainingError(weights, f"the file does not hold torchvision VGG19 weights ({brief(error)})") from error
        self.features.eval()
        for parameter in self.features.parameters():
            parameter.requires_grad_(False)
        self.criterion = criterion
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def train(self, mode: bool = True) -> PerceptualLoss:
        super().train(mode)
        self.features.eval()  # a fixed feature extractor
        return self

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        out_features = self.features((output - self.mean) / self.std)
        with torch.no_grad():
            target_features = self.features((target - self.mean) / self.std)
        if self.criterion == "mse":
            return F.mse_loss(out_features, target_features)
        return F.l1_loss(out_features, target_features)


def find_face_features(explicit: str | None) -> Path:
    """The face feature network: the given file, else the one shipped in weights/training/."""
    path = Path(explicit).expanduser() if explicit else shipped_weights_dir() / "training" / FACE_FEATURES_FILE
    if not path.is_file():
        raise TrainingError(path, "face feature network not found (the face perceptual loss needs it): pass "
                                  "--face-features FILE, train one with `main.py train-features`, or use "
                                  "--perceptual-net vgg19|none")
    return path


class FacePerceptualLoss(nn.Module):
    """Distance between the face feature network's pre-activation features of output and target, averaged
    over FACE_FEATURE_STAGES; the network is frozen and kept in eval mode (batch norm uses its statistics)."""

    def __init__(self, weights: Path, criterion: str = "l1") -> None:
        super().__init__()
        from core.models.face_features import load_feature_net

        try:
            self.net, _ = load_feature_net(weights)
        except ModelError as error:
            raise TrainingError(weights, error.cause) from error
        self.net.requires_grad_(False)
        self.criterion = criterion

    def train(self, mode: bool = True) -> FacePerceptualLoss:
        super().train(mode)
        self.net.eval()
        return self

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        out_features = self.net.features(output)
        with torch.no_grad():
            target_features = self.net.features(target)
        distance = F.mse_loss if self.criterion == "mse" else F.l1_loss
        stages = [s for s in FACE_FEATURE_STAGES if s < len(out_features)]
        return torch.stack([distance(out_features[s], target_features[s]) for s in stages]).mean()


class GeneratorLoss(nn.Module):
    """The weighted sum the generator minimises; returns (total, {name: detached value})."""

    def __init__(self, config: LossConfig) -> None:
        super().__init__()
        self.config = config
        self.perceptual: nn.Module | None = None
        if config.uses_perceptual and config.perceptual_net == "face":
            self.perceptual = FacePerceptualLoss(find_face_features(config.face_features),
                                                 config.perceptual_criterion)
        elif config.uses_perceptual:
            weights = find_vgg_weights(config.vgg_weights, config.download_vgg)
            self.perceptual = PerceptualLoss(weights, config.perceptual_layer, config.perceptual_criterion)

    def forward(self, output: torch.Tensor, target: torch.Tensor, fake_logits: torch.Tensor | None = None,
                real_logits: torch.Tensor | None = None, fake_features: list[torch.Tensor] | None = None,
                real_features: list[torch.Tensor] | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        c = self.config
        parts: dict[str, torch.Tensor] = {}
        total = output.new_zeros(())
        if c.pixel_weight > 0:
            parts["pixel"] = pixel_loss(c.pixel_loss, output, target)
            total = total + c.pixel_weight * parts["pixel"]
        if self.perceptual is not None:
            parts["perceptual"] = self.perceptual(output, target)
            total = total + c.perceptual_weight * parts["perceptual"]
        if c.tv_weight > 0:
            parts["tv"] = total_variation(output)
            total = total + c.tv_weight * parts["tv"]
        if fake_logits is not None and c.adv_weight > 0:
            parts["adv"] = generator_adversarial_loss(real_logits, fake_logits, c.gan_type)
            total = total + c.adv_weight * parts["adv"]
        if fake_features is not None and real_features is not None and c.feature_match_weight > 0:
            parts["fm"] = feature_matching_loss(fake_features, real_features)
            total = total + c.feature_match_weight * parts["fm"]
        return total, {name: value.detach() for name, value in parts.items()}
