"""The Batch tab over a temporary folder: a status per file, re-runs skip, Pause/Resume, remembered options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.batch import BatchSummary, FileOutcome
from core.config import RestoreSettings
from core.paths import user_models_dir
from gui import settings as stored
from gui import batch_tab
from gui.batch_tab import BatchTab
from tests.conftest import make_model_file
from tests.gui.translation import in_chinese

WAIT_MS = 120_000  # generous: the machine may be busy; nothing here measures speed


def in_the_worker_after_each_file(monkeypatch: pytest.MonkeyPatch, hook: Callable[[FileOutcome], None]) -> None:
    """Call ``hook`` in the worker thread as each file's outcome is known, before the tab hears of it."""
    original = batch_tab.run_batch

    def run_batch(*args: Any, on_file: Callable[[FileOutcome], None], **kwargs: Any) -> BatchSummary:
        def hooked(outcome: FileOutcome) -> None:
            hook(outcome)
            on_file(outcome)

        return original(*args, on_file=hooked, **kwargs)

    monkeypatch.setattr(batch_tab, "run_batch", run_batch)


@pytest.fixture
def photos(tmp_path: Path, astronaut: np.ndarray) -> Path:
    """Two small good photos and one corrupt file (text named .jpg)."""
    folder = tmp_path / "album"
    folder.mkdir()
    small = Image.fromarray(astronaut).resize((160, 160), Image.Resampling.LANCZOS)
    small.save(folder / "a_photo.jpg", quality=90)
    small.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "b_photo.png")
    (folder / "c_broken.jpg").write_text("this is not an image", encoding="utf-8")
    return folder


@pytest.fixture
def tab(qtbot) -> BatchTab:
    make_model_file(user_models_dir() / "tiny.safetensors")
    widget = BatchTab()
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.models_listed, timeout=WAIT_MS):
        widget.refresh_models()
    widget.options.model_combo.setCurrentIndex(widget.options.model_combo.findText("tiny"))
    yield widget
    widget.shutdown()


def _statuses(tab: BatchTab) -> dict[str, tuple[str, str]]:
    return {tab.table.item(row, 0).text(): (tab._status(row), tab.table.item(row, 3).text())
            for row in range(tab.table.rowCount())}


def test_a_batch_ends_with_the_right_status_for_every_file_and_a_rerun_skips(qtbot, tab: BatchTab,
                                                                             photos: Path, tmp_path: Path) -> None:
    assert tab.options.model_combo.currentData().endswith("tiny.safetensors")
    tab.set_input_folder(photos)
    assert tab.output_field.path() == photos / "restored"  # proposed when none was chosen
    tab.output_field.set_path(tmp_path / "out")
    with qtbot.waitSignal(tab.finished_batch, timeout=WAIT_MS) as first:
        tab.run_batch_now()
        assert tab.is_busy() and not tab.start_button.isEnabled()
    statuses = _statuses(tab)
    assert [statuses[name][0] for name in ("a_photo.jpg", "b_photo.png", "c_broken.jpg")] == \
        ["done", "done", "failed"]
    assert "c_broken.jpg" not in statuses["c_broken.jpg"][1] and statuses["c_broken.jpg"][1]  # the cause
    assert (tmp_path / "out" / "a_photo.jpg").is_file() and (tmp_path / "out" / "b_photo.png").is_file()
    assert first.args[0].count("done") == 2 and first.args[0].count("failed") == 1
    assert tab.progress_bar.value() == 3 and not tab.is_busy() and tab.start_button.isEnabled()
    assert tab.open_button.isEnabled()

    with qtbot.waitSignal(tab.finished_batch, timeout=WAIT_MS) as second:
        tab.run_batch_now()
    statuses = _statuses(tab)
    assert [statuses[name][0] for name in ("a_photo.jpg", "b_photo.png", "c_broken.jpg")] == \
        ["skipped", "skipped", "failed"]
    assert second.args[0].count("skipped") == 2


