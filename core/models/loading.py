"""Finding and loading models: own .safetensors by their metadata, third-party files through spandrel.

Callers get a ``LoadedModel`` whose ``forward`` takes and returns NCHW tensors in [0, 1] whatever the
architecture's own value range, so input size, range and fidelity are handled here, not by callers.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from core.atomic import atomic_output
from core.errors import ModelError, brief
from core.models.registry import count_parameters
from core.models.store import load_generator, read_metadata
from core.models.vetting import building_budget, check_parameter_count, count_elements, read_tensors
from core.paths import shipped_weights_dir, user_models_dir

log = logging.getLogger(__name__)

MODEL_EXTENSIONS = (".safetensors", ".pth", ".ckpt", ".pt")
# The shipped generators, in order of preference when the user has not chosen a default.
SHIPPED_DEFAULTS = ("facesr-faithful",)  # weights/MODEL_CARD.md (a GAN "sharp" model ships only if it beats it on detail)
DEFAULT_CHOICE_FILE = "default-model.txt"  # in the user model folder; written by the GUI's "Set as default"

# (batch in [0, 1], fidelity) -> batch in [0, 1]
Forward = Callable[[torch.Tensor, float], torch.Tensor]


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    arch: str
    kind: Literal["face", "sr"]  # face: aligned face crop in and out; sr: any image (e.g. the background)
    scale: int
    input_size: int | None  # side of the aligned face crop a face model takes in; None for sr models
    parameters: int
    supports_fidelity: bool = False
    supports_half: bool = True
    supports_bfloat16: bool = True
    license: str = ""
    description: str = ""
    training: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedModel:
    info: ModelInfo
    module: nn.Module
    forward: Forward


@dataclass(frozen=True)
class _FaceArch:
    """What spandrel does not tell about a third-party face restorer."""

    input_size: int
    signed_range: bool  # the network works in [-1, 1] and spandrel's call does not convert
    fidelity: bool
    license: str


_FACE_ARCHS = {
    "GFPGAN": _FaceArch(512, True, False, "GFPGAN: Apache-2.0 (TencentARC); StyleGAN2 parts under NVIDIA's licence"),
    "RestoreFormer": _FaceArch(512, True, False, "RestoreFormer: see its repository (wzhouxiff/RestoreFormer)"),
    "CodeFormer": _FaceArch(512, True, True, "CodeFormer: S-Lab License 1.0, non-commercial use only"),
}


def model_folders() -> list[Path]:
    return [shipped_weights_dir(), user_models_dir()]


def find_model_files() -> list[Path]:
    """Every model file in weights/ and the user model folder (user files shadow shipped ones by name).

    Auxiliary weights fetched into the same folder (detectors, face parsing, VGG) are not models.
    """
    from core.downloads import KNOWN_WEIGHTS

    auxiliary = {info.filename for info in KNOWN_WEIGHTS.values()}
    by_name: dict[str, Path] = {}
    for folder in model_folders():
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() in MODEL_EXTENSIONS and not path.name.startswith(".") \
                        and path.name not in auxiliary:
                    by_name[path.stem] = path
    return list(by_name.values())


def resolve_model(name_or_path: str | Path | None) -> Path:
    """A model file from a path, a name (file stem in the model folders) or None for the default."""
    if name_or_path is None:
        return default_model_path()
    candidate = Path(name_or_path).expanduser()
    if candidate.is_file():
        return candidate
    for path in find_model_files():
        if path.stem == str(name_or_path) or path.name == str(name_or_path):
            return path
    catalogued = _catalogue_file(str(name_or_path))
    if catalogued is not None:
        return catalogued
    known = ", ".join(p.stem for p in find_model_files()) or "none installed"
    raise ModelError(candidate, f"no such model file or model name (known models: {known})")


def _catalogue_file(name: str) -> Path | None:
    """The file of the catalogue model ``name`` (``codeformer``, ``gfpgan-1.4``), None for other names;
    a ModelError saying how to get it when it is not downloaded (it is never downloaded unasked)."""
    from core.downloads import catalogue_match, installed_path

    info = catalogue_match(name)
    if info is None:
        return None
    path = installed_path(info)
    if path is not None:
        return path
    size = f"about {info.display_size / 1e6:.0f} MB" if info.display_size else "size unknown"
    raise ModelError(user_models_dir() / info.filename,
                     f"{info.name} is not downloaded yet ({size}, licence: {info.licence}). Get it with "
                     f"`python main.py models --download {info.name}` or in the window with Tools > Models")


def default_model_path() -> Path:
    choice = user_models_dir() / DEFAULT_CHOICE_FILE
    if choice.is_file():
        chosen = choice.read_text(encoding="utf-8").strip()
        try:
            return resolve_model(chosen)
        except ModelError:
            log.warning("the default model %r chosen in %s is gone; using the shipped default", chosen, choice)
    files = {p.stem: p for p in find_model_files()}
    for name in SHIPPED_DEFAULTS:
        if name in files:
            return files[name]
    raise ModelError(
        shipped_weights_dir(),
        "no default model is installed. Train one with `python main.py train --data FACES_DIR` and pass "
        "its best_g_ema.safetensors with --model, or put a .safetensors/.pth face model (e.g. GFPGANv1.4.pth) "
        f"into {user_models_dir()}",
    )


def set_default_model(name_or_path: str | Path, *, verify: bool = True) -> Path:
    """Make a model the default, after checking it loads (as Import does): a default that cannot load would
    make every later restore without --model fail. ``verify=False`` is for a caller that has just loaded
    it (the GUI's model list: loading a 350 MB GFPGAN again would freeze the window for seconds)."""
    path = resolve_model(name_or_path)
    if path.suffix.lower() not in MODEL_EXTENSIONS:
        raise ModelError(path, f"not a model file (supported: {', '.join(sorted(MODEL_EXTENSIONS))})")
    if verify:
        load_model(path)  # raises ModelError with the cause
    with atomic_output(user_models_dir() / DEFAULT_CHOICE_FILE) as temporary:
        temporary.write_text(str(path), encoding="utf-8")
    return path


def load_model(name_or_path: str | Path | None) -> LoadedModel:
    """Load a model on the CPU in eval mode; every failure is a ModelError naming the file."""
    path = resolve_model(name_or_path)
    if path.suffix.lower() == ".safetensors" and read_metadata(path) is not None:
        return _load_own(path)
    return _load_third_party(path)


def _load_own(path: Path) -> LoadedModel:
    module, meta = load_generator(path)
    info = ModelInfo(
        # the file's name, as for any model: the one chosen on import or "Use this model", and the one
        # `--model NAME` finds (the metadata's name is the training run's folder name)
        name=path.stem, path=path, arch=meta.arch, kind="face", scale=meta.scale,
        input_size=meta.input_size, parameters=count_parameters(module), license=meta.license,
        description=meta.description, training=meta.training,
    )
    return LoadedModel(info, module, lambda batch, fidelity: module(batch))


def _load_third_party(path: Path) -> LoadedModel:
    descriptor = _spandrel_load(path)
    arch_id = descriptor.architecture.id
    face = _FACE_ARCHS.get(arch_id)
    if descriptor.purpose == "FaceSR" and face is None:
        raise ModelError(path, f"face model architecture {arch_id} is not supported yet")
    if descriptor.input_channels != 3 or descriptor.output_channels != 3:
        raise ModelError(path, f"only RGB models are supported ({arch_id} takes {descriptor.input_channels} channels)")
    info = ModelInfo(
        name=path.stem, path=path, arch=arch_id, kind="face" if face else "sr", scale=descriptor.scale,
        input_size=face.input_size if face else None, parameters=count_parameters(descriptor.model),
        supports_fidelity=bool(face and face.fidelity), supports_half=descriptor.supports_half,
        supports_bfloat16=descriptor.supports_bfloat16, license=face.license if face else "",
    )
    module = descriptor.model.eval()
    if face is None:
        return LoadedModel(info, module, lambda batch, fidelity: descriptor(batch))
    return LoadedModel(info, module, _signed_face_forward(module, face.fidelity))


def _signed_face_forward(module: nn.Module, has_fidelity: bool) -> Forward:
    """GFPGAN-family networks take and return [-1, 1] and return (image, extras)."""

    def forward(batch: torch.Tensor, fidelity: float) -> torch.Tensor:
        signed = batch * 2 - 1
        output = module(signed, weight=fidelity)[0] if has_fidelity else module(signed)[0]
        return (output + 1) / 2

    return forward


def _spandrel_load(path: Path) -> Any:
    """Read the file as data (vetting.read_tensors), then let spandrel detect and build the network.

    spandrel's own ``load_from_file`` is not used: for ``.pt`` files it tries ``torch.jit.load`` first,
    which runs code from the file. Its build is bounded by what the file holds, as key names decide depth.
    """
    tensors = read_tensors(path)  # first: a file that is not a model is refused before importing spandrel
    import spandrel
    import spandrel_extra_arches

    spandrel_extra_arches.install(ignore_duplicates=True)
    try:
        state = spandrel.canonicalize_state_dict(tensors)
        elements = count_elements(state)
        check_parameter_count(path, elements)
        # twice what the file holds: some architectures keep buffers or unused layers out of their state dicts
        with building_budget(path, max_tensors=2 * len(state) + 256, max_elements=2 * elements + 2**24):
            return spandrel.ModelLoader().load_from_state_dict(state)
    except spandrel.UnsupportedModelError as error:
        raise ModelError(path, "unsupported model: its architecture was not recognised") from error
    except (ValueError, RuntimeError, KeyError, TypeError, IndexError, AttributeError, AssertionError,
            ArithmeticError) as error:
        raise ModelError(path, "the file is corrupt or its weights do not match any supported architecture "
                         f"({type(error).__name__}: {brief(error)})") from error


def install_model(source: str | Path, name: str | None = None) -> Path:
    """Copy a model file into the user model folder (as ``name`` + its suffix) after checking it loads.

    An unloadable file raises ModelError naming it; an installed model of the same name is never
    replaced (ModelError), so importing cannot lose a model.
    """
    source = Path(source).expanduser()
    if not source.is_file():
        raise ModelError(source, "no such file")
    if source.suffix.lower() not in MODEL_EXTENSIONS:
        raise ModelError(source, f"not a model file (supported: {', '.join(sorted(MODEL_EXTENSIONS))})")
    load_model(source)  # raises ModelError with the cause when the file is not a usable model
    target = user_models_dir() / f"{name or source.stem}{source.suffix.lower()}"
    if target.exists():
        raise ModelError(target, "a model of this name is already installed: choose another name")
    with atomic_output(target) as temporary:
        shutil.copyfile(source, temporary)
    log.info("installed %s as %s", source, target)
    return target


def describe_models() -> list[ModelInfo | ModelError]:
    """Info of every installed model, or the error that prevents loading it (for `models` and the GUI)."""
    described: list[ModelInfo | ModelError] = []
    for path in find_model_files():
        try:
            described.append(load_model(path).info)
        except ModelError as error:
            described.append(error)
    return described
