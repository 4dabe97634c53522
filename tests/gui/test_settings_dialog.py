"""The Settings dialog: output folder, device, CPU threads, the model and run folders with Open buttons;
and the tabs follow what was chosen there."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from core.paths import user_models_dir, user_runs_dir
from gui import settings as stored
from gui.batch_tab import BatchTab
from gui.restore_options import RestoreOptions
from gui.settings import SettingsDialog
from gui.tab_support import title_width
from gui.train_tab import with_preferences
from tests.gui.translation import in_chinese


@pytest.fixture
def dialog(qtbot) -> SettingsDialog:
    made = SettingsDialog()
    qtbot.addWidget(made)
    made.show()
    yield made
    stored.save_preferences(None, "auto", 0)
    stored.apply_cpu_threads()  # the other tests get PyTorch's own thread count back


def test_the_preferences_are_stored_and_the_thread_count_applied(qtbot, dialog: SettingsDialog,
                                                                 tmp_path: Path) -> None:
    automatic = torch.get_num_threads()
    assert dialog.output_field.path() is None and dialog.device_combo.currentData() == "auto"
    assert dialog.threads_spin.value() == 0 and dialog.threads_spin.text() == "Automatic"
    assert dialog.width() >= title_width(dialog)
    dialog.output_field.set_path(tmp_path)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    dialog.threads_spin.setValue(1)
    dialog.accept()
    assert (stored.default_output_folder(), stored.default_device(), stored.cpu_threads()) == (tmp_path, "cpu", 1)
    assert torch.get_num_threads() == 1 and stored.child_environment()["OMP_NUM_THREADS"] == "1"
    again = SettingsDialog()
    qtbot.addWidget(again)
    assert (again.output_field.path(), again.device_combo.currentData(), again.threads_spin.value()) == (
        tmp_path, "cpu", 1)
    again.threads_spin.setValue(0)
    again.accept()
    assert torch.get_num_threads() == automatic and stored.child_environment() == {}


def test_exact_cpu_precision_reaches_the_options_of_both_tabs(qtbot, dialog: SettingsDialog) -> None:
    before = RestoreOptions()
    qtbot.addWidget(before)
    assert dialog.backend_combo.currentData() == "auto" and before.settings().cpu_backend == "auto"
    assert dialog.backend_combo.currentText().startswith("Fastest")
    dialog.backend_combo.setCurrentIndex(dialog.backend_combo.findData("torch"))
    dialog.accept()
    assert stored.cpu_backend() == "torch"
    restore, batch = RestoreOptions(), RestoreOptions(prefix="batch/")
    qtbot.addWidget(restore)
    qtbot.addWidget(batch)
    assert restore.settings().cpu_backend == batch.settings().cpu_backend == "torch"
    assert stored.restore_settings("batch/").cpu_backend == "torch"


def test_a_missing_output_folder_is_refused_naming_it(qtbot, dialog: SettingsDialog, tmp_path: Path) -> None:
    dialog.output_field.set_path(tmp_path / "absent")
    dialog.accept()
    boxes = [box for box in dialog.findChildren(QMessageBox) if box.isVisible()]
    assert dialog.isVisible() and stored.default_output_folder() is None  # nothing stored, the dialog stays
    assert len(boxes) == 1 and str(tmp_path / "absent") in boxes[0].text() and "no such folder" in boxes[0].text()


def test_the_open_buttons_show_the_model_and_run_folders(qtbot, dialog: SettingsDialog,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(Path(url.toLocalFile())) or True)
    assert dialog.folder_edits["models"].text() == str(user_models_dir()) and dialog.folder_edits["runs"].isReadOnly()
    dialog.open_buttons["models"].click()
    dialog.open_buttons["runs"].click()
    assert opened == [user_models_dir(), user_runs_dir()] and user_runs_dir().is_dir()  # made when missing


def test_the_tabs_follow_the_preferences(qtbot, dialog: SettingsDialog, tmp_path: Path) -> None:
    assert with_preferences(["--data", "x"]) == ["--data", "x"]  # automatic: the run decides
    assert stored.restore_settings("batch/").device == "auto"
    stored.save_preferences(tmp_path / "results", "cpu", 2)
    assert with_preferences(["--data", "x"]) == ["--data", "x", "--device", "cpu"]
    assert with_preferences(["--device", "cuda"]) == ["--device", "cuda"]  # Extra flags win
    assert stored.restore_settings("batch/").device == "cpu"  # until a device is chosen in the tab
    batch = BatchTab()
    qtbot.addWidget(batch)
    batch.output_field.set_path(None)
    batch.set_input_folder(tmp_path / "album")
    assert batch.output_field.path() == tmp_path / "results" / "album"
    batch.shutdown()


def test_every_visible_text_of_the_dialog_is_translated(qtbot, dialog: SettingsDialog) -> None:
    with in_chinese(qtbot, dialog, dialog.open_buttons["models"], "打开"):
        assert dialog.threads_spin.text() == "自动"
