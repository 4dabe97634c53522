"""The Models dialog: installed models with their details, Import, and Set as default.

Listing loads every model file (that is how its architecture, scale and parameter count are known),
which takes seconds for large third-party files, so listing and importing run in the dialog's own
worker thread; the dialog stops that thread when it closes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QUrl, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHeaderView, QInputDialog,
                               QLabel, QMessageBox, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QTextBrowser, QVBoxLayout, QWidget)

from core.errors import FaceSRError, ModelError
from core.models.loading import (MODEL_EXTENSIONS, ModelInfo, default_model_path, describe_models, install_model,
                                 set_default_model)
from core.paths import shipped_weights_dir, user_models_dir
from core.progress import CancelToken, ProgressCallback
from gui import settings as stored
from gui.i18n import fill
from gui.worker import Job, WorkerThread

COLUMNS = 6


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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = WorkerThread(self)
        self._on_done: Callable[[Any], None] | None = None
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
        self.resize(820, 560)
        self.retranslate()
        self.refresh()

    # --- listing ---------------------------------------------------------------------------------

    def refresh(self, select: Path | None = None) -> None:
        def job(cancel: CancelToken, progress: ProgressCallback) -> tuple[list, Path | None]:
            try:
                default = default_model_path()
            except FaceSRError:
                default = None
            return describe_models(), default

        self._run(job, lambda found: self._listed(found, select), self.tr("Reading the installed models…"))

    def _listed(self, found: tuple[list[ModelInfo | ModelError], Path | None], select: Path | None) -> None:
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
            set_default_model(entry.path)
        except FaceSRError as error:
            self._error(self.tr("The default was not changed"), str(error))
            return
        self.default = entry.path
        self.models_changed.emit(str(entry.path))
        self._listed((self.entries, self.default), entry.path)

    # --- worker ----------------------------------------------------------------------------------

    def _run(self, job: Job, on_done: Callable[[Any], None], text: str) -> None:
        """Submit ``job``; ``on_done(result)`` runs in the UI thread when it succeeds."""
        if self.runner.busy:
            return
        worker = self.runner.submit(job)
        self._on_done = on_done
        worker.finished.connect(self._job_finished)
        worker.failed.connect(self._job_failed)
        worker.cancelled.connect(self._idle)
        self.status.setText(text)
        self.import_button.setEnabled(False)
        self.default_button.setEnabled(False)

    def _job_finished(self, result: object) -> None:
        on_done, self._on_done = self._on_done, None
        self._idle()
        if on_done is not None:
            on_done(result)

    def _job_failed(self, message: str) -> None:
        self._on_done = None
        self._idle()
        self._error(self.tr("Model error"), message)

    def _idle(self) -> None:
        self.import_button.setEnabled(True)
        self._show_details()

    def _error(self, title: str, text: str) -> None:
        self.status.setText(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.open()
        self.error_box = box

    def done(self, result: int) -> None:
        self.runner.shutdown(timeout_ms=None)  # listing and importing cannot be cancelled: wait for them
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
        if self.entries:
            selected = self.selected_entry()
            self._listed((self.entries, self.default), selected.path if selected is not None else None)
