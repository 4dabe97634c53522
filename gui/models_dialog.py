"""The Models dialog: installed models with their details, Import, Set as default, and "Get more models".

Listing loads every model file (that is how its architecture, scale and parameter count are known),
which takes seconds for large third-party files, so listing and importing run in the dialog's own
worker thread; the dialog stops that thread when it closes.

"Get more models" lists core's catalogue of official models (GFPGAN, CodeFormer, Real-ESRGAN). A
download starts only after a confirmation that shows the licence, runs in a second worker thread (so
listing stays possible) with a progress bar, rate and time left, and can be cancelled; closing the
dialog cancels it. A finished download is announced with ``models_changed`` like an import.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QUrl, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QGroupBox, QHeaderView,
                               QInputDialog, QLabel, QMessageBox, QProgressBar, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from core.downloads import CatalogueEntry, TransferRate, catalogue_entries, fetch_weights, format_bytes
from core.errors import FaceSRError, ModelError
from core.eta import format_duration
from core.models.loading import MODEL_EXTENSIONS, ModelInfo, install_model, set_default_model
from core.paths import shipped_weights_dir, user_models_dir
from core.progress import CancelToken, ProgressCallback, Stage
from gui import settings as stored
from gui.i18n import fill
from gui.model_list import Listing, ModelList
from gui.tab_support import show_error
from gui.worker import Job, JobQueue, Progress, WorkerThread, error_message

COLUMNS = 6
CATALOGUE_COLUMNS = 6  # name, for, size, licence, progress, Download/Cancel
PURPOSE_COLUMN, LICENCE_COLUMN, PROGRESS_COLUMN, BUTTON_COLUMN = 1, 3, 4, 5


def value_text(value: object) -> str:
    """A training-summary value for people: floats to 4 significant digits, dicts as "key value" pairs."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{key.replace('_', ' ')} {value_text(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(item) for item in value)
    return str(value)


