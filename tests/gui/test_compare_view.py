"""The before/after view: the divider decides what is drawn where; zoom keeps the point under the cursor."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt

from gui.compare_view import CompareView
from gui.qimage import rgb_from_qimage, to_qimage

RED, BLUE = (220, 30, 30), (30, 30, 220)


@pytest.fixture
def view(qtbot) -> CompareView:
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.show()
    qtbot.waitExposed(widget)
    before = np.full((300, 400, 3), RED, dtype=np.uint8)
    after = np.full((300, 400, 3), BLUE, dtype=np.uint8)
    widget.canvas.set_images(to_qimage(before), to_qimage(after))
    return widget


def _pixel(view: CompareView, x: int, y: int) -> tuple[int, ...]:
    grabbed = rgb_from_qimage(view.canvas.grab().toImage())
    ratio = grabbed.shape[1] / view.canvas.width()  # device pixel ratio of the grab
    return tuple(int(v) for v in grabbed[int(y * ratio), int(x * ratio)])


def test_dragging_the_divider_changes_what_is_drawn(qtbot, view: CompareView) -> None:
    canvas = view.canvas
    y = canvas.height() // 2 + 40  # below the divider's round handle
    left, right = int(canvas.width() * 0.3), int(canvas.width() * 0.7)
    assert _pixel(view, left, y) == RED and _pixel(view, right, y) == BLUE
    start = QPoint(int(canvas.divider_x()), y)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, QPoint(int(canvas.width() * 0.8), y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(canvas.width() * 0.8), y))
    assert canvas.divider == pytest.approx(0.8, abs=0.01)
    assert _pixel(view, right, y) == RED  # the point right of the old divider now shows "before"
    canvas.set_divider(0.1)
    assert _pixel(view, left, y) == BLUE


def test_dragging_elsewhere_pans_and_the_wheel_zooms_around_the_cursor(qtbot, view: CompareView) -> None:
    canvas = view.canvas
    fit_scale = canvas.scale
    anchor = QPointF(200, 150)
    image_point = canvas.widget_to_image(anchor)
    canvas.zoom_by(2.0, anchor)
    assert canvas.scale == pytest.approx(fit_scale * 2)
    moved = canvas.widget_to_image(anchor)
    assert (moved.x(), moved.y()) == pytest.approx((image_point.x(), image_point.y()))
    offset = canvas.offset
    start = QPoint(100, 100)  # far from the divider
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, QPoint(130, 90))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(130, 90))
    assert (canvas.offset - offset).toTuple() == pytest.approx((30, -10))
    view.fit_action.trigger()
    assert canvas.scale == pytest.approx(fit_scale)
    view.actual_action.trigger()
    assert canvas.scale == pytest.approx(1.0)


def test_side_by_side_panes_share_zoom_and_pan(qtbot, view: CompareView) -> None:
    canvas = view.canvas
    view.side_action.setChecked(True)
    left_pane, right_pane = canvas.pane_rects()
    canvas.zoom_by(3.0, left_pane.center())
    canvas.pan_by(QPointF(-20, 5))
    # the same image point sits at the same place within each pane
    point = QPointF(123, 77)
    in_left = canvas.image_to_widget(point, 0) - left_pane.topLeft()
    in_right = canvas.image_to_widget(point, 1) - right_pane.topLeft()
    assert in_left.toTuple() == pytest.approx(in_right.toTuple())
    y = int(left_pane.center().y())
    assert _pixel(view, int(left_pane.center().x()), y) == RED
    assert _pixel(view, int(right_pane.center().x()), y) == BLUE


def test_replacing_the_after_image_keeps_the_view(qtbot, view: CompareView) -> None:
    canvas = view.canvas
    canvas.zoom_by(2.0)
    scale = canvas.scale
    canvas.set_after(to_qimage(np.zeros((300, 400, 3), dtype=np.uint8)))
    assert canvas.scale == scale
    with pytest.raises(ValueError):
        canvas.set_after(to_qimage(np.zeros((10, 10, 3), dtype=np.uint8)))


def test_show_rect_centres_a_region_and_fills_most_of_the_pane(view: CompareView) -> None:
    canvas = view.canvas
    canvas.show_rect(QRectF(300, 200, 50, 40), fill=0.8)
    centre = canvas.image_to_widget(QPointF(325, 220))
    assert centre.toTuple() == pytest.approx(canvas.pane_rects()[0].center().toTuple())
    assert canvas.scale == pytest.approx(0.8 * min(canvas.width() / 50, canvas.height() / 40))


def test_zoomed_out_painting_reads_a_halving_and_draws_the_same_picture(qtbot) -> None:
    from gui.compare_view import MIN_LEVEL_SIDE, Pyramid
    from gui.qimage import to_qimage_levels

    side = 4 * MIN_LEVEL_SIDE
    rgb = np.zeros((side, side, 3), dtype=np.uint8)
    rgb[:, : side // 2] = RED  # left half red, right half blue: survives any halving
    rgb[:, side // 2:] = BLUE
    pyramid = Pyramid(to_qimage_levels(rgb, MIN_LEVEL_SIDE))
    assert [level.width() for level in pyramid.levels] == [side, side // 2, side // 4]
    assert pyramid.level_for(0.3).width() == side // 2 and pyramid.level_for(1.0) is pyramid.image
    widget = CompareView()
    qtbot.addWidget(widget)
    widget.resize(400, 400)
    widget.show()
    widget.canvas.set_images(pyramid, pyramid)
    canvas = widget.canvas
    left = canvas.image_to_widget(QPointF(side * 0.25, side * 0.5))
    right = canvas.image_to_widget(QPointF(side * 0.75, side * 0.5))
    assert _pixel(widget, int(left.x()), int(left.y())) == RED
    assert _pixel(widget, int(right.x()), int(right.y())) == BLUE


def test_a_photo_alone_fills_the_view_as_before_until_its_result_comes(qtbot, view: CompareView) -> None:
    canvas = view.canvas
    photo = np.full((150, 200, 3), (30, 200, 30), dtype=np.uint8)  # half the result's size: not yet upscaled
    canvas.set_photo(to_qimage(photo))
    y = canvas.height() // 2
    assert canvas.photo_only and canvas.before_image().width() == 200
    assert _pixel(view, int(canvas.width() * 0.3), y) == (30, 200, 30)
    assert _pixel(view, int(canvas.width() * 0.7), y) == (30, 200, 30)  # no "after" side, no divider
    start = QPoint(int(canvas.divider_x()), y + 40)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, QPoint(int(canvas.width() * 0.8), y + 40))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(canvas.width() * 0.8), y + 40))
    assert canvas.divider == pytest.approx(0.5)  # the drag panned instead
    before, after = np.full((300, 400, 3), RED, np.uint8), np.full((300, 400, 3), BLUE, np.uint8)
    canvas.set_images(to_qimage(before), to_qimage(after))
    assert not canvas.photo_only
    assert _pixel(view, int(canvas.width() * 0.3), y + 40) == RED
    assert _pixel(view, int(canvas.width() * 0.7), y + 40) == BLUE
