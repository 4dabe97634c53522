"""Checks that a model file is plain data of a plausible size before anything reads or builds it.

Model files come from strangers, and three facts make them dangerous to hand straight to torch or spandrel:

- A TorchScript archive is code. ``torch.load`` (whatever the file's extension) and spandrel (for ``.pt``)
  pass it to ``torch.jit.load``, which runs its ``__setstate__``: an endless loop there hung ``restore`` and
  even the model list. No architecture we support needs TorchScript (spandrel's CodeFormer, GFPGAN and
  RestoreFormer load from ordinary state dicts), so TorchScript is refused outright, recognised by its
  content, never trusted by its name.
- torch reads each zip entry whole into memory, and a 1 MB entry can inflate to 1 GiB. Entry sizes are read
  from the zip's central directory before anything is inflated.
- A network is built from metadata (own files) or from shapes and key names (spandrel) before its weights are
  checked, so a 244-byte file could ask for gigabytes and minutes. ``building_budget`` stops a network build
  as soon as it registers more tensors or elements than the file holds.
"""

from __future__ import annotations

import contextlib
import re
import threading
import typing
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from core.errors import ModelError, brief

# The largest face restorers (GFPGAN v1.4, CodeFormer) are under 400 MB; twice that leaves room and still
# refuses files that could not be held in memory next to the images on an ordinary machine.
MAX_MODEL_BYTES = 2 * 1024**3
MAX_PARAMETERS = 500_000_000  # elements over all tensors (GFPGAN v1.4: 85 M, CodeFormer: 94 M)
# torch.save stores zip entries uncompressed and weights hardly compress, so an entry that inflates to more
# than a few times the whole file is a zip bomb, not a model.
MAX_INFLATION = 4
MAX_ZIP_ENTRIES = 100_000

TORCHSCRIPT_REFUSAL = ("refused: this is a TorchScript file, which holds code that would run on loading. "
                       "FaceSR loads weights only: use the model's state dict (.pth) or .safetensors instead")

FileFormat = Literal["safetensors", "zip", "pickle"]


