"""The Train tab: start `main.py train` in a child process, follow its run folder, use the result.

Training runs as a separate process (QProcess), so its crash cannot take the window down; the tab
learns everything from the run folder the trainer writes (metrics.jsonl, sample grids, checkpoints),
followed by its RunMonitor (gui/run_monitor.py), which also shows past runs and runs started from the command line. Stop asks
the run to checkpoint and exit through the STOP file; Resume runs `train --resume`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QProcess, QProcessEnvironment, Qt, Signal
from PySide6.QtGui import QKeySequence, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea,
                               QSizePolicy, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from core.errors import FaceSRError
from core.eta import format_duration
from core.models.loading import install_model
from core.paths import app_root, user_runs_dir
from core.training import checkpoint as ckpt
from core.training import config as cfg
from core.training.launch import (TrainRequest, check_request, check_resumable, new_run_dir, preset_values,
                                  resume_arguments, train_arguments, train_command)
from core.training.runlog import RunCurves, list_runs, read_run_info
from gui import settings as stored
from gui.i18n import fill
from gui.image_viewer import ImageViewer, open_image_file
from gui.run_monitor import RunMonitor
from gui.tab_support import PathField, show_error, with_shortcut
from gui.use_model_dialog import UseModelDialog, read_model_facts

log = logging.getLogger(__name__)

PREFIX = "train/"
LOG_LINES = 400  # the process output kept in view: enough for a traceback
SHORTCUTS = {"start": "Ctrl+Return", "stop": "Ctrl+.", "resume": "Ctrl+Shift+Return", "use": "Ctrl+Shift+M",
             "refresh": "F5", "data": "Ctrl+Shift+D", "val": "Ctrl+Shift+V", "init": "Ctrl+Shift+I",
             "run": "Ctrl+Shift+R"}


def with_preferences(arguments: list[str]) -> list[str]:
    """A run's `train` flags plus the device chosen in Settings, unless the flags (Extra flags) name one."""
    device = stored.default_device()
    if device == "auto" or "--device" in arguments:
        return arguments
    return [*arguments, "--device", device]


