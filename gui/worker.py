"""Background work for the GUI: a QObject worker moved to its own QThread.

A job is a plain function ``job(cancel, progress) -> result`` written against core's CancelToken and
progress callback; the worker turns its progress and outcome into Qt signals, which Qt delivers to
the UI thread (queued connections), so widgets are only touched there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.errors import FaceSRError
from core.progress import CancelToken, Cancelled, ProgressCallback

log = logging.getLogger(__name__)

Job = Callable[[CancelToken, ProgressCallback], Any]


class Worker(QObject):
    """Runs one job in the thread it lives in; emits exactly one of finished / failed / cancelled."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.cancel_token = CancelToken()

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(self.cancel_token, self.progress.emit)
        except Cancelled:
            self.cancelled.emit()
        except FaceSRError as error:
            self.failed.emit(str(error))
        except MemoryError:
            self.failed.emit("out of memory: try a smaller upscale factor or tile size")
        except Exception as error:  # a bug must reach the user as a dialog, not kill the thread silently
            log.exception("background job failed")
            self.failed.emit(f"unexpected error: {type(error).__name__}: {error}")
        else:
            if self.cancel_token.cancelled:
                self.cancelled.emit()
            else:
                self.finished.emit(result)


class WorkerThread(QObject):
    """One long-lived QThread that runs jobs one at a time (so models loaded in a job stay warm)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread(self)
        self._thread.setObjectName("facesr-worker")
        self._worker: Worker | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def submit(self, job: Job) -> Worker:
        """Start ``job`` in the thread; connect to the returned worker's signals before control returns
        to the event loop (delivery is queued, so nothing is missed)."""
        if self._worker is not None:
            raise RuntimeError("the worker thread is busy")
        if not self._thread.isRunning():
            self._thread.start()
        worker = Worker(job)
        worker.moveToThread(self._thread)
        for signal in (worker.finished, worker.failed, worker.cancelled):
            signal.connect(self._job_ended)
        self._worker = worker
        # QMetaObject.invokeMethod would need the slot's name; a single-shot queued signal is simpler.
        _Starter(worker).fire()
        return worker

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel_token.cancel()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel the running job and stop the thread; True when it stopped within the timeout."""
        self.cancel()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    @Slot()
    def _job_ended(self, *_: object) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.deleteLater()


class _Starter(QObject):
    """Emits once, queued into the worker's thread, to call its ``run`` there."""

    go = Signal()

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.go.connect(worker.run)  # worker lives in another thread: a queued connection

    def fire(self) -> None:
        self.go.emit()
