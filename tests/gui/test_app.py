"""Starting the application: names for QSettings, and a palette that follows the system's light or dark scheme."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QPalette

from gui import i18n
from gui.app import APPLICATION, ORGANISATION, create_application


@pytest.fixture
def app(qapp):
    palette, style = qapp.palette(), qapp.style().name()
    yield create_application()
    i18n.install_language(i18n.ENGLISH)  # it installed the system's language: the other tests read English
    qapp.setStyle(style)
    qapp.setPalette(palette)


def _lightness(app, role: QPalette.ColorRole) -> int:
    return app.palette().color(role).lightness()


def test_names_and_a_palette_that_follows_the_colour_scheme(app) -> None:
    assert (QCoreApplication.organizationName(), QCoreApplication.applicationName()) == (ORGANISATION, APPLICATION)
    assert create_application() is app  # a second call (main.py's smoke test) reuses the set-up instance
    # the offscreen platform cannot switch schemes itself: announce a switch as the system would
    changed = QGuiApplication.styleHints().colorSchemeChanged
    changed.emit(Qt.ColorScheme.Dark)
    assert _lightness(app, QPalette.ColorRole.Window) < 100 and _lightness(app, QPalette.ColorRole.WindowText) > 180
    changed.emit(Qt.ColorScheme.Light)
    assert _lightness(app, QPalette.ColorRole.Window) > 180 and _lightness(app, QPalette.ColorRole.WindowText) < 100
