"""Progress callbacks and cancel tokens: how long work reports and stops without knowing Qt."""

from __future__ import annotations

import threading
from collections.abc import Callable

# done, total, message
ProgressCallback = Callable[[int, int, str], None]


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
