"""Getting catalogue models in the window, from a loopback HTTP server (the internet is never touched):
the Models dialog's Download/Cancel/progress, the licence shown first, and the not-downloaded entries of
the Restore and Batch lists."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from core import downloads
from core.downloads import partial_path
from core.io import write_image
from core.paths import user_models_dir
from gui.main_window import MainWindow
from gui.models_dialog import BUTTON_COLUMN, PROGRESS_COLUMN, ModelsDialog
from tests.conftest import make_model_file
from tests.loopback import Loopback, serving

WAIT_MS = 180_000  # generous: the machine may be busy; nothing here measures speed
SMALL = os.urandom(3_000_000)


def _point_at(monkeypatch: pytest.MonkeyPatch, name: str, url: str, payload: bytes) -> Path:
    info = dataclasses.replace(downloads.CATALOGUE[name], url=url, sha256=hashlib.sha256(payload).hexdigest(),
                               size=None)
    monkeypatch.setitem(downloads.CATALOGUE, name, info)
    return user_models_dir() / info.filename


def _answer(monkeypatch: pytest.MonkeyPatch, answers: list[bool]) -> list[str]:
    """Replace the confirmation box: each question asked is recorded and answered from ``answers``."""
    questions: list[str] = []
    monkeypatch.setattr(ModelsDialog, "ask", lambda self, title, text: questions.append(text) or answers.pop(0))
    return questions


@pytest.fixture
def dialog(qtbot) -> ModelsDialog:
    made = ModelsDialog()
    qtbot.addWidget(made)
    qtbot.waitUntil(lambda: not made.runner.busy, timeout=WAIT_MS)
    yield made
    made.reject()


def _row(dialog: ModelsDialog, name: str) -> int:
    return next(row for row in range(dialog.catalogue.rowCount()) if dialog.catalogue.item(row, 0).text() == name)


def test_get_more_models_lists_the_catalogue_with_size_and_licence(dialog: ModelsDialog) -> None:
    assert [dialog.catalogue.item(row, 0).text() for row in range(dialog.catalogue.rowCount())] == \
        list(downloads.CATALOGUE)
    row = _row(dialog, "codeformer")
    assert dialog.catalogue.item(row, 2).text() == "377 MB" and "non-commercial" in dialog.catalogue.item(row, 3).text()
    assert dialog.catalogue.item(_row(dialog, "gfpgan-1.4"), 2).text() == "about 349 MB"
    assert dialog.catalogue.cellWidget(row, BUTTON_COLUMN).text() == "Download"


def test_a_download_shows_progress_rate_and_lands_in_the_model_folder(qtbot, dialog: ModelsDialog,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    questions = _answer(monkeypatch, [True])
    labels: list[str] = []
    with serving(Loopback({"x4v3.pth": SMALL}, pace_s=0.01)) as server:
        target = _point_at(monkeypatch, "realesr-general-x4v3", server.url("x4v3.pth"), SMALL)
        row = _row(dialog, "realesr-general-x4v3")
        bar = dialog.catalogue.cellWidget(row, PROGRESS_COLUMN)
        changed: list[str] = []
        dialog.models_changed.connect(changed.append)
        assert dialog.start_download("realesr-general-x4v3")
        assert dialog.catalogue.cellWidget(row, BUTTON_COLUMN).text() == "Cancel"
        values: list[tuple[int, int]] = []

        def sample() -> bool:  # what the user sees while the download runs
            labels.append(dialog.download_label.text())
            values.append((bar.value(), bar.maximum()))
            return dialog.downloading is None

        qtbot.waitUntil(sample, timeout=WAIT_MS)
    assert "BSD-3-Clause" in questions[0] and server.url("x4v3.pth") in questions[0]
    assert changed == [str(target)] and target.read_bytes() == SMALL
    assert any(0 < value < maximum for value, maximum in values)  # the bar moved through the download
    assert any(" of 3.0 MB at " in text and "/s" in text for text in labels)  # bytes, rate and time left
    assert dialog.catalogue.cellWidget(row, BUTTON_COLUMN).text() == "Installed"
    assert not dialog.catalogue.cellWidget(row, BUTTON_COLUMN).isEnabled()


def test_declining_the_licence_downloads_nothing(dialog: ModelsDialog, monkeypatch: pytest.MonkeyPatch) -> None:
    questions = _answer(monkeypatch, [False])
    with serving(Loopback({"codeformer.pth": SMALL})) as server:
        _point_at(monkeypatch, "codeformer", server.url("codeformer.pth"), SMALL)
        dialog.catalogue.cellWidget(_row(dialog, "codeformer"), BUTTON_COLUMN).click()
    assert "S-Lab License 1.0 (non-commercial use only)" in questions[0]
    assert server.requests == [] and not dialog.downloader.busy and dialog.downloading is None


def test_cancel_stops_the_download_and_keeps_nothing(qtbot, dialog: ModelsDialog,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _answer(monkeypatch, [True])
    with serving(Loopback({"x4v3.pth": SMALL}, pace_s=0.05)) as server:
        target = _point_at(monkeypatch, "realesr-general-x4v3", server.url("x4v3.pth"), SMALL)
        row = _row(dialog, "realesr-general-x4v3")
        button = dialog.catalogue.cellWidget(row, BUTTON_COLUMN)
        button.click()
        qtbot.waitUntil(lambda: dialog.catalogue.cellWidget(row, PROGRESS_COLUMN).value() > 0, timeout=WAIT_MS)
        button.click()  # now "Cancel"
        qtbot.waitUntil(lambda: dialog.downloading is None, timeout=WAIT_MS)
    assert not target.exists() and not partial_path(target).exists()
    assert button.text() == "Download" and "cancelled" in dialog.download_label.text()


def test_a_failed_download_names_the_file_and_the_cause(qtbot, dialog: ModelsDialog,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _answer(monkeypatch, [True])
    with serving(Loopback({})) as server:
        target = _point_at(monkeypatch, "codeformer", server.url("codeformer.pth"), SMALL)
        dialog.start_download("codeformer")
        qtbot.waitUntil(lambda: dialog.downloading is None, timeout=WAIT_MS)
    text = dialog.error_box.text()
    assert "HTTP 404" in text and str(target) in text
    assert not target.exists() and not partial_path(target).exists()


@pytest.fixture(scope="module")
def random_gfpgan(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A randomly initialised GFPGAN v1.4 (clean) file; half precision halves its 350 MB."""
    import torch
    from spandrel.architectures.GFPGAN import GFPGAN as GFPGANv1Clean  # the package's public export

    torch.manual_seed(0)
    state = {key: value.half() if value.is_floating_point() else value
             for key, value in GFPGANv1Clean().state_dict().items()}
    path = tmp_path_factory.mktemp("gfpgan") / "GFPGANv1.4.pth"
    torch.save(state, path)
    return path.read_bytes()


