"""The Batch tab words a folder without images with core's one message, in the user's language."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from core.io import NO_IMAGES_FOUND
from gui import i18n
from gui.batch_tab import BatchTab


def test_the_batch_tab_translates_cores_no_images_message(qtbot, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    tab = BatchTab()
    qtbot.addWidget(tab)
    tab.set_input_folder(empty)
    i18n.install_language("zh_CN")
    try:
        tab.run_batch_now()
        boxes = [box for box in tab.findChildren(QMessageBox) if box.isVisible()]
        assert len(boxes) == 1 and boxes[0].text().startswith(str(empty))
        assert "未找到图像" in boxes[0].text() and NO_IMAGES_FOUND not in boxes[0].text()
        boxes[0].close()
    finally:
        i18n.install_language(i18n.ENGLISH)
    tab.run_batch_now()
    boxes = [box for box in tab.findChildren(QMessageBox) if box.isVisible()]
    assert len(boxes) == 1 and boxes[0].text() == f"{empty}: {NO_IMAGES_FOUND}"
    boxes[0].close()
    assert not tab.is_busy()
    tab.shutdown()
