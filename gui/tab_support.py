"""Small pieces shared by the window and its tabs: a folder field, messages, texts (settings: gui/settings.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QFontMetrics, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QDialog, QFileDialog, QGridLayout, QHBoxLayout, QLineEdit, QMessageBox, QSizePolicy,
                               QSpacerItem, QToolButton, QWidget)

TITLE_BAR_EXTRA_PX = 160  # a title bar's icon, buttons and margins besides its text


ERROR_BOX_NAME = "error-message"


def show_error(parent: QWidget, title: str, text: str) -> QMessageBox:
    """The application's one error dialog: a warning box that does not block the caller (open(), not exec()),
    so the event loop, and with it running work and tests, go on while it is shown. A window has one such box:
    a new error replaces the text of one still open instead of stacking a second box on it."""
    box = parent.findChild(QMessageBox, ERROR_BOX_NAME, Qt.FindChildOption.FindDirectChildrenOnly)
    if box is None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setObjectName(ERROR_BOX_NAME)
    else:
        box.setWindowTitle(title)
        box.setText(text)
    fit_title(box)
    box.open()
    return box


def title_width(dialog: QDialog) -> int:
    """The width a dialog needs to show its whole title: window managers add the application's name
    ("Use this model \u2014 FaceSR Studio") and draw the title bold, and cut what does not fit."""
    title, app_name = dialog.windowTitle(), QGuiApplication.applicationDisplayName()
    full = f"{title} \u2014 {app_name}" if app_name and app_name not in title else title
    font = dialog.font()
    font.setBold(True)
    return int(QFontMetrics(font).horizontalAdvance(full) * 1.1) + TITLE_BAR_EXTRA_PX


def fit_title(dialog: QDialog) -> None:
    """Make a dialog at least as wide as its title needs (call again after its title changes)."""
    width = title_width(dialog)
    layout = dialog.layout()
    if isinstance(dialog, QMessageBox) and isinstance(layout, QGridLayout):
        # a message box sizes itself from its layout and ignores a minimum width: widen the layout. No reference
        # to the spacer is kept: setting a message box's texts can rebuild its layout, deleting the spacer
        items = (layout.itemAt(index) for index in range(layout.count()))
        spacers = (item.spacerItem() for item in items if item is not None)
        if not any(spacer is not None and spacer.sizeHint().width() >= width for spacer in spacers):
            layout.addItem(QSpacerItem(width, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed),
                           layout.rowCount(), 0, 1, layout.columnCount())
    else:
        dialog.setMinimumWidth(max(dialog.minimumWidth(), width))


def with_shortcut(tip: str, shortcut: QKeySequence | str) -> str:
    """A tooltip that also tells the control's shortcut, in the platform's notation."""
    text = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
    return f"{tip} ({text})" if text else tip


def set_action_texts(texts: dict[QAction, tuple[str, str]]) -> None:
    """Give each action its (translated) text, status tip and a tooltip telling its shortcut; an action
    without a tip shows its text as the tooltip."""
    for action, (text, tip) in texts.items():
        action.setText(text)
        action.setToolTip(with_shortcut(tip, action.shortcut()) if tip else text)
        action.setStatusTip(tip)


class PathField(QWidget):
    """A folder path: typed in, or chosen with the browse button."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        self.button = QToolButton()
        self.button.setText("\u2026")
        self.button.clicked.connect(self._browse)
        self.edit.textChanged.connect(self.changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)  # so that a label's buddy mnemonic lands in the text field
        self.dialog_title = ""
        self.retranslate()

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: Path | str | None) -> None:
        self.edit.setText("" if path is None else str(path))

    def set_shortcut(self, shortcut: str) -> None:
        self.button.setShortcut(QKeySequence(shortcut))
        self.retranslate()

    def _browse(self) -> None:
        current = self.path()
        start = str(current) if current is not None and current.is_dir() else str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, self.dialog_title, start)
        if chosen:
            self.set_path(chosen)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.button.setToolTip(with_shortcut(self.tr("Choose a folder"), self.button.shortcut()))
