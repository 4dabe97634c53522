"""Errors a user can cause. Each carries a one-line message naming the file and the cause."""

from __future__ import annotations

from pathlib import Path


def brief(error: BaseException, limit: int = 160) -> str:
    """The first line of a library's error, cut to ``limit`` characters, for one-line messages."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


class FaceSRError(Exception):
    """Base class for every error the user can cause and fix; ``str()`` is the message to show."""

    def __init__(self, path: str | Path | None, cause: str) -> None:
        self.path = None if path is None else Path(path)
        self.cause = cause
        super().__init__(f"{self.path}: {cause}" if self.path is not None else cause)


class ImageReadError(FaceSRError):
    """An input image cannot be read (missing, empty, truncated, not an image, too large)."""


class ImageWriteError(FaceSRError):
    """An output cannot be written (folder not writable, disk full, bad format)."""


class ModelError(FaceSRError):
    """A model is missing, corrupt, hostile or of an unsupported architecture."""


class DetectorError(FaceSRError):
    """A face detector cannot be created (missing optional weights or package)."""


class TrainingError(FaceSRError):
    """A training run cannot start or continue (bad dataset, bad config, bad checkpoint)."""
