"""The strip under the before/after view: one entry per detected face, with a checkbox.

Unticking a face only changes which faces the Restore tab pastes (core.pipeline.compose); the model
is never run again for it. A face left to the background (larger than the model input) says so in its
entry, with a "Restore this face" button that asks the tab to restore that face alone.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import (QCheckBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

from core.session import Restoration
from core.types import FaceStatus
from gui.i18n import fill
from gui.qimage import to_qpixmap

THUMB_PX = 88
STRIP_MARGIN_PX = 64  # checkbox row, frame and scroll bar under the thumbnails


def _thumbnail(image: np.ndarray, box: tuple[int, int, int, int]) -> QPixmap:
    x0, y0, x1, y1 = box
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    pixmap = to_qpixmap(crop) if crop.size else QPixmap(THUMB_PX, THUMB_PX)
    return pixmap.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)


class FaceEntry(QFrame):
    """Before and after thumbnails of one face and the checkbox that keeps or drops its restoration;
    a click on the thumbnails asks for the view to zoom to the face."""

    toggled = Signal(int, bool)
    activated = Signal(int)
    restore_requested = Signal(int)

    def __init__(self, index: int, before: QPixmap, after: QPixmap, restorable: bool, score: float,
                 model_input: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.restorable = restorable
        self.score = score
        self.model_input = model_input  # px; why a face that is not restorable was left
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.before_label, self.after_label = QLabel(), QLabel()
        self.before_label.setPixmap(before)
        self.after_label.setPixmap(after)
        self.checkbox = QCheckBox()
        self.checkbox.setChecked(restorable)
        self.checkbox.setEnabled(restorable)
        self.checkbox.toggled.connect(lambda checked: self.toggled.emit(self.index, checked))
        thumbs = QHBoxLayout()
        thumbs.addWidget(self.before_label)
        thumbs.addWidget(self.after_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(thumbs)
        layout.addWidget(self.checkbox)
        self.reason_label: QLabel | None = None
        self.restore_button: QPushButton | None = None
        if not restorable:
            self.reason_label = QLabel()  # one line (no word wrap): the strip's height follows its size hint
            self.restore_button = QPushButton()
            self.restore_button.clicked.connect(lambda: self.restore_requested.emit(self.index))
            layout.addWidget(self.reason_label)
            layout.addWidget(self.restore_button)
        self.retranslate()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.index)
        super().mousePressEvent(event)

    def retranslate(self) -> None:
        number = self.index + 1
        # no Alt+number mnemonic: Alt+1..3 switch the window's tabs (Tab and Space reach the boxes)
        text = fill(self.tr("Face %1"), number)
        self.checkbox.setText(text)
        if self.restorable:
            self.checkbox.setToolTip(fill(self.tr("Untick to keep this face as it was (the model is not run "
                                                  "again); detector score %1"), f"{self.score:.2f}"))
        else:
            self.checkbox.setToolTip(self.tr("This face is larger than the model's input, so it was upscaled "
                                             "with the background instead of being restored"))
        if self.reason_label is not None and self.restore_button is not None:  # built for such a face only
            self.reason_label.setText(fill(self.tr("Upscaled only: larger than the %1-px model"), self.model_input))
            self.reason_label.setToolTip(self.tr(
                "Restoring it would first shrink it to the model's face size, which can lose detail. Restore it "
                "anyway with the button, or use a model with a larger input"))
            self.restore_button.setText(self.tr("Restore this face"))
            self.restore_button.setToolTip(self.tr("Restore this face alone, shrunk to the model's input; the "
                                                   "other faces are kept as they are"))
        for label, text in ((self.before_label, self.tr("Before")), (self.after_label, self.tr("After"))):
            label.setToolTip(fill(self.tr("%1: click to zoom the view to this face"), text))


class FaceStrip(QScrollArea):
    """A horizontal, scrollable row of FaceEntry widgets; ``selection_changed`` carries the ticked indices."""

    selection_changed = Signal(frozenset)
    face_activated = Signal(int)
    restore_requested = Signal(int)  # "Restore this face" on a face left to the background

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[FaceEntry] = []
        self._inner = QWidget()
        self._row = QHBoxLayout(self._inner)
        self._row.setContentsMargins(4, 4, 4, 4)
        self.empty_label = QLabel()
        self._row.addWidget(self.empty_label)
        self._row.addStretch(1)
        self.setWidget(self._inner)
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(THUMB_PX + STRIP_MARGIN_PX)
        self._has_result = False
        self.retranslate()

    def set_restoration(self, restoration: Restoration | None, selected: frozenset[int] | None = None) -> None:
        """Show the faces of ``restoration`` (the restorable ones in ``selected`` ticked, all when None), or
        nothing for None."""
        for entry in self.entries:
            self._row.removeWidget(entry)
            entry.deleteLater()
        self.entries = []
        self._has_result = restoration is not None
        if restoration is not None:
            result = restoration.result
            for index, face in enumerate(result.faces):
                box = restoration.face_box(index)
                entry = FaceEntry(index, _thumbnail(result.background, box), _thumbnail(result.image, box),
                                  face.status is FaceStatus.RESTORED, face.detection.score, face.crop_size)
                if selected is not None and entry.restorable:
                    entry.checkbox.setChecked(index in selected)
                entry.toggled.connect(self._entry_toggled)
                entry.activated.connect(self.face_activated)
                entry.restore_requested.connect(self.restore_requested)
                self._row.insertWidget(self._row.count() - 1, entry)
                self.entries.append(entry)
        self._update_empty_label()
        self._fit_height()

    def set_restore_enabled(self, enabled: bool) -> None:
        """"Restore this face" buttons are off while the model is busy with something else."""
        for entry in self.entries:
            if entry.restore_button is not None:
                entry.restore_button.setEnabled(enabled)

    def _fit_height(self) -> None:
        # the strip grows only while an entry needs its reason line and button
        margins = self._row.contentsMargins()
        entries = max((entry.sizeHint().height() for entry in self.entries), default=0)  # the row's hint is stale
        chrome = margins.top() + margins.bottom() + self.horizontalScrollBar().sizeHint().height() + 2 * self.frameWidth()
        self.setFixedHeight(max(THUMB_PX + STRIP_MARGIN_PX, entries + chrome))

    def selected(self) -> frozenset[int]:
        return frozenset(entry.index for entry in self.entries if entry.checkbox.isChecked())

    def set_face_checked(self, index: int, checked: bool) -> None:
        self.entries[index].checkbox.setChecked(checked)

    def _entry_toggled(self, index: int, checked: bool) -> None:
        self.selection_changed.emit(self.selected())

    def _update_empty_label(self) -> None:
        self.empty_label.setVisible(not self.entries)
        self.empty_label.setText(self.tr("No face was found: only the background was upscaled.")
                                 if self._has_result else self.tr("The faces found in the photo appear here."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        for entry in self.entries:
            entry.retranslate()
        self._update_empty_label()
        self._fit_height()  # another language, other line breaks
        self.setToolTip(self.tr("Each detected face before and after; untick a face to keep its original"))
