"""Closing the window while a run trains: it asks, says that a checkpoint is being saved, then closes;
Cancel keeps the window and the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from core.training import checkpoint as ckpt
from core.training.runlog import read_metrics
from gui.main_window import MainWindow
from gui.tab_support import title_width
from tests.core.test_training_data import synth_faces
from tests.gui.test_train_tab import TINY, WAIT_MS, _set_tiny_run


def _button(box: QMessageBox, text: str):  # a QAbstractButton
    return next(button for button in box.buttons() if button.text() == text)


@pytest.mark.slow
def test_closing_during_training_asks_then_saves_a_checkpoint_and_closes(qtbot, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    tab = window.train_tab
    tab.poll_ms = 100
    run_dir = tmp_path / "run"
    _set_tiny_run(tab, synth_faces(tmp_path / "faces"), run_dir, steps=1_000_000)
    tab.extra_edit.setText(TINY.replace("--val-every 2", "--val-every 100000"))
    tab.start_training()
    qtbot.waitUntil(lambda: tab.loss_plot.point_count() > 0, timeout=WAIT_MS)

    assert not window.close()  # asked first: nothing stops yet
    box = window.close_question
    assert box is not None and box.isVisible() and window.isVisible() and tab.is_busy()
    assert "training run is in progress" in box.text() and box.width() >= title_width(box)
    _button(box, "Cancel").click()
    qtbot.wait(300)
    assert window.isVisible() and tab.is_busy() and window.stopping_dialog is None

    window.close()
    _button(window.close_question, "Stop and close").click()
    dialog = window.stopping_dialog
    assert dialog is not None and dialog.isVisible() and "Stopping: saving a checkpoint" in dialog.labelText()
    assert "Stopping: saving a checkpoint" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert not tab.is_busy()
    events = [record["event"] for record in read_metrics(run_dir / ckpt.METRICS_FILE) if record["type"] == "event"]
    assert events == ["start", "stop"] and (run_dir / ckpt.STATE_FILE).is_file()