def sniff_format(path: Path) -> FileFormat:
    """The container format from the first bytes (the extension says nothing about what is inside)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(9)
    except OSError as error:
        raise ModelError(path, f"cannot read the file ({brief(error)})") from error
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"  # torch.save's format, and TorchScript's
    if len(head) == 9 and head[8:9] == b"{":
        return "safetensors"  # 8-byte header length, then the JSON header
    if head[:1] == b"\x80":
        return "pickle"  # torch's legacy format starts with a protocol-2 pickle
    raise ModelError(path, "the file is corrupt or not a model: it is neither .safetensors, "
                           "a PyTorch zip archive nor a pickle")


def check_file(path: Path, max_bytes: int | None = MAX_MODEL_BYTES) -> FileFormat:
    """Refuse TorchScript, oversized files and zip bombs without inflating or unpickling anything.

    ``max_bytes`` bounds the (inflated) size; None for files whose size we made ourselves (training states).
    """
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise ModelError(path, f"the file is {size / 1024**3:.1f} GiB; files over "
                               f"{max_bytes / 1024**3:.0f} GiB are refused")
    kind = sniff_format(path)
    if kind == "zip":
        _check_zip(path, size, max_bytes)
    return kind


def _check_zip(path: Path, size: int, max_bytes: int | None) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()  # the central directory only: nothing is inflated
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ModelError(path, f"the file is a damaged zip archive ({brief(error)})") from error
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ModelError(path, f"refused: the archive has {len(entries)} entries")
    if is_torchscript([entry.filename for entry in entries]):
        raise ModelError(path, TORCHSCRIPT_REFUSAL)
    inflated = sum(entry.file_size for entry in entries)
    if (max_bytes is not None and inflated > max_bytes) or inflated > MAX_INFLATION * size + 1024**2:
        raise ModelError(path, f"refused: its {size / 1024**2:.1f} MB inflate to {inflated / 1024**2:.0f} MB "
                               "(a zip bomb, not a model)")


def is_torchscript(names: list[str]) -> bool:
    """TorchScript archives carry constants.pkl and a code/ folder under their top folder (torch.jit.save)."""
    inner = [name.split("/", 1)[1] if "/" in name else name for name in names]
    return any(name == "constants.pkl" or name.startswith("code/") for name in inner)


def read_tensors(path: Path) -> dict[str, Any]:
    """A third-party file's contents as data: safetensors, or torch's weights-only unpickler after the checks.

    Errors are ModelError naming the file; nothing in the file is ever run.
    """
    kind = check_file(path)
    if kind == "safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as error:
            raise ModelError(path, f"not a readable .safetensors file ({brief(error)})") from error
    # Some checkpoints name their dict typing.OrderedDict, an alias of collections.OrderedDict that spandrel's
    # allow-list accepts and torch's does not; allowing it process-wide is harmless (it only builds a dict).
    torch.serialization.add_safe_globals([typing.OrderedDict])
    try:
        # weights_only also refuses TorchScript by itself: a second lock behind check_file's
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unpickling fails in many ways; each ends as one message
        raise ModelError(path, _unpickling_cause(error)) from error
    if not isinstance(state, dict):
        raise ModelError(path, f"not a model: the file holds a {type(state).__name__}, not a state dict")
    return state


def _unpickling_cause(error: Exception) -> str:
    """torch's weights-only messages are paragraphs that suggest turning the protection off; keep the fact."""
    text = str(error)
    refused = re.search(r"GLOBAL ([\w.]+)", text)
    if refused:
        return f"refused: the file holds objects outside the allowed list ({refused.group(1)}), which could run code"
    operand = re.search(r"Unsupported operand \d+", text)
    if operand:
        return f"the file is corrupt or not a model ({operand.group(0)} in its pickle)"
    return f"the file is corrupt or not a model ({type(error).__name__}: {brief(error)})"


def count_elements(tensors: dict[str, Any]) -> int:
    """Elements over all tensors: shapes, not bytes, so a stride-0 view claiming a huge shape counts in full."""
    return sum(value.numel() for value in tensors.values() if isinstance(value, torch.Tensor))


def check_parameter_count(path: Path, elements: int) -> None:
    """Refuse a file whose tensors hold more than MAX_PARAMETERS elements in all."""
    if elements > MAX_PARAMETERS:
        raise ModelError(path, f"refused: {elements:,} weights is more than the {MAX_PARAMETERS:,} allowed")


class _OverBudget(Exception):
    """Raised inside a module's constructor to stop a build that outgrows the file it comes from."""


@contextlib.contextmanager
def building_budget(path: Path, max_tensors: int, max_elements: int) -> Iterator[None]:
    """Stop building a network (in this thread) once it registers more tensors or elements than allowed.

    A file's metadata or key names decide how deep and wide the network is; the budget comes from what the
    file actually holds, so a tiny file cannot make us allocate gigabytes or loop for minutes first.
    """
    thread = threading.get_ident()
    registered = {"tensors": 0, "elements": 0}

    def count(module: nn.Module, name: str, tensor: torch.Tensor | None) -> None:
        if tensor is None or threading.get_ident() != thread:
            return None
        registered["tensors"] += 1
        registered["elements"] += tensor.numel()
        if registered["tensors"] > max_tensors or registered["elements"] > max_elements:
            raise _OverBudget
        return None

    hooks = [nn.modules.module.register_module_parameter_registration_hook(count),
             nn.modules.module.register_module_buffer_registration_hook(count)]
    try:
        yield
    except _OverBudget:
        raise ModelError(path, f"refused: the network it describes is larger than the weights it holds "
                               f"(more than {max_tensors} tensors or {max_elements:,} values)") from None
    finally:
        for hook in hooks:
            hook.remove()
