"""A small VGG-style face feature network: the perceptual loss of the GAN stage without ImageNet weights.

It is trained offline on face labels (age regression, gender, race in 5 classes; UTKFace's file names
carry them), so its intermediate features describe what matters in a face: eyes, skin, hair and the
edges that tell age, gender and ancestry apart. The perceptual loss compares the pre-activation
features (batch-norm outputs, before the ReLU, as ESRGAN does with VGG) of output and target.

Files are weights-only .safetensors with JSON metadata under ``facesr_features`` (not ``facesr``: a
feature network is not a restorer and must never be listed or loaded as one). Loading checks the
metadata's sizes before building anything, so a damaged file cannot make it allocate without bound.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import torch
from safetensors import SafetensorError
from torch import nn

from core.errors import ModelError, brief
from core.models.store import read_metadata_text, save_with_metadata

FEATURES_KEY = "facesr_features"
FEATURES_FORMAT = 1
AGE_SCALE = 100.0  # the age head predicts years / AGE_SCALE
NUM_GENDERS, NUM_RACES = 2, 5
MAX_CHANNELS = 1024  # a sane upper bound for metadata read from a file


@dataclass(frozen=True)
class FeatureNetMetadata:
    channels: tuple[int, ...]
    input_size: int  # the side of the whole aligned faces it was trained on
    format: int = FEATURES_FORMAT
    training: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FeatureNetMetadata:
        data = json.loads(text)
        channels = tuple(int(c) for c in data["channels"])
        if not 1 <= len(channels) <= 6 or any(not 1 <= c <= MAX_CHANNELS for c in channels):
            raise ValueError(f"implausible channels {channels}")
        return cls(channels=channels, input_size=int(data["input_size"]), format=int(data.get("format", 1)),
                   training=dict(data.get("training", {})))


def _conv_bn(in_channels: int, out_channels: int) -> tuple[nn.Conv2d, nn.BatchNorm2d]:
    return nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False), nn.BatchNorm2d(out_channels)


class FaceFeatureNet(nn.Module):
    """Stages of [conv-BN-ReLU, conv-BN-(feature)-ReLU], 2x max-pooling between stages, then a global
    average pool and one linear layer for the three heads (age, 2 gender logits, 5 race logits)."""

    def __init__(self, channels: tuple[int, ...] = (16, 32, 64, 128)) -> None:
        super().__init__()
        self.channels = tuple(channels)
        self.stages = nn.ModuleList()
        width = 3
        for out in self.channels:
            first_conv, first_bn = _conv_bn(width, out)
            second_conv, second_bn = _conv_bn(out, out)
            self.stages.append(nn.ModuleDict({"conv1": first_conv, "bn1": first_bn,
                                              "conv2": second_conv, "bn2": second_bn}))
            width = out
        self.head = nn.Linear(width, 1 + NUM_GENDERS + NUM_RACES)

    def features(self, image: torch.Tensor) -> list[torch.Tensor]:
        """NCHW image in [0, 1] -> each stage's pre-activation output (full resolution of that stage)."""
        x = (image - 0.5) / 0.25
        found = []
        for index, stage in enumerate(self.stages):
            layers = cast(nn.ModuleDict, stage)  # a ModuleList's items are plain Modules to the type checker
            if index:
                x = nn.functional.max_pool2d(x, 2)
            x = torch.relu(layers["bn1"](layers["conv1"](x)))
            x = layers["bn2"](layers["conv2"](x))
            found.append(x)
            x = torch.relu(x)
        return found

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> (age / AGE_SCALE (N), gender logits (N x 2), race logits (N x 5))."""
        last = torch.relu(self.features(image)[-1])
        out = self.head(last.mean(dim=(2, 3)))
        return out[:, 0], out[:, 1:1 + NUM_GENDERS], out[:, 1 + NUM_GENDERS:]


def save_feature_net(path: str | Path, model: FaceFeatureNet, metadata: FeatureNetMetadata) -> None:
    """Weights + metadata, written atomically."""
    save_with_metadata(path, model, FEATURES_KEY, metadata.to_json())


def load_feature_net(path: str | Path) -> tuple[FaceFeatureNet, FeatureNetMetadata]:
    """A feature network from its file, in eval mode; a ModelError names the file and the cause."""
    from safetensors.torch import load_file

    raw = read_metadata_text(path, FEATURES_KEY)
    if raw is None:
        raise ModelError(path, "not a FaceSR face feature network (no facesr_features metadata)")
    try:
        metadata = FeatureNetMetadata.from_json(raw)
    except (ValueError, TypeError, KeyError) as error:
        raise ModelError(path, f"its feature network metadata is damaged ({brief(error)})") from error
    model = FaceFeatureNet(metadata.channels)
    try:
        model.load_state_dict(load_file(str(path)), strict=True)
    except (RuntimeError, SafetensorError) as error:
        raise ModelError(path, f"the weights do not fit the feature network ({brief(error)})") from error
    return model.eval(), metadata
