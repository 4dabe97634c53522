"""Own model files: weights-only .safetensors with the metadata needed to rebuild the network.

The metadata sits under one key, ``facesr``, as JSON: architecture, its arguments, scale, face input
size, and free-form name/description/licence/training summary. Loading never unpickles anything.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save
from torch import nn

from core.atomic import atomic_file
from core.errors import ModelError, brief
from core.models.registry import build_generator
from core.models.vetting import building_budget, check_file, check_parameter_count

METADATA_KEY = "facesr"
ALLOWED_SCALES = (1, 2, 4, 8)
MIN_INPUT_SIZE, MAX_INPUT_SIZE = 8, 2048  # side of the aligned face crop; the pipeline allocates by it


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
    def from_json(cls, text: str) -> ModelMetadata:
        data = json.loads(text)
        known = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        return cls(**known)


def save_generator(path: str | Path, model: nn.Module, metadata: ModelMetadata) -> None:
    """Write weights + metadata atomically: an interrupted save leaves any previous file intact."""
    save_with_metadata(path, model, METADATA_KEY, metadata.to_json())


def save_with_metadata(path: str | Path, model: nn.Module, key: str, text: str) -> None:
    """A module's weights with ``text`` under metadata ``key``, written atomically."""
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    # serialised in memory and written through atomic_file: safetensors' own save_file makes a new file of
    # mode 0600, so a model exported for others to read (or replacing a shared one) would be private
    encoded = save(state, metadata={key: text})
    with atomic_file(Path(path)) as stream:
        stream.write(encoded)


def read_metadata_text(path: str | Path, key: str) -> str | None:
    """The raw metadata string under ``key`` of a .safetensors file, None where it has none."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            return (handle.metadata() or {}).get(key)
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelError(path, f"not a readable .safetensors file ({brief(error)})") from error


def read_metadata(path: str | Path) -> ModelMetadata | None:
    """The metadata of an own file, or None for a .safetensors without it (a third-party file)."""
    raw = read_metadata_text(path, METADATA_KEY)
    if raw is None:
        return None
    try:
        return ModelMetadata.from_json(raw)
    except (ValueError, TypeError) as error:
        raise ModelError(path, f"its FaceSR metadata is damaged ({brief(error)})") from error


def load_generator(path: str | Path) -> tuple[nn.Module, ModelMetadata]:
    """Rebuild an own generator from its file, in eval mode on the CPU.

    The metadata is checked against the tensors the file holds before the network is built for real, so
    a small file whose metadata claims a huge network is refused without allocating it.
    """
    path = Path(path)
    check_file(path)
    metadata = read_metadata(path)
    if metadata is None:
        raise ModelError(path, "this .safetensors file has no FaceSR metadata (architecture unknown)")
    _check_metadata(path, metadata)
    _check_shapes_fit(path, metadata, _stored_shapes(path))
    try:
        model = build_generator(metadata.arch, metadata.arch_args)
        model.load_state_dict(load_file(str(path)), strict=True)
    except (ValueError, RuntimeError, SafetensorError) as error:
        raise ModelError(path, f"the weights do not fit architecture {metadata.arch} ({brief(error)})") from error
    return model.eval(), metadata


def _check_metadata(path: Path, metadata: ModelMetadata) -> None:
    """Types and ranges of the numbers the pipeline sizes buffers by (the face crop side, the scale)."""
    def is_int(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if not isinstance(metadata.arch, str) or not isinstance(metadata.arch_args, dict):
        raise ModelError(path, "its FaceSR metadata is damaged (arch must be a name, arch_args an object)")
    if not is_int(metadata.scale) or metadata.scale not in ALLOWED_SCALES:
        raise ModelError(path, f"its metadata gives scale {metadata.scale!r}; supported: {ALLOWED_SCALES}")
    if metadata.arch_args.get("scale", metadata.scale) != metadata.scale:
        raise ModelError(path, f"its metadata is inconsistent: scale {metadata.scale} but the network's "
                               f"arguments say {metadata.arch_args['scale']!r}")
    if not is_int(metadata.input_size) or not MIN_INPUT_SIZE <= metadata.input_size <= MAX_INPUT_SIZE:
        raise ModelError(path, f"its metadata gives face input size {metadata.input_size!r}; supported: "
                               f"{MIN_INPUT_SIZE} to {MAX_INPUT_SIZE} pixels")


def _stored_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Name -> shape of every tensor in the file, from the header alone (no weights are read)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            return {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        raise ModelError(path, f"not a readable .safetensors file ({brief(error)})") from error


def _check_shapes_fit(path: Path, metadata: ModelMetadata, stored: dict[str, tuple[int, ...]]) -> None:
    """Build the network on the meta device (no memory) within the file's budget and compare every shape."""
    elements = sum(math.prod(shape) for shape in stored.values())
    check_parameter_count(path, elements)
    try:
        # a little slack for buffers a network keeps out of its state dict
        with building_budget(path, max_tensors=len(stored) + 16, max_elements=elements + 65536), \
                torch.device("meta"):
            expected = build_generator(metadata.arch, metadata.arch_args).state_dict()
    except (ValueError, RuntimeError, ArithmeticError) as error:  # e.g. reduction=0 divides by zero
        raise ModelError(path, f"its metadata does not describe a usable {metadata.arch} ({brief(error)})") \
            from error
    missing = sorted(set(expected) - set(stored))
    unexpected = sorted(set(stored) - set(expected))
    if missing or unexpected:
        names = ", ".join((missing or unexpected)[:3])
        raise ModelError(path, f"the weights do not fit architecture {metadata.arch} "
                               f"({'missing' if missing else 'unexpected'} tensors: {names})")
    for name, tensor in expected.items():
        if tuple(tensor.shape) != stored[name]:
            raise ModelError(path, f"the weights do not fit architecture {metadata.arch} ({name} is "
                                   f"{list(stored[name])} in the file, {list(tensor.shape)} in the network "
                                   f"its metadata describes)")
