"""FaceSR Studio. No arguments: the desktop application. With a sub-command: the command line.

Two checks for installers and packaged builds (`make bundle-test` runs both on the built executable):
    main.py --self-test [--model NAME] [--device auto|cpu|cuda]   restore a generated photo, exit 0/1
    main.py --gui-smoke-test                                       open the main window, then quit
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--self-test":
        return self_test(argv[1:])
    if argv and argv[0] == "--gui-smoke-test":
        return gui_smoke_test()
    if argv:
        from core.cli import main as cli_main

        return cli_main(argv)
    return start_gui()


def self_test(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py --self-test",
                                     description="Restore a generated photo with the default model and check "
                                                 "the result; exit 0 when every check passes, else 1.")
    parser.add_argument("--model", help="model name or file (default: the default model)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    from core.selftest import format_report, run_self_test

    report = run_self_test(args.model, args.device)
    print(format_report(report))
    return 0 if report.ok else 1


def gui_smoke_test() -> int:
    """Start the GUI as a user would and leave as soon as the event loop runs: exit 0 when the main
    window was shown. Works without a display with QT_QPA_PLATFORM=offscreen."""
    start = time.perf_counter()
    try:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMainWindow

        from gui.app import create_application
    except ImportError as error:
        print(f"GUI smoke test: FAILED, the desktop application cannot start ({error})", file=sys.stderr)
        return 1
    app = create_application()  # run_app reuses this instance, so the timer below is armed in its loop

    def leave() -> None:
        shown = [widget for widget in app.topLevelWidgets() if isinstance(widget, QMainWindow) and widget.isVisible()]
        if not shown:
            print("GUI smoke test: no main window was shown")
            app.exit(1)
            return
        print(f"GUI smoke test: main window {shown[0].windowTitle()!r} shown; closing it as a user would")
        for window in shown:  # closing (not just leaving the loop) lets the window stop its worker threads
            window.close()
        app.exit(0)

    QTimer.singleShot(0, leave)
    code = start_gui()
    verdict = "passed" if code == 0 else f"FAILED (exit code {code})"
    print(f"GUI smoke test {verdict} in {time.perf_counter() - start:.1f} s")
    return 0 if code == 0 else 1


def start_gui() -> int:
    try:
        from gui.app import run_app
    except ImportError as error:
        print(f"The desktop application cannot start ({error}); use the command line: main.py --help",
              file=sys.stderr)
        return 2
    return run_app()


def _give_windowed_builds_streams() -> None:
    """A windowed Windows executable has no console: sys.stdout/stderr are None and print() would fail.

    Its command-line companion (FaceSR-Studio-cli.exe) is the one to use for CLI output; here the
    output is dropped so a command still runs and its exit code still tells the result.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process


if __name__ == "__main__":
    multiprocessing.freeze_support()  # data-loader workers of a frozen build re-enter here on Windows
    _give_windowed_builds_streams()
    sys.exit(main())
