"""A small in-app image viewer: one image with the comparison view's zoom and pan, in a dialog of its own.

Opening a file in the system's viewer depends on a launcher that a desktop may lack (the log then says
"Unable to detect a launcher" and nothing happens), so images the application shows at full size open
here. The canvas is the comparison view's, showing the same image on both sides of a hidden divider.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from gui.compare_view import BACKDROP, CompareCanvas, Pyramid, ZoomLabel, button_row, zoom_actions
from gui.tab_support import set_action_texts


class ImageCanvas(CompareCanvas):
    """The comparison canvas with one image: no divider to drag, no before/after labels."""

    def set_image(self, image: QImage) -> None:
        pyramid = Pyramid.of(image)
        self.set_images(pyramid, pyramid)

    def image(self) -> QImage | None:
        return self.before_image()

    def _near_divider(self, point: QPointF) -> bool:
        return False  # every drag pans

    def paintEvent(self, event: QPaintEvent) -> None:
        photo = self._before
        if photo is None or not self.has_images():  # the photo, named so that mypy narrows it
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKDROP)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 2.0)  # pixels from 200%
        pane = QRectF(self.rect())
        self._draw(painter, photo, pane, pane)


class ImageViewer(QDialog):
    """One image at any zoom: the wheel zooms around the cursor, dragging pans, a double click toggles
    between fitting the window and 100%."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("image-viewer")
        self.path: Path | None = None
        self.canvas = ImageCanvas()
        # the comparison view's zoom actions and button row, with this dialog's texts
        actions = zoom_actions(self, self.canvas)
        self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action = actions
        self.addActions(list(actions))  # the shortcuts work wherever the focus is in the dialog
        self.zoom_label = ZoomLabel(self.canvas)
        layout = QVBoxLayout(self)
        layout.addLayout(button_row(list(actions), self.zoom_label))
        layout.addWidget(self.canvas, 1)
        self.resize(900, 640)
        self.retranslate()

    def show_image(self, image: QImage, path: Path | None = None) -> None:
        self.path = path
        self.canvas.set_image(image)
        self._fit_window_to(image)
        self.canvas.fit()
        self.retranslate()

    def _fit_window_to(self, image: QImage) -> None:
        """Room for the image at 200% (small sample grids are the usual content) plus the buttons, within
        most of the screen; the canvas then fits the image to it."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        width, height = 2 * image.width() + 40, 2 * image.height() + 80
        if screen is not None:
            width, height = min(width, int(screen.width() * 0.9)), min(height, int(screen.height() * 0.9))
        self.resize(max(640, width), max(480, height))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        image = self.canvas.image()
        size = f" ({image.width()}\u00d7{image.height()})" if image is not None else ""
        name = self.path.name if self.path is not None else self.tr("Image")
        self.setWindowTitle(name + size)
        set_action_texts({
            self.fit_action: (self.tr("Fit"), self.tr("Show the whole image")),
            self.actual_action: (self.tr("100%"), self.tr("One image pixel per screen pixel")),
            self.zoom_in_action: (self.tr("Zoom in"), self.tr("Enlarge the view (or turn the mouse wheel)")),
            self.zoom_out_action: (self.tr("Zoom out"), self.tr("Shrink the view (or turn the mouse wheel)")),
        })
        self.canvas.setToolTip(self.tr("The wheel zooms, dragging pans; double-click: fit or 100%"))


def open_image_file(path: Path, parent: QWidget | None = None) -> ImageViewer | None:
    """Show an image file in a new viewer window (it deletes itself when closed); None when it cannot be
    read, the caller then says why."""
    image = QImage(str(path))
    if image.isNull():
        return None
    viewer = ImageViewer(parent)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.show_image(image, Path(path))
    viewer.show()
    return viewer
