"""The one settings API (gui/settings.py): a settings file written by an earlier version, or edited by hand,
still loads into the tabs under the same keys, and what the tabs write back is read by the same keys."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from gui import settings as stored
from gui.batch_tab import BatchTab
from gui.train_tab import TrainTab

# As the tabs wrote it before the API was shared (QSettings' INI format), with hand edits: "1" and "no" as flags,
# a step count that is not a number, a device that does not exist.
EARLIER_FILE = """[batch]
input={album}
format=jpg
suffix=_fixed
overwrite=true
recursive=false
save_faces=1
save_compare=no
scale=2
blend=0.5
force=true
device=tpu

[train]
data={album}
preset=srgan
stage=gan
steps=many
batch_size=12
lr=2e-04
scale=2
extra=--workers 0
loss_log_scale=true
known_runs={album}
"""


def _write_earlier_file(album: Path) -> Path:
    path = Path(QSettings().fileName())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EARLIER_FILE.format(album=album.as_posix()), encoding="utf-8")
    return path


def test_a_settings_file_of_an_earlier_version_loads_into_the_tabs(qtbot, tmp_path: Path) -> None:
    album = tmp_path / "album"
    album.mkdir()
    _write_earlier_file(album)

    batch = BatchTab()
    qtbot.addWidget(batch)
    assert batch.input_field.path() == album and batch.format_combo.currentData() == "jpg"
    assert batch.suffix_edit.text() == "_fixed"
    assert (batch.overwrite_check.isChecked(), batch.recursive_check.isChecked(), batch.faces_check.isChecked(),
            batch.compare_check.isChecked()) == (True, False, True, False)
    options = stored.restore_settings("batch/")
    assert (options.scale, options.blend, options.force_small_model, options.device) == (2, 0.5, True, "auto")
    batch.shutdown()

    train = TrainTab()
    qtbot.addWidget(train)
    assert train.data_field.path() == album and train.preset_combo.currentData() == "srgan"
    assert train.stage_combo.currentData() == "gan" and train.batch_spin.value() == 12
    assert train.lr_spin.value() == 2e-4 and train.scale_combo.currentData() == 2
    assert train.steps_spin.value() > 0  # "many": the preset's count, not a crash
    assert train.extra_edit.text() == "--workers 0" and train.log_scale_check.isChecked()
    assert stored.read_texts("train/known_runs") == [album.as_posix()]  # one item: INI gives a string back
    train.shutdown()


def test_what_the_tabs_write_is_stored_under_the_same_keys(qtbot, tmp_path: Path) -> None:
    album = tmp_path / "album"
    album.mkdir()
    train = TrainTab()
    qtbot.addWidget(train)
    train.data_field.set_path(album)
    train.batch_spin.setValue(7)
    train.log_scale_check.setChecked(True)
    train.shutdown()  # saves the form
    raw = QSettings()
    assert raw.value("train/data") == str(album) and int(raw.value("train/batch_size")) == 7
    assert raw.value("train/loss_log_scale") in (True, "true")
    stored.write("train/known_runs", ["/a", "/b"])
    assert stored.read_texts("train/known_runs") == ["/a", "/b"]
    assert (stored.read_flag("absent", True), stored.read_number("train/batch_size", 1, 1, 5)) == (True, 1)