class SampleView(QLabel):
    """The latest sample grid (a column per face: input, output, original), scaled to fit with its aspect
    ratio; a double-click opens it in the application's own image viewer, with zoom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._pixmap = QPixmap()
        self.path: Path | None = None
        self.viewer: ImageViewer | None = None  # the last viewer opened (it closes itself)

    def show_file(self, path: Path | None) -> None:
        if path == self.path and not self._pixmap.isNull():
            return
        self.path = path
        self._pixmap = QPixmap(str(path)) if path is not None and path.is_file() else QPixmap()
        self._rescale()

    def has_image(self) -> bool:
        return not self._pixmap.isNull()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.has_image() and self.path is not None:
            self.viewer = open_image_file(self.path, self)
            if self.viewer is None:  # deleted or replaced since it was shown
                show_error(self, self.tr("Cannot open the sample"),
                           fill(self.tr("%1: the image cannot be read"), self.path))
        super().mouseDoubleClickEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._rescale()
        super().resizeEvent(event)

    def _rescale(self) -> None:
        if self._pixmap.isNull():
            self.setPixmap(QPixmap())
            return
        self.setPixmap(self._pixmap.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))


class TrainTab(QWidget):
    model_added = Signal(str, bool)  # path of the installed model; whether the Restore tab switches to it
    run_ended = Signal()  # the training process started here has ended (finished, stopped, failed)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._stopping = False  # Stop was asked: the status says so until the process ends
        self.use_dialog: UseModelDialog | None = None  # the last "Use this model" dialog opened
        self._build()
        self._load_settings()
        self.retranslate()
        self.refresh_runs()
        last = stored.read_text(PREFIX + "last_run")
        if last and (Path(last) / ckpt.CONFIG_FILE).is_file():
            self.load_run(Path(last))
        self._update_buttons()

    # --- construction ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.data_field, self.val_field = PathField(), PathField()
        self.init_field, self.run_field = PathField(), PathField()
        for field, key in ((self.data_field, "data"), (self.val_field, "val"), (self.init_field, "init"),
                           (self.run_field, "run")):
            field.set_shortcut(SHORTCUTS[key])
        self.preset_combo, self.stage_combo, self.scale_combo = QComboBox(), QComboBox(), QComboBox()
        for name in cfg.PRESETS:
            self.preset_combo.addItem(name, name)
        for stage in cfg.STAGES:
            self.stage_combo.addItem(stage, stage)
        for scale in cfg.SCALES:
            self.scale_combo.addItem(f"\u00d7{scale}", scale)
        self.steps_spin, self.batch_spin = QSpinBox(), QSpinBox()
        self.steps_spin.setRange(1, 10_000_000)
        self.steps_spin.setSingleStep(100)
        self.batch_spin.setRange(1, 1024)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(1e-6, 0.5)
        self.lr_spin.setSingleStep(1e-5)
        self.extra_edit = QLineEdit()
        self.labels = {name: QLabel() for name in ("data", "val", "preset", "stage", "init", "steps", "batch",
                                                   "lr", "scale", "run", "extra")}
        self._form_widgets = {"data": self.data_field, "val": self.val_field, "preset": self.preset_combo,
                              "stage": self.stage_combo, "init": self.init_field, "steps": self.steps_spin,
                              "batch": self.batch_spin, "lr": self.lr_spin, "scale": self.scale_combo,
                              "run": self.run_field, "extra": self.extra_edit}
        for name, label in self.labels.items():
            label.setBuddy(self._form_widgets[name])
        self.start_button, self.stop_button = QPushButton(), QPushButton()
        self.resume_button, self.use_button, self.refresh_button = QPushButton(), QPushButton(), QPushButton()
        self.start_button.clicked.connect(self.start_training)
        self.stop_button.clicked.connect(self.stop_training)
        self.resume_button.clicked.connect(self.resume_training)
        self.use_button.clicked.connect(self.use_model)
        self.refresh_button.clicked.connect(self.refresh_runs)
        self.runs_list = QListWidget()
        self.runs_list.currentItemChanged.connect(self._on_run_selected)
        self.form_box, self.runs_box = QGroupBox(), QGroupBox()

        log_scale = stored.read_flag(PREFIX + "loss_log_scale")
        self.monitor = RunMonitor(log_scale, self)  # follows the shown run folder: its curves and plots
        self.monitor.changed.connect(self._show_run)
        self.loss_plot, self.psnr_plot, self.ssim_plot, self.detail_plot = self.monitor.plots()
        self.log_scale_check = QCheckBox()
        self.log_scale_check.setChecked(log_scale)
        self.log_scale_check.toggled.connect(self._set_loss_log_scale)
        self.run_label, self.step_label, self.rate_label = QLabel(), QLabel(), QLabel()
        self.eta_label, self.best_label, self.status_label = QLabel(), QLabel(), QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sample_view = SampleView()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)  # a traceback reads without scrolling
        self.log_view.setMinimumHeight(60)
        self.log_view.hide()  # until a process started here has output: the samples get the room
        self._lay_out()
        self.stage_combo.currentIndexChanged.connect(self._update_buttons)
        self.init_field.changed.connect(self._update_buttons)

    def _lay_out(self) -> None:
        form = QFormLayout(self.form_box)
        for name, label in self.labels.items():
            form.addRow(label, self._form_widgets[name])
        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.resume_button):
            buttons.addWidget(button)
        form.addRow(buttons)
        form.addRow(self.use_button)
        runs = QVBoxLayout(self.runs_box)
        runs.addWidget(self.runs_list, 1)
        runs.addWidget(self.refresh_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.form_box)
        left_layout.addWidget(self.runs_box, 1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(340)

        info = QHBoxLayout()
        info.setSpacing(18)
        for label in (self.run_label, self.step_label, self.rate_label, self.eta_label, self.best_label):
            info.addWidget(label)
        info.addStretch(1)
        info.addWidget(self.log_scale_check)
        quality = QSplitter(Qt.Orientation.Horizontal)
        for plot in (self.psnr_plot, self.ssim_plot, self.detail_plot):
            quality.addWidget(plot)
        # the process output spans the width below the samples, and its handle drags it taller
        self.charts = charts = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.loss_plot, quality, self.sample_view, self.log_view):
            charts.addWidget(widget)
        charts.setSizes([280, 200, 220, 140])
        for index in range(charts.count()):
            charts.setStretchFactor(index, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(info)
        right_layout.addWidget(self.status_label)
        right_layout.addWidget(charts, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # --- public interface ---------------------------------------------------------------------------

    @property
    def curves(self) -> RunCurves:
        return self.monitor.curves

    @property
    def _run_dir(self) -> Path | None:
        """The run shown (and followed): the monitor's."""
        return self.monitor.run_dir

    @property
    def poll_ms(self) -> int:
        return self.monitor.poll_ms

    @poll_ms.setter
    def poll_ms(self, milliseconds: int) -> None:
        self.monitor.poll_ms = milliseconds

    def is_busy(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Ask a running run to checkpoint and stop (STOP file), wait for it; terminate, then kill it
        when it does not stop in time."""
        self._save_settings()
        self.monitor.stop()
        process = self._process
        if process is None or not self.is_busy():
            return
        self._write_stop_file()
        if not process.waitForFinished(timeout_ms):
            log.warning("training did not stop within %d ms; terminating it", timeout_ms)
            process.terminate()  # SIGTERM: the trainer checkpoints on it too
            if not process.waitForFinished(5000):
                process.kill()
                process.waitForFinished(5000)

    def load_run(self, run_dir: Path) -> None:
        """Show a run's curves, figures and latest samples (and keep following it while it grows)."""
        if self.is_busy() and Path(run_dir) != self._run_dir:
            log.info("not switching runs while training %s", self._run_dir)
            return
        stored.write(PREFIX + "last_run", str(run_dir))
        self._select_in_list(Path(run_dir))
        self.monitor.follow(Path(run_dir))

    def refresh_runs(self) -> None:
        """List the run folders under the runs folder and those started here elsewhere, newest first."""
        runs = {run.path.resolve(): run for run in list_runs(user_runs_dir())}
        for known in self._known_runs():
            if known.resolve() not in runs and (known / ckpt.CONFIG_FILE).is_file():
                try:
                    runs[known.resolve()] = read_run_info(known)
                except FaceSRError as error:
                    log.warning("%s", error)
        self.runs_list.blockSignals(True)
        self.runs_list.clear()
        for run in sorted(runs.values(), key=lambda r: (r.created, r.path.name), reverse=True):
            item = QListWidgetItem(run.path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(run.path))
            item.setToolTip(fill(self.tr("%1\npreset %2, %3 stage, %4 steps\ndataset: %5"), run.path, run.preset,
                                 run.stage, run.steps, run.data or "?"))
            self.runs_list.addItem(item)
        self.runs_list.blockSignals(False)
        if self._run_dir is not None:
            self._select_in_list(self._run_dir)

    def start_training(self) -> None:
        if self.is_busy():
            return
        try:
            request = self.request()
            check_request(request)
        except FaceSRError as error:
            self._refuse(self.tr("Cannot start training"), str(error))
            return
        self._save_settings()
        self._remember_run(request.run_dir)
        self._launch(with_preferences(train_arguments(request)), request.run_dir)

    def resume_training(self) -> None:
        if self.is_busy() or self._run_dir is None:
            return
        try:
            check_resumable(self._run_dir)
        except FaceSRError as error:
            self._refuse(self.tr("Cannot resume"), str(error))
            return
        self._launch(with_preferences(resume_arguments(self._run_dir)), self._run_dir)

    def stop_training(self) -> None:
        if self.is_busy():
            self._write_stop_file()
            self._stopping = True
            self.status_label.setText(self.tr("Stopping: the run writes a checkpoint and exits\u2026"))

    def use_model(self) -> UseModelDialog | None:
        """Show the run's best model (scores against bicubic, input size) and ask for its name in the model
        lists and whether the Restore tab switches to it; installing happens when the dialog is accepted."""
        if self._run_dir is None:
            return None
        source = self._run_dir / ckpt.BEST_G_EMA
        try:
            facts = read_model_facts(source)
        except FaceSRError as error:
            self._refuse(self.tr("Cannot add the model"), str(error))
            return None
        dialog = UseModelDialog(facts, self._run_dir.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._install_model(source, dialog.name(), dialog.switch()))
        dialog.open()  # not exec(): the event loop (a running restore, the run's timer) goes on
        self.use_dialog = dialog
        return dialog

    def _install_model(self, source: Path, name: str, switch: bool) -> None:
        try:
            target = install_model(source, name)
        except FaceSRError as error:
            self._refuse(self.tr("Cannot add the model"), str(error))
            return
        self.status_label.setText(fill(self.tr("Added the model \u201c%1\u201d: %2"), name, target))
        self.model_added.emit(str(target), switch)

    def request(self) -> TrainRequest:
        """The new run the fields describe; FaceSRError when a field is missing or invalid."""
        data = self.data_field.path()
        if data is None:
            raise FaceSRError(None, self.tr("choose a dataset folder (face images) first"))
        stage = str(self.stage_combo.currentData())
        init_from = self.init_field.path() if stage == "gan" else None
        preset = str(self.preset_combo.currentData())
        try:
            return TrainRequest(
                data=data, run_dir=self.run_field.path() or new_run_dir(preset, stage), preset=preset, stage=stage,
                steps=self.steps_spin.value(), batch_size=self.batch_spin.value(), lr=self.lr_spin.value(),
                scale=None if init_from is not None else int(self.scale_combo.currentData()),
                val_data=self.val_field.path(), init_from=init_from, extra=self.extra_edit.text())
        except ValueError as error:
            raise FaceSRError(None, str(error)) from error

    # --- the process ----------------------------------------------------------------------------------

    def _launch(self, arguments: list[str], run_dir: Path) -> None:
        program, *rest = train_command(arguments)
        process = QProcess(self)
        process.setProgram(program)
        process.setArguments(rest)
        process.setWorkingDirectory(str(app_root()))
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")  # lines arrive as they are printed
        for name, value in stored.child_environment().items():  # the CPU threads chosen in Settings
            environment.insert(name, value)
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(lambda: self._append_output(process.readAllStandardOutput()))
        process.readyReadStandardError.connect(lambda: self._append_output(process.readAllStandardError()))
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_process_error)
        self._process = process
        self._stopping = False
        self.log_view.clear()
        self.log_view.show()
        self.log_view.appendPlainText("$ " + " ".join([program, *rest]))
        self.load_run(run_dir)
        self.status_label.setText(self.tr("Starting the training process\u2026"))
        process.start()
        self._update_buttons()

    def _append_output(self, data: QByteArray) -> None:
        text = bytes(data.data()).decode("utf-8", errors="replace").rstrip("\n")  # QProcess output
        if text:
            self.log_view.appendPlainText(text)

    def _on_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self.monitor.poll(force=True)
        if self._run_dir is not None:  # a STOP the run never read must not stop its next resume at once
            (self._run_dir / ckpt.STOP_FILE).unlink(missing_ok=True)
        last = self._last_output_line()
        if exit_status == QProcess.ExitStatus.CrashExit:
            text = fill(self.tr("The training process crashed: %1"), last)
        elif exit_code != 0:
            text = fill(self.tr("Training failed (exit code %1): %2"), exit_code, last)
        elif self.curves.state == "stopped":
            text = fill(self.tr("Stopped at step %1 with a checkpoint; Resume continues it."), self.curves.step)
        else:
            text = fill(self.tr("Finished: %1 steps."), self.curves.step)
        self.status_label.setText(text)
        if exit_status == QProcess.ExitStatus.CrashExit or exit_code != 0:
            self._enlarge_output()  # the error's lines are what matters now
        self._process_ended()

    def _enlarge_output(self) -> None:
        sizes = self.charts.sizes()
        total = sum(sizes)
        if total and sizes[-1] < total * 0.4:
            rest = [size * 0.6 * total / max(1, total - sizes[-1]) for size in sizes[:-1]]
            self.charts.setSizes([int(size) for size in rest] + [int(total * 0.4)])

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error != QProcess.ProcessError.FailedToStart:
            return  # crashes arrive through finished() as well
        message = fill(self.tr("Cannot start the training process (%1): %2"),
                       self._process.program() if self._process else "?",
                       self._process.errorString() if self._process else "")
        self.status_label.setText(message)
        self._process_ended()
        show_error(self, self.tr("Cannot start training"), message)

    def _process_ended(self) -> None:
        if self._process is not None:
            self._process.deleteLater()
        self._process = None
        self.refresh_runs()
        self._update_buttons()
        self.run_ended.emit()

    def _last_output_line(self) -> str:
        lines = [line for line in self.log_view.toPlainText().splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def _write_stop_file(self) -> None:
        if self._run_dir is None:
            return
        try:
            self._run_dir.mkdir(parents=True, exist_ok=True)  # the run may not have created it yet
            (self._run_dir / ckpt.STOP_FILE).touch()
        except OSError as error:
            self._refuse(self.tr("Cannot stop the run"), f"{self._run_dir / ckpt.STOP_FILE}: {error.strerror or error}")

    # --- following the run folder ---------------------------------------------------------------------

    def _show_run(self, records_arrived: bool) -> None:
        """The monitor updated the curves: the figures, latest samples, status and buttons follow."""
        if self._run_dir is None:
            return
        if records_arrived and not self._listed(self._run_dir) and (self._run_dir / ckpt.CONFIG_FILE).is_file():
            self.refresh_runs()  # a new run appears in the list as soon as it has written its config
        sample = self._run_dir / self.curves.sample if self.curves.sample else None
        self.sample_view.show_file(sample)
        self._show_figures()
        if records_arrived and self.is_busy() and not self._stopping:
            self.status_label.setText(self._progress_text())
        self._update_buttons()

    def _progress_text(self) -> str:
        """What the running process is doing, from its metrics: its step and last validation."""
        c = self.curves
        if c.step == 0:
            return self.tr("Preparing the data and the model\u2026")
        total = c.total_steps or c.step
        text = fill(self.tr("Training: step %1 of %2."), c.step, total)
        model, bicubic = c.get("psnr_y"), c.get("bicubic_psnr_y")
        if model.values and bicubic.values:
            text += " " + fill(self.tr("Last validation (step %1): PSNR-Y %2 dB, bicubic %3 dB."), model.steps[-1],
                               f"{model.values[-1]:.2f}", f"{bicubic.values[-1]:.2f}")
        return text

    def _show_figures(self) -> None:
        c = self.curves
        self.run_label.setText(self._run_dir.name if self._run_dir else "")
        total = f" / {c.total_steps}" if c.total_steps else ""
        self.step_label.setText(fill(self.tr("step %1"), c.step) + total)
        rate = f"{c.images_per_s:.1f}" if c.images_per_s is not None else "\u2014"
        self.rate_label.setText(fill(self.tr("%1 images/s"), rate))
        self.eta_label.setText(fill(self.tr("ETA %1"), format_duration(c.eta_s)))
        self.best_label.setText(fill(self.tr("best PSNR-Y %1 dB at step %2"), f"{c.best_psnr_y:.2f}", c.best_step)
                                if c.best_psnr_y is not None else "")

    def _on_run_selected(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if current is not None and not self.is_busy():
            run_dir = Path(current.data(Qt.ItemDataRole.UserRole))
            self.load_run(run_dir)
            self._fill_from_run(run_dir)

    def _fill_from_run(self, run_dir: Path) -> None:
        """The form's fields take a chosen run's settings, to start a similar run in a new folder. Settings
        without a field of their own (architecture, degradations: extra flags) are not carried over."""
        try:
            run = read_run_info(run_dir)
        except FaceSRError as error:
            log.warning("%s", error)
            return
        for combo, value in ((self.preset_combo, run.preset), (self.stage_combo, run.stage)):
            if combo.findData(value) >= 0:
                combo.setCurrentIndex(combo.findData(value))  # brings the preset's values, replaced below
        self.data_field.set_path(run.data)
        self.val_field.set_path(run.val_data)
        self.init_field.set_path(run.init_from)
        self.run_field.set_path(None)  # a new folder: this one already holds the run
        self.steps_spin.setValue(run.steps or self.steps_spin.value())
        self.batch_spin.setValue(run.batch_size or self.batch_spin.value())
        self.lr_spin.setValue(run.lr or self.lr_spin.value())
        if self.scale_combo.findData(run.scale) >= 0:
            self.scale_combo.setCurrentIndex(self.scale_combo.findData(run.scale))
        self._update_buttons()

    def _listed(self, run_dir: Path) -> bool:
        return any(Path(self.runs_list.item(row).data(Qt.ItemDataRole.UserRole)) == run_dir
                   for row in range(self.runs_list.count()))

    def _select_in_list(self, run_dir: Path) -> None:
        self.runs_list.blockSignals(True)
        for row in range(self.runs_list.count()):
            item = self.runs_list.item(row)
            if Path(item.data(Qt.ItemDataRole.UserRole)) == run_dir:
                self.runs_list.setCurrentItem(item)
        self.runs_list.blockSignals(False)

    # --- controls and settings ------------------------------------------------------------------------

    def _update_buttons(self, *_: object) -> None:
        busy = self.is_busy()
        run = self._run_dir
        self.start_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        # "running" without our process: crashed, or training elsewhere (Resume then says so)
        self.resume_button.setEnabled(not busy and run is not None and (run / ckpt.STATE_FILE).is_file()
                                      and self.curves.state in ("stopped", "running"))
        self.use_button.setEnabled(not busy and run is not None and (run / ckpt.BEST_G_EMA).is_file())
        self.runs_list.setEnabled(not busy)
        gan = self.stage_combo.currentData() == "gan"
        for name, widget in self._form_widgets.items():
            widget.setEnabled(not busy and (name != "init" or gan))
        self.scale_combo.setEnabled(not busy and not (gan and self.init_field.path() is not None))

    def _set_loss_log_scale(self, on: bool) -> None:
        self.loss_plot.set_log_y(on)
        stored.write(PREFIX + "loss_log_scale", on)

    def _fill_from_preset(self) -> None:
        """A preset (and stage) brings its own steps, batch size, learning rate and scale."""
        config = preset_values(str(self.preset_combo.currentData()), str(self.stage_combo.currentData()))
        self.steps_spin.setValue(config.steps)
        self.batch_spin.setValue(config.batch_size)
        self.lr_spin.setValue(config.optim.lr)
        self.scale_combo.setCurrentIndex(max(0, self.scale_combo.findData(config.scale)))

    def _load_settings(self) -> None:
        for field, key in ((self.data_field, "data"), (self.val_field, "val_data"), (self.init_field, "init_from")):
            field.set_path(stored.read_text(PREFIX + key) or None)
        for combo, key, default in ((self.preset_combo, "preset", "cpu-quick"), (self.stage_combo, "stage", "pixel")):
            index = combo.findData(stored.read_text(PREFIX + key, default))
            combo.setCurrentIndex(index if index >= 0 else combo.findData(default))
        self._fill_from_preset()
        self.steps_spin.setValue(int(stored.read_number(PREFIX + "steps", self.steps_spin.value(), 1, 10_000_000)))
        self.batch_spin.setValue(int(stored.read_number(PREFIX + "batch_size", self.batch_spin.value(), 1, 1024)))
        self.lr_spin.setValue(stored.read_number(PREFIX + "lr", self.lr_spin.value(), 1e-6, 0.5))
        scale = int(stored.read_number(PREFIX + "scale", self.scale_combo.currentData(), 1, 8))
        self.scale_combo.setCurrentIndex(max(0, self.scale_combo.findData(scale)))
        self.extra_edit.setText(stored.read_text(PREFIX + "extra"))
        # connected after loading, so that remembered values are not replaced by the preset's
        self.preset_combo.currentIndexChanged.connect(self._fill_from_preset)
        self.stage_combo.currentIndexChanged.connect(self._fill_from_preset)

    def _save_settings(self) -> None:
        values = {"data": str(self.data_field.path() or ""), "val_data": str(self.val_field.path() or ""),
                  "init_from": str(self.init_field.path() or ""), "preset": self.preset_combo.currentData(),
                  "stage": self.stage_combo.currentData(), "steps": self.steps_spin.value(),
                  "batch_size": self.batch_spin.value(), "lr": self.lr_spin.value(),
                  "scale": self.scale_combo.currentData(), "extra": self.extra_edit.text()}
        stored.write_values(PREFIX, values)

    def _known_runs(self) -> list[Path]:
        return [Path(item) for item in stored.read_texts(PREFIX + "known_runs")]

    def _remember_run(self, run_dir: Path) -> None:
        """Runs outside the runs folder are remembered, so that they are listed next time too."""
        if run_dir.parent.resolve() == user_runs_dir().resolve():
            return
        known = [str(path) for path in self._known_runs() if path != run_dir][-49:] + [str(run_dir)]
        stored.write(PREFIX + "known_runs", known)

    def _refuse(self, title: str, message: str) -> None:
        self.status_label.setText(message)
        show_error(self, title, message)

    # --- texts ----------------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every visible text (again, after a language change)."""
        texts = {"data": self.tr("&Dataset folder:"), "val": self.tr("Validati&on folder:"),
                 "preset": self.tr("&Preset:"), "stage": self.tr("Sta&ge:"), "init": self.tr("&Init from:"),
                 "steps": self.tr("&Steps:"), "batch": self.tr("&Batch size:"), "lr": self.tr("&Learning rate:"),
                 "scale": self.tr("Sc&ale:"), "run": self.tr("R&un folder:"), "extra": self.tr("E&xtra flags:")}
        for name, text in texts.items():
            self.labels[name].setText(text)
        self.form_box.setTitle(self.tr("New run"))
        self.log_scale_check.setText(self.tr("Loss axis: log scale"))
        self.runs_box.setTitle(self.tr("Runs"))
        presets = {"srgan": self.tr("SRGAN (SRResNet, as in the seed papers)"),
                   "rcan-ragan": self.tr("RCAN + relativistic GAN"),
                   "cpu-quick": self.tr("Quick CPU run (small RCAN)")}
        for index in range(self.preset_combo.count()):
            self.preset_combo.setItemText(index, presets.get(self.preset_combo.itemData(index),
                                                             self.preset_combo.itemData(index)))
        stages = {"pixel": self.tr("Pixel pre-training"), "gan": self.tr("GAN fine-tuning")}
        for index in range(self.stage_combo.count()):
            self.stage_combo.setItemText(index, stages.get(self.stage_combo.itemData(index),
                                                           self.stage_combo.itemData(index)))
        self.data_field.dialog_title = self.tr("Folder of face images to train on")
        self.val_field.dialog_title = self.tr("Folder of validation face images")
        self.init_field.dialog_title = self.tr("Pixel-stage run folder to start from")
        self.run_field.dialog_title = self.tr("Folder for the new run")
        self.val_field.edit.setPlaceholderText(self.tr("optional: else some dataset images are held out"))
        self.init_field.edit.setPlaceholderText(self.tr("gan stage: a pixel-stage run folder"))
        self.run_field.edit.setPlaceholderText(fill(self.tr("automatic: a new folder in %1"), user_runs_dir()))
        self.extra_edit.setPlaceholderText(self.tr("optional, e.g. --workers 0 --val-every 200"))
        self.monitor.retranslate()
        self._retranslate_buttons()
        self._retranslate_tooltips()
        if self._run_dir is not None:
            self._show_figures()

    def _retranslate_buttons(self) -> None:
        # a mnemonic in setText would replace the explicit shortcut: set texts first, shortcuts after
        for button, text, key in ((self.start_button, self.tr("Start"), "start"),
                                  (self.stop_button, self.tr("Stop"), "stop"),
                                  (self.resume_button, self.tr("Resume"), "resume"),
                                  (self.use_button, self.tr("Use this model"), "use"),
                                  (self.refresh_button, self.tr("Refresh"), "refresh")):
            button.setText(text)
            button.setShortcut(QKeySequence(SHORTCUTS[key]))

    def _retranslate_tooltips(self) -> None:
        tips = {
            self.data_field.edit: self.tr("Folder of high-quality face images (jpg, png, webp; sub-folders too)"),
            self.val_field.edit: self.tr("Faces to measure PSNR/SSIM on; empty: a few dataset images are held out"),
            self.preset_combo: self.tr("A tested recipe: architecture, losses and schedule"),
            self.stage_combo: self.tr("Pre-train on the pixel loss first, then fine-tune with the GAN"),
            self.init_field.edit: self.tr("The pixel-stage run (or generator file) the GAN stage starts from"),
            self.steps_spin: self.tr("Training steps (batches) in all"),
            self.batch_spin: self.tr("Faces per step; lower it when memory runs out"),
            self.lr_spin: self.tr("Learning rate of the generator"),
            self.scale_combo: self.tr("Upscale factor the model learns; with Init from it is the model's own"),
            self.run_field.edit: self.tr("Where checkpoints, curves and samples go; empty: a new folder"),
            self.extra_edit: self.tr("More flags of \u201cmain.py train\u201d, as on the command line"),
            self.runs_list: self.tr("Runs found on this computer; select one to see its curves"),
            self.sample_view: self.tr("Latest validation samples, a column per face: input, model output, "
                                      "original; double-click to zoom into them"),
            self.log_view: self.tr("Output of the training process (errors appear here); drag the line above "
                                   "it to make it taller"),
            self.log_scale_check: self.tr("A logarithmic loss axis, for losses that span decades (GAN stage)"),
        }
        for widget, tip in tips.items():
            widget.setToolTip(tip)
        for button, tip, key in (
                (self.start_button, self.tr("Start a new run in a separate process"), "start"),
                (self.stop_button, self.tr("Ask the run to write a checkpoint and exit"), "stop"),
                (self.resume_button, self.tr("Continue the selected run from its checkpoint"), "resume"),
                (self.use_button, self.tr("Add the run's best model to the model list"), "use"),
                (self.refresh_button, self.tr("Look for runs again"), "refresh")):
            button.setToolTip(with_shortcut(tip, SHORTCUTS[key]))
