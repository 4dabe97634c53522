"""One listing of the installed models serves the Restore tab, the Batch tab and the Models dialog."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.paths import user_models_dir
from gui import model_list
from gui.batch_tab import BatchTab
from gui.model_list import ModelList
from gui.models_dialog import ModelsDialog
from gui.restore_tab import RestoreTab
from tests.conftest import make_model_file

WAIT_MS = 120_000


def test_the_lists_asking_together_get_one_listing_and_each_shows_it(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    make_model_file(user_models_dir() / "tiny.safetensors")
    listings: list[int] = []
    original = model_list.installed_models

    def counted() -> tuple[list, Path | None]:
        listings.append(1)
        return original()

    monkeypatch.setattr(model_list, "installed_models", counted)
    models = ModelList()
    restore, batch = RestoreTab(models=models), BatchTab(models=models)
    dialog = ModelsDialog(models=models)
    for widget in (restore, batch, dialog):
        qtbot.addWidget(widget)
    # built in one turn of the event loop: the Restore tab's and the dialog's requests are one listing
    qtbot.waitUntil(lambda: len(dialog.entries) == 1 and restore._models_known and not models.busy, timeout=WAIT_MS)
    assert len(listings) == 1
    assert batch.options.model_combo.currentData() is not None  # the Batch tab shows it without asking

    gamma = make_model_file(user_models_dir() / "gamma.safetensors", seed=1)
    restore.refresh_models(select=str(gamma))  # what the window does when a model arrives
    batch.refresh_models()
    dialog.refresh(select=gamma)
    qtbot.waitUntil(lambda: len(dialog.entries) == 2 and not models.busy, timeout=WAIT_MS)
    assert len(listings) == 2
    assert Path(restore.options.model_combo.currentData()) == gamma
    assert dialog.selected_entry().path == gamma
    batch_paths = [batch.options.model_combo.itemData(i) for i in range(batch.options.model_combo.count())]
    assert str(gamma) in [str(p) for p in batch_paths]
    qtbot.waitUntil(lambda: not restore.runner.busy, timeout=WAIT_MS)
    restore.shutdown()
    batch.shutdown()
    dialog.reject()
    models.shutdown()
