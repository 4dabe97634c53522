"""What the application remembers between sessions (QSettings), and the Settings dialog.

QSettings() with no arguments uses the organisation and application names set in gui/app.py, so
every part of the GUI reads and writes the same store, through the read_*/write* functions below (no
tab opens QSettings itself). Values come back as strings from INI files and may be stale or
hand-edited: every reader validates and falls back to a default.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QSettings, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from core.config import DETECTORS, SCALES, DetectSettings, RestoreSettings
from core.paths import user_models_dir, user_runs_dir
from gui import i18n
from gui.i18n import fill
from gui.tab_support import PathField, fit_title, show_error

log = logging.getLogger(__name__)

LANGUAGE_KEY = "ui/language"
GEOMETRY_KEY = "window/geometry"
WINDOW_STATE_KEY = "window/state"
TAB_KEY = "window/tab"
RESTORE_PREFIX = "restore/"
OUTPUT_FOLDER_KEY = "app/output_folder"
DEVICE_KEY = "app/device"
THREADS_KEY = "app/cpu_threads"
CPU_BACKEND_KEY = "app/cpu_backend"
DEVICES = ("auto", "cpu", "cuda")
CPU_BACKEND_CHOICES = ("auto", "torch")  # the fastest path measured per model, or plain PyTorch float32
MAX_THREADS = 256


def _store() -> QSettings:
    return QSettings()


# --- the one way to read and write a value: every tab and dialog goes through these ------------------------

def read_text(key: str, default: str = "") -> str:
    value = _store().value(key, default)
    return value if isinstance(value, str) else default


def read_number(key: str, default: float, low: float, high: float) -> float:
    """A number within [low, high]; the default for a missing, unreadable or out-of-range value."""
    stored = _store().value(key, default)
    if not isinstance(stored, (str, int, float)):  # a hand-edited file may hold a list there
        return default
    try:
        value = float(stored)
    except ValueError:
        return default
    return value if low <= value <= high else default


_FLAG_TEXTS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def read_flag(key: str, default: bool = False) -> bool:
    value = _store().value(key, default)
    if isinstance(value, bool):
        return value
    return _FLAG_TEXTS.get(str(value).lower(), default)  # INI files store text


def read_texts(key: str) -> list[str]:
    """A stored list of texts; [] when missing."""
    value = _store().value(key, [])
    # INI gives one item back as a string; anything else but a list (a hand-edited file) counts as none
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    return [item for item in items if isinstance(item, str) and item]


def write(key: str, value: str | int | float | bool | list[str] | QByteArray) -> None:
    _store().setValue(key, value)


def write_values(prefix: str, values: Mapping[str, str | int | float | bool]) -> None:
    """Several values of one tab, each under ``prefix + name``."""
    store = _store()
    for name, value in values.items():
        store.setValue(prefix + name, value)


# --- folders -------------------------------------------------------------------------------------

def folder(kind: str) -> Path:
    """The last folder used for ``kind`` ("open", "save", ...) if it still exists, else the home folder."""
    remembered = read_text(f"folders/{kind}")
    return Path(remembered) if remembered and Path(remembered).is_dir() else Path.home()


def remember_folder(kind: str, path: Path) -> None:
    write(f"folders/{kind}", str(path if path.is_dir() else path.parent))


# --- language ------------------------------------------------------------------------------------

def language() -> str:
    """The chosen language, or the system's closest shipped language on first start."""
    chosen = read_text(LANGUAGE_KEY)
    return chosen if chosen in i18n.LANGUAGES else i18n.system_language()


def set_language(code: str) -> None:
    if code not in i18n.LANGUAGES:
        raise ValueError(f"unknown language {code!r}; choose from {', '.join(i18n.LANGUAGES)}")
    write(LANGUAGE_KEY, code)


# --- application-wide preferences (the Settings dialog) ------------------------------------------

def default_output_folder() -> Path | None:
    """Where results go when no folder was chosen: Save in the Restore tab, the proposed Batch output;
    None: beside each photo, and <input>/restored for a batch."""
    text = read_text(OUTPUT_FOLDER_KEY).strip()
    return Path(text).expanduser() if text else None


def default_device() -> str:
    """auto, cpu or cuda: the device of training runs started in the Train tab, and the Restore and Batch
    options' device until one is chosen there."""
    device = read_text(DEVICE_KEY, "auto")
    return device if device in DEVICES else "auto"


def cpu_threads() -> int:
    """Threads PyTorch may use on the CPU; 0 = automatic (PyTorch's own choice, usually every core)."""
    return int(read_number(THREADS_KEY, 0, 0, MAX_THREADS))


def cpu_backend() -> str:
    """How the face models run on the CPU (core.config.CPU_BACKENDS): "auto", the fastest path measured for
    each (bfloat16 for the default model on CPUs that compute it, ONNX Runtime for the large ones), or
    "torch", plain PyTorch float32 as training and ``eval`` compute."""
    backend = read_text(CPU_BACKEND_KEY, "auto")
    return backend if backend in CPU_BACKEND_CHOICES else "auto"


