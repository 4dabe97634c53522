"""The one error dialog (tab_support.show_error): it does not block, and a window shows one at a time."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from gui.tab_support import ERROR_BOX_NAME, show_error


def _visible_boxes(widget: QWidget) -> list[QMessageBox]:
    return [box for box in widget.findChildren(QMessageBox) if box.isVisible()]


def test_a_second_error_replaces_the_first_instead_of_stacking(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    first = show_error(window, "Cannot open the photo", "a.jpg: the file is damaged")
    assert first.isVisible() and first.objectName() == ERROR_BOX_NAME  # open(): show_error returned at once
    second = show_error(window, "Cannot save", "b.png: the disk is full")
    assert second is first and _visible_boxes(window) == [first]
    assert (first.windowTitle(), first.text()) == ("Cannot save", "b.png: the disk is full")
    first.close()
    third = show_error(window, "Cannot save", "c.png: permission denied")
    assert third is first and third.isVisible() and len(window.findChildren(QMessageBox)) == 1
    third.close()


def test_the_restore_tab_and_the_models_dialog_use_it(qtbot) -> None:
    from gui.models_dialog import ModelsDialog
    from gui.restore_tab import RestoreTab

    tab = RestoreTab()
    qtbot.addWidget(tab)
    tab._show_error("Error", "x.jpg: unreadable")
    tab._show_error("Error", "y.jpg: unreadable")
    boxes = tab.findChildren(QMessageBox)
    assert len(boxes) == 1 and boxes[0] is tab._error_box and boxes[0].objectName() == ERROR_BOX_NAME
    assert boxes[0].text() == "y.jpg: unreadable" and boxes[0].icon() == QMessageBox.Icon.Warning
    boxes[0].close()
    tab.shutdown()
    dialog = ModelsDialog()
    qtbot.addWidget(dialog)
    dialog._error("Model error", "z.pth: not a model")
    assert dialog.error_box.objectName() == ERROR_BOX_NAME and dialog.status.text() == "z.pth: not a model"
    dialog.error_box.close()
    dialog.done(0)
