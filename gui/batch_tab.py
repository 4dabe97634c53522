"""The Batch tab: restore every photo of a folder, with a status per file, Pause/Resume and Cancel.

The engine does the work (core.batch.plan_jobs/run_batch, the same as `main.py restore`); this tab
plans the jobs, shows them in a table and runs them in the long-lived worker thread, where the model
is loaded too. Files whose output exists are skipped by the engine, so re-running a batch resumes it.
The restore options are the Restore tab's own panel (gui.restore_options), remembered separately; a
finished file opens in the Restore tab on a double-click.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.batch import NOT_OURS, BatchSummary, FileOutcome, Job, plan_jobs, run_batch
from core.config import OUTPUT_EXTENSIONS, OutputSettings, RestoreSettings
from core.errors import FaceSRError
from core.eta import eta_seconds, format_duration
from core.io import (ANIMATED, DAMAGED, MULTI_PAGE, NO_IMAGES_FOUND, NOT_AN_IMAGE, SIXTEEN_BIT,
                     ensure_writable_folder)
from core.pipeline import LARGER_FACE_MODEL_INPUT, larger_model_for
from core.progress import CancelToken, PauseGate, Stage
from core.types import LeftFaces
from gui import settings as stored
from gui.i18n import fill
from gui.model_list import Listing, ModelList
from gui.restore_options import RestoreOptions, without_mnemonic
from gui.tab_support import PathField, show_error, with_shortcut
from gui.worker import JobQueue, Progress, Reporter, WorkerThread, error_message

log = logging.getLogger(__name__)

PREFIX = "batch/"
STATUSES = ("queued", "running", "done", "skipped", "failed", "cancelled")
COLUMNS = ("file", "status", "faces", "details")
SHORTCUTS = {"start": "Ctrl+Return", "pause": "Ctrl+P", "cancel": "Esc", "open": "Ctrl+Shift+F",
             "input": "Ctrl+Shift+I", "output": "Ctrl+Shift+O"}


class BatchTab(QWidget):
    finished_batch = Signal(object)  # BatchSummary
    models_listed = Signal()  # the model list was read (again)
    download_requested = Signal(str)  # a catalogue model not downloaded yet was chosen (the list went back)
    manage_models = Signal()  # the options' Models… button
    result_activated = Signal(object, object)  # photo, result: a finished file double-clicked

    def __init__(self, parent: QWidget | None = None, models: ModelList | None = None) -> None:
        super().__init__(parent)
        self.models = models or ModelList(self)  # the window's, shared with the other model lists
        self._owns_models = models is None
        self.models.listed.connect(self._show_models)
        self.setAcceptDrops(True)
        self._runner = WorkerThread(self)
        self._queue = JobQueue(self._runner, self)
        self._gate: PauseGate | None = None
        self._rows: dict[Path, int] = {}
        self._outcomes: dict[int, FileOutcome] = {}  # by row: the Details column is re-worded on a language change
        self._eta_s: float | None = None  # None: no estimate shown (not started, paused, cancelled or ended)
        self._cancelling = False
        self._models_listed = False
        self._clock: dict[str, float] = {}
        self._work_done = 0
        self._build()
        self._load_settings()
        self.retranslate()
        self._update_buttons()

    # --- construction ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.input_field, self.output_field = PathField(), PathField()
        self.input_field.set_shortcut(SHORTCUTS["input"])
        self.output_field.set_shortcut(SHORTCUTS["output"])
        self.input_field.changed.connect(self._update_buttons)
        self.output_field.changed.connect(self._update_buttons)
        self.options = RestoreOptions(prefix=PREFIX)  # the Restore tab's panel: same labels, same behaviour
        self.options.manage_models.connect(self.manage_models)
        self.options.download_requested.connect(self.download_requested)
        # RetinaFace weights that are missing stop the batch with a message naming the file
        self.options.detector_changed.connect(lambda name: self.options.accept_detector())
        self.options_box, self.output_box = QGroupBox(), QGroupBox()
        self.format_combo = QComboBox()
        for ext in OUTPUT_EXTENSIONS:
            self.format_combo.addItem(ext.upper(), ext)
        self.suffix_edit = QLineEdit()
        self.faces_check, self.compare_check = QCheckBox(), QCheckBox()
        self.recursive_check, self.overwrite_check = QCheckBox(), QCheckBox()
        self.labels = {name: QLabel() for name in ("input", "output", "format", "suffix")}
        buddies = {"input": self.input_field, "output": self.output_field, "format": self.format_combo,
                   "suffix": self.suffix_edit}
        for name, label in self.labels.items():
            label.setBuddy(buddies[name])

        self.start_button, self.pause_button = QPushButton(), QPushButton()
        self.cancel_button, self.open_button = QPushButton(), QPushButton()
        self.start_button.clicked.connect(self.run_batch_now)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.cancel_button.clicked.connect(self._cancel)
        self.open_button.clicked.connect(self._open_output)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 220)
        self.table.cellDoubleClicked.connect(self._row_activated)
        self._jobs: list[Job] = []  # in table order
        self.progress_bar = QProgressBar()
        self.eta_label, self.status_label = QLabel(), QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._lay_out()

    def _lay_out(self) -> None:
        grid = QGridLayout()
        rows = [("input", self.input_field), ("output", self.output_field)]
        for row, (name, widget) in enumerate(rows):
            grid.addWidget(self.labels[name], row, 0)
            grid.addWidget(widget, row, 1, 1, 5)
        grid.setColumnStretch(1, 1)
        QVBoxLayout(self.options_box).addWidget(self.options)
        output_form = QFormLayout(self.output_box)
        output_form.addRow(self.labels["format"], self.format_combo)
        output_form.addRow(self.labels["suffix"], self.suffix_edit)
        for check in (self.faces_check, self.compare_check, self.recursive_check, self.overwrite_check):
            output_form.addRow(check)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.options_box)
        left_layout.addWidget(self.output_box)
        left_layout.addStretch(1)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addWidget(self.progress_bar, 1)
        buttons.addWidget(self.eta_label)
        buttons.addWidget(self.open_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.status_label)
        right_layout.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)  # as in the Restore tab: options left
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.splitter, 1)

    # --- public interface ---------------------------------------------------------------------------

    def set_input_folder(self, path: Path) -> None:
        """Use ``path`` as the input; propose an output when none is chosen: a folder of the input's name in
        the default output folder of Settings, else ``path/restored``."""
        self.input_field.set_path(path)
        if self.output_field.path() is None:
            default = stored.default_output_folder()
            self.output_field.set_path(Path(path) / "restored" if default is None else default / Path(path).name)

    def is_busy(self) -> bool:
        return self._runner.busy

    def shutdown(self) -> None:
        """Cancel a running batch and wait for the worker threads to end."""
        self._save_settings()
        if self._gate is not None:
            self._gate.resume()
        self._queue.shutdown(timeout_ms=None)  # a thread object destroyed while running aborts Qt
        if self._owns_models:
            self.models.shutdown()  # listing models cannot be cancelled: it is waited for

    def refresh_models(self) -> None:
        """List the installed models again: the shared ModelList's job, in a thread of its own (describe_models
        loads every model file, which can take seconds, and a running batch must not delay the list)."""
        self.models.refresh()

    def _show_models(self, found: Listing) -> None:
        described, default = found
        for info in described:
            if isinstance(info, FaceSRError):
                log.info("model not listed: %s", info)
        self.options.set_models(described, default)
        self._models_listed = True
        self.models_listed.emit()

    def run_batch_now(self) -> None:
        """Plan the batch from the current options and start it in the worker thread."""
        if self.is_busy():
            return
        try:
            restore, output = self.settings()
            jobs = self._plan(output)
        except FaceSRError as error:
            self.status_label.setText(str(error))
            show_error(self, self.tr("Cannot start the batch"), str(error))
            return
        self._save_settings()
        self._fill_table(jobs)
        self._gate = PauseGate()
        self._clock, self._work_done, self._cancelling = {}, 0, False
        self.progress_bar.setRange(0, len(jobs))
        self.progress_bar.setValue(0)
        self.status_label.setText(self.tr("Loading the model\u2026"))
        self._queue.start("batch", _batch_job(restore, output, jobs, self._gate), self._on_finished,
                          failed=self._on_failed, cancelled=self._on_cancelled, progress=self._on_progress)
        self._update_buttons()

    def settings(self) -> tuple[RestoreSettings, OutputSettings]:
        """The options as the engine's frozen settings; FaceSRError when one is invalid."""
        try:
            restore = self.options.settings()
            output = OutputSettings(ext=str(self.format_combo.currentData()), suffix=self.suffix_edit.text(),
                                    save_faces=self.faces_check.isChecked(),
                                    save_compare=self.compare_check.isChecked(),
                                    overwrite=self.overwrite_check.isChecked(),
                                    recursive=self.recursive_check.isChecked())
        except ValueError as error:  # the settings' own validation, e.g. a suffix holding a slash
            raise FaceSRError(None, str(error)) from error
        return restore, output

    # --- planning and the job ---------------------------------------------------------------------------

    def _plan(self, output: OutputSettings) -> list[Job]:
        source, target = self.input_field.path(), self.output_field.path()
        if source is None:
            raise FaceSRError(None, self.tr("choose an input folder first"))
        if not source.is_dir():
            raise FaceSRError(source, self.tr("no such folder"))
        if target is None:
            raise FaceSRError(None, self.tr("choose an output folder first"))
        ensure_writable_folder(target)
        jobs = plan_jobs(source, target, output)
        if not jobs:
            raise FaceSRError(source, self.tr(NO_IMAGES_FOUND))  # core's one wording, translated (main.ts)
        return jobs

    def _fill_table(self, jobs: list[Job]) -> None:
        self.table.setRowCount(0)
        self.table.setRowCount(len(jobs))
        self._rows, self._outcomes = {}, {}
        self._jobs = list(jobs)
        root = self.input_field.path() or Path()
        for row, job in enumerate(jobs):
            self._rows[job.source] = row
            name = QTableWidgetItem(_relative(job.source, root))
            name.setToolTip(str(job.source))
            self.table.setItem(row, 0, name)
            for column in (1, 2, 3):
                self.table.setItem(row, column, QTableWidgetItem())
            self._set_status(row, "queued")

    # --- worker signals (UI thread) -------------------------------------------------------------------

    def _on_ready(self) -> None:
        self._clock.setdefault("start", time.monotonic())
        self._mark_next_running()

    def _mark_next_running(self) -> None:
        """The engine works in job order, so the first queued file is the one in work (unless paused;
        it may also be decoded ahead or written behind, which a table need not tell)."""
        if self._paused() or not self.is_busy():
            return
        for row in range(self.table.rowCount()):
            status = self._status(row)
            if status == "running":
                return
            if status == "queued":
                self._set_status(row, "running")
                self.table.scrollToItem(self._cell(row, 0))
                return

    def _on_file_done(self, outcome: FileOutcome) -> None:
        row = self._rows.get(outcome.source)
        if row is None:
            return
        if outcome.status in ("done", "failed"):
            self._work_done += 1
        self._outcomes[row] = outcome
        self._set_status(row, outcome.status, self._details(outcome))
        if outcome.status == "done":
            self._cell(row, 2).setText(f"{outcome.faces_restored}/{outcome.faces_found}")
        self._mark_next_running()

    def _on_progress(self, progress: Progress) -> None:
        """The model is loaded (no item yet), or a file is finished (its FileOutcome): in job order."""
        if progress.stage is not Stage.FILES:
            return
        if not isinstance(progress.item, FileOutcome):
            self._on_ready()
            return
        self._on_file_done(progress.item)
        done, total = progress.done, progress.total
        self.progress_bar.setValue(done)
        elapsed = self._active_seconds()
        eta = eta_seconds(self._work_done, self._work_done + total - done, elapsed) if done < total else 0.0
        # a paused batch has no time left to estimate (the file in work finishes, then nothing happens)
        self._show_eta(None if self._paused() or self._cancelling else eta)
        if not self._paused():
            self.status_label.setText(fill(self.tr("%1 of %2 files"), done, total))

    def _on_finished(self, summary: BatchSummary) -> None:
        for outcome in summary.outcomes:
            row = self._rows.get(outcome.source)
            if row is not None and self._status(row) in ("queued", "running"):
                self._outcomes[row] = outcome
                self._set_status(row, outcome.status, self._details(outcome))
        self.status_label.setText(fill(self.tr("%1 done, %2 skipped, %3 failed in %4"), summary.count("done"),
                                       summary.count("skipped"), summary.count("failed"),
                                       format_duration(summary.seconds)))
        self._show_eta(None)
        self._ended()
        self.finished_batch.emit(summary)

    def _on_failed(self, error: BaseException) -> None:
        message = error_message(error)
        self._mark_unfinished("failed", message)
        self.status_label.setText(message)
        self._ended()
        show_error(self, self.tr("The batch stopped"), message)

    def _on_cancelled(self) -> None:
        self._mark_unfinished("cancelled", "")
        self.status_label.setText(self.tr("Cancelled: finished files are kept; start again to do the rest."))
        self._ended()

    def _show_eta(self, seconds: float | None) -> None:
        self._eta_s = seconds
        self.eta_label.setText("" if seconds is None else fill(self.tr("ETA %1"), format_duration(seconds)))

    def _ended(self) -> None:
        self._show_eta(None)  # failed or cancelled batches too
        self._gate = None
        # WorkerThread connected its release slot before ours, so it has already run: not busy now
        self._update_buttons()

    def _mark_unfinished(self, status: str, reason: str) -> None:
        for row in range(self.table.rowCount()):
            if self._status(row) in ("queued", "running"):
                self._set_status(row, status, reason)

    # --- controls -----------------------------------------------------------------------------------

    def _toggle_pause(self) -> None:
        if self._gate is None:
            return
        if self._gate.paused:
            self._gate.resume()
            if "paused_at" in self._clock:
                self._clock["pauses"] = self._clock.get("pauses", 0.0) + time.monotonic() - self._clock.pop(
                    "paused_at")
            self.status_label.setText(self.tr("Resumed"))
            self._mark_next_running()
        else:
            self._gate.pause()
            self._show_eta(None)  # it comes back with the first progress after Resume
            self._clock["paused_at"] = time.monotonic()
            self.status_label.setText(self.tr("Paused: the current file is finished first."))
        self._update_buttons()

    def _cancel(self) -> None:
        if self.is_busy():
            self.status_label.setText(self.tr("Cancelling\u2026"))
            self._cancelling = True
            self._show_eta(None)
            self._runner.cancel()

    def _open_output(self) -> None:
        folder = self.output_field.path()
        if folder is not None and folder.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _paused(self) -> bool:
        return self._gate is not None and self._gate.paused

    def _active_seconds(self) -> float:
        """Seconds spent on files since the first one started, pauses left out."""
        if "start" not in self._clock:
            return 0.0
        now = self._clock.get("paused_at", time.monotonic())
        return now - self._clock["start"] - self._clock.get("pauses", 0.0)

    def _update_buttons(self, *_: object) -> None:
        busy = self.is_busy()
        self.start_button.setEnabled(not busy and self.input_field.path() is not None)
        self.pause_button.setEnabled(busy)
        self.cancel_button.setEnabled(busy)
        output = self.output_field.path()
        self.open_button.setEnabled(output is not None and output.is_dir())
        for widget in (self.input_field, self.output_field, self.options, self.format_combo, self.suffix_edit,
                       self.faces_check, self.compare_check, self.recursive_check, self.overwrite_check):
            widget.setEnabled(not busy)
        self._retranslate_pause()

    # --- table statuses -------------------------------------------------------------------------------

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None, "every cell of a row gets its item when the table is filled"
        return item

    def _status(self, row: int) -> str:
        return str(self._cell(row, 1).data(Qt.ItemDataRole.UserRole))

    def _set_status(self, row: int, status: str, details: str = "") -> None:
        item = self._cell(row, 1)
        item.setData(Qt.ItemDataRole.UserRole, status)
        item.setText(self._status_text(status))
        if details or status != "running":
            self._cell(row, 3).setText(details)
            self._cell(row, 3).setToolTip(details)

    def _details(self, outcome: FileOutcome) -> str:
        """The Details column: where the result went, or why there is none (the engine's own words)."""
        if outcome.status == "done":
            notes = "; ".join(tuple(self._engine_words(w) for w in outcome.warnings)
                              + ((self._left_faces_text(outcome.left),) if outcome.left else ()))
            return str(outcome.target) + (f" ({notes})" if notes else "")
        if outcome.status == "skipped":
            return fill(self.tr("the result exists: %1"), outcome.target)
        return self._engine_words(outcome.reason)

    def _engine_words(self, text: str) -> str:
        """The engine's frequent causes and notes in the interface's language; others as the engine wrote them."""
        known = {
            NOT_AN_IMAGE: self.tr("not an image file (or an unsupported format)"),
            DAMAGED: self.tr("the file is truncated or damaged"),
            ANIMATED: self.tr("animated image: only the first frame is used"),
            MULTI_PAGE: self.tr("the file holds several images: only the first is used"),
            SIXTEEN_BIT: self.tr("16-bit image converted to 8 bits"),
            NOT_OURS: self.tr("a file that this batch did not write has the output's name and is never replaced; "
                              "move it or choose another output folder"),
            "the file is empty": self.tr("the file is empty"),
            "the file does not exist": self.tr("the file does not exist"),
            "no face found: only the background was upscaled": self.tr(
                "no face found: only the background was upscaled"),
        }
        return known.get(text, text)

    def _left_faces_text(self, left: LeftFaces) -> str:
        """The Batch tab's words for faces left as upscaled and what would restore them."""
        option, overwrite = self.options.force_text(), without_mnemonic(self.overwrite_check.text())
        model = larger_model_for(left)
        if model is None:
            return fill(self.tr("%1 face(s) larger than the %2-px model kept as upscaled: tick \u201c%3\u201d, "
                                "then start again with \u201c%4\u201d"),
                        left.count, left.model_input, option, overwrite)
        return fill(self.tr("%1 face(s) larger than the %2-px model kept as upscaled: tick \u201c%3\u201d or "
                            "choose a %4-px model such as %5, then start again with \u201c%6\u201d"),
                    left.count, left.model_input, option, LARGER_FACE_MODEL_INPUT, model, overwrite)

    def _row_activated(self, row: int, column: int) -> None:
        """A finished file (or one finished before) opens in the Restore tab: its photo and its result."""
        if not 0 <= row < len(self._jobs) or self._status(row) not in ("done", "skipped"):
            return
        job = self._jobs[row]
        if job.target.is_file():
            self.result_activated.emit(job.source, job.target)

    def _status_text(self, status: str) -> str:
        texts = {"queued": self.tr("queued"), "running": self.tr("running"), "done": self.tr("done"),
                 "skipped": self.tr("skipped"), "failed": self.tr("failed"), "cancelled": self.tr("cancelled")}
        return texts.get(status, status)

    # --- drag and drop ------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.is_busy() and _dropped_folder(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()  # images go on to the window (the Restore tab)

    def dropEvent(self, event: QDropEvent) -> None:
        folder = _dropped_folder(event)
        if folder is None or self.is_busy():
            event.ignore()
            return
        self.set_input_folder(folder)
        event.acceptProposedAction()

    # --- settings -------------------------------------------------------------------------------------

    def _load_settings(self) -> None:
        for field, key in ((self.input_field, "input"), (self.output_field, "output")):
            field.set_path(stored.read_text(PREFIX + key) or None)
        # the restore options read theirs themselves (RestoreOptions with this tab's prefix)
        default_format = OutputSettings().ext
        index = self.format_combo.findData(stored.read_text(PREFIX + "format", default_format))
        self.format_combo.setCurrentIndex(index if index >= 0 else max(0, self.format_combo.findData(default_format)))
        self.suffix_edit.setText(stored.read_text(PREFIX + "suffix"))
        for check, key in self._checks():
            check.setChecked(stored.read_flag(PREFIX + key))

    def _save_settings(self) -> None:
        self.options.remember()
        values = {"input": str(self.input_field.path() or ""), "output": str(self.output_field.path() or ""),
                  "format": self.format_combo.currentData(), "suffix": self.suffix_edit.text()}
        values.update({key: check.isChecked() for check, key in self._checks()})
        stored.write_values(PREFIX, values)

    def _checks(self) -> list[tuple[QCheckBox, str]]:
        return [(self.faces_check, "save_faces"), (self.compare_check, "save_compare"),
                (self.recursive_check, "recursive"), (self.overwrite_check, "overwrite")]

    # --- events and texts -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        if not self._models_listed and not self.models.busy:
            if self.models.latest is not None:  # listed for another list already
                self._show_models(self.models.latest)
            else:
                self.refresh_models()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every visible text (again, after a language change)."""
        # mnemonics apart from the options panel's (M U L I D K V G) and the menus' (F R V T H)
        texts = {"input": self.tr("I&nput folder:"), "output": self.tr("&Output folder:"),
                 "format": self.tr("Form&at:"), "suffix": self.tr("Name &suffix:")}
        for name, text in texts.items():
            self.labels[name].setText(text)
        self.input_field.dialog_title = self.tr("Folder of photos to restore")
        self.output_field.dialog_title = self.tr("Folder for the restored photos")
        self.input_field.edit.setPlaceholderText(self.tr("a folder of photos (or drop one on this tab)"))
        self.output_field.edit.setPlaceholderText(self.tr("where the restored photos go"))
        self.options_box.setTitle(self.tr("Options"))
        self.output_box.setTitle(self.tr("Output files"))
        self.format_combo.setItemText(0, self.tr("Same as input"))
        self.suffix_edit.setPlaceholderText(self.tr("e.g. _restored"))
        self.faces_check.setText(self.tr("Save face cro&ps"))
        self.compare_check.setText(self.tr("Save &comparison"))
        self.recursive_check.setText(self.tr("Include sub-fold&ers"))
        self.overwrite_check.setText(self.tr("Over&write finished files"))
        self.table.setHorizontalHeaderLabels([self.tr("File"), self.tr("Status"), self.tr("Faces"),
                                              self.tr("Details")])
        for row in range(self.table.rowCount()):
            self._cell(row, 1).setText(self._status_text(self._status(row)))
        for row, outcome in self._outcomes.items():
            if row < self.table.rowCount() and self._status(row) == outcome.status:
                details = self._details(outcome)
                self._cell(row, 3).setText(details)
                self._cell(row, 3).setToolTip(details)
        self._show_eta(self._eta_s)
        self._retranslate_buttons()
        self._retranslate_tooltips()

    def _retranslate_buttons(self) -> None:
        # setText with a mnemonic would replace the explicit shortcut, so texts carry none and the
        # shortcut is set after the text
        for button, text, key in ((self.start_button, self.tr("Start"), "start"),
                                  (self.cancel_button, self.tr("Cancel"), "cancel"),
                                  (self.open_button, self.tr("Open output folder"), "open")):
            button.setText(text)
            button.setShortcut(QKeySequence(SHORTCUTS[key]))
        self._retranslate_pause()

    def _retranslate_pause(self) -> None:
        self.pause_button.setText(self.tr("Resume") if self._paused() else self.tr("Pause"))
        self.pause_button.setShortcut(QKeySequence(SHORTCUTS["pause"]))
        self.pause_button.setToolTip(with_shortcut(
            self.tr("Go on with the next file") if self._paused()
            else self.tr("Stop after the current file until you resume"), SHORTCUTS["pause"]))

    def _retranslate_tooltips(self) -> None:
        tips = {
            self.input_field.edit: self.tr("The photos to restore: every image in this folder"),
            self.output_field.edit: self.tr("Restored photos are written here; originals are never replaced"),
            self.format_combo: self.tr("File format of the results; \u201cSame as input\u201d keeps JPEG, PNG "
                                       "and WebP and writes other formats as PNG"),
            self.suffix_edit: self.tr("Text appended to each result's file name"),
            self.faces_check: self.tr("Also write each restored face as its own image (faces/)"),
            self.compare_check: self.tr("Also write a before|after image of each photo (compare/)"),
            self.recursive_check: self.tr("Also restore photos in sub-folders, mirroring them in the output"),
            self.overwrite_check: self.tr("Restore again files whose result exists (else they are skipped)"),
            self.table: self.tr("Every file of the batch and what became of it; double-click a finished file "
                                "to compare it with its photo in the Restore tab"),
            self.progress_bar: self.tr("Files handled so far"),
        }
        for widget, tip in tips.items():
            widget.setToolTip(tip)
        for button, tip, key in (
                (self.start_button, self.tr("Restore every photo of the input folder; finished files are "
                                            "skipped"), "start"),
                (self.cancel_button, self.tr("Stop the batch; finished files are kept"), "cancel"),
                (self.open_button, self.tr("Show the output folder in the file manager"), "open")):
            button.setToolTip(with_shortcut(tip, SHORTCUTS[key]))


def _batch_job(restore: RestoreSettings, output: OutputSettings, jobs: list[Job],
               gate: PauseGate) -> Callable[[CancelToken, Reporter], BatchSummary]:
    """The worker-thread job: load the model and detector there (slow, may fail), then run the batch,
    reporting the files' stage when the model is ready and then each file's outcome with the count."""

    def job(cancel: CancelToken, progress: Reporter) -> BatchSummary:
        from core.detect import create_detector
        from core.pipeline import FacePipeline

        progress(0, 0, Stage.LOAD_MODEL)
        pipeline = FacePipeline(restore, detector=create_detector(restore.detect))
        progress(0, len(jobs), Stage.FILES)
        finished: list[FileOutcome] = []

        def file_done(outcome: FileOutcome) -> None:
            finished.append(outcome)
            progress.report(Progress(Stage.FILES, len(finished), len(jobs), outcome))

        return run_batch(pipeline, jobs, output, cancel=cancel, pause=gate, on_file=file_done)

    return job


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name


def _dropped_folder(event: QDragEnterEvent | QDropEvent) -> Path | None:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) == 1 and urls[0].isLocalFile():
        path = Path(urls[0].toLocalFile())
        return path if path.is_dir() else None
    return None
