"""What the application remembers between sessions (QSettings), and the Settings dialog.

QSettings() with no arguments uses the organisation and application names set in gui/app.py, so
every part of the GUI reads and writes the same store. Values come back as strings from INI files
and may be stale or hand-edited: every reader validates and falls back to a default.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QSettings
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from core.config import DETECTORS, SCALES, DetectSettings, RestoreSettings
from gui import i18n

log = logging.getLogger(__name__)

LANGUAGE_KEY = "ui/language"
GEOMETRY_KEY = "window/geometry"
WINDOW_STATE_KEY = "window/state"
TAB_KEY = "window/tab"
RESTORE_PREFIX = "restore/"


def _store() -> QSettings:
    return QSettings()


def _text(key: str, default: str = "") -> str:
    value = _store().value(key, default)
    return value if isinstance(value, str) else default


def _number(key: str, default: float, low: float, high: float) -> float:
    try:
        value = float(_store().value(key, default))
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def _flag(key: str, default: bool) -> bool:
    value = _store().value(key, default)
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(str(value).lower(), default)  # INI files store text


# --- folders -------------------------------------------------------------------------------------

def folder(kind: str) -> Path:
    """The last folder used for ``kind`` ("open", "save", ...) if it still exists, else the home folder."""
    remembered = _text(f"folders/{kind}")
    return Path(remembered) if remembered and Path(remembered).is_dir() else Path.home()


def remember_folder(kind: str, path: Path) -> None:
    _store().setValue(f"folders/{kind}", str(path if path.is_dir() else path.parent))


# --- language ------------------------------------------------------------------------------------

def language() -> str:
    """The chosen language, or the system's closest shipped language on first start."""
    chosen = _text(LANGUAGE_KEY)
    return chosen if chosen in i18n.LANGUAGES else i18n.system_language()


def set_language(code: str) -> None:
    if code not in i18n.LANGUAGES:
        raise ValueError(f"unknown language {code!r}; choose from {', '.join(i18n.LANGUAGES)}")
    _store().setValue(LANGUAGE_KEY, code)


# --- window --------------------------------------------------------------------------------------

def save_window(geometry: QByteArray, state: QByteArray, tab: int) -> None:
    store = _store()
    store.setValue(GEOMETRY_KEY, geometry)
    store.setValue(WINDOW_STATE_KEY, state)
    store.setValue(TAB_KEY, tab)


def window_geometry() -> QByteArray | None:
    value = _store().value(GEOMETRY_KEY)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def window_state() -> QByteArray | None:
    value = _store().value(WINDOW_STATE_KEY)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def window_tab() -> int:
    return int(_number(TAB_KEY, 0, 0, 2))


# --- restore options -----------------------------------------------------------------------------

def restore_settings(prefix: str = RESTORE_PREFIX) -> RestoreSettings:
    """A tab's last options (the Restore tab's, or the Batch tab's under "batch/"); a stale or invalid value
    falls back to its default."""
    defaults = RestoreSettings()
    scale = int(_number(prefix + "scale", defaults.scale, 1, 8))
    detector = _text(prefix + "detector", defaults.detect.detector)
    device = _text(prefix + "device", defaults.device)
    return RestoreSettings(
        scale=scale if scale in SCALES else defaults.scale,
        model=_text(prefix + "model") or None,
        detect=DetectSettings(detector=detector if detector in DETECTORS else defaults.detect.detector),
        blend=_number(prefix + "blend", defaults.blend, 0.0, 1.0),
        fidelity=_number(prefix + "fidelity", defaults.fidelity, 0.0, 1.0),
        bg_model=_text(prefix + "bg_model") or None,
        device=device if device in ("auto", "cpu", "cuda") else defaults.device,
        force_small_model=_flag(prefix + "force", defaults.force_small_model),
    )


def save_restore_settings(settings: RestoreSettings, prefix: str = RESTORE_PREFIX) -> None:
    store = _store()
    values = {"scale": settings.scale, "model": settings.model or "", "detector": settings.detect.detector,
              "blend": settings.blend, "fidelity": settings.fidelity, "bg_model": settings.bg_model or "",
              "device": settings.device, "force": settings.force_small_model}
    for key, value in values.items():
        store.setValue(prefix + key, value)


# --- the dialog ----------------------------------------------------------------------------------

class SettingsDialog(QDialog):
    """Application-wide preferences: for now the interface language, applied at once on OK."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language_combo = QComboBox()
        for code, name in i18n.LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(language())))
        self.language_label = QLabel()
        self.language_label.setBuddy(self.language_combo)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.language_label, self.language_combo)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.retranslate()

    def chosen_language(self) -> str:
        return str(self.language_combo.currentData())

    def accept(self) -> None:
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
        self.language_label.setText(self.tr("&Language:"))
        self.language_combo.setToolTip(self.tr("The language of the interface; it changes as soon as you press OK"))
        self.note.setText(self.tr("Options of the Restore, Batch and Train tabs are remembered where you set them."))
