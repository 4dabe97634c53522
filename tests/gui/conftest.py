"""GUI test fixtures: offscreen Qt, settings in a temporary folder, and no thread or process left running."""

from __future__ import annotations

import os
import weakref
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QProcess, QSettings, QThread


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path) -> None:
    """QSettings go to an INI file under the test's temporary folder, never the user's."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture(autouse=True)
def no_shipped_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GUI tests see only the tiny models they make, not the shipped weights/ (which would slow them down
    and change what lists contain)."""
    monkeypatch.setattr("core.models.loading.shipped_weights_dir", lambda: tmp_path / "no-shipped-weights")


@pytest.fixture(autouse=True)
def no_running_threads_or_processes(monkeypatch: pytest.MonkeyPatch, qapp):
    """Fail a test that leaves a QThread or QProcess running (every start from Python is recorded)."""
    threads: list[weakref.ref] = []
    processes: list[weakref.ref] = []
    thread_start, process_start = QThread.start, QProcess.start

    def record_thread(self, *args, **kwargs):
        threads.append(weakref.ref(self))
        return thread_start(self, *args, **kwargs)

    def record_process(self, *args, **kwargs):
        processes.append(weakref.ref(self))
        return process_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", record_thread)
    monkeypatch.setattr(QProcess, "start", record_process)
    yield
    running = [t for t in (ref() for ref in threads) if t is not None and _alive(t.isRunning)]
    busy = [p for p in (ref() for ref in processes)
            if p is not None and _alive(lambda p=p: p.state() != QProcess.ProcessState.NotRunning)]
    for process in busy:  # do not leak them into the next test either
        process.kill()
        process.waitForFinished(5000)
    assert not running, f"{len(running)} QThread(s) still running after the test"
    assert not busy, f"{len(busy)} QProcess(es) still running after the test"


def _alive(check) -> bool:
    try:
        return bool(check())
    except RuntimeError:  # the C++ object is already deleted: certainly not running
        return False