def test_pause_stops_between_files_and_resume_continues(qtbot, tab: BatchTab, photos: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (photos / "c_broken.jpg").unlink()
    for name in ("c_photo.jpg", "d_photo.jpg"):
        (photos / name).write_bytes((photos / "a_photo.jpg").read_bytes())
    tab.set_input_folder(photos)
    tab.output_field.set_path(tmp_path / "out")
    # Pause from inside the worker as the first outcome is known, so that later files have certainly not
    # all started (a click from here could land after the worker went on).
    paused: list[object] = []

    def pause_once(outcome: object) -> None:
        if not paused:
            paused.append(outcome)
            tab._gate.pause()

    in_the_worker_after_each_file(monkeypatch, pause_once)
    tab.run_batch_now()
    qtbot.waitUntil(lambda: _statuses(tab)["a_photo.jpg"][0] == "done", timeout=WAIT_MS)
    qtbot.wait(1500)  # a file already in work when the pause came may finish meanwhile
    before = _statuses(tab)
    qtbot.wait(1500)  # paused: nothing may happen now
    assert _statuses(tab) == before and tab.is_busy() and tab.pause_button.isEnabled()
    assert "queued" in [status for status, _ in before.values()]
    with qtbot.waitSignal(tab.finished_batch, timeout=WAIT_MS):
        tab.pause_button.click()  # the gate is paused, so this resumes
    assert [status for status, _ in _statuses(tab).values()] == ["done"] * 4


def test_pause_button_and_cancel_while_waiting(qtbot, tab: BatchTab, photos: Path, tmp_path: Path) -> None:
    tab.set_input_folder(photos)
    tab.output_field.set_path(tmp_path / "out")
    tab.run_batch_now()
    tab.pause_button.click()  # before the first file: the model is still loading in the worker
    assert tab.pause_button.text() == "Resume"
    qtbot.wait(1000)
    assert all(status == "queued" for status, _ in _statuses(tab).values())
    tab.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert all(status == "cancelled" for status, _ in _statuses(tab).values())
    assert not (tmp_path / "out" / "a_photo.jpg").exists()
    assert tab.pause_button.text() == "Pause" and not tab.pause_button.isEnabled()


def test_a_folder_without_images_gets_a_message_naming_it(qtbot, tab: BatchTab, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    tab.set_input_folder(empty)
    tab.run_batch_now()
    boxes = [box for box in tab.findChildren(QMessageBox) if box.isVisible()]
    assert len(boxes) == 1 and str(empty) in boxes[0].text() and "no images found" in boxes[0].text()
    assert not tab.is_busy()
    boxes[0].close()


def test_options_are_remembered(qtbot, tab: BatchTab, tmp_path: Path) -> None:
    tab.input_field.set_path(tmp_path / "in")
    tab.output_field.set_path(tmp_path / "out")
    tab.options.scale_combo.setCurrentIndex(tab.options.scale_combo.findData(4))
    tab.format_combo.setCurrentIndex(tab.format_combo.findData("png"))
    tab.options.blend_slider.setValue(60)
    tab.options.force_check.setChecked(True)
    tab.options.device_combo.setCurrentIndex(tab.options.device_combo.findData("cpu"))
    tab.suffix_edit.setText("_x")
    tab.compare_check.setChecked(True)
    tab.shutdown()
    again = BatchTab()
    qtbot.addWidget(again)
    assert again.settings()[0].model.endswith("tiny.safetensors")  # remembered, before the list is read
    with qtbot.waitSignal(again.models_listed, timeout=WAIT_MS):
        again.refresh_models()
    assert again.input_field.path() == tmp_path / "in" and again.output_field.path() == tmp_path / "out"
    restore = again.settings()[0]
    assert (restore.scale, restore.blend, restore.force_small_model, restore.device) == (4, 0.6, True, "cpu")
    assert again.format_combo.currentData() == "png" and again.suffix_edit.text() == "_x"
    assert again.compare_check.isChecked() and not again.faces_check.isChecked()
    assert again.options.model_combo.currentText() == "tiny"
    assert stored.restore_settings() == RestoreSettings()  # the Restore tab's options are its own
    again.shutdown()


def test_switching_to_chinese_translates_every_visible_text(qtbot, tab: BatchTab) -> None:
    with in_chinese(qtbot, tab, tab.start_button, "开始"):
        assert tab.options_box.title() == "选项" and tab.options.scale_combo.itemText(1) == "2×"


def test_a_dropped_folder_becomes_the_input_and_a_dropped_photo_is_left_to_the_window(
        qtbot, tab: BatchTab, photos: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    def drag(path: Path) -> tuple[QDragEnterEvent, QDropEvent, QMimeData]:
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        enter = QDragEnterEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                          Qt.KeyboardModifier.NoModifier)
        return enter, drop, data  # the mime data must outlive the events

    enter, drop, _data = drag(photos / "a_photo.jpg")
    tab.dragEnterEvent(enter)
    assert not enter.isAccepted()
    enter, drop, _data = drag(photos)
    tab.dragEnterEvent(enter)
    assert enter.isAccepted()
    tab.dropEvent(drop)
    assert tab.input_field.path() == photos and tab.output_field.path() == photos / "restored"


def test_inputs_sharing_an_output_name_get_names_of_their_own(qtbot, tab: BatchTab, photos: Path,
                                                              tmp_path: Path) -> None:
    """As on the command line (core.batch.plan_jobs): a.jpg and a.png as PNG used to write one file, the
    second over the first, and both counted as done."""
    (photos / "c_broken.jpg").unlink()
    (photos / "b_photo.png").rename(photos / "a_photo.png")
    tab.set_input_folder(photos)
    tab.output_field.set_path(tmp_path / "out")
    tab.format_combo.setCurrentIndex(tab.format_combo.findData("png"))
    with qtbot.waitSignal(tab.finished_batch, timeout=WAIT_MS):
        tab.run_batch_now()
    statuses = _statuses(tab)
    assert [statuses[name][0] for name in ("a_photo.jpg", "a_photo.png")] == ["done", "done"]
    assert "a_photo_jpg.png" in statuses["a_photo.jpg"][1] and "would both be written" in statuses["a_photo.jpg"][1]
    assert (tmp_path / "out" / "a_photo_jpg.png").is_file() and (tmp_path / "out" / "a_photo_png.png").is_file()
    assert not (tmp_path / "out" / "a_photo.png").exists()
