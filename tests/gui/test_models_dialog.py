"""The Models dialog: details of installed models, unusable files explained, Import, Set as default."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.models.loading import DEFAULT_CHOICE_FILE, default_model_path
from core.paths import user_models_dir
from gui.models_dialog import ModelsDialog
from tests.conftest import make_model_file

WAIT_MS = 180_000  # the first use of spandrel imports it, which takes long on a busy machine


@pytest.fixture
def dialog(qtbot) -> ModelsDialog:
    make_model_file(user_models_dir() / "alpha.safetensors")
    make_model_file(user_models_dir() / "beta.safetensors", arch="srresnet", input_size=128, scale=2, seed=1)
    (user_models_dir() / "broken.pth").write_bytes(b"not a model at all")
    made = ModelsDialog()
    qtbot.addWidget(made)
    qtbot.waitUntil(lambda: len(made.entries) == 3 and not made.runner.busy, timeout=WAIT_MS)
    yield made
    made.reject()


def _row_of(dialog: ModelsDialog, name: str) -> int:
    return next(row for row in range(dialog.table.rowCount()) if dialog.table.item(row, 0).text().startswith(name))


def test_details_show_architecture_scale_input_size_and_parameters(dialog: ModelsDialog) -> None:
    dialog.table.selectRow(_row_of(dialog, "beta"))
    details = dialog.details.toPlainText()
    assert "srresnet" in details and "2×" in details and "128 × 128 px" in details
    entry = dialog.selected_entry()
    assert f"{entry.parameters:,}" in details and "Licence" in details


def test_an_unusable_file_is_listed_with_its_cause(dialog: ModelsDialog) -> None:
    row = _row_of(dialog, "broken.pth")
    assert dialog.table.item(row, 1).text() == "unusable"
    assert "broken.pth" in dialog.table.item(row, 0).toolTip()
    dialog.table.selectRow(row)
    assert not dialog.default_button.isEnabled()


def test_set_as_default_is_remembered(qtbot, dialog: ModelsDialog) -> None:
    dialog.table.selectRow(_row_of(dialog, "beta"))
    with qtbot.waitSignal(dialog.models_changed, timeout=5000) as changed:
        dialog.default_button.click()
    assert changed.args == [str(user_models_dir() / "beta.safetensors")]
    assert (user_models_dir() / DEFAULT_CHOICE_FILE).is_file()
    assert default_model_path() == user_models_dir() / "beta.safetensors"
    assert "(default)" in dialog.table.item(_row_of(dialog, "beta"), 0).text()


def test_import_copies_a_model_and_refuses_a_non_model_with_a_clear_message(qtbot, dialog: ModelsDialog,
                                                                           tmp_path: Path) -> None:
    source = make_model_file(tmp_path / "gamma.safetensors", seed=2)
    with qtbot.waitSignal(dialog.models_changed, timeout=WAIT_MS) as changed:
        dialog.import_file(source)
    assert Path(changed.args[0]) == user_models_dir() / "gamma.safetensors"
    qtbot.waitUntil(lambda: len(dialog.entries) == 4 and not dialog.runner.busy, timeout=WAIT_MS)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"\x00" * 64)
    dialog.import_file(junk)
    qtbot.waitUntil(lambda: getattr(dialog, "error_box", None) is not None, timeout=WAIT_MS)
    assert "junk.pth" in dialog.error_box.text()
    assert not (user_models_dir() / "junk.pth").exists()
    dialog.error_box.close()