def save_preferences(output_folder: Path | None, device: str, threads: int, backend: str = "auto") -> None:
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; choose from {', '.join(DEVICES)}")
    if backend not in CPU_BACKEND_CHOICES:
        raise ValueError(f"unknown CPU backend {backend!r}; choose from {', '.join(CPU_BACKEND_CHOICES)}")
    write(OUTPUT_FOLDER_KEY, str(output_folder) if output_folder is not None else "")
    write(DEVICE_KEY, device)
    write(THREADS_KEY, max(0, min(MAX_THREADS, int(threads))))
    write(CPU_BACKEND_KEY, backend)


_AUTOMATIC_THREADS: int | None = None  # PyTorch's own thread count, before any setting changed it


def apply_cpu_threads() -> int:
    """Give this process's PyTorch (Restore and Batch work in its threads) the chosen thread count; the
    count now in use. Training processes get theirs through child_environment()."""
    global _AUTOMATIC_THREADS
    import torch  # already imported by core

    if _AUTOMATIC_THREADS is None:
        _AUTOMATIC_THREADS = torch.get_num_threads()
    wanted = cpu_threads() or _AUTOMATIC_THREADS
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)
    return wanted


def child_environment() -> dict[str, str]:
    """Environment variables a training process needs to follow the preferences."""
    threads = cpu_threads()
    return {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)} if threads else {}


# --- window --------------------------------------------------------------------------------------

def save_window(geometry: QByteArray, state: QByteArray, tab: int) -> None:
    write(GEOMETRY_KEY, geometry)
    write(WINDOW_STATE_KEY, state)
    write(TAB_KEY, tab)


def window_geometry() -> QByteArray | None:
    value = _store().value(GEOMETRY_KEY)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def window_state() -> QByteArray | None:
    value = _store().value(WINDOW_STATE_KEY)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def window_tab() -> int:
    return int(read_number(TAB_KEY, 0, 0, 2))


# --- restore options -----------------------------------------------------------------------------

def restore_settings(prefix: str = RESTORE_PREFIX) -> RestoreSettings:
    """A tab's last options (the Restore tab's, or the Batch tab's under "batch/"); a stale or invalid value
    falls back to its default."""
    defaults = RestoreSettings()
    scale = int(read_number(prefix + "scale", defaults.scale, 1, 8))
    detector = read_text(prefix + "detector", defaults.detect.detector)
    device = read_text(prefix + "device", default_device())
    return RestoreSettings(
        scale=scale if scale in SCALES else defaults.scale,
        model=read_text(prefix + "model") or None,
        detect=DetectSettings(detector=detector if detector in DETECTORS else defaults.detect.detector),
        blend=read_number(prefix + "blend", defaults.blend, 0.0, 1.0),
        fidelity=read_number(prefix + "fidelity", defaults.fidelity, 0.0, 1.0),
        bg_model=read_text(prefix + "bg_model") or None,
        device=device if device in ("auto", "cpu", "cuda") else defaults.device,
        force_small_model=read_flag(prefix + "force", defaults.force_small_model),
        cpu_backend=cpu_backend(),
    )


def save_restore_settings(settings: RestoreSettings, prefix: str = RESTORE_PREFIX) -> None:
    values: dict[str, str | int | float | bool] = {
        "scale": settings.scale, "model": settings.model or "", "detector": settings.detect.detector,
        "blend": settings.blend, "fidelity": settings.fidelity, "bg_model": settings.bg_model or "",
        "device": settings.device, "force": settings.force_small_model}
    write_values(prefix, values)


# --- the dialog ----------------------------------------------------------------------------------

