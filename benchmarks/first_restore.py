"""How long the first restore after start-up takes, against a repeat (the goal: the first is as fast).

The window starts offscreen with the installed default model, stays idle for ``--idle`` seconds (a
user finding the Open button), then opens each photo in turn and times open -> result shown; then
every photo again, as repeats. Settings go to a temporary folder; nothing is written.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/first_restore.py \
        ../shared/data/real-lq/whole/*.jpg [--idle 10] [--scale 2]

Each figure includes decoding, detection, the model, the background upscale, pasting and showing
the result: the wall-clock time, and the CPU time the whole process spent meanwhile (every thread),
which other work on a busy machine disturbs far less. Run with OMP_NUM_THREADS=1 on a shared
machine: PyTorch's threads otherwise spin while they wait for a core, which inflates both figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed_open(window, photo: Path) -> tuple[float, float, str]:  # noqa: ANN001 - MainWindow
    """Seconds from Open to the result on screen (wall clock, and CPU time of the whole process), and
    the pipeline's stage times."""
    from gui.screenshots import wait_for

    tab = window.restore_tab
    start, start_cpu = time.perf_counter(), time.process_time()
    tab.open_files([photo])

    def shown() -> bool:
        restoration = tab.restoration
        return restoration is not None and restoration.name == photo.name and not tab.runner.busy

    if not wait_for(shown, 600, f"the restore of {photo.name}", poll_ms=5):
        raise TimeoutError(f"{photo}: no result within 600 s")
    result = tab.restoration.result
    stages = " ".join(f"{stage} {seconds:.2f}" for stage, seconds in result.timings.items())
    return time.perf_counter() - start, time.process_time() - start_cpu, f"{len(result.faces)} faces; {stages}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("photos", nargs="+", type=Path)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds the window is idle before the first open")
    parser.add_argument("--scale", type=int, default=2)
    args = parser.parse_args(argv)
    from PySide6.QtCore import QSettings

    with tempfile.TemporaryDirectory(prefix="facesr-first-restore-") as work:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, work)
        from gui.app import create_application
        from gui.main_window import MainWindow
        from gui.screenshots import settle

        started = time.perf_counter()
        app = create_application(["facesr-first-restore"])
        window = MainWindow()
        window.show()
        tab = window.restore_tab
        options = tab.options
        options.scale_combo.setCurrentIndex(options.scale_combo.findData(args.scale))
        print(f"window shown after {time.perf_counter() - started:.2f} s; idle for {args.idle:.0f} s")
        settle(args.idle)
        rows = [(f"first  {photo.name}", timed_open(window, photo)) for photo in args.photos]
        rows += [(f"repeat {photo.name}", timed_open(window, photo)) for photo in args.photos]
        print(f"{'':<28} {'wall':>7} {'CPU':>7}")
        for name, (seconds, cpu, details) in rows:
            print(f"{name:<28} {seconds:5.2f} s {cpu:5.2f} s   ({details})")
        window.close()
        del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