def test_a_not_downloaded_model_chosen_in_a_list_is_downloaded_used_and_listed(
        qtbot, tmp_path: Path, astronaut: np.ndarray, random_gfpgan: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    make_model_file(user_models_dir() / "tiny.safetensors")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    restore, batch = window.restore_tab, window.batch_tab
    batch.refresh_models()  # the Batch tab lists models when first shown
    qtbot.waitUntil(lambda: restore.options.model_combo.currentData() is not None and batch._models_listed,
                    timeout=60_000)
    item = "catalogue:gfpgan-1.4"
    lists = (restore.options.model_combo, batch.options.model_combo)
    assert all(combo.findData(item) > 0 for combo in lists)
    assert batch.options.background_combo.findData("catalogue:realesrgan-x4plus") > 0
    before = batch.options.model_combo.currentData()
    questions = _answer(monkeypatch, [False, True])
    try:
        with serving(Loopback({"GFPGANv1.4.pth": random_gfpgan})) as server:
            target = _point_at(monkeypatch, "gfpgan-1.4", server.url("GFPGANv1.4.pth"), random_gfpgan)
            # in the Batch tab, declined: nothing fetched, and the list is back on the model used before
            batch.options.model_combo.setCurrentIndex(batch.options.model_combo.findData(item))
            assert questions and "Apache-2.0" in questions[0] and server.requests == []
            assert batch.options.model_combo.currentData() == before
            # in the Restore tab, accepted: downloaded, then chosen there and listed everywhere
            restore.options.model_combo.setCurrentIndex(restore.options.model_combo.findData(item))
            assert restore.options.model_combo.currentData() != item
            qtbot.waitUntil(lambda: target.is_file() and window.models_dialog.downloading is None, timeout=WAIT_MS)
        assert hashlib.sha256(target.read_bytes()).hexdigest() == downloads.CATALOGUE["gfpgan-1.4"].sha256
        qtbot.waitUntil(lambda: restore.options.model_combo.currentData() == str(target)
                        and batch.options.model_combo.findData(str(target)) >= 0 and not restore.is_busy(),
                        timeout=WAIT_MS)
        assert all(combo.findData(item) < 0 for combo in lists)
        assert restore.options.model_info().arch == "GFPGAN"
        photo = write_image(tmp_path / "astronaut.png", np.ascontiguousarray(astronaut[::2, ::2]))
        restore.open_files([photo])
        qtbot.waitUntil(lambda: restore.restoration is not None and not restore.is_busy(), timeout=WAIT_MS)
        faces = restore.restoration.result.faces
        assert restore.restoration.result.restored_count >= 1
        assert {face.restored.shape[:2] for face in faces if face.restored is not None} == {(512, 512)}
    finally:
        window.close()


def test_get_more_models_in_chinese(qtbot, dialog: ModelsDialog) -> None:
    from tests.gui.translation import in_chinese

    button = dialog.catalogue.cellWidget(_row(dialog, "codeformer"), BUTTON_COLUMN)
    with in_chinese(qtbot, dialog.catalogue_box, button, "下载"):
        assert dialog.catalogue_box.title() == "获取更多模型"
        assert dialog.catalogue.item(_row(dialog, "gfpgan-1.4"), 2).text() == "约 349 MB"
