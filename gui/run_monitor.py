"""Following a training run folder while it is written: its metrics and their curves (the Train tab's monitor).

A timer looks at metrics.jsonl; only the lines added since the last look are read and parsed, and only those
records are added to the summary (core's MetricsTail and CurvesBuilder), so a long run costs no more per look
than a short one. A file rewritten by a resume is read again from its start. The curves are drawn in four
plots, which the tab places in its layout.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from core.training import checkpoint as ckpt
from core.training.runlog import CurvesBuilder, MetricsTail, RunCurves
from gui.plots import CurvePlot, detail_plot, loss_plot, psnr_plot, ssim_plot

POLL_MS = 500


class RunMonitor(QObject):
    """Follows one run folder at a time and keeps its curves and plots up to date."""

    changed = Signal(bool)  # the curves were updated; True when new records arrived (not only a forced look)

    def __init__(self, log_scale: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.poll_ms = POLL_MS
        self.run_dir: Path | None = None
        self.curves = RunCurves()
        self.records_read = 0  # records parsed since following began (what a test can count)
        self._tail: MetricsTail | None = None
        self._builder = CurvesBuilder()
        self.loss_plot, self.psnr_plot, self.ssim_plot = loss_plot(log_scale), psnr_plot(), ssim_plot()
        self.detail_plot = detail_plot()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)
        self.retranslate()

    def plots(self) -> tuple[CurvePlot, CurvePlot, CurvePlot, CurvePlot]:
        return self.loss_plot, self.psnr_plot, self.ssim_plot, self.detail_plot

    def follow(self, run_dir: Path) -> None:
        """Show ``run_dir``'s curves from the start of its metrics, then keep looking for new lines."""
        run_dir = Path(run_dir)
        if run_dir != self.run_dir:
            for plot in self.plots():
                plot.reset_view()  # another run must not keep this run's range, nor a zoom the user made
        self.run_dir = run_dir
        self._tail = MetricsTail(run_dir / ckpt.METRICS_FILE)
        self._builder = CurvesBuilder()
        self.records_read = 0
        self.poll(force=True)
        self._timer.start(self.poll_ms)

    def stop(self) -> None:
        self._timer.stop()

    def poll(self, force: bool = False) -> bool:
        """Read what the run added; True (and ``changed``) when the curves were updated."""
        if self._tail is None:
            return False
        records, reset = self._tail.read_new()
        if reset:  # rewritten by a resume: the records are the whole file again
            self._builder = CurvesBuilder()
        if not (records or reset or force):
            return False
        self._builder.add(records)
        self.records_read += len(records)
        self.curves = self._builder.curves()
        for plot in self.plots():
            plot.set_curves(self.curves)
        self.changed.emit(bool(records))
        return True

    def retranslate(self) -> None:
        step = self.tr("step")
        self.loss_plot.set_texts(self.tr("Losses"), self.tr("loss"), step, {
            "loss_g": self.tr("generator (total)"), "loss_pixel": self.tr("pixel"),
            "loss_perceptual": self.tr("perceptual"), "loss_fm": self.tr("feature matching"),
            "loss_adv": self.tr("adversarial"),
            "loss_d": self.tr("discriminator")})
        self.psnr_plot.set_texts(self.tr("Validation PSNR-Y"), self.tr("dB"), step,
                                 {"psnr_y": self.tr("model"), "bicubic_psnr_y": self.tr("bicubic")})
        self.ssim_plot.set_texts(self.tr("Validation SSIM-Y"), self.tr("SSIM"), step,
                                 {"ssim_y": self.tr("model"), "bicubic_ssim_y": self.tr("bicubic")})
        self.detail_plot.set_texts(self.tr("Validation detail ratio"), self.tr("ratio (1 = the originals)"), step,
                                   {"detail_ratio": self.tr("model"), "bicubic_detail_ratio": self.tr("bicubic")})
