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
from dataclasses import dataclass
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


@dataclass
class _Outcome:
    """What the queue calls in the UI thread when its job ends; None: nothing to do."""

    done: Callable[[Any], None] | None = None
    failed: Callable[[str], None] | None = None
    cancelled: Callable[[], None] | None = None
    progress: Callable[[int, int, str], None] | None = None


class JobQueue(QObject):
    """Jobs of one WorkerThread, run one at a time in the order asked, each with a ``kind``.

    A request made while the thread is busy waits as an *action*, a callable run when the thread is free
    (it builds its job then, from the options of that moment); a newer request of a kind replaces an older
    one still waiting. ``state_changed`` follows every start and end, after the outcome's own handler.
    """

    state_changed = Signal()

    def __init__(self, thread: WorkerThread, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = thread
        self.kind = ""  # the running job's kind; "" when idle
        self._outcome = _Outcome()
        self._pending: list[tuple[str, Callable[[], None]]] = []
        self._closed = False

    @property
    def busy(self) -> bool:
        return self.thread.busy

    def running(self, *kinds: str) -> bool:
        return self.busy and self.kind in kinds

    def waiting(self, *kinds: str) -> bool:
        """An action of one of these kinds (of any kind when none is named) waits for the thread."""
        return any(not kinds or kind in kinds for kind, _ in self._pending)

    def later(self, kind: str, action: Callable[[], None]) -> None:
        """Run ``action`` when the thread is free; it replaces an action of the same kind still waiting."""
        if not self._closed:
            self._pending = [(k, a) for k, a in self._pending if k != kind] + [(kind, action)]

    def drop(self, *kinds: str) -> None:
        """Forget the waiting actions of these kinds (of every kind when none is named)."""
        self._pending = [(k, a) for k, a in self._pending if kinds and k not in kinds]

    def start(self, kind: str, job: Job, done: Callable[[Any], None] | None = None, *,
              failed: Callable[[str], None] | None = None, cancelled: Callable[[], None] | None = None,
              progress: Callable[[int, int, str], None] | None = None) -> bool:
        """Submit ``job`` now; its handlers run in the UI thread. False (and nothing runs) while busy."""
        if self.busy or self._closed:
            return False
        worker = self.thread.submit(job)
        self.kind, self._outcome = kind, _Outcome(done, failed, cancelled, progress)
        worker.progress.connect(self._progressed)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)
        self.state_changed.emit()
        return True

    def cancel(self) -> None:
        """Stop the running job (its ``cancelled`` handler follows once it has stopped)."""
        self.thread.cancel()

    def run_pending(self) -> None:
        """Start the oldest waiting action when the thread is free."""
        if self._pending and not self.busy and not self._closed:
            _, action = self._pending.pop(0)
            action()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Forget waiting actions, cancel the running job and stop the thread (see WorkerThread.shutdown)."""
        self._closed = True
        self._pending = []
        return self.thread.shutdown(timeout_ms)

    def _progressed(self, done: int, total: int, message: str) -> None:
        if self._outcome.progress is not None:
            self._outcome.progress(done, total, message)

    def _finished(self, result: object) -> None:
        handler = self._ended().done
        if handler is not None:
            handler(result)
        self._after()

    def _failed(self, message: str) -> None:
        handler = self._ended().failed
        if handler is not None:
            handler(message)
        self._after()

    def _cancelled(self) -> None:
        handler = self._ended().cancelled
        if handler is not None:
            handler()
        self._after()

    def _ended(self) -> _Outcome:
        outcome, self._outcome, self.kind = self._outcome, _Outcome(), ""
        return outcome

    def _after(self) -> None:
        self.state_changed.emit()
        self.run_pending()


class _Starter(QObject):
    """Emits once, queued into the worker thread, to call the runner's ``run`` there."""

    go = Signal()

    def __init__(self, runner: _Runner) -> None:
        super().__init__()
        self.go.connect(runner.run)  # the runner lives in another thread: a queued connection

    def fire(self) -> None:
        self.go.emit()