class SettingsDialog(QDialog):
    """Application-wide preferences, applied on OK: the language, the default output folder, the device,
    CPU threads and precision, and where models and training runs are kept (each with a button that opens it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language_combo = QComboBox()
        for code, name in i18n.LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(language())))
        self.output_field = PathField()
        self.output_field.set_path(default_output_folder())
        self.device_combo = QComboBox()
        for device in DEVICES:
            self.device_combo.addItem(device, device)
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(default_device())))
        self.threads_spin = QSpinBox()
        self.threads_spin.setRange(0, max(os.cpu_count() or 1, cpu_threads()))
        self.threads_spin.setValue(cpu_threads())
        self.backend_combo = QComboBox()
        for backend in CPU_BACKEND_CHOICES:
            self.backend_combo.addItem(backend, backend)
        self.backend_combo.setCurrentIndex(max(0, self.backend_combo.findData(cpu_backend())))
        self.folders = {"models": user_models_dir(), "runs": user_runs_dir()}
        self.folder_edits = {kind: QLineEdit(str(path)) for kind, path in self.folders.items()}
        self.open_buttons = {kind: QPushButton() for kind in self.folders}
        for kind, edit in self.folder_edits.items():
            edit.setReadOnly(True)  # set by the installation (FACESR_MODELS_DIR / FACESR_RUNS_DIR)
            edit.setCursorPosition(0)
            self.open_buttons[kind].clicked.connect(lambda _=False, k=kind: self.open_folder(k))
        self.labels = {key: QLabel() for key in ("language", "output", "device", "threads", "backend", "models",
                                                 "runs")}
        self.language_label = self.labels["language"]
        fields: dict[str, QWidget] = {"language": self.language_combo, "output": self.output_field,
                                      "device": self.device_combo, "threads": self.threads_spin,
                                      "backend": self.backend_combo}
        form = QFormLayout()
        for key, widget in fields.items():
            self.labels[key].setBuddy(widget)
            form.addRow(self.labels[key], widget)
        for kind, edit in self.folder_edits.items():
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(self.open_buttons[kind])
            self.labels[kind].setBuddy(edit)
            form.addRow(self.labels[kind], row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self.retranslate()

    def chosen_language(self) -> str:
        return str(self.language_combo.currentData())

    def open_folder(self, kind: str) -> bool:
        """Show the models or runs folder in the system's file manager (made first if it does not exist yet)."""
        folder = self.folders[kind]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            show_error(self, self.tr("Cannot open the folder"), f"{folder}: {error.strerror or error}")
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            show_error(self, self.tr("Cannot open the folder"),
                       fill(self.tr("%1: no file manager could be started; open it yourself"), folder))
            return False
        return True

    def accept(self) -> None:
        output = self.output_field.path()
        if output is not None and not output.is_dir():
            show_error(self, self.tr("Cannot use this output folder"),
                       fill(self.tr("%1: no such folder"), output))
            return
        save_preferences(output, str(self.device_combo.currentData()), self.threads_spin.value(),
                         str(self.backend_combo.currentData()))
        apply_cpu_threads()
        code = self.chosen_language()
        set_language(code)
        if code != i18n.current_language():
            i18n.install_language(code)
        super().accept()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        texts = {"language": self.tr("&Language:"), "output": self.tr("Default output &folder:"),
                 "device": self.tr("&Device:"), "threads": self.tr("CPU &threads:"),
                 "backend": self.tr("CPU &precision:"),
                 "models": self.tr("&Models folder:"), "runs": self.tr("Training &runs folder:")}
        for key, text in texts.items():
            self.labels[key].setText(text)
        self.language_combo.setToolTip(self.tr("The language of the interface; it changes as soon as you press OK"))
        self.output_field.dialog_title = self.tr("Default folder for restored photos")
        self.output_field.edit.setPlaceholderText(self.tr("empty: beside each photo; a batch: <input>/restored"))
        self.output_field.edit.setToolTip(self.tr("Where Save in the Restore tab writes, and the output folder "
                                                  "proposed for a new batch"))
        device_texts = {"auto": self.tr("Automatic (the GPU when there is one)"), "cpu": self.tr("CPU"),
                        "cuda": self.tr("GPU (CUDA)")}
        for index in range(self.device_combo.count()):
            self.device_combo.setItemText(index, device_texts[self.device_combo.itemData(index)])
        self.device_combo.setToolTip(self.tr("Where training runs started in the Train tab run, and the Restore "
                                             "and Batch device until you choose one there"))
        self.threads_spin.setSpecialValueText(self.tr("Automatic"))
        self.threads_spin.setToolTip(fill(self.tr("How many CPU threads restoring and training may use (this "
                                                  "computer has %1); fewer leave room for other work"),
                                          os.cpu_count() or 1))
        backend_texts = {"auto": self.tr("Fastest (bfloat16 or ONNX Runtime where measured faster)"),
                         "torch": self.tr("Exact (float32)")}
        for index in range(self.backend_combo.count()):
            self.backend_combo.setItemText(index, backend_texts[self.backend_combo.itemData(index)])
        self.backend_combo.setToolTip(self.tr("Fastest: the default model computes in bfloat16 on processors "
                                              "that have it (2.6 times as fast, results within 1/255) and the "
                                              "large models run through ONNX Runtime. Exact: plain PyTorch "
                                              "float32, as training and evaluation compute"))
        for kind, tip in (("models", self.tr("Imported models and models added from training runs")),
                          ("runs", self.tr("New training runs, with their checkpoints, curves and samples"))):
            self.folder_edits[kind].setToolTip(tip)
            self.open_buttons[kind].setText(self.tr("Open"))
            self.open_buttons[kind].setToolTip(self.tr("Show this folder in the file manager"))
        self.note.setText(self.tr("Options of the Restore, Batch and Train tabs are remembered where you set them."))
        fit_title(self)
