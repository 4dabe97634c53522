"""Progress callbacks and cancel tokens: how long work reports and stops without knowing Qt."""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum

# done, total, message: a Stage where the work is one of those, else free words (a file name, say)
ProgressCallback = Callable[[int, int, str], None]


class Stage(StrEnum):
    """The steps long work reports, so that an interface can name them in its own words.

    Each is also its English description (a str), which is what the command line prints.
    """

    LOAD_MODEL = "loading the model"
    PREPARE_MODEL = "preparing the model for this CPU (once)"  # exporting it for ONNX Runtime (core.onnx_backend)
    DETECT = "detecting faces"
    RESTORE = "restoring faces"  # done and total count faces
    BACKGROUND = "upscaling the background"
    PASTE = "pasting faces"
    LIST_MODELS = "reading the installed models"
    DOWNLOAD = "downloading"  # done and total count bytes (or what the reporter scaled them to)
    FILES = "restoring files"  # a batch: done and total count files


def no_progress(done: int, total: int, message: str) -> None:
    """The default callback: report nothing."""


class Cancelled(Exception):
    """Raised inside long work when its cancel token was set."""


class CancelToken:
    """A thread-safe flag: the GUI or a signal handler sets it, the worker checks it between units."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class PauseGate:
    """A thread-safe pause switch: long work calls ``wait`` between units and blocks while paused."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait(self, cancel: CancelToken | None = None, poll: float = 0.1) -> None:
        """Return at once when running; else block until resumed or cancelled."""
        while not self._running.wait(poll):
            if cancel is not None and cancel.cancelled:
                return
