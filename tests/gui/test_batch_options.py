"""Restore and Batch share one options panel; the Batch table explains left faces; a finished row opens in
the Restore tab."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox

from core.io import read_image, write_image
from core.paths import user_models_dir
from gui.batch_tab import BatchTab
from gui.qimage import rgb_from_qimage
from gui.restore_options import RestoreOptions
from gui.restore_tab import RestoreTab
from tests.conftest import make_model_file

WAIT_MS = 120_000  # generous: the machine may be busy; nothing here measures speed


@pytest.fixture
def batch(qtbot) -> BatchTab:
    make_model_file(user_models_dir() / "small-input.safetensors", input_size=64)
    widget = BatchTab()
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.models_listed, timeout=WAIT_MS):
        widget.refresh_models()
    yield widget
    widget.shutdown()


@pytest.fixture
def album(tmp_path: Path, astronaut: np.ndarray) -> Path:
    """One photo whose face is larger than the 64-px model input."""
    write_image(tmp_path / "album" / "astronaut.png", astronaut[::2, ::2].copy())
    return tmp_path / "album"


def _items(combo: QComboBox) -> list[tuple[str, object]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_both_tabs_show_the_same_options_with_the_same_words(qtbot, batch: BatchTab) -> None:
    restore = RestoreOptions()
    qtbot.addWidget(restore)
    assert isinstance(batch.options, RestoreOptions)
    for name in ("scale_combo", "detector_combo", "device_combo"):
        assert _items(getattr(batch.options, name)) == _items(getattr(restore, name)), name
    assert batch.options.scale_combo.itemText(1) == "2×" and batch.options.detector_combo.itemText(0) == "YuNet (built in)"
    assert {name: label.text() for name, label in batch.options.labels.items()} == \
        {name: label.text() for name, label in restore.labels.items()}
    # the options the Batch tab lacked: background model and device, and the force option, reach the engine
    assert batch.options.background_combo.count() >= 2 and batch.options.device_combo.findData("cpu") >= 0
    batch.options.device_combo.setCurrentIndex(batch.options.device_combo.findData("cpu"))
    batch.options.force_check.setChecked(True)
    batch.options.blend_slider.setValue(40)
    settings = batch.settings()[0]
    assert (settings.device, settings.force_small_model, settings.blend) == ("cpu", True, 0.4)
    assert settings.model.endswith("small-input.safetensors")


def test_the_table_says_why_faces_were_left_and_force_restores_them(qtbot, batch: BatchTab, album: Path,
                                                                    tmp_path: Path) -> None:
    batch.set_input_folder(album)
    batch.output_field.set_path(tmp_path / "out")
    with qtbot.waitSignal(batch.finished_batch, timeout=WAIT_MS):
        batch.run_batch_now()
    details = batch.table.item(0, 3).text()
    assert batch.table.item(0, 2).text() == "0/1" and "larger than the 64-px model" in details
    assert "\u201cAlso restore larger faces\u201d" in details and "gfpgan-1.4" in details
    assert "\u201cOverwrite finished files\u201d" in details and "--force" not in details  # no command-line flag
    batch.options.force_check.setChecked(True)
    batch.overwrite_check.setChecked(True)
    with qtbot.waitSignal(batch.finished_batch, timeout=WAIT_MS):
        batch.run_batch_now()
    assert batch.table.item(0, 2).text() == "1/1" and "larger than" not in batch.table.item(0, 3).text()


def test_double_clicking_a_finished_row_shows_photo_and_result_in_the_restore_tab(qtbot, batch: BatchTab,
                                                                                   album: Path, tmp_path: Path) -> None:
    restore = RestoreTab()
    qtbot.addWidget(restore)
    batch.result_activated.connect(restore.show_batch_result)
    opened: list[bool] = []
    restore.opened.connect(lambda: opened.append(True))  # the window shows the Restore tab on this
    try:
        batch.set_input_folder(album)
        batch.output_field.set_path(tmp_path / "out")
        batch.table.cellDoubleClicked.emit(0, 0)  # nothing planned yet: nothing happens
        with qtbot.waitSignal(batch.finished_batch, timeout=WAIT_MS):
            batch.run_batch_now()
        batch.table.cellDoubleClicked.emit(0, 1)
        qtbot.waitUntil(lambda: bool(opened) and not restore.is_busy(), timeout=WAIT_MS)
        written = read_image(tmp_path / "out" / "astronaut.png").rgb
        assert np.array_equal(rgb_from_qimage(restore.compare.canvas.after_image()), written)
        assert restore.sources[restore.current].path == album / "astronaut.png"
        assert restore.restoration is None and not restore.save_action.isEnabled()  # nothing of its own to save
        restore.restore_current()  # F5: the photo is restored here, with the Restore tab's options
        qtbot.waitUntil(lambda: restore.restoration is not None and not restore.is_busy(), timeout=WAIT_MS)
        assert restore.restoration.name == "astronaut.png"
    finally:
        qtbot.waitUntil(lambda: not restore.is_busy(), timeout=WAIT_MS)
        restore.shutdown()
