"""Background work for the GUI: a QObject worker moved to its own QThread.

A job is a plain function ``job(cancel, progress) -> result`` written against core's CancelToken and
progress callback; the worker turns its progress and outcome into Qt signals. Progress arrives typed, as a
``Progress`` (core's Stage, done, total, and an optional item such as a batch's finished file), so the
interface names stages in its own language and never reads the engine's words; an error arrives as the
exception itself (``error_message`` words it for a dialog), as superqt's workers do.

The Worker returned by ``submit`` lives in the UI thread and its signals (progress, finished, errored,
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
from core.progress import CancelToken, Cancelled, Stage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """One report of a job: its stage (None for words that name none, such as a file name), ``done`` out of
    ``total`` (0 when the stage has no count) and what the stage just produced, if anything."""

    stage: Stage | None
    done: int = 0
    total: int = 0
    item: object = None


class Reporter:
    """What a job reports through. Called as core's ProgressCallback (``done, total, message``) it passes
    core's Stage on; ``report`` sends a Progress of the job's own, e.g. one that carries an item."""

    def __init__(self, emit: Callable[[Progress], None]) -> None:
        self._emit = emit

    def __call__(self, done: int, total: int, message: str) -> None:
        self._emit(Progress(message if isinstance(message, Stage) else None, done, total))

    def report(self, progress: Progress) -> None:
        self._emit(progress)


Job = Callable[[CancelToken, Reporter], Any]


def error_message(error: BaseException) -> str:
    """An exception a job raised, in words for a dialog: a user's error as it names the file and the cause,
    running out of memory as what to try, a bug as its type and text (the log has the traceback)."""
    if isinstance(error, FaceSRError):
        return str(error)
    if is_out_of_memory(error):  # MemoryError, or OpenCV's / torch's own words for it: one line
        return "out of memory: try a smaller upscale factor or tile size"
    return f"unexpected error: {type(error).__name__}: {error}"


class Worker(QObject):
    """The UI-thread side of one job: exactly one of finished / failed / cancelled follows its start.

    It lives in the UI thread, so its signals are emitted there and every slot connected to them,
    lambdas included, runs there (PySide runs a lambda in the thread of the signal's object).
    """

    progress = Signal(object)  # Progress
    finished = Signal(object)  # the job's result
    errored = Signal(object)  # the exception the job raised
    cancelled = Signal()

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.cancel_token = CancelToken()


class _Runner(QObject):
    """Runs one job in the thread it was moved to and reports through its own signals."""

    progressed = Signal(object)
    succeeded = Signal(object)
    errored = Signal(object)
    stopped = Signal()

    def __init__(self, job: Job, cancel_token: CancelToken) -> None:
        super().__init__()
        self.job = job
        self.cancel_token = cancel_token

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(self.cancel_token, Reporter(self.progressed.emit))
        except Cancelled:
            self.stopped.emit()
        except Exception as error:  # a bug must reach the user as a dialog, not kill the thread silently
            if not isinstance(error, FaceSRError) and not is_out_of_memory(error):
                log.exception("background job failed")
            self.errored.emit(error)
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
        runner.errored.connect(self._relay_errored)
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

    @Slot(object)
    def _relay_progress(self, progress: Progress) -> None:
        if self._worker is not None:
            self._worker.progress.emit(progress)

    @Slot(object)
    def _relay_finished(self, result: object) -> None:
        worker = self._job_ended()
        if worker is not None:
            worker.finished.emit(result)

    @Slot(object)
    def _relay_errored(self, error: BaseException) -> None:
        worker = self._job_ended()
        if worker is not None:
            worker.errored.emit(error)

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
    failed: Callable[[BaseException], None] | None = None
    cancelled: Callable[[], None] | None = None
    progress: Callable[[Progress], None] | None = None


class JobQueue(QObject):
    """Jobs of one WorkerThread, run one at a time in the order asked, each with a ``kind``.

    A request made while the thread is busy waits as an *action*, a callable run when the thread is free
    (it builds its job then, from the options of that moment); a newer request of a kind replaces an older
    one still waiting. ``state_changed`` follows every start and end, after the outcome's own handler.
    """

    state_changed = Signal()

    def __init__(self, thread: WorkerThread, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker_thread = thread  # not `thread`: that would hide QObject.thread()
        self.kind = ""  # the running job's kind; "" when idle
        self._outcome = _Outcome()
        self._pending: list[tuple[str, Callable[[], None]]] = []
        self._closed = False

    @property
    def busy(self) -> bool:
        return self.worker_thread.busy

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
              failed: Callable[[BaseException], None] | None = None, cancelled: Callable[[], None] | None = None,
              progress: Callable[[Progress], None] | None = None) -> bool:
        """Submit ``job`` now; its handlers run in the UI thread. False (and nothing runs) while busy."""
        if self.busy or self._closed:
            return False
        worker = self.worker_thread.submit(job)
        self.kind, self._outcome = kind, _Outcome(done, failed, cancelled, progress)
        worker.progress.connect(self._progressed)
        worker.finished.connect(self._finished)
        worker.errored.connect(self._failed)
        worker.cancelled.connect(self._cancelled)
        self.state_changed.emit()
        return True

    def cancel(self) -> None:
        """Stop the running job (its ``cancelled`` handler follows once it has stopped)."""
        self.worker_thread.cancel()

    def run_pending(self) -> None:
        """Start the oldest waiting action when the thread is free."""
        if self._pending and not self.busy and not self._closed:
            _, action = self._pending.pop(0)
            action()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Forget waiting actions, cancel the running job and stop the thread (see WorkerThread.shutdown)."""
        self._closed = True
        self._pending = []
        return self.worker_thread.shutdown(timeout_ms)

    def _progressed(self, progress: Progress) -> None:
        if self._outcome.progress is not None:
            self._outcome.progress(progress)

    def _finished(self, result: object) -> None:
        handler = self._ended().done
        if handler is not None:
            handler(result)
        self._after()

    def _failed(self, error: BaseException) -> None:
        handler = self._ended().failed
        if handler is not None:
            handler(error)
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
