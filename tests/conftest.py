"""Fixtures shared by all tests: isolated user folders, tiny random-weight models, test photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.models.registry import build_generator
from core.models.store import ModelMetadata, save_generator

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent (a user machine)")


@pytest.fixture(autouse=True)
def isolated_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see (or write to) the developer's own model folder, training runs or cache."""
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path / "user-models"))
    monkeypatch.setenv("FACESR_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("FACESR_CACHE_DIR", str(tmp_path / "cache"))  # models exported for ONNX Runtime


def make_model_file(path: Path, arch: str = "rcan", input_size: int = 256, scale: int = 1,
                    identity: bool = False, seed: int = 0, **arch_args: object) -> Path:
    """Save a small randomly initialised own generator; ``identity`` zeroes its output layer so it
    returns its input exactly (image_residual), which makes paste-back measurable."""
    torch.manual_seed(seed)
    defaults = {"rcan": dict(num_groups=1, num_blocks=1, channels=16, reduction=4),
                "srresnet": dict(num_blocks=1, channels=16)}[arch]
    unshuffle = 4 if scale == 1 else 1
    args = {**defaults, "scale": scale, "unshuffle": unshuffle, "image_residual": identity, **arch_args}
    model = build_generator(arch, args)
    if identity:
        torch.nn.init.zeros_(model.tail.weight)
        torch.nn.init.zeros_(model.tail.bias)
    save_generator(path, model, ModelMetadata(arch=arch, arch_args=args, scale=scale, input_size=input_size,
                                              name=path.stem))
    return path


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    return make_model_file(tmp_path / "tiny.safetensors")


@pytest.fixture
def identity_model(tmp_path: Path) -> Path:
    return make_model_file(tmp_path / "identity.safetensors", identity=True)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()
