"""Faces larger than the model input: the force option, the face strip's reason and "Restore this face"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.detect.yunet import YuNetDetector
from core.io import write_image
from core.paths import user_models_dir
from gui.qimage import rgb_from_qimage
from gui.restore_tab import RestoreTab
from tests.conftest import make_model_file
from tests.gui.translation import in_chinese

WAIT_MS = 120_000  # generous: the machine may be busy; nothing here measures speed


@pytest.fixture
def small_input_model() -> Path:
    """A face model whose 64-px input is smaller than the test photo's face: the face is left as upscaled."""
    return make_model_file(user_models_dir() / "small-input.safetensors", input_size=64)


@pytest.fixture
def photo(tmp_path: Path, astronaut: np.ndarray) -> Path:
    return write_image(tmp_path / "astronaut.png", astronaut[::2, ::2].copy())


@pytest.fixture
def tab(qtbot, small_input_model: Path) -> RestoreTab:
    widget = RestoreTab()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    qtbot.waitUntil(lambda: widget.options.model_combo.currentData() is not None, timeout=WAIT_MS)
    messages: list[str] = []
    widget.message.connect(messages.append)
    widget.messages = messages
    yield widget
    widget.shutdown()


def _open(qtbot, tab: RestoreTab, path: Path) -> None:
    tab.open_files([path])
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.is_busy(), timeout=WAIT_MS)


def _face_changed(tab: RestoreTab) -> bool:
    x0, y0, x1, y1 = tab.restoration.face_box(0, margin=0.0)
    after = rgb_from_qimage(tab.compare.canvas.after_image())[y0:y1, x0:x1].astype(int)
    return np.abs(after - tab.restoration.result.background[y0:y1, x0:x1]).max() > 8


def test_a_left_face_says_why_and_restore_this_face_restores_it_alone(qtbot, tab: RestoreTab, photo: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _open(qtbot, tab, photo)
    assert tab.restoration.restorable == frozenset()
    status = tab.messages[-1]
    assert "1 face(s) found, 0 restored" in status and "larger than the 64-px model" in status
    assert "\u201cAlso restore larger faces\u201d" in status and "gfpgan-1.4" in status
    entry = tab.faces.entries[0]
    assert not entry.reason_label.isHidden() and "64-px" in entry.reason_label.text()  # visible, not a tooltip
    assert not entry.restore_button.isHidden() and not entry.checkbox.isEnabled()
    assert tab.faces.height() > entry.sizeHint().height()  # the strip grew: the button is not cut off
    with in_chinese(qtbot, tab.faces, entry.restore_button, "修复这张脸"):
        assert "64" in entry.reason_label.text() and "larger" not in entry.reason_label.text()
    background = tab.restoration.result.background
    monkeypatch.setattr(YuNetDetector, "detect", lambda self, image: pytest.fail("no full re-run"))

    entry.restore_button.click()
    qtbot.waitUntil(lambda: tab.restoration.restorable == {0} and not tab.is_busy(), timeout=WAIT_MS)

    assert tab.restoration.result.background is background  # the photo was not upscaled again
    qtbot.waitUntil(lambda: _face_changed(tab), timeout=WAIT_MS)
    entry = tab.faces.entries[0]
    assert entry.checkbox.isEnabled() and entry.checkbox.isChecked() and entry.restore_button is None
    assert "1 face(s) found, 1 restored" in tab.messages[-1] and "larger than" not in tab.messages[-1]
    assert not tab.options.settings().force_small_model  # one face, not the option


def test_the_force_option_restores_larger_faces_and_is_remembered(qtbot, tab: RestoreTab, photo: Path) -> None:
    _open(qtbot, tab, photo)
    assert tab.restoration.result.restored_count == 0
    tab.options.force_check.setChecked(True)  # a model option: the photo is restored again
    qtbot.waitUntil(lambda: tab.restoration.result.restored_count == 1 and not tab.is_busy(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _face_changed(tab), timeout=WAIT_MS)
    assert tab.faces.entries[0].restore_button is None
    again = RestoreTab()
    qtbot.addWidget(again)
    try:
        assert again.options.settings().force_small_model and again.options.force_check.isChecked()
    finally:
        qtbot.waitUntil(lambda: not again.is_busy(), timeout=WAIT_MS)
        again.shutdown()
