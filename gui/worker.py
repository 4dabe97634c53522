"""Background work for the GUI: a QObject worker moved to its own QThread.

A job is a plain function ``job(cancel, progress) -> result`` written against core's CancelToken and
progress callback; the worker turns its progress and outcome into Qt signals.

The Worker returned by ``submit`` lives in the UI thread and its signals (progress, finished, failed,
cancelled) are emitted there, relayed by WorkerThread from a runner object in the worker thread. Two
things go wrong otherwise: a job that ends quickly emits before the caller of ``submit`` has
connected its slots (the outcome is lost), and PySide runs a lambda connected to a signal in the
thread of the signal's object (it would touch widgets from the worker thread).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.errors import FaceSRError
from core.memory import is_out_of_memory
from core.progress import CancelToken, Cancelled, ProgressCallback

log = logging.getLogger(__name__)

Job = Callable[[CancelToken, ProgressCallback], Any]


class Worker(QObject):
    """The UI-thread side of one job: exactly one of finished / failed / cancelled follows its start.

    It lives in the UI thread, so its signals are emitted there and every slot connected to them,
    lambdas included, runs there (PySide runs a lambda in the thread of the signal's object).
    """

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.cancel_token = CancelToken()


class _Runner(QObject):
    """Runs one job in the thread it was moved to and reports through its own signals."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    errored = Signal(str)
    stopped = Signal()

    def __init__(self, job: Job, cancel_token: CancelToken) -> None:
        super().__init__()
        self.job = job
        self.cancel_token = cancel_token

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(self.cancel_token, self.progressed.emit)
        except Cancelled:
            self.stopped.emit()
        except FaceSRError as error:
            self.errored.emit(str(error))
        except Exception as error:  # a bug must reach the user as a dialog, not kill the thread silently
            if is_out_of_memory(error):  # MemoryError, or OpenCV's / torch's own words for it: one line
                self.errored.emit("out of memory: try a smaller upscale factor or tile size")
                return
            log.exception("background job failed")
            self.errored.emit(f"unexpected error: {type(error).__name__}: {error}")
        else:
            if self.cancel_token.cancelled:
                self.stopped.emit()
            else:
                self.succeeded.emit(result)


class WorkerThread(QObject):
    """One long-lived QThread that runs jobs one at a time (so models loaded in a job stay warm)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread(self)
        self._thread.setObjectName("facesr-worker")
        self._worker: Worker | None = None
        self._runner: _Runner | None = None
        self._starter: _Starter | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def submit(self, job: Job) -> Worker:
        """Start ``job`` in the thread; connect to the returned worker's signals before control returns
        to the event loop: they are emitted from it, in the UI thread, so nothing is missed."""
        if self._worker is not None:
            raise RuntimeError("the worker thread is busy")
        if not self._thread.isRunning():
            self._thread.start()
        worker = Worker(job)
        runner = _Runner(job, worker.cancel_token)
        runner.moveToThread(self._thread)
        # bound methods of this object, which lives in the UI thread: queued connections
        runner.progressed.connect(self._relay_progress)
        runner.succeeded.connect(self._relay_finished)
        runner.errored.connect(self._relay_failed)
        runner.stopped.connect(self._relay_cancelled)
        # all three are referenced here until the outcome is announced: a starter collected at once
        # can take its queued call with it (PySide), and the job would never start
        self._worker, self._runner, self._starter = worker, runner, _Starter(runner)
        self._starter.fire()
        return worker

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel_token.cancel()

    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        """Cancel the running job and stop the thread; True when it stopped within the timeout.

        ``None`` waits for as long as the job takes: a job that cannot be cancelled (such as loading
        models) must end before this object goes, as Qt aborts the process when a QThread object is
        destroyed while its thread still runs.
        """
        self.cancel()
        self._thread.quit()
        if timeout_ms is None:
            return self._thread.wait()
        return self._thread.wait(timeout_ms)

    @Slot(int, int, str)
    def _relay_progress(self, done: int, total: int, message: str) -> None:
        if self._worker is not None:
            self._worker.progress.emit(done, total, message)

    @Slot(object)
    def _relay_finished(self, result: object) -> None:
        worker = self._job_ended()
        if worker is not None:
            worker.finished.emit(result)

    @Slot(str)
    def _relay_failed(self, message: str) -> None:
        worker = self._job_ended()
        if worker is not None:
            worker.failed.emit(message)

    @Slot()
    def _relay_cancelled(self) -> None:
        worker = self._job_ended()
        if worker is not None:
            worker.cancelled.emit()

    def _job_ended(self) -> Worker | None:
        """Free the thread before the outcome is announced, so that its slots may submit the next job."""
        worker, runner = self._worker, self._runner
        self._worker = self._runner = self._starter = None
        if runner is not None:
            runner.deleteLater()  # in its own thread, after its run() has returned
        return worker


class _Starter(QObject):
    """Emits once, queued into the worker thread, to call the runner's ``run`` there."""

    go = Signal()

    def __init__(self, runner: _Runner) -> None:
        super().__init__()
        self.go.connect(runner.run)  # the runner lives in another thread: a queued connection

    def fire(self) -> None:
        self.go.emit()
