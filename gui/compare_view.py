"""Before/after view: one image split by a draggable divider, or two synchronised panes side by side.

Both images have the same size (the plainly upscaled input and the restored result). The view keeps
one zoom factor and one pan offset for both, so in side-by-side mode the panes always show the same
region. Coordinates: ``offset`` is where the image's top-left corner lies inside a pane, in widget
pixels; an image pixel (x, y) is drawn at pane.topLeft + offset + scale * (x, y).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (QAction, QColor, QFont, QImage, QKeySequence, QMouseEvent, QPainter, QPaintEvent, QPen,
                           QResizeEvent, QWheelEvent)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

MIN_SCALE, MAX_SCALE = 0.02, 32.0
WHEEL_STEP = 1.25  # zoom factor per wheel notch
DIVIDER_GRAB_PX = 8  # how close to the divider a press must be to drag it rather than pan
PANE_GAP_PX = 4
BACKDROP = QColor(38, 38, 40)  # neutral dark grey: judges photos better than a bright theme colour
MIN_LEVEL_SIDE = 384  # the smallest halving kept in a Pyramid


class Pyramid:
    """An image and its successive halvings, so that painting a big image zoomed out reads a small copy.

    Qt's smooth scaling costs in proportion to the source area: a 4096 px result drawn whole took
    about 0.1 s per paint, every time the divider moved. Make large pyramids in a worker thread with
    gui.qimage.to_qimage_levels (QImage is usable in any thread); ``of`` halves with Qt, for small images.
    """

    def __init__(self, levels: list[QImage]) -> None:
        if not levels:
            raise ValueError("a pyramid needs at least its full-size image")
        self.levels = levels

    @classmethod
    def of(cls, image: QImage) -> Pyramid:
        levels = [image]
        while min(levels[-1].width(), levels[-1].height()) >= 2 * MIN_LEVEL_SIDE:
            last = levels[-1]
            levels.append(last.scaled(last.width() // 2, last.height() // 2, Qt.AspectRatioMode.IgnoreAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation))
        return cls(levels)

    @property
    def image(self) -> QImage:
        return self.levels[0]

    def level_for(self, scale: float) -> QImage:
        """The smallest level that still has at least one pixel per screen pixel at ``scale``."""
        wanted = self.levels[0].width() * scale
        chosen = self.levels[0]
        for level in self.levels[1:]:
            if level.width() < wanted:
                break
            chosen = level
        return chosen


def as_pyramid(image: QImage | Pyramid) -> Pyramid:
    return image if isinstance(image, Pyramid) else Pyramid.of(image)


class CompareCanvas(QWidget):
    """The painted part: zoom around the cursor with the wheel, drag to pan, drag the divider."""

    view_changed = Signal()  # zoom, pan, divider or mode changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._before: Pyramid | None = None
        self._after: Pyramid | None = None
        self._scale = 1.0
        self._offset = QPointF(0.0, 0.0)
        self._divider = 0.5  # fraction of the pane width
        self._side_by_side = False
        self._photo_only = False  # set_photo: the photo alone, its restoration on the way
        self._fit = True  # keep fitting on resize until the user zooms or pans
        self._drag: str | None = None  # "divider" or "pan"
        self._last_pos = QPointF()
        self.placeholder = ""
        self.labels = ("", "")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)

    # --- state -----------------------------------------------------------------------------------

    def has_images(self) -> bool:
        return self._before is not None and self._after is not None

    def set_images(self, before: QImage | Pyramid, after: QImage | Pyramid, keep_view: bool = False) -> None:
        before, after = as_pyramid(before), as_pyramid(after)
        if before.image.size() != after.image.size():
            raise ValueError(f"before and after differ in size: {before.image.size()} vs {after.image.size()}")
        same_size = self._before is not None and self._before.image.size() == before.image.size()
        self._before, self._after = before, after
        self._photo_only = False
        if keep_view and same_size:
            self.update()
        else:
            self.fit()

    def set_photo(self, photo: QImage | Pyramid) -> None:
        """Show a newly opened photo alone, as the "before" image, until its restoration arrives
        (set_images): the view fits it, with no divider and no "after" label."""
        photo = as_pyramid(photo)
        self._before = self._after = photo
        self._photo_only = True
        self.fit()

    @property
    def photo_only(self) -> bool:
        return self._photo_only

    def set_after(self, after: QImage | Pyramid) -> None:
        """Replace only the restored side (a re-composite), keeping zoom, pan and divider."""
        after = as_pyramid(after)
        if self._before is None or after.image.size() != self._before.image.size():
            raise ValueError("set_after needs an image of the before image's size")
        self._after = after
        self._photo_only = False
        self.update()

    def after_image(self) -> QImage | None:
        return None if self._after is None else self._after.image

    def before_image(self) -> QImage | None:
        return None if self._before is None else self._before.image

    def clear(self) -> None:
        self._before = self._after = None
        self._photo_only = False
        self._fit = True
        self.update()

    @property
    def scale(self) -> float:
        return self._scale

    @property
    def offset(self) -> QPointF:
        return QPointF(self._offset)

    @property
    def divider(self) -> float:
        return self._divider

    @property
    def side_by_side(self) -> bool:
        return self._side_by_side

    def set_divider(self, fraction: float) -> None:
        self._divider = min(1.0, max(0.0, fraction))
        self.update()
        self.view_changed.emit()

    def set_side_by_side(self, on: bool) -> None:
        if on == self._side_by_side:
            return
        # keep the image point at the pane centre where it is, so switching does not lose the place
        centre = self.widget_to_image(self.pane_rects()[0].center()) if self.has_images() else None
        self._side_by_side = on
        if self._fit or centre is None:
            self.fit()
        else:
            pane = self.pane_rects()[0]
            self._offset = QPointF(pane.width() / 2, pane.height() / 2) - centre * self._scale
            self._changed()

    # --- geometry --------------------------------------------------------------------------------

    def pane_rects(self) -> list[QRectF]:
        full = QRectF(self.rect())
        if not self._side_by_side:
            return [full]
        width = (full.width() - PANE_GAP_PX) / 2
        return [QRectF(0, 0, width, full.height()), QRectF(width + PANE_GAP_PX, 0, width, full.height())]

    def divider_x(self) -> float:
        return self.pane_rects()[0].width() * self._divider

    def widget_to_image(self, point: QPointF) -> QPointF:
        pane = self._pane_at(point)
        return (point - pane.topLeft() - self._offset) / self._scale

    def image_to_widget(self, point: QPointF, pane_index: int = 0) -> QPointF:
        return self.pane_rects()[pane_index].topLeft() + self._offset + point * self._scale

    def _pane_at(self, point: QPointF) -> QRectF:
        panes = self.pane_rects()
        return panes[1] if len(panes) == 2 and point.x() >= panes[1].left() else panes[0]

    # --- zoom and pan ----------------------------------------------------------------------------

    def fit(self) -> None:
        """Show the whole image, centred, as large as the pane allows (small photos are enlarged too)."""
        self._fit = True
        if self._before is None:
            self.update()
            return
        pane = self.pane_rects()[0]
        width, height = self._before.image.width(), self._before.image.height()
        self._scale = max(MIN_SCALE, min(pane.width() / width, pane.height() / height, MAX_SCALE))
        self._offset = QPointF((pane.width() - width * self._scale) / 2, (pane.height() - height * self._scale) / 2)
        self.update()
        self.view_changed.emit()

    def show_rect(self, rect: QRectF, fill: float = 0.8) -> None:
        """Zoom and pan so that ``rect`` (image pixels) fills ``fill`` of the pane, centred."""
        if self._before is None or rect.isEmpty():
            return
        pane = self.pane_rects()[0]
        self._scale = min(MAX_SCALE, max(MIN_SCALE, fill * min(pane.width() / rect.width(),
                                                                 pane.height() / rect.height())))
        self._offset = QPointF(pane.width() / 2, pane.height() / 2) - rect.center() * self._scale
        self._fit = False
        self._changed()

    def actual_size(self) -> None:
        """100%: one image pixel per screen pixel, keeping the pane's centre on the same image point."""
        self.zoom_to(1.0, self.pane_rects()[0].center())

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.zoom_to(self._scale * factor, anchor)

    def zoom_to(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the image point under ``anchor`` (widget coordinates; default the pane centre) fixed."""
        if self._before is None:
            return
        anchor = anchor if anchor is not None else self.pane_rects()[0].center()
        pane = self._pane_at(anchor)
        local = anchor - pane.topLeft()
        image_point = (local - self._offset) / self._scale
        self._scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        self._offset = local - image_point * self._scale
        self._fit = False
        self._changed()

    def pan_by(self, delta: QPointF) -> None:
        self._offset += delta
        self._fit = False
        self._changed()

    def _changed(self) -> None:
        self.update()
        self.view_changed.emit()

    # --- events ----------------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps and self.has_images():
            self.zoom_by(WHEEL_STEP ** steps, event.position())
            event.accept()
        else:
            super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.has_images():
            return super().mousePressEvent(event)
        self._drag = "divider" if self._near_divider(event.position()) else "pan"
        self._last_pos = event.position()
        if self._drag == "pan":
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._drag == "divider":
            self.set_divider(position.x() / max(1.0, self.pane_rects()[0].width()))
        elif self._drag == "pan":
            self.pan_by(position - self._last_pos)
        elif self.has_images():
            near = self._near_divider(position)
            self.setCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.OpenHandCursor)
        self._last_pos = position

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = None
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # double click toggles between fitting and 100% at the clicked point, as image viewers do
        if self.has_images():
            if self._fit:
                self.zoom_to(1.0, event.position())
            else:
                self.fit()

    def keyPressEvent(self, event) -> None:  # noqa: ANN001 - QKeyEvent
        step = {Qt.Key.Key_Left: -0.05, Qt.Key.Key_Right: 0.05}.get(event.key())
        if step is not None and not self._side_by_side and self.has_images():
            self.set_divider(self._divider + step)
        else:
            super().keyPressEvent(event)

    def _near_divider(self, point: QPointF) -> bool:
        if self._side_by_side or self._photo_only:
            return False
        return abs(point.x() - self.divider_x()) <= DIVIDER_GRAB_PX

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.fit()

    def sizeHint(self) -> QSize:
        return QSize(800, 560)

    # --- painting --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKDROP)
        before, after = self._before, self._after
        if before is None or after is None:  # not has_images(): this form lets mypy narrow both
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(QRectF(self.rect()).adjusted(20, 20, -20, -20),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        # nearest neighbour from 200% up: pixel peeping should show the real pixels
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._scale < 2.0)
        panes = self.pane_rects()
        if self._photo_only:  # the photo just opened: the whole pane is "before"
            self._draw(painter, before, panes[0], panes[0])
            self._draw_label(painter, panes[0], self.labels[0], left=True)
            return
        if self._side_by_side:
            self._draw(painter, before, panes[0], panes[0])
            self._draw(painter, after, panes[1], panes[1])
            self._draw_label(painter, panes[0], self.labels[0], left=True)
            self._draw_label(painter, panes[1], self.labels[1], left=True)
            return
        pane, split = panes[0], self.divider_x()
        self._draw(painter, before, pane, QRectF(0, 0, split, pane.height()))
        self._draw(painter, after, pane, QRectF(split, 0, pane.width() - split, pane.height()))
        self._draw_divider(painter, split, pane.height())
        self._draw_label(painter, pane, self.labels[0], left=True)
        self._draw_label(painter, pane, self.labels[1], left=False)

    def _draw(self, painter: QPainter, pyramid: Pyramid, pane: QRectF, clip: QRectF) -> None:
        painter.save()
        painter.setClipRect(clip)
        origin = pane.topLeft() + self._offset
        # only the visible part of the image is handed to Qt, which matters for 8x results
        visible = QRectF(clip.topLeft() - origin, clip.size()) if clip.isValid() else QRectF()
        source = QRectF(visible.left() / self._scale, visible.top() / self._scale,
                        visible.width() / self._scale, visible.height() / self._scale) \
            .intersected(QRectF(pyramid.image.rect()))
        if not source.isEmpty():
            target = QRectF(origin + source.topLeft() * self._scale, source.size() * self._scale)
            level = pyramid.level_for(self._scale)
            ratio_x = level.width() / pyramid.image.width()
            ratio_y = level.height() / pyramid.image.height()
            painter.drawImage(target, level, QRectF(source.left() * ratio_x, source.top() * ratio_y,
                                                    source.width() * ratio_x, source.height() * ratio_y))
        painter.restore()

    @staticmethod
    def _draw_divider(painter: QPainter, x: float, height: float) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(255, 255, 255, 230), 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.setPen(QPen(QColor(0, 0, 0, 120), 1))
        painter.drawEllipse(QPointF(x, height / 2), 9, 9)
        painter.setPen(QPen(QColor(60, 60, 60), 2))
        for direction in (-1, 1):  # two small arrowheads: "drag me sideways"
            tip = QPointF(x + direction * 6, height / 2)
            painter.drawLine(tip, tip + QPointF(-direction * 3, -3))
            painter.drawLine(tip, tip + QPointF(-direction * 3, 3))
        painter.restore()

    @staticmethod
    def _draw_label(painter: QPainter, pane: QRectF, text: str, left: bool) -> None:
        if not text:
            return
        painter.save()
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
        box.moveTop(pane.top() + 8)
        box.moveLeft(pane.left() + 8 if left else pane.right() - box.width() - 8)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


def zoom_actions(owner: QObject, canvas: CompareCanvas) -> tuple[QAction, QAction, QAction, QAction]:
    """Fit (Ctrl+0), 100% (Ctrl+1), zoom in and zoom out for ``canvas``; the owner gives them their texts."""
    fit, actual, zoom_in, zoom_out = QAction(owner), QAction(owner), QAction(owner), QAction(owner)
    fit.setShortcut(QKeySequence("Ctrl+0"))
    fit.triggered.connect(canvas.fit)
    actual.setShortcut(QKeySequence("Ctrl+1"))
    actual.triggered.connect(canvas.actual_size)
    zoom_in.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")])
    zoom_in.triggered.connect(lambda: canvas.zoom_by(WHEEL_STEP))
    zoom_out.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut))
    zoom_out.triggered.connect(lambda: canvas.zoom_by(1 / WHEEL_STEP))
    return fit, actual, zoom_in, zoom_out


class ZoomLabel(QLabel):
    """The canvas's zoom in percent, kept up to date; empty while the canvas has no images."""

    def __init__(self, canvas: CompareCanvas) -> None:
        super().__init__()
        self._canvas = canvas
        self.setMinimumWidth(60)
        canvas.view_changed.connect(self.show_zoom)

    def show_zoom(self) -> None:
        self.setText(f"{self._canvas.scale * 100:.0f}%" if self._canvas.has_images() else "")


def button_row(actions: list[QAction], zoom_label: QLabel) -> QHBoxLayout:
    """A text-only tool button per action, then the zoom label."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for action in actions:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        row.addWidget(button)
    row.addWidget(zoom_label)
    row.addStretch(1)
    return row


class CompareView(QWidget):
    """The canvas plus its buttons: Fit, 100%, zoom in/out and the side-by-side toggle.

    The actions carry the shortcuts; the main window's View menu shows the same QAction objects, so a
    shortcut is never registered twice (Qt would then treat it as ambiguous and fire neither).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = CompareCanvas()
        self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action = zoom_actions(self,
                                                                                                     self.canvas)
        self.side_action = QAction(self)
        self.side_action.setCheckable(True)
        self.side_action.setShortcut(QKeySequence("Ctrl+B"))
        self.side_action.toggled.connect(self.canvas.set_side_by_side)
        self.zoom_label = ZoomLabel(self.canvas)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(button_row(self.actions_in_order(), self.zoom_label))
        layout.addWidget(self.canvas, 1)
        self.retranslate()

    def actions_in_order(self) -> list[QAction]:
        return [self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action, self.side_action]

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        texts = {
            self.fit_action: (self.tr("Fit"), self.tr("Show the whole image")),
            self.actual_action: (self.tr("100%"), self.tr("One image pixel per screen pixel")),
            self.zoom_in_action: (self.tr("Zoom in"), self.tr("Enlarge the view (or turn the mouse wheel)")),
            self.zoom_out_action: (self.tr("Zoom out"), self.tr("Shrink the view (or turn the mouse wheel)")),
            self.side_action: (self.tr("Side by side"),
                               self.tr("Show before and after next to each other, zoomed and panned together")),
        }
        for action, (text, tip) in texts.items():
            action.setText(text)
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        self.canvas.labels = (self.tr("Before"), self.tr("After"))
        self.canvas.placeholder = self.tr("Drop a photo here, open one with Ctrl+O or paste one with Ctrl+V.")
        self.canvas.setToolTip(self.tr("Drag the white line to compare; drag elsewhere to pan; the wheel zooms"))
        self.canvas.update()
