"""How responsive the window stays while a photo is restored (the goal: UI event-loop latency < 100 ms).

A precise 10 ms QTimer ticks in the UI thread; every tick records how late it fired. The figures are
taken over three phases: a restore in the worker thread (model loading included on the first run),
showing its result (a UI-thread step: QImage conversion, face thumbnails), and dragging the blend
slider (re-compositing without the model, on the UI thread, at most once per 15 ms).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui_latency.py [--model FILE] [--scale 4] [--runs 3]

Without --model the installed default model is used, else a randomly initialised RCAN of the size of
the shipped generators (latency does not depend on the weights). The photo is scikit-image's
astronaut tiled 2x2 (four faces, 1024 px), restored 4x by default into a 4096 px result.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

TICK_MS = 10


class LatencyProbe:
    """A precise 10 ms timer; ``lateness`` lists how many ms each tick came after it was due."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.lateness: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self.lateness = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.lateness

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self._last = now


def spin_until(condition, timeout_s: float = 1800.0) -> None:  # noqa: ANN001
    """Run the event loop until ``condition()``, checking it every 5 ms (gui.screenshots.wait_for)."""
    from gui.screenshots import wait_for

    if not wait_for(condition, timeout_s, "the restore", poll_ms=5):
        raise TimeoutError("the restore did not finish in time")


def figures(name: str, lateness: list[float]) -> str:
    if not lateness:
        return f"{name:<22} no ticks"
    ordered = sorted(lateness)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"{name:<22} ticks {len(ordered):5d}   max {ordered[-1]:7.1f} ms   p99 {p99:7.1f} ms   "
            f"median {statistics.median(ordered):5.1f} ms   late >100 ms: {sum(v > 100 for v in ordered)}")


def benchmark_model(folder: Path) -> Path:
    from core.models.registry import build_generator, count_parameters
    from core.models.store import ModelMetadata, save_generator

    args = dict(scale=1, num_groups=4, num_blocks=4, channels=64, reduction=16, unshuffle=4, image_residual=True)
    model = build_generator("rcan", args)
    path = folder / "benchmark-rcan.safetensors"
    save_generator(path, model, ModelMetadata(arch="rcan", arch_args=args, scale=1, input_size=256,
                                              name="benchmark-rcan"))
    print(f"model: random-weight RCAN, {count_parameters(model) / 1e6:.2f} M parameters, 256 px faces")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="face model file or name (default: the installed default model)")
    parser.add_argument("--scale", type=int, default=4, choices=[1, 2, 4, 8])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)

    from core.errors import FaceSRError
    from core.io import write_image
    from core.models.loading import resolve_model

    work = Path(tempfile.mkdtemp(prefix="facesr-ui-latency-"))
    try:
        model = resolve_model(args.model)
        print(f"model: {model}")
    except FaceSRError:
        if args.model:
            raise
        model = benchmark_model(work)

    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    os.environ["FACESR_MODELS_DIR"] = str(work / "models")  # the window lists only this model
    (work / "models").mkdir()
    installed = work / "models" / model.name
    installed.write_bytes(model.read_bytes())

    from skimage import data

    from gui.app import create_application

    app = create_application(["ui-latency"])
    from gui.main_window import MainWindow

    photo = data.astronaut()
    four = np.ascontiguousarray(np.concatenate([np.concatenate([photo, photo], 1)] * 2, 0))
    source = write_image(work / "four-faces.png", four)
    window = MainWindow()
    window.resize(1280, 820)
    window.show()
    tab = window.restore_tab
    spin_until(lambda: tab._models_known and not tab.is_busy())
    options = tab.options
    options.scale_combo.setCurrentIndex(options.scale_combo.findData(args.scale))
    options.device_combo.setCurrentIndex(max(0, options.device_combo.findData(args.device)))
    probe = LatencyProbe()
    print(f"photo: {four.shape[1]}x{four.shape[0]} px, 4 faces, restored x{args.scale}; "
          f"timer every {TICK_MS} ms; torch threads {__import__('torch').get_num_threads()}")
    for run in range(1, args.runs + 1):
        tab.restoration = None
        probe.start()
        start = time.perf_counter()
        if run == 1:
            tab.open_files([source])
        else:
            tab.restore_current()
        spin_until(lambda: not tab.is_busy() and tab.restoration is not None)
        finished = time.perf_counter()
        during = probe.stop()
        # the blend slider dragged from 100% to 0% in 2% steps, a step per tick
        probe.start()
        for value in range(100, -1, -2):
            options.blend_slider.setValue(value)
            until = time.perf_counter() + TICK_MS / 1000
            spin_until(lambda until=until: time.perf_counter() >= until)
        spin_until(lambda: not tab.is_composing())
        dragging = probe.stop()
        options.blend_slider.setValue(100)
        spin_until(lambda: not tab.is_composing())
        restoration, composite = tab.restoration, tab.composite
        assert restoration is not None and composite is not None  # the wait above; the checker sees the reset
        stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in restoration.result.timings.items())
        print(f"run {run}: restore {finished - start:.2f} s ({stages}); {restoration.result.restored_count} "
              f"faces restored; output {composite.shape[1]}x{composite.shape[0]}")
        print("  " + figures("during the restore", during))
        print("  " + figures("dragging blend", dragging))
    window.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
