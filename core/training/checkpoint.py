"""What a run folder holds, and the resumable training state.

Run folder:
    config.json              the resolved TrainConfig (+ when, torch version, world size)
    metrics.jsonl            one JSON object per line, flushed line by line (the GUI tails it)
    latest_g.safetensors     generator weights + ModelMetadata (usable with restore/eval)
    latest_g_ema.safetensors its exponential moving average (usually the better model)
    best_g_ema.safetensors   the EMA weights of the best validation PSNR-Y so far
    state.pt                 everything --resume needs (models, optimizers, schedulers, RNG, data position)
    samples/step_NNNNNNN.png at each validation, a column per face: LQ (nearest), output, HQ top to bottom
    STOP                     create this file to make the run checkpoint and exit

state.pt is written with torch.save to a temporary file and renamed (atomic), and holds only
tensors, dicts, lists, numbers and strings, so it loads with torch.load(weights_only=True).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from core.atomic import atomic_output
from core.errors import ModelError, TrainingError, brief
from core.models.rcan import RCAN, ResidualGroup
from core.models.store import ModelMetadata, load_generator
from core.models.vetting import check_file

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
STATE_FILE = "state.pt"
LATEST_G = "latest_g.safetensors"
LATEST_G_EMA = "latest_g_ema.safetensors"
BEST_G_EMA = "best_g_ema.safetensors"
STOP_FILE = "STOP"
SAMPLES_DIR = "samples"
STATE_FORMAT = 1


def save_state(path: Path, state: dict[str, Any]) -> None:
    """torch.save to a temporary file beside ``path``, then rename: a crash leaves the old state intact."""
    with atomic_output(Path(path)) as temporary:
        torch.save(state, temporary)


def load_state(path: Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise TrainingError(path, "no training state here: is this a run folder that saved a checkpoint?")
    try:
        check_file(path, max_bytes=None)  # TorchScript or a zip bomb in place of state.pt: refused before reading
    except ModelError as error:
        raise TrainingError(path, f"not a FaceSR training state: {error.cause}") from error
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unpickling fails in many ways; all mean "damaged"
        raise TrainingError(path, f"the training state is damaged or not ours ({brief(error)})") from error
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise TrainingError(path, "not a FaceSR training state (or from an incompatible version)")
    return state


def capture_rng() -> dict[str, Any]:
    """The process-wide RNG states as weights_only-loadable values (numpy's array as a tensor)."""
    version, internal, gauss = random.getstate()
    legacy = cast(tuple[str, np.ndarray, int, int, float], np.random.get_state(legacy=True))  # not the dict form
    _, keys, position, has_gauss, cached = legacy
    return {
        "python": [version, list(internal), gauss],
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "position": int(position),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = state["numpy"]
    np.random.set_state(("MT19937", numpy_state["keys"].numpy().astype(np.uint32), numpy_state["position"],
                         numpy_state["has_gauss"], numpy_state["cached"]))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def resolve_init(source: str | Path) -> Path:
    """--init-from: a generator file, or a run folder (its best EMA, else latest EMA, else latest weights)."""
    path = Path(source).expanduser()
    if path.is_dir():
        for name in (BEST_G_EMA, LATEST_G_EMA, LATEST_G):
            if (path / name).is_file():
                return path / name
        raise TrainingError(path, f"this run folder holds no generator weights ({BEST_G_EMA} or {LATEST_G})")
    if not path.is_file():
        raise TrainingError(path, "no such run folder or generator file (--init-from)")
    return path


def load_init(source: str | Path) -> tuple[torch.nn.Module, ModelMetadata, Path]:
    """The generator to start from, its metadata and the file it came from."""
    path = resolve_init(source)
    try:
        module, metadata = load_generator(path)
    except ModelError as error:
        raise TrainingError(path, f"cannot start from this generator: {error.cause}") from error
    return module, metadata, path


def warm_start(generator: torch.nn.Module, source: torch.nn.Module) -> tuple[int, int]:
    """Copy into ``generator`` every tensor of ``source`` that it has under the same name and shape (a larger
    model of the same architecture); the rest keeps its initialisation. Residual groups of an RCAN that got
    nothing start as identities (their closing convolution zeroed), so a model grown by whole groups starts
    out computing exactly what the smaller one did. Returns (tensors copied, tensors in ``generator``)."""
    target = generator.state_dict()
    shared = {name: tensor for name, tensor in source.state_dict().items()
              if name in target and target[name].shape == tensor.shape}
    generator.load_state_dict(shared, strict=False)
    if isinstance(generator, RCAN):
        for index, group in enumerate(generator.groups):
            if isinstance(group, ResidualGroup) and not any(name.startswith(f"groups.{index}.") for name in shared):
                group.pass_through()
    return len(shared), len(target)