class ModelsDialog(QDialog):
    """``models_changed`` (the path concerned) after an import or a new default."""

    models_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None, models: ModelList | None = None) -> None:
        super().__init__(parent)
        self.models = models or ModelList(self)  # the window's, shared with the tabs' model lists
        self._owns_models = models is None
        self._select: Path | None = None  # the model to select when the next listing arrives
        self.models.listed.connect(self._models_listed)
        self.models.failed.connect(self._listing_failed)
        self.runner = WorkerThread(self)
        self.jobs = JobQueue(self.runner, self)  # listing and importing, one at a time
        self.entries: list[ModelInfo | ModelError] = []
        self.default: Path | None = None
        self.table = QTableWidget(0, COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.details = QTextBrowser()
        self.details.setOpenExternalLinks(False)
        self.status = QLabel()
        self.import_button = QPushButton()
        self.import_button.setShortcut(QKeySequence("Ctrl+I"))
        self.default_button = QPushButton()
        self.default_button.setShortcut(QKeySequence("Ctrl+D"))
        self.folder_button = QPushButton()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.import_button, self.default_button, self.folder_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setSizes([200, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.import_button.clicked.connect(self.choose_import)
        self.default_button.clicked.connect(self.set_default)
        self.folder_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(
            str(user_models_dir()))))
        self.table.itemSelectionChanged.connect(self._show_details)
        self._build_catalogue(layout)
        self.resize(1000, 720)
        self.retranslate()
        self.refresh()

    # --- listing ---------------------------------------------------------------------------------

    def refresh(self, select: Path | None = None) -> None:
        """Read the installed models again (the shared ModelList's job); ``select`` a path when they arrive."""
        self._select = select
        self.status.setText(self.tr("Reading the installed models…"))
        self.import_button.setEnabled(False)
        self.default_button.setEnabled(False)
        self.models.refresh()

    def _models_listed(self, found: Listing) -> None:
        select, self._select = self._select, None
        self._listed(found, select)
        if not self.jobs.busy:  # an import still running keeps its buttons off
            self._idle()

    def _listing_failed(self, message: str) -> None:
        if not self.jobs.busy:
            self._idle()
        self._error(self.tr("Model error"), message)

    def _listed(self, found: Listing, select: Path | None) -> None:
        self.entries, self.default = found
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            for column, text in enumerate(self._cells(entry)):
                item = QTableWidgetItem(text)
                if isinstance(entry, ModelError):
                    item.setForeground(QBrush(QColor(200, 40, 40)))
                    item.setToolTip(str(entry))
                self.table.setItem(row, column, item)
        self.status.setText(fill(self.tr("%1 model(s) in %2 and %3"), len(self.entries), shipped_weights_dir(),
                                 user_models_dir()) if self.entries else
                            self.tr("No model is installed yet: import one, or train one in the Train tab."))
        paths = [entry.path for entry in self.entries]
        wanted = select or self.default
        self.table.selectRow(paths.index(wanted) if wanted in paths else 0)
        self._show_details()

    def _cells(self, entry: ModelInfo | ModelError) -> list[str]:
        if isinstance(entry, ModelError):
            return [entry.path.name if entry.path else "?", self.tr("unusable"), "", "", "", entry.cause]
        name = entry.name + (self.tr(" (default)") if entry.path == self.default else "")
        kind = self.tr("face") if entry.kind == "face" else self.tr("whole image")
        size = f"{entry.input_size} px" if entry.input_size else "–"
        return [name, entry.arch, kind, f"{entry.scale}×", size, f"{entry.parameters / 1e6:.2f} M"]

    def selected_entry(self) -> ModelInfo | ModelError | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows and rows[0].row() < len(self.entries) else None

    def _show_details(self) -> None:
        entry = self.selected_entry()
        self.default_button.setEnabled(isinstance(entry, ModelInfo) and entry.kind == "face"
                                       and entry.path != self.default and not self.runner.busy)
        self.details.setHtml(self.details_html(entry) if entry is not None else "")

    def details_html(self, entry: ModelInfo | ModelError) -> str:
        if isinstance(entry, ModelError):
            return f"<p><b>{html.escape(str(entry.path))}</b></p><p>{html.escape(entry.cause)}</p>"
        rows = [
            (self.tr("Architecture"), entry.arch),
            (self.tr("Kind"), self.tr("face restoration (aligned face crops)") if entry.kind == "face"
             else self.tr("super-resolution of whole images (usable as the background upscaler)")),
            (self.tr("Scale"), f"{entry.scale}×"),
            (self.tr("Input size"), f"{entry.input_size} × {entry.input_size} px" if entry.input_size
             else self.tr("any")),
            (self.tr("Parameters"), f"{entry.parameters:,}"),
            (self.tr("Fidelity weight"), self.tr("yes") if entry.supports_fidelity else self.tr("no")),
            (self.tr("Licence"), entry.license or self.tr("not stated in the file: check where it came from")),
            (self.tr("File"), str(entry.path)),
        ]
        if entry.description:
            rows.append((self.tr("Description"), entry.description))
        for key, value in sorted(entry.training.items()):
            rows.append((fill(self.tr("Training: %1"), key.replace("_", " ")), value_text(value)))
        cells = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in rows)
        return f"<h3>{html.escape(entry.name)}</h3><table cellspacing='4'>{cells}</table>"

    # --- actions ---------------------------------------------------------------------------------

    def choose_import(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in MODEL_EXTENSIONS)
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Import a model"), str(stored.folder("models")),
                                              fill(self.tr("Model files (%1)"), patterns))
        if name:
            stored.remember_folder("models", Path(name))
            self.import_file(Path(name))

    def import_file(self, source: Path, name: str | None = None) -> None:
        """Check ``source`` loads and copy it into the user model folder (asking for a name on a clash)."""
        name = name or source.stem
        while (user_models_dir() / f"{name}{source.suffix.lower()}").exists():
            name, ok = QInputDialog.getText(self, self.tr("Name taken"), fill(self.tr(
                "A model called %1 is already installed. Name for the imported model:"), name), text=name + "-2")
            if not ok or not name.strip():
                return
            name = name.strip()

        def job(cancel: CancelToken, progress: ProgressCallback) -> Path:
            return install_model(source, name)

        self._run(job, self._imported, fill(self.tr("Checking and importing %1…"), source.name))

    def _imported(self, path: Path) -> None:
        self.models_changed.emit(str(path))
        self.refresh(select=path)

    def set_default(self) -> None:
        entry = self.selected_entry()
        if not isinstance(entry, ModelInfo):
            return
        try:
            set_default_model(entry.path, verify=False)  # listed entries loaded already; this runs in the UI thread
        except FaceSRError as error:
            self._error(self.tr("The default was not changed"), str(error))
            return
        self.default = entry.path
        self.models_changed.emit(str(entry.path))
        self._listed((self.entries, self.default), entry.path)

    # --- get more models (the catalogue) ----------------------------------------------------------

    def _build_catalogue(self, layout: QVBoxLayout) -> None:
        self.downloader = WorkerThread(self)  # its own thread: a download takes minutes, listing must not wait
        self.download_jobs = JobQueue(self.downloader, self)
        self.downloading: str | None = None
        self._rate = TransferRate()
        self.catalogue_entries: list[CatalogueEntry] = []
        self.catalogue = QTableWidget(0, CATALOGUE_COLUMNS)
        self.catalogue.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.catalogue.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.catalogue.verticalHeader().setVisible(False)
        # The long texts (purpose, licence) wrap in the room left, so the progress bar and the Download
        # button stay in view without scrolling sideways.
        header = self.catalogue.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (PURPOSE_COLUMN, LICENCE_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PROGRESS_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(PROGRESS_COLUMN, 150)
        self.catalogue.setWordWrap(True)
        self.catalogue.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.download_label = QLabel()
        self.download_label.setWordWrap(True)
        self.catalogue_box = QGroupBox()
        box_layout = QVBoxLayout(self.catalogue_box)
        box_layout.addWidget(self.catalogue)
        box_layout.addWidget(self.download_label)
        layout.insertWidget(1, self.catalogue_box)
        self.fill_catalogue()

    def fill_catalogue(self) -> None:
        """One row per catalogue model: name, purpose, size, licence, progress, and Download/Cancel."""
        self.catalogue_entries = catalogue_entries()
        self.catalogue.setRowCount(len(self.catalogue_entries))
        for row, entry in enumerate(self.catalogue_entries):
            info = entry.info
            size = format_bytes(info.display_size) if info.display_size else "?"
            cells = [info.name, self._purpose(entry), size if info.size else fill(self.tr("about %1"), size),
                     info.licence]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{info.description}\n{info.url}")
                self.catalogue.setItem(row, column, item)
            if self.catalogue.cellWidget(row, PROGRESS_COLUMN) is None:
                bar = QProgressBar()
                bar.setTextVisible(True)
                self.catalogue.setCellWidget(row, PROGRESS_COLUMN, bar)
                button = QPushButton()
                button.clicked.connect(lambda _=False, name=info.name: self._download_clicked(name))
                self.catalogue.setCellWidget(row, BUTTON_COLUMN, button)
            self._show_row_state(row)

    def _purpose(self, entry: CatalogueEntry) -> str:
        texts = {"gfpgan-1.4": self.tr("faces, 512 px: natural results on ordinary photos"),
                 "codeformer": self.tr("faces, 512 px: heavy damage; fidelity slider"),
                 "realesrgan-x4plus": self.tr("background: sharp upscaling (slow on a CPU)"),
                 "realesr-general-x4v3": self.tr("background: small and fast")}
        return texts.get(entry.info.name, entry.info.good_at)

    def _row_bar(self, row: int) -> QProgressBar:
        bar = self.catalogue.cellWidget(row, PROGRESS_COLUMN)
        assert isinstance(bar, QProgressBar), "the catalogue is filled with a bar in every row before use"
        return bar

    def _row_button(self, row: int) -> QPushButton:
        button = self.catalogue.cellWidget(row, BUTTON_COLUMN)
        assert isinstance(button, QPushButton), "the catalogue is filled with a button in every row before use"
        return button

    def _row_of_download(self, name: str) -> int:
        return next(row for row, entry in enumerate(self.catalogue_entries) if entry.info.name == name)

    def _show_row_state(self, row: int) -> None:
        entry = self.catalogue_entries[row]
        bar, button = self._row_bar(row), self._row_button(row)
        running = self.downloading == entry.info.name
        if not running:
            bar.setRange(0, 1)
            bar.setValue(1 if entry.installed else 0)
            bar.setFormat(self.tr("installed") if entry.installed else self.tr("not downloaded"))
        button.setText(self.tr("Cancel") if running else self.tr("Installed") if entry.installed
                       else self.tr("Download"))
        button.setEnabled(running or (not entry.installed and self.downloading is None))
        button.setToolTip(fill(self.tr("Stop downloading %1 (nothing is kept)"), entry.info.name) if running else
                          fill(self.tr("Download %1 into %2 (the licence is shown first)"), entry.info.name,
                               user_models_dir()))

    def _download_clicked(self, name: str) -> None:
        if self.downloading == name:
            self.cancel_download()
        else:
            self.start_download(name)

    def start_download(self, name: str) -> bool:
        """Ask (showing the licence), then download ``name`` in the background; False when not started."""
        self.fill_catalogue()  # the file may have arrived since the list was made
        entry = next((e for e in self.catalogue_entries if e.info.name == name), None)
        if entry is None or entry.installed or self.downloader.busy:
            if self.downloader.busy:
                self.download_label.setText(self.tr("Another download is running: wait for it or cancel it."))
            return False
        info = entry.info
        size = format_bytes(info.display_size) if info.display_size else self.tr("unknown size")
        question = fill(self.tr("%1\n\nLicence: %2\nSize: %3\nFrom: %4\nInto: %5\n\nThe file is checked against "
                                "its published SHA-256 before it is used. Download it now?"),
                        info.description, info.licence, size, info.url, user_models_dir())
        if not self.ask(fill(self.tr("Download %1?"), info.name), question):
            return False

        def job(cancel: CancelToken, progress: ProgressCallback) -> Path:
            def report(done: int, total: int, message: str) -> None:
                progress(done // 1024, total // 1024, Stage.DOWNLOAD)  # KiB: byte counts can overflow a Qt int

            return fetch_weights(name, report, cancel)

        self.downloading, self._rate = name, TransferRate()
        self.download_jobs.start("download", job, self._downloaded, failed=self._download_failed,
                                 cancelled=self._download_cancelled, progress=self._download_progress)
        bar = self._row_bar(self._row_of_download(name))
        bar.setRange(0, 0)
        bar.setFormat("%p%")
        self.download_label.setText(fill(self.tr("Connecting to download %1…"), name))
        for index in range(len(self.catalogue_entries)):
            self._show_row_state(index)
        return True

    def cancel_download(self) -> None:
        if self.downloader.busy:
            self.downloader.cancel()
            self.download_label.setText(self.tr("Cancelling the download…"))

    def _download_progress(self, progress: Progress) -> None:
        if self.downloading is None:
            return
        done_kib, total_kib = progress.done, progress.total
        bar = self._row_bar(self._row_of_download(self.downloading))
        bar.setRange(0, max(total_kib, 0))
        bar.setValue(min(done_kib, total_kib) if total_kib else 0)
        self._rate.update(done_kib * 1024)
        rate = self._rate.bytes_per_second
        speed = f"{format_bytes(rate)}/s" if rate else "–"
        left = format_duration(self._rate.seconds_left(total_kib * 1024))
        self.download_label.setText(fill(self.tr("%1: %2 of %3 at %4, %5 left"), self.downloading,
                                         format_bytes(done_kib * 1024),
                                         format_bytes(total_kib * 1024) if total_kib else "?", speed, left))

    def _download_ended(self) -> str:
        name, self.downloading = self.downloading or "", None
        self.fill_catalogue()
        return name

    def _downloaded(self, path: Path) -> None:
        name = self._download_ended()
        self.download_label.setText(fill(self.tr("%1 is installed: it is now in the model lists."), name))
        self.models_changed.emit(str(path))
        self.refresh(select=path)

    def _download_failed(self, error: BaseException) -> None:
        message = error_message(error)
        self._download_ended()
        self._error(self.tr("The download failed"), message)
        self.download_label.setText(message)

    def _download_cancelled(self) -> None:
        name = self._download_ended()
        self.download_label.setText(fill(self.tr("The download of %1 was cancelled; nothing was kept."), name))

    def ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- worker ----------------------------------------------------------------------------------

    def _run(self, job: Job, on_done: Callable[[Any], None], text: str) -> None:
        """Submit ``job``; ``on_done(result)`` runs in the UI thread when it succeeds."""
        if not self.jobs.start("models", job, lambda result: self._job_finished(on_done, result),
                               failed=self._job_failed, cancelled=self._idle):
            return
        self.status.setText(text)
        self.import_button.setEnabled(False)
        self.default_button.setEnabled(False)

    def _job_finished(self, on_done: Callable[[Any], None], result: object) -> None:
        self._idle()
        on_done(result)

    def _job_failed(self, error: BaseException) -> None:
        self._idle()
        self._error(self.tr("Model error"), error_message(error))

    def _idle(self) -> None:
        self.import_button.setEnabled(True)
        self._show_details()

    def _error(self, title: str, text: str) -> None:
        self.status.setText(text)
        self.error_box = show_error(self, title, text)

    def done(self, result: int) -> None:
        self.download_jobs.shutdown(timeout_ms=None)  # cancels a download; the next chunk's check ends it
        self.jobs.shutdown(timeout_ms=None)  # importing cannot be cancelled: wait for it
        if self._owns_models:
            self.models.shutdown()  # nor can listing
        super().done(result)

    # --- texts -----------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Models"))
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Architecture"), self.tr("Kind"),
                                              self.tr("Scale"), self.tr("Input size"), self.tr("Parameters")])
        self.import_button.setText(self.tr("&Import…"))
        self.import_button.setToolTip(self.tr("Copy a .pth, .ckpt or .safetensors model into your model folder "
                                              "after checking that it loads (Ctrl+I)"))
        self.default_button.setText(self.tr("Set as &default"))
        self.default_button.setToolTip(self.tr("Use the selected face model when none is chosen (Ctrl+D)"))
        self.folder_button.setText(self.tr("Open &folder"))
        self.folder_button.setToolTip(self.tr("Show your model folder in the file manager"))
        self.table.setToolTip(self.tr("Installed models; red rows cannot be used (hover for the reason)"))
        self.catalogue_box.setTitle(self.tr("Get more models"))
        self.catalogue.setHorizontalHeaderLabels([self.tr("Name"), self.tr("For"), self.tr("Size"),
                                                  self.tr("Licence"), self.tr("Progress"), ""])
        self.catalogue.setToolTip(self.tr("The established restorers, downloaded from their official releases "
                                          "only when you ask, and checked against their published SHA-256"))
        if not self.downloading:
            self.download_label.setText(fill(self.tr("Downloads go to %1."), user_models_dir()))
        self.fill_catalogue()
        if self.entries:
            selected = self.selected_entry()
            self._listed((self.entries, self.default), selected.path if selected is not None else None)
