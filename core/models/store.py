"""Own model files: weights-only .safetensors with the metadata needed to rebuild the network.

The metadata sits under one key, ``facesr``, as JSON: architecture, its arguments, scale, face input
size, and free-form name/description/licence/training summary. Loading never unpickles anything.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from core.atomic import atomic_output
from core.errors import ModelError, brief
from core.models.registry import build_generator

METADATA_KEY = "facesr"


@dataclass(frozen=True)
class ModelMetadata:
    arch: str
    arch_args: dict[str, Any]
    scale: int
    input_size: int  # side of the square aligned face the model takes in
    name: str = ""
    description: str = ""
    license: str = ""
    training: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "ModelMetadata":
        data = json.loads(text)
        known = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        return cls(**known)


def save_generator(path: str | Path, model: nn.Module, metadata: ModelMetadata) -> None:
    """Write weights + metadata atomically: an interrupted save leaves any previous file intact."""
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    with atomic_output(Path(path)) as temporary:
        save_file(state, str(temporary), metadata={METADATA_KEY: metadata.to_json()})


def read_metadata(path: str | Path) -> ModelMetadata | None:
    """The metadata of an own file, or None for a .safetensors without it (a third-party file)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            raw = (handle.metadata() or {}).get(METADATA_KEY)
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelError(path, f"not a readable .safetensors file ({brief(error)})") from error
    if raw is None:
        return None
    try:
        return ModelMetadata.from_json(raw)
    except (ValueError, TypeError) as error:
        raise ModelError(path, f"its FaceSR metadata is damaged ({brief(error)})") from error


def load_generator(path: str | Path) -> tuple[nn.Module, ModelMetadata]:
    """Rebuild an own generator from its file, in eval mode on the CPU."""
    metadata = read_metadata(path)
    if metadata is None:
        raise ModelError(path, "this .safetensors file has no FaceSR metadata (architecture unknown)")
    try:
        model = build_generator(metadata.arch, metadata.arch_args)
        model.load_state_dict(load_file(str(path)), strict=True)
    except (ValueError, RuntimeError, SafetensorError) as error:
        raise ModelError(path, f"the weights do not fit architecture {metadata.arch} ({brief(error)})") from error
    return model.eval(), metadata
