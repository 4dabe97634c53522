"""Live training curves with pyqtgraph: one plot widget per figure, fed with core's RunCurves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from core.training.runlog import RunCurves


@dataclass(frozen=True)
class CurveStyle:
    key: str  # the metrics.jsonl key drawn
    color: str
    dashed: bool = False  # baselines (bicubic) are dashed
    symbol: str | None = None  # validation happens seldom: dots show its first single point too
    baseline: bool = False  # one value for the whole run: drawn as a level line across the run's steps


class CurvePlot(pg.PlotWidget):
    """Curves against the training step; a curve enters the legend once it has points."""

    def __init__(self, styles: Sequence[CurveStyle], log_y: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names = {style.key: style.key for style in styles}
        self._baselines = {style.key for style in styles if style.baseline}
        self._curves: dict[str, pg.PlotDataItem] = {}
        for style in styles:
            line = Qt.PenStyle.DashLine if style.dashed else Qt.PenStyle.SolidLine
            self._curves[style.key] = self.plot([], [], pen=pg.mkPen(style.color, width=2, style=line),
                                                symbol=style.symbol, symbolSize=6, symbolPen=None,
                                                symbolBrush=style.color)
        self._legend = self.addLegend(offset=(-10, 10))
        self.showGrid(x=True, y=True, alpha=0.25)
        self.set_log_y(log_y)
        self.setMinimumHeight(140)
        self.getAxis("left").enableAutoSIPrefix(False)  # "SSIM (x0.001)" over 900 reads worse than 0.9
        self._follow_palette()

    def set_curves(self, curves: RunCurves) -> None:
        for key, item in self._curves.items():
            series = curves.get(key)
            steps, values = list(series.steps), list(series.values)
            if key in self._baselines and values:
                # bicubic scores the same validation set each time: a level line from step 0 to the run's
                # latest step is visible from the first validation on, and auto-range keeps it in view
                steps, values = [0, max(curves.step, steps[-1])], [values[-1], values[-1]]
            item.setData(steps, values)
        self._fill_legend()

    def reset_view(self) -> None:
        """No curves, and the axes follow the data again (another run must not keep this run's range,
        nor a zoom the user made)."""
        for item in self._curves.values():
            item.setData([], [])
        self._fill_legend()
        self.getPlotItem().enableAutoRange()

    def set_log_y(self, on: bool) -> None:
        """A logarithmic value axis: losses can span decades (pixel ~1e-2, adversarial ~1), while a short
        pixel-stage run reads better on a linear one (a log axis then has a single tick label)."""
        self._log_y = on
        self.setLogMode(y=on)
        self.getPlotItem().enableAutoRange()

    def log_y(self) -> bool:
        return self._log_y

    def y_range(self) -> tuple[float, float]:
        """The value axis' visible range, in data units (for tests: what a user sees)."""
        low, high = self.getPlotItem().viewRange()[1]
        return (10 ** low, 10 ** high) if self.log_y() else (low, high)

    def point_count(self) -> int:
        """Points drawn over all curves (what a test can watch grow)."""
        return sum(len(item.xData) if item.xData is not None else 0 for item in self._curves.values())

    def set_texts(self, title: str, y_label: str, x_label: str, names: Mapping[str, str]) -> None:
        self.setTitle(title)
        self.setLabel("left", y_label)
        self.setLabel("bottom", x_label)
        self._names.update(names)
        self._fill_legend()

    def _fill_legend(self) -> None:
        self._legend.clear()
        for key, item in self._curves.items():
            if item.xData is not None and len(item.xData):
                self._legend.addItem(item, self._names.get(key, key))

    def _follow_palette(self) -> None:
        """The system's light or dark palette, instead of pyqtgraph's fixed black background."""
        palette = self.palette()
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for side in ("left", "bottom"):
            axis = self.getAxis(side)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        self.getPlotItem().titleLabel.setAttr("color", text.name())
        self._legend.setLabelTextColor(text)

    def changeEvent(self, event: QEvent) -> None:
        # pyqtgraph's constructor already changes the palette, before our attributes exist
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_legend"):
            self._follow_palette()
        super().changeEvent(event)


BLUE, ORANGE, GREEN, RED, PURPLE, GRAY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c8c8c"
BROWN = "#8c564b"


def loss_plot(log_y: bool = False) -> CurvePlot:
    # the total last and dashed: in the pixel stage it equals the pixel loss, and both stay visible
    return CurvePlot([CurveStyle("loss_pixel", GREEN), CurveStyle("loss_perceptual", PURPLE),
                      CurveStyle("loss_fm", BROWN), CurveStyle("loss_adv", ORANGE), CurveStyle("loss_d", RED),
                      CurveStyle("loss_g", BLUE, dashed=True)], log_y=log_y)


def psnr_plot() -> CurvePlot:
    return CurvePlot([CurveStyle("psnr_y", BLUE, symbol="o"),
                      CurveStyle("bicubic_psnr_y", GRAY, dashed=True, baseline=True)])


def ssim_plot() -> CurvePlot:
    return CurvePlot([CurveStyle("ssim_y", GREEN, symbol="o"),
                      CurveStyle("bicubic_ssim_y", GRAY, dashed=True, baseline=True)])


def detail_plot() -> CurvePlot:
    """The detail ratio (as in ``eval``): 1 = the originals' fine detail, bicubic far below, a GAN rising."""
    return CurvePlot([CurveStyle("detail_ratio", PURPLE, symbol="o"),
                      CurveStyle("bicubic_detail_ratio", GRAY, dashed=True, baseline=True)])
