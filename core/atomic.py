"""Atomic file output: write to a temporary file beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target in one rename.

    On any error the temporary file is removed and the target is left as it was, so a crash, a full
    disk or a kill never leaves a half-written result under the real name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def is_temporary(path: Path) -> bool:
    """True for a leftover temporary file of ``atomic_output`` (".<stem>.<random>.tmp<suffix>").

    Folder scans use it so that a crashed run's half-written files are never taken as inputs.
    """
    name = path.name
    return name.startswith(".") and name[: len(name) - len(path.suffix)].endswith(".tmp")
