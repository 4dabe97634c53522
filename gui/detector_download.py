"""Fetching a detector's weights (RetinaFace) when the user chooses that detector: ask, download, report.

The download is a job of the tab's JobQueue (the detector it is for runs in that thread too), with a
modal progress dialog whose Cancel stops it; core removes a partial file. Exactly one of ``installed``,
``abandoned`` (cancelled or failed) follows a ``start``; after a failure ``failed`` brings the cause.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from core.downloads import fetch_weights, weights_info, weights_path
from core.progress import CancelToken, ProgressCallback, Stage
from gui.i18n import fill
from gui.worker import JobQueue, Progress, error_message

KIND = "download"  # the job's kind in the queue


def needs_download(name: str) -> bool:
    """True when detector ``name`` has weights to fetch that are not on this machine (YuNet ships with yuface)."""
    return name != "yunet" and not weights_path(name).is_file()


class DetectorDownload(QObject):
    """Asks before downloading detector weights into core's weights folder, then fetches them in ``jobs``."""

    installed = Signal(str)  # the detector's name: its weights are in place
    abandoned = Signal()  # cancelled or failed: the detector chosen before stays
    failed = Signal(str)  # the cause, naming the file (after ``abandoned``)

    def __init__(self, jobs: JobQueue, parent: QWidget) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.widget = parent
        self.dialog: QProgressDialog | None = None

    def question(self, name: str) -> tuple[str, str]:
        """The title and text of the confirmation: what, how large, from where, into which folder."""
        info = weights_info(name)
        size = f"{info.size / 1e6:.1f} MB" if info.size else self.tr("unknown size")
        return self.tr("Download the detector?"), fill(self.tr(
            "%1 needs its weights (%2) from\n%3\nThey are downloaded once into %4 and checked. "
            "Download them now?"), info.description, size, info.url, weights_path(name).parent)

    def start(self, name: str) -> None:
        """Download ``name``'s weights now (after the job running, when that is a warm-up), showing progress."""
        if self.jobs.running("warm"):  # the model loading at start-up: download after it
            self.jobs.later(KIND, lambda: self.start(name))
            return
        dialog = QProgressDialog(fill(self.tr("Downloading %1…"), weights_info(name).filename),
                                 self.tr("Cancel"), 0, 100, self.widget)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self.jobs.cancel)

        def job(cancel: CancelToken, progress: ProgressCallback) -> Path:
            def report(done: int, total: int, message: str) -> None:
                cancel.raise_if_cancelled()  # ends the download; core removes the partial file
                progress(done // 1024, total // 1024, Stage.DOWNLOAD)  # KiB: byte counts overflow a Qt int

            return fetch_weights(name, report)

        if self.jobs.start(KIND, job, lambda path: self._ended(name), failed=self._failed,
                           cancelled=lambda: self._ended(None), progress=self._progress):
            self.dialog = dialog
        else:  # other work runs (the options are disabled then): nothing was asked for
            dialog.deleteLater()
            self.abandoned.emit()

    def _progress(self, progress: Progress) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(max(progress.total, 1))
            self.dialog.setValue(min(progress.done, max(progress.total, 1)))

    def _failed(self, error: BaseException) -> None:
        self._ended(None)
        self.failed.emit(error_message(error))

    def _ended(self, name: str | None) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        if name is None:
            self.abandoned.emit()
        else:
            self.installed.emit(name)
