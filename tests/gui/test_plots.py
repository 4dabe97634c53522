"""Training plots: the bicubic baseline is a visible level line inside the axis range, the loss axis can
be logarithmic, and a reset forgets the previous run's range."""

from __future__ import annotations

from core.training.runlog import summarise
from gui.plots import loss_plot, psnr_plot


def one_validation(step: int, psnr: float, bicubic: float) -> list[dict]:
    return [{"type": "event", "event": "start", "step": 0, "steps": step},
            {"type": "val", "step": step, "psnr_y": psnr, "ssim_y": 0.7, "bicubic_psnr_y": bicubic,
             "bicubic_ssim_y": 0.8}]


def test_the_bicubic_line_spans_the_run_and_lies_inside_the_axis_range(qtbot) -> None:
    plot = psnr_plot()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    plot.set_curves(summarise(one_validation(100, psnr=26.14, bicubic=26.73)))  # one validation, below bicubic
    baseline = plot._curves["bicubic_psnr_y"]
    assert list(baseline.xData) == [0, 100] and list(baseline.yData) == [26.73, 26.73]  # a line, not a lone point
    qtbot.waitUntil(lambda: plot.y_range()[0] < 26.14 and plot.y_range()[1] > 26.73)
    low, high = plot.getPlotItem().viewRange()[0]
    assert low <= 0 and high >= 100  # the whole line is in view, not a sliver around step 100


def test_a_reset_forgets_the_range_of_the_previous_run_and_the_users_zoom(qtbot) -> None:
    plot = psnr_plot()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    plot.set_curves(summarise(one_validation(100, psnr=30.0, bicubic=28.0)))
    plot.getPlotItem().setYRange(29.0, 29.5)  # the user zoomed in: auto-range is off
    plot.reset_view()
    assert plot.point_count() == 0
    plot.set_curves(summarise(one_validation(50, psnr=20.0, bicubic=21.0)))
    qtbot.waitUntil(lambda: plot.y_range()[0] < 20.0 < 21.0 < plot.y_range()[1])


def test_the_loss_axis_switches_between_linear_and_logarithmic(qtbot) -> None:
    plot = loss_plot()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    records = [{"type": "train", "step": step, "loss_g": 0.05 - step * 1e-4, "loss_pixel": 0.05 - step * 1e-4}
               for step in range(10, 110, 10)]
    plot.set_curves(summarise(records))
    assert not plot.log_y()
    qtbot.waitUntil(lambda: 0.03 < plot.y_range()[1] < 0.06)
    linear_low = plot.getPlotItem().viewRange()[1][0]
    plot.set_log_y(True)
    assert plot.log_y()
    qtbot.waitUntil(lambda: plot.getPlotItem().viewRange()[1][0] < 0)  # log10 of ~0.04: the view is in decades
    low, high = plot.y_range()
    assert low < 0.04 and 0.049 < high < 0.1 and linear_low > 0


def test_a_gan_run_shows_its_feature_matching_loss_and_detail_ratio(qtbot) -> None:
    from gui.run_monitor import RunMonitor

    monitor = RunMonitor()
    records = [{"type": "train", "step": step, "loss_g": 0.2, "loss_pixel": 0.03, "loss_fm": 0.17, "loss_adv": 0.6,
                "loss_d": 0.9} for step in (10, 20)]
    records.append({"type": "val", "step": 20, "psnr_y": 30.0, "ssim_y": 0.9, "detail_ratio": 0.8,
                    "bicubic_psnr_y": 29.0, "bicubic_ssim_y": 0.85, "bicubic_detail_ratio": 0.4})
    for plot in monitor.plots():
        plot.set_curves(summarise(records))
    fm = monitor.loss_plot._curves["loss_fm"]
    assert list(fm.yData) == [0.17, 0.17]
    assert "feature matching" in [label.text for _, label in monitor.loss_plot._legend.items]
    assert list(monitor.detail_plot._curves["detail_ratio"].yData) == [0.8]
    assert list(monitor.detail_plot._curves["bicubic_detail_ratio"].yData) == [0.4, 0.4]  # bicubic's level line
