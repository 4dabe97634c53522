"""Starting the desktop application: QApplication, names for QSettings, language, palette, main window."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from core.paths import resources_dir
from gui import i18n
from gui import settings as stored

_READY = "facesr-set-up"
ORGANISATION = "FaceSR"
APPLICATION = "FaceSR Studio"

log = logging.getLogger(__name__)


def dark_palette() -> QPalette:
    """Fusion's colours for a dark system theme (Fusion's own palette is always light)."""
    palette = QPalette()
    window, base, text = QColor(45, 45, 48), QColor(30, 30, 32), QColor(230, 230, 230)
    highlight = QColor(64, 128, 200)
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: window,
        QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64), QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: window, QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 90, 90), QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255), QPalette.ColorRole.Link: QColor(110, 170, 240),
        QPalette.ColorRole.PlaceholderText: QColor(140, 140, 140), QPalette.ColorRole.Mid: QColor(70, 70, 74),
        QPalette.ColorRole.Dark: QColor(25, 25, 27), QPalette.ColorRole.Light: QColor(80, 80, 84),
    }
    for role, colour in roles.items():
        palette.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return palette


def apply_palette(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Light or dark, as ``scheme`` (by default the system's colour scheme) says; unknown means light."""
    scheme = QGuiApplication.styleHints().colorScheme() if scheme is None else scheme
    app.setPalette(dark_palette() if scheme == Qt.ColorScheme.Dark else app.style().standardPalette())


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, style, palette and the remembered language (reused when one exists)."""
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    existing = QApplication.instance()
    if existing is None:
        app = QApplication(sys.argv if argv is None else argv)
    elif isinstance(existing, QApplication):
        app = existing
    else:  # a QCoreApplication/QGuiApplication cannot host widgets: say so instead of crashing in Qt later
        raise RuntimeError(f"a {type(existing).__name__} already exists; the GUI needs a QApplication")
    if app.property(_READY):  # set up already (main.py's smoke test creates it before run_app does)
        return app
    app.setProperty(_READY, True)
    app.setApplicationDisplayName(APPLICATION)
    icon = resources_dir() / "icons" / "app.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    # Fusion looks the same everywhere and takes our dark palette; native styles may ignore palettes
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    apply_palette(app)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda scheme: apply_palette(app, scheme))
    i18n.install_language(stored.language())
    return app


def run_app(argv: list[str] | None = None) -> int:
    """Open the main window and run the event loop; the exit status of the application."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_application(argv)
    from gui.main_window import MainWindow  # after the QApplication: widgets need it

    window = MainWindow()
    window.show()
    return app.exec()
