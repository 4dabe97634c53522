"""The installed models, read by one job whose result every model list shows (Restore, Batch, Models dialog).

Reading them loads every model file (that is how architecture, scale and size are known), which takes
seconds, so it runs in a JobQueue of its own, beside the tabs' work. The window owns one ModelList and
hands it to the tabs and the Models dialog; all the requests made in one turn of the event loop (an
import or a download asks each list to refresh) give one listing, and a request made while a listing runs
gives one more after it, since the files may have changed meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core.errors import ModelError
from core.models.loading import ModelInfo
from core.progress import CancelToken, ProgressCallback, Stage
from gui.restore_options import installed_models
from gui.worker import JobQueue, WorkerThread, error_message

Listing = tuple[list[ModelInfo | ModelError], Path | None]  # what installed_models returns


class ModelList(QObject):
    """``listed`` brings each listing (every model described or the error that keeps it out, and the default
    face model); ``failed`` the cause when the listing itself failed. ``latest`` is the last listing."""

    listed = Signal(object)  # Listing
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs = JobQueue(WorkerThread(self), self)
        self.latest: Listing | None = None
        self._wanted = False  # a listing was asked for and has not started yet
        self._closed = False
        self._coalesce = QTimer(self)  # the requests of one turn of the event loop: one listing
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(0)
        self._coalesce.timeout.connect(self._start)

    @property
    def busy(self) -> bool:
        """A listing runs or is about to: its ``listed`` will come."""
        return self.jobs.busy or self._wanted

    def refresh(self) -> None:
        """Read the installed models again (soon, in the background); ``listed`` follows."""
        if self._closed:
            return
        self._wanted = True
        if not self._coalesce.isActive():
            self._coalesce.start()

    def shutdown(self) -> None:
        """Stop the listing thread, waiting for a listing in progress (it cannot be cancelled)."""
        self._closed = True
        self._coalesce.stop()
        self.jobs.shutdown(timeout_ms=None)

    def _start(self) -> None:
        if not self._wanted or self._closed or self.jobs.busy:  # busy: the listing's end starts this one
            return
        self._wanted = False

        def job(cancel: CancelToken, progress: ProgressCallback) -> Listing:
            progress(0, 0, Stage.LIST_MODELS)
            return installed_models()

        self.jobs.start("models", job, self._listed, failed=self._failed, cancelled=self._next)

    def _listed(self, listing: Listing) -> None:
        self.latest = listing
        self.listed.emit(listing)
        self._next()

    def _failed(self, error: BaseException) -> None:
        self.failed.emit(error_message(error))
        self._next()

    def _next(self) -> None:
        if self._wanted and not self._closed:
            self._coalesce.start()
