"""The Train tab: a tiny real run in a child process (curves, samples, Use this model), Stop with a
checkpoint and Resume, a failing run, past runs, and metrics files with a cut last line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPlainTextEdit

from core.models.loading import load_model
from core.paths import user_models_dir
from core.training import checkpoint as ckpt
from core.training.runlog import read_metrics
from gui.train_tab import TrainTab
from tests.core.test_training_data import synth_faces
from tests.gui.translation import in_chinese

WAIT_MS = 180_000  # generous: the machine may be busy; nothing here measures speed
# A 0.01M-parameter RCAN on 32 px faces (x2): each run takes seconds, most of it Python start-up.
TINY = ("--workers 0 --val-count 4 --log-every 1 --val-every 2 --face-size 32 "
        "--arch-arg num_groups=1 --arch-arg num_blocks=1 --arch-arg channels=8")


@pytest.fixture
def faces(tmp_path: Path) -> Path:
    return synth_faces(tmp_path / "faces")


@pytest.fixture
def tab(qtbot, monkeypatch: pytest.MonkeyPatch) -> TrainTab:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the child run: one core, the machine is shared
    widget = TrainTab()
    widget.poll_ms = 100
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown(timeout_ms=60_000)


def _set_tiny_run(tab: TrainTab, faces: Path, run_dir: Path, steps: int) -> None:
    tab.data_field.set_path(faces)
    tab.preset_combo.setCurrentIndex(tab.preset_combo.findData("cpu-quick"))
    tab.stage_combo.setCurrentIndex(tab.stage_combo.findData("pixel"))
    tab.steps_spin.setValue(steps)
    tab.batch_spin.setValue(8)
    tab.scale_combo.setCurrentIndex(tab.scale_combo.findData(2))
    tab.extra_edit.setText(TINY)
    tab.run_field.set_path(run_dir)


def _visible_boxes(widget) -> list[QMessageBox]:
    return [box for box in widget.findChildren(QMessageBox) if box.isVisible()]


@pytest.mark.slow
def test_a_tiny_run_fills_the_plots_and_its_model_can_be_used(qtbot, tab: TrainTab, faces: Path,
                                                              tmp_path: Path, monkeypatch) -> None:
    run_dir = tmp_path / "run"
    _set_tiny_run(tab, faces, run_dir, steps=6)
    tab.start_training()
    assert tab.is_busy() and not tab.start_button.isEnabled() and tab.stop_button.isEnabled()
    qtbot.waitUntil(lambda: tab.loss_plot.point_count() > 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert tab.loss_plot.point_count() >= 6  # loss_g and loss_pixel at every step
    # the model at 2, 4, 6 and bicubic as a level line from step 0 to 6
    assert tab.psnr_plot.point_count() == 5 and tab.ssim_plot.point_count() == 5
    assert tab.detail_plot.point_count() == 5  # the detail ratio too, beside bicubic's
    assert tab.curves.state == "finished" and tab.curves.step == 6
    assert tab.sample_view.has_image() and tab.sample_view.path == run_dir / "samples" / "step_0000006.png"
    assert "6" in tab.status_label.text() and tab.use_button.isEnabled() and not tab.resume_button.isEnabled()
    assert "images/s" in tab.rate_label.text() and tab.rate_label.text()[0].isdigit()
    listed = [tab.runs_list.item(row).text() for row in range(tab.runs_list.count())]
    assert listed == ["run"]  # outside the runs folder, yet remembered

    tab.use_button.click()  # asks first: the scores against bicubic, the input size, a name
    dialog = tab.use_dialog
    assert dialog is not None and dialog.isVisible() and dialog.name_edit.text() == "run"
    assert "bicubic" in dialog.psnr_value.text() and dialog.input_value.text().startswith("16\u00d716 px")
    dialog.name_edit.setText("mine")
    with qtbot.waitSignal(tab.model_added, timeout=5000) as added:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert Path(added.args[0]) == user_models_dir() / "mine.safetensors" and Path(added.args[0]).is_file()
    assert added.args[1] == (not dialog.facts.below_bicubic)  # switching is proposed for a useful model only
    assert load_model("mine").info.name == "mine"  # the lists show the name typed, not the run's folder name
    tab.use_button.click()  # the same name again: refused in the dialog, before anything is copied
    again = tab.use_dialog
    again.name_edit.setText("mine")
    assert not again.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert "already exists" in again.name_problem.text() and again.name_problem.isVisibleTo(again)
    again.reject()

    reopened = TrainTab()  # the app opened again: the last run is shown with its curves
    qtbot.addWidget(reopened)
    assert reopened.runs_list.count() == 1 and reopened.loss_plot.point_count() == tab.loss_plot.point_count()
    assert reopened.psnr_plot.point_count() == 5 and not reopened.is_busy()
    reopened.shutdown()


@pytest.mark.slow
def test_stop_makes_the_run_exit_with_a_checkpoint_and_resume_continues_it(qtbot, tab: TrainTab, faces: Path,
                                                                           tmp_path: Path) -> None:
    run_dir = tmp_path / "long"
    _set_tiny_run(tab, faces, run_dir, steps=1_000_000)
    tab.extra_edit.setText(TINY.replace("--val-every 2", "--val-every 100000"))
    tab.start_training()
    qtbot.waitUntil(lambda: tab.loss_plot.point_count() > 0, timeout=WAIT_MS)
    tab.stop_button.click()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    stopped_at = tab.curves.step
    assert tab.curves.state == "stopped" and stopped_at > 0
    assert ckpt.load_state(run_dir / ckpt.STATE_FILE)["step"] == stopped_at
    assert not (run_dir / ckpt.STOP_FILE).exists() and "Resume" in tab.status_label.text()
    assert tab.resume_button.isEnabled()

    tab.resume_button.click()
    assert tab.is_busy()
    qtbot.waitUntil(lambda: tab.curves.state == "running" and tab.curves.step > stopped_at, timeout=WAIT_MS)
    tab.shutdown(timeout_ms=60_000)  # closing the window: the run checkpoints and exits
    assert not tab.is_busy()
    events = [record["event"] for record in read_metrics(run_dir / ckpt.METRICS_FILE) if record["type"] == "event"]
    assert events == ["start", "stop", "resume", "stop"]
    assert ckpt.load_state(run_dir / ckpt.STATE_FILE)["step"] > stopped_at


def test_a_failing_run_shows_its_error_and_the_tab_stays_usable(qtbot, tab: TrainTab, faces: Path,
                                                                  tmp_path: Path) -> None:
    _set_tiny_run(tab, faces, tmp_path / "failed", steps=4)
    tab.extra_edit.setText("--log-every often")  # refused by the child's own argument parser: exit 2, quickly
    tab.resize(1200, 800)
    tab.show()
    tab.start_training()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert "exit code 2" in tab.status_label.text() and "invalid int value: 'often'" in tab.status_label.text()
    assert "usage:" in tab.log_view.toPlainText()
    # the output wraps its long lines and takes a good share of the height to show the error
    assert tab.log_view.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth
    assert tab.log_view.horizontalScrollBar().maximum() == 0
    assert tab.log_view.height() >= 0.35 * tab.charts.height()
    assert tab.start_button.isEnabled() and not tab.resume_button.isEnabled()


def test_refusals_before_starting_name_the_folder(qtbot, tab: TrainTab, faces: Path, tmp_path: Path) -> None:
    tab.data_field.set_path(tmp_path / "absent")
    tab.start_training()
    boxes = _visible_boxes(tab)
    assert not tab.is_busy() and len(boxes) == 1 and "absent" in boxes[0].text()
    boxes[0].close()
    held = tmp_path / "held"
    held.mkdir()
    (held / ckpt.STATE_FILE).write_bytes(b"")
    _set_tiny_run(tab, faces, held, steps=4)
    tab.start_training()
    assert not tab.is_busy() and "already holds a run" in tab.status_label.text()


def test_a_past_run_with_a_cut_last_line_is_shown(qtbot, tab: TrainTab, tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "20250101-000000-cpu-quick-pixel"  # under FACESR_RUNS_DIR
    run_dir.mkdir(parents=True)
    (run_dir / ckpt.CONFIG_FILE).write_text(json.dumps({"config": {"preset": "cpu-quick", "stage": "pixel",
                                                                   "steps": 100}, "created": "2025"}))
    lines = [{"type": "event", "event": "start", "step": 0, "steps": 100, "time": 0.0}]
    lines += [{"type": "train", "step": s, "loss_g": 1 / s, "loss_pixel": 1 / s, "images_per_s": 10.0,
               "time": float(s)} for s in (1, 2, 3)]
    text = "".join(json.dumps(line) + "\n" for line in lines) + '{"type": "train", "step": 4, "lo'
    (run_dir / ckpt.METRICS_FILE).write_text(text)
    tab.refresh_runs()
    assert tab.runs_list.count() == 1
    tab.runs_list.setCurrentRow(0)
    assert tab.loss_plot.point_count() == 6 and tab.curves.step == 3 and tab.curves.state == "running"
    assert "ETA" in tab.eta_label.text() and not tab.use_button.isEnabled() and not tab.resume_button.isEnabled()
    with (run_dir / ckpt.METRICS_FILE).open("a") as handle:  # the line is completed: the timer picks it up
        handle.write('ss_g": 0.2, "time": 4.0}\n')
    qtbot.waitUntil(lambda: tab.curves.step == 4, timeout=10_000)
    assert tab.loss_plot.point_count() == 7


def test_choosing_a_past_run_fills_the_form_to_repeat_it(qtbot, tab: TrainTab, tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "20250101-000000-srgan-gan"  # under FACESR_RUNS_DIR
    run_dir.mkdir(parents=True)
    config = {"preset": "srgan", "stage": "gan", "steps": 1234, "batch_size": 5, "scale": 8,
              "data": str(tmp_path / "faces"), "val_data": str(tmp_path / "val"), "init_from": str(tmp_path / "p"),
              "optim": {"lr": 3.5e-4}}
    (run_dir / ckpt.CONFIG_FILE).write_text(json.dumps({"config": config, "created": "2025"}))
    tab.run_field.set_path(tmp_path / "elsewhere")
    tab.refresh_runs()
    tab.runs_list.setCurrentRow(0)
    assert (tab.preset_combo.currentData(), tab.stage_combo.currentData()) == ("srgan", "gan")
    assert (tab.steps_spin.value(), tab.batch_spin.value(), tab.scale_combo.currentData()) == (1234, 5, 8)
    assert tab.lr_spin.value() == pytest.approx(3.5e-4)
    assert (tab.data_field.path(), tab.val_field.path(), tab.init_field.path()) == (
        tmp_path / "faces", tmp_path / "val", tmp_path / "p")
    assert tab.run_field.path() is None  # Start makes a new folder instead of refusing this one


def test_the_sample_grid_opens_in_the_image_viewer_on_double_click(qtbot, tab: TrainTab, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    grid = tmp_path / "step_0000010.png"
    image = QImage(96, 32, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.darkCyan)
    image.save(str(grid))
    tab.show()
    assert not tab.log_view.isVisible()  # no process started here: the samples have the room
    qtbot.mouseDClick(tab.sample_view, Qt.MouseButton.LeftButton)
    assert tab.sample_view.viewer is None  # nothing to open yet
    tab.sample_view.show_file(grid)
    qtbot.mouseDClick(tab.sample_view, Qt.MouseButton.LeftButton)
    viewer = tab.sample_view.viewer
    assert viewer is not None and viewer.isVisible() and opened == []  # in the application, not a launcher
    shown = viewer.canvas.image()
    assert shown.size() == image.size() and shown.pixelColor(5, 5) == image.pixelColor(5, 5)
    assert "step_0000010.png" in viewer.windowTitle()
    viewer.actual_action.trigger()
    assert viewer.canvas.scale == pytest.approx(1.0) and viewer.zoom_label.text() == "100%"
    viewer.zoom_in_action.trigger()
    assert viewer.canvas.scale > 1.0
    viewer.close()


def test_switching_runs_resets_the_axes_and_the_status_follows_the_running_process(
        qtbot, tab: TrainTab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def past_run(name: str, psnr: float, bicubic: float, last_step: int) -> Path:
        run_dir = tmp_path / "runs" / name  # under FACESR_RUNS_DIR
        run_dir.mkdir(parents=True)
        (run_dir / ckpt.CONFIG_FILE).write_text(json.dumps({"config": {"preset": "cpu-quick", "stage": "pixel",
                                                                       "steps": 100}, "created": name}))
        lines = [{"type": "event", "event": "start", "step": 0, "steps": 100, "time": 0.0}]
        lines += [{"type": "train", "step": s, "loss_g": 0.05, "loss_pixel": 0.05, "images_per_s": 10.0,
                   "time": float(s)} for s in range(10, last_step + 1, 10)]
        lines.append({"type": "val", "step": 20, "psnr_y": psnr, "ssim_y": 0.7, "bicubic_psnr_y": bicubic,
                      "bicubic_ssim_y": 0.8})
        (run_dir / ckpt.METRICS_FILE).write_text("".join(json.dumps(line) + "\n" for line in lines))
        return run_dir

    first, second = past_run("a", 31.0, 30.0, 40), past_run("b", 20.0, 21.0, 40)
    tab.resize(1200, 800)
    tab.show()
    tab.load_run(first)
    tab.psnr_plot.getPlotItem().setYRange(30.4, 30.6)  # zoomed in on the first run
    tab.load_run(second)
    qtbot.waitUntil(lambda: tab.psnr_plot.y_range()[0] < 20.0 and tab.psnr_plot.y_range()[1] > 21.0)

    third = past_run("c", 24.0, 24.18, 40)
    tab.load_run(third)
    monkeypatch.setattr(tab, "is_busy", lambda: True)  # as if this run's process were running
    tab.status_label.setText("Starting the training process\u2026")
    with (third / ckpt.METRICS_FILE).open("a") as handle:
        handle.write(json.dumps({"type": "train", "step": 50, "loss_g": 0.04, "time": 50.0}) + "\n")
    qtbot.waitUntil(lambda: "step 50 of 100" in tab.status_label.text())
    assert "PSNR-Y 24.00 dB, bicubic 24.18 dB" in tab.status_label.text()


def test_the_loss_axis_log_scale_is_a_remembered_choice(qtbot, tab: TrainTab) -> None:
    assert not tab.loss_plot.log_y() and not tab.log_scale_check.isChecked()
    tab.log_scale_check.setChecked(True)
    assert tab.loss_plot.log_y()
    again = TrainTab()
    qtbot.addWidget(again)
    assert again.log_scale_check.isChecked() and again.loss_plot.log_y()
    again.shutdown()


def test_a_preset_brings_its_own_values(qtbot, tab: TrainTab) -> None:
    tab.preset_combo.setCurrentIndex(tab.preset_combo.findData("srgan"))
    tab.stage_combo.setCurrentIndex(tab.stage_combo.findData("pixel"))
    assert (tab.steps_spin.value(), tab.batch_spin.value(), tab.scale_combo.currentData()) == (100_000, 16, 4)
    assert tab.lr_spin.value() == pytest.approx(1e-4)
    assert not tab.init_field.isEnabled()
    tab.stage_combo.setCurrentIndex(tab.stage_combo.findData("gan"))
    assert tab.steps_spin.value() == 50_000 and tab.init_field.isEnabled()


def test_switching_to_chinese_translates_every_visible_text(qtbot, tab: TrainTab) -> None:
    with in_chinese(qtbot, tab, tab.stop_button, "停止"):
        assert tab.stage_combo.itemText(0) == "像素损失预训练" and tab.form_box.title() == "新的训练"
        assert tab.loss_plot.getPlotItem().titleLabel.text == "损失"
