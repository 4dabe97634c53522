"""Every key the window answers to is taken once: menu titles, actions, button and label mnemonics, on each tab.

Qt gives an ambiguous key to neither owner or cycles between them ("Ambiguous shortcut overload"), so
Alt+3 focused "Face 3" instead of opening the Train tab. Only what is visible counts: Qt ignores the
mnemonics of widgets on hidden tabs.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu, QWidget

from core.io import write_image
from core.paths import user_models_dir
from gui import i18n
from gui.main_window import RESTORE, TRAIN, MainWindow
from tests.conftest import make_model_file

WAIT_MS = 120_000


def key_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


def mnemonic(text: str) -> str:
    """Alt+X for a text with &X (&& is a literal ampersand); empty when there is none."""
    return key_text(QKeySequence.mnemonic(text))


def _reachable(action: QAction, window: QWidget) -> bool:
    """The action's shortcut can fire now: it sits on the window, in the menu bar's menus, or on a visible widget."""
    for owner in action.associatedObjects():
        if isinstance(owner, QMenu) or owner is window:
            return True
        if isinstance(owner, QWidget) and owner.isVisible():
            return True
    return False


def taken_keys(window: MainWindow) -> dict[str, list[str]]:
    """Each key the window answers to now, with what answers to it (duplicates are the clashes)."""
    owners: dict[str, dict[int, str]] = defaultdict(dict)

    def take(key: str, owner: object, what: str) -> None:
        if key:
            owners[key][id(owner)] = what

    for menu_action in window.menuBar().actions():
        take(mnemonic(menu_action.text()), menu_action, f"menu {menu_action.text()!r}")
    for action in window.findChildren(QAction):
        if _reachable(action, window):
            for shortcut in action.shortcuts():
                take(key_text(shortcut), action, f"action {action.text()!r}")
    for button in window.findChildren(QAbstractButton):
        if button.isVisible():
            take(mnemonic(button.text()), button, f"button {button.text()!r}")
    for label in window.findChildren(QLabel):
        if label.isVisible() and label.buddy() is not None:
            take(mnemonic(label.text()), label, f"label {label.text()!r}")
    for box in window.findChildren(QGroupBox):
        if box.isVisible() and box.isCheckable():
            take(mnemonic(box.title()), box, f"group {box.title()!r}")
    return {key: sorted(found.values()) for key, found in owners.items()}


@pytest.fixture
def window(qtbot, tmp_path: Path, astronaut: np.ndarray) -> MainWindow:
    make_model_file(user_models_dir() / "tiny.safetensors")
    made = MainWindow()
    qtbot.addWidget(made)
    made.show()
    tab = made.restore_tab
    qtbot.waitUntil(lambda: tab.options.model_combo.currentData() is not None, timeout=WAIT_MS)
    # a photo with four faces: the face strip's checkboxes are on screen, as after a real restore
    four = np.concatenate([np.concatenate([astronaut, astronaut], 1)] * 2, 0)[::2, ::2]
    tab.open_files([write_image(tmp_path / "four.png", np.ascontiguousarray(four)),
                    write_image(tmp_path / "one.png", np.ascontiguousarray(astronaut[::2, ::2]))])
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.runner.busy, timeout=WAIT_MS)
    assert len(tab.faces.entries) == 4
    yield made
    made.close()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_no_key_has_two_owners_on_any_tab(qtbot, window: MainWindow, language: str) -> None:
    i18n.install_language(language)
    if language != "en":
        qtbot.waitUntil(lambda: window.tabs.tabText(RESTORE) != "Restore", timeout=5000)
    clashes = {}
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(50)
        taken = taken_keys(window)
        assert "Alt+3" in taken and "Ctrl+O" in taken  # the walk sees the tab keys and the menus' actions
        clashes.update({f"{window.tabs.tabText(index)}: {key}": owners
                        for key, owners in taken.items() if len(owners) > 1})
    i18n.install_language(i18n.ENGLISH)
    assert not clashes, "\n".join(f"{key}: {owners}" for key, owners in sorted(clashes.items()))


def test_alt_3_opens_the_train_tab_while_faces_are_shown(qtbot, window: MainWindow) -> None:
    window.tabs.setCurrentIndex(RESTORE)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.restore_tab.faces.entries[2].checkbox.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert window.tabs.currentIndex() == TRAIN
    assert window.restore_tab.faces.entries[2].checkbox.isChecked()  # the face was not toggled
