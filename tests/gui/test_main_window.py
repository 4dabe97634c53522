"""The main window: drops go to the right tab, Alt+number switches tabs, closing during work stops it cleanly."""

from __future__ import annotations

import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from core.io import read_image, write_image
from core.paths import user_models_dir
from core.restorer import Restorer
from gui.main_window import BATCH, RESTORE, MainWindow
from tests.conftest import make_model_file

WAIT_MS = 120_000  # generous: the machine may be busy; nothing here measures speed


@pytest.fixture
def window(qtbot) -> MainWindow:
    make_model_file(user_models_dir() / "tiny.safetensors")
    made = MainWindow()
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.restore_tab.options.model_combo.currentData() is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not made.restore_tab.runner.busy, timeout=WAIT_MS)  # warmed up
    yield made
    made.close()


def drop(widget, paths: list[Path]) -> bool:
    """Drag ``paths`` over ``widget`` and drop them, as a file manager does; True if the drop was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():  # PySide marks QDragEnterEvent's only constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPointF(60, 60).toPoint(), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(widget, QDropEvent(QPointF(60, 60), Qt.DropAction.CopyAction, mime, buttons, modifiers))
    return True


def test_dropping_an_image_shows_a_result(qtbot, window: MainWindow, tmp_path: Path, astronaut: np.ndarray) -> None:
    photo = write_image(tmp_path / "astronaut.png", np.ascontiguousarray(astronaut[::2, ::2]))
    window.tabs.setCurrentIndex(BATCH)
    assert drop(window, [photo])
    tab = window.restore_tab
    assert window.tabs.currentIndex() == RESTORE
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.is_busy(), timeout=WAIT_MS)
    source = read_image(photo).rgb
    shown = tab.compare.canvas.after_image()
    assert (shown.height(), shown.width()) == (source.shape[0] * 2, source.shape[1] * 2)  # 2x is the default
    assert len(tab.faces.entries) == 1
    status = window.statusBar().currentMessage()
    assert "1 face(s) found" in status and "restore" in status and " s" in status  # faces and stage times


def test_dropping_a_folder_opens_it_in_the_batch_tab(window: MainWindow, tmp_path: Path) -> None:
    album = tmp_path / "album"
    album.mkdir()
    assert drop(window, [album])
    assert window.tabs.currentIndex() == BATCH
    assert window.batch_tab.input_field.path() == album
    assert not drop(window, [tmp_path / "notes.txt"])  # neither an image nor a folder: refused


def test_closing_during_a_restore_cancels_it_and_stops_every_thread(qtbot, window: MainWindow, tmp_path: Path,
                                                                  astronaut: np.ndarray,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    started = threading.Event()
    original = Restorer.run

    def slow_run(self, batch):
        started.set()
        time.sleep(0.5)
        return original(self, batch)

    monkeypatch.setattr(Restorer, "run", slow_run)
    four = np.concatenate([np.concatenate([astronaut, astronaut], 1)] * 2, 0)
    window.restore_tab.open_files([write_image(tmp_path / "four.png", np.ascontiguousarray(four[::2, ::2]))])
    qtbot.waitUntil(started.is_set, timeout=WAIT_MS)
    assert window.restore_tab.is_busy()
    assert window.close()
    # close() returned only after the worker stopped (the autouse fixture also fails a test leaving a thread)
    assert not window.restore_tab.runner._thread.isRunning()


def test_alt_number_switches_tabs_and_the_window_remembers_its_tab(qtbot, window: MainWindow) -> None:
    window.tab_actions[2].trigger()
    assert window.tabs.currentIndex() == 2
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == 2
    qtbot.waitUntil(lambda: not again.restore_tab.is_busy(), timeout=WAIT_MS)
    again.close()
