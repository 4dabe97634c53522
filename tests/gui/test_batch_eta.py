"""The Batch tab's ETA disappears on Pause and Cancel, and the ETA and the Details column change language."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from gui import i18n
from gui.batch_tab import BatchTab
from tests.gui.test_batch_tab import WAIT_MS, in_the_worker_after_each_file, photos, tab  # noqa: F401 - fixtures


def _more_photos(folder: Path, count: int) -> None:
    source = Image.open(folder / "a_photo.jpg")
    for index in range(count):
        source.rotate(90 * (index + 1)).save(folder / f"more_{index}.jpg", quality=90)


def test_the_eta_is_hidden_while_paused_and_after_cancel(qtbot, tab: BatchTab, photos: Path,  # noqa: F811 - fixtures
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (photos / "c_broken.jpg").unlink()
    _more_photos(photos, 4)
    tab.set_input_folder(photos)
    tab.output_field.set_path(tmp_path / "out")
    paused: list[object] = []

    def pause_after_the_first_file(outcome: object) -> None:
        if not paused:
            paused.append(outcome)
            tab._gate.pause()  # in the worker, as a click would between two files
    in_the_worker_after_each_file(monkeypatch, pause_after_the_first_file)  # pauses once
    tab.run_batch_now()
    qtbot.waitUntil(lambda: bool(paused), timeout=WAIT_MS)
    qtbot.wait(1500)  # the progress of the file that was in work arrives while paused
    assert tab.is_busy() and tab.eta_label.text() == ""
    tab.pause_button.click()  # resume: the ETA comes back with the next file
    qtbot.waitUntil(lambda: tab.eta_label.text().startswith("ETA") or not tab.is_busy(), timeout=WAIT_MS)
    if tab.is_busy():
        tab.pause_button.click()  # Pause by the button hides it at once
        assert tab.eta_label.text() == ""
        tab.pause_button.click()
        tab.cancel_button.click()
        assert tab.eta_label.text() == ""
        qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert tab.eta_label.text() == ""


def test_the_eta_and_the_details_follow_a_language_change(qtbot, tab: BatchTab, photos: Path,  # noqa: F811 - fixtures
                                                          tmp_path: Path) -> None:
    tab.set_input_folder(photos)
    tab.output_field.set_path(tmp_path / "out")
    with qtbot.waitSignal(tab.finished_batch, timeout=WAIT_MS):
        tab.run_batch_now()
    broken = next(row for row in range(tab.table.rowCount()) if tab.table.item(row, 0).text() == "c_broken.jpg")
    english = tab.table.item(broken, 3).text()
    assert english == "not an image file (or an unsupported format)"
    tab._show_eta(75.0)  # as during a run
    i18n.install_language("zh_CN")
    try:
        qtbot.waitUntil(lambda: tab.start_button.text() == "开始")
        assert tab.eta_label.text().startswith("剩余") and "ETA" not in tab.eta_label.text()
        assert tab.table.item(broken, 3).text() == "不是图像文件（或格式不受支持）"
    finally:
        i18n.install_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: tab.start_button.text() == "Start")
    assert tab.table.item(broken, 3).text() == english and tab.eta_label.text().startswith("ETA")
