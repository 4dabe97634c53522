"""The Restore tab with a tiny random-weight model: results, face selection, Cancel, saving, errors."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication

from core.downloads import weights_path
from core.io import read_image, write_image
from core.paths import user_models_dir
from core.progress import Stage
from core.restorer import Restorer
from gui import i18n
from gui.qimage import rgb_from_qimage, to_qimage
from gui.restore_tab import RestoreTab
from gui.worker import Progress
from tests.conftest import make_model_file

WAIT_MS = 120_000  # generous: the machine may be busy; nothing here measures speed


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return make_model_file(user_models_dir() / "tiny.safetensors")


@pytest.fixture
def photo(tmp_path: Path, astronaut: np.ndarray) -> Path:
    return write_image(tmp_path / "astronaut.png", astronaut[::2, ::2].copy())


@pytest.fixture
def tab(qtbot, tiny: Path) -> RestoreTab:
    widget = RestoreTab()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    qtbot.waitUntil(lambda: widget.options.model_combo.currentData() is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not widget.runner.busy, timeout=WAIT_MS)  # warmed up: tests start from an idle tab
    yield widget
    widget.shutdown()


def _restore(qtbot, tab: RestoreTab, path: Path) -> None:
    tab.open_files([path])
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.is_busy(), timeout=WAIT_MS)


def _after(tab: RestoreTab) -> np.ndarray:
    return rgb_from_qimage(tab.compare.canvas.after_image())


def test_unticking_a_face_restores_its_original_pixels_without_the_model(qtbot, tab: RestoreTab, photo: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _restore(qtbot, tab, photo)
    background = tab.restoration.result.background
    x0, y0, x1, y1 = tab.restoration.face_box(0, margin=0.0)
    assert not np.array_equal(_after(tab)[y0:y1, x0:x1], background[y0:y1, x0:x1])  # a random model changes it
    calls: list[int] = []
    monkeypatch.setattr(Restorer, "run", lambda self, batch: calls.append(1))  # the model must not run
    tab.faces.set_face_checked(0, False)
    qtbot.waitUntil(lambda: np.array_equal(_after(tab), background), timeout=5000)
    tab.faces.set_face_checked(0, True)
    qtbot.waitUntil(lambda: not np.array_equal(_after(tab)[y0:y1, x0:x1], background[y0:y1, x0:x1]), timeout=5000)
    tab.options.blend_slider.setValue(0)  # blend 0 = the original face, again without the model
    qtbot.waitUntil(lambda: np.array_equal(_after(tab), background), timeout=5000)
    assert calls == []


def test_cancel_stops_a_running_restore_within_a_face(qtbot, tab: RestoreTab, tmp_path: Path,
                                                     astronaut: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    four = np.concatenate([np.concatenate([astronaut, astronaut], 1)] * 2, 0)  # four faces
    path = write_image(tmp_path / "four.png", np.ascontiguousarray(four[::2, ::2]))
    started = threading.Event()
    calls: list[int] = []
    original = Restorer.run

    def slow_run(self, batch):
        calls.append(batch.shape[0])
        started.set()
        time.sleep(0.5)  # long enough for Cancel to arrive before the next face
        return original(self, batch)

    monkeypatch.setattr(Restorer, "run", slow_run)
    tab.open_files([path])
    qtbot.waitUntil(started.is_set, timeout=WAIT_MS)
    assert tab.is_busy() and tab.cancel_button.isVisibleTo(tab)
    tab.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)
    assert tab.restoration is None and tab.composite is None
    assert calls and set(calls) == {1} and len(calls) < 4  # one face per pass, stopped before the last
    assert tab.save_action.isEnabled() is False


def test_save_never_replaces_the_original_by_default(qtbot, tab: RestoreTab, photo: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _restore(qtbot, tab, photo)
    original_bytes = photo.read_bytes()
    questions: list[str] = []
    monkeypatch.setattr(tab, "ask", lambda title, text: questions.append(text) or False)
    tab.save_action.trigger()
    target = photo.with_name("astronaut_restored.png")
    qtbot.waitUntil(lambda: tab.saved_to == target and not tab.is_busy(), timeout=WAIT_MS)
    assert np.array_equal(read_image(target).rgb, tab.composite) and questions == []
    assert photo.read_bytes() == original_bytes
    # an explicit save onto the original asks first; answering No leaves it untouched
    tab.save_to(photo)
    assert questions and "original" in questions[-1] and not tab.is_busy()
    assert photo.read_bytes() == original_bytes


def test_saving_over_an_existing_default_name_asks_first(qtbot, tab: RestoreTab, photo: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _restore(qtbot, tab, photo)
    existing = photo.with_name("astronaut_restored.png")
    existing.write_bytes(b"someone's file")
    monkeypatch.setattr(tab, "ask", lambda title, text: False)
    tab.save_action.trigger()
    assert existing.read_bytes() == b"someone's file" and tab.saved_to is None


def test_an_unreadable_photo_shows_a_dialog_naming_the_file_and_the_cause(qtbot, tab: RestoreTab,
                                                                         tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    tab.open_files([broken])
    qtbot.waitUntil(lambda: tab._error_box is not None and tab._error_box.isVisible(), timeout=WAIT_MS)
    text = tab._error_box.text()
    assert "broken.jpg" in text and "damaged" in text
    assert tab.restoration is None
    tab._error_box.close()


def test_a_photo_that_cannot_be_opened_leaves_the_shown_one_intact(qtbot, tab: RestoreTab, photo: Path,
                                                                  tmp_path: Path) -> None:
    _restore(qtbot, tab, photo)
    shown, before = tab.restoration, tab.compare.canvas.before_image()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    tab.open_files([broken])
    qtbot.waitUntil(lambda: tab._error_box is not None and tab._error_box.isVisible(), timeout=WAIT_MS)
    assert "broken.jpg" in tab._error_box.text()
    tab._error_box.close()
    # name, result, picture and save target all still the previous photo's
    assert tab.restoration is shown and tab.compare.canvas.before_image() is before
    assert [source.name for source in tab.sources] == ["astronaut.png"] and tab.current == 0
    assert tab.default_target() == photo.with_name("astronaut_restored.png") and tab.save_action.isEnabled()
    tab.save_action.trigger()
    qtbot.waitUntil(lambda: tab.saved_to is not None and not tab.is_busy(), timeout=WAIT_MS)
    assert tab.saved_to == photo.with_name("astronaut_restored.png") and not (tmp_path / "broken_restored.jpg").exists()
    # changing an option restores the shown photo again, not the file that failed
    tab.options.scale_combo.setCurrentIndex(tab.options.scale_combo.findData(4))
    qtbot.waitUntil(lambda: tab.restoration is not shown and not tab.is_busy(), timeout=WAIT_MS)
    assert tab.restoration.name == "astronaut.png" and tab.restoration.result.scale == 4
    assert not tab._error_box.isVisible()


def test_choosing_an_unreadable_photo_of_several_keeps_the_shown_one(qtbot, tab: RestoreTab, photo: Path,
                                                                     tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    tab.open_files([photo, broken])
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.is_busy(), timeout=WAIT_MS)
    shown = tab.restoration
    tab.next_action.trigger()
    qtbot.waitUntil(lambda: tab._error_box is not None and tab._error_box.isVisible(), timeout=WAIT_MS)
    tab._error_box.close()
    assert tab.current == 0 and tab.image_combo.currentIndex() == 0 and tab.restoration is shown
    assert tab.default_target() == photo.with_name("astronaut_restored.png")


def test_opening_several_photos_of_which_the_first_is_unreadable_shows_the_next(qtbot, tab: RestoreTab, photo: Path,
                                                                               tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    tab.open_files([broken, photo])
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.is_busy(), timeout=WAIT_MS)
    assert "broken.jpg" in tab._error_box.text()
    tab._error_box.close()
    assert tab.restoration.name == "astronaut.png" and tab.current == 1 and tab.image_combo.currentIndex() == 1
    assert tab.default_target() == photo.with_name("astronaut_restored.png")


def test_a_photo_whose_restore_failed_is_restored_again_when_an_option_changes(qtbot, tab: RestoreTab, photo: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from core.errors import FaceSRError

    def too_large(*args, **kwargs):
        raise FaceSRError(photo, "the result would be too large for the free memory")

    with monkeypatch.context() as patch:
        patch.setattr("core.session.restore", too_large)
        tab.open_files([photo])
        qtbot.waitUntil(lambda: tab._error_box is not None and tab._error_box.isVisible(), timeout=WAIT_MS)
    tab._error_box.close()
    assert tab.restoration is None and tab.compare.canvas.photo_only and not tab.save_action.isEnabled()
    tab.options.scale_combo.setCurrentIndex(tab.options.scale_combo.findData(1))  # what the user tries next
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.is_busy(), timeout=WAIT_MS)
    assert tab.restoration.name == "astronaut.png" and tab.restoration.result.scale == 1


def test_a_new_photo_shows_at_once_and_progress_counts_its_faces(qtbot, tab: RestoreTab, photo: Path,
                                                                 tmp_path: Path, astronaut: np.ndarray,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _restore(qtbot, tab, photo)
    messages: list[str] = []
    tab.message.connect(messages.append)
    four = np.ascontiguousarray(np.concatenate([np.concatenate([astronaut, astronaut], 1)] * 2, 0)[::2, ::2])
    path = write_image(tmp_path / "four.png", four)
    second_face, release = threading.Event(), threading.Event()
    calls: list[int] = []
    original = Restorer.run

    def held_run(self, batch):
        calls.append(batch.shape[0])
        if len(calls) == 2:  # hold the second face until the test has looked
            second_face.set()
            release.wait(30)
        return original(self, batch)

    monkeypatch.setattr(Restorer, "run", held_run)
    tab.open_files([path])
    qtbot.waitUntil(second_face.is_set, timeout=WAIT_MS)
    try:
        qtbot.waitUntil(lambda: tab.progress.value() == 1, timeout=5000)
        canvas = tab.compare.canvas
        assert canvas.photo_only and canvas.before_image().width() == four.shape[1]  # the new photo, not scaled
        assert np.array_equal(rgb_from_qimage(canvas.before_image()), four)
        assert messages[0] == ""  # the previous photo's status line went at once
        assert (tab.progress.minimum(), tab.progress.maximum()) == (0, 4)  # no endless stripe
        assert tab.progress_label.text() == "Restoring faces: 1 of 4 done…"
        assert tab.restoration is None and not tab.save_action.isEnabled()
    finally:
        release.set()
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.is_busy(), timeout=WAIT_MS)
    assert not tab.compare.canvas.photo_only and tab.restoration.name == "four.png"


def test_the_pipeline_warms_up_while_the_tab_is_idle(qtbot, tiny: Path, photo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from core import session

    held, release = threading.Event(), threading.Event()
    original = session.warm_up

    def held_warm_up(cache, settings, cancel=None):
        original(cache, settings, cancel)
        held.set()
        release.wait(30)

    monkeypatch.setattr(session, "warm_up", held_warm_up)
    widget = RestoreTab()
    qtbot.addWidget(widget)
    try:
        qtbot.waitUntil(held.is_set, timeout=WAIT_MS)
        # warm, before any photo: the model is loaded, and the tab shows no work in progress
        assert widget.cache.pipeline is not None and Path(widget.cache.pipeline.settings.model) == tiny
        assert widget.runner.busy and not widget.is_busy()
        assert widget.options.isEnabled() and widget.options.model_combo.isEnabled()
        assert not widget.progress.isVisibleTo(widget) and not widget.cancel_button.isVisibleTo(widget)
        warm = widget.cache.pipeline.restorer
        widget.open_files([photo])  # stops what is left of the warm-up; the loaded model stays
        release.set()
        qtbot.waitUntil(lambda: widget.restoration is not None and not widget.runner.busy, timeout=WAIT_MS)
        assert widget.restoration.face_count == 1
        assert widget.cache.pipeline.restorer is warm  # the first photo used the model loaded at start-up
    finally:
        release.set()
        widget.shutdown()


def test_pasting_an_image_restores_it(qtbot, tab: RestoreTab, astronaut: np.ndarray) -> None:
    QGuiApplication.clipboard().setImage(to_qimage(np.ascontiguousarray(astronaut[::2, ::2])))
    tab.paste_action.trigger()
    qtbot.waitUntil(lambda: tab.restoration is not None and not tab.is_busy(), timeout=WAIT_MS)
    assert tab.restoration.source.path is None and tab.restoration.face_count == 1
    assert tab.default_target().name == "pasted_restored.png"


def test_no_installed_model_explains_what_to_do(qtbot, photo: Path) -> None:
    widget = RestoreTab()
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget._models_known and not widget.is_busy(), timeout=WAIT_MS)
    combo = widget.options.model_combo  # nothing installed: only the catalogue's face models, to download
    assert combo.currentData() is None and widget.options.settings().model is None
    assert [combo.itemData(i) for i in range(1, combo.count())] == ["catalogue:gfpgan-1.4", "catalogue:codeformer"]
    widget.open_files([photo])
    qtbot.waitUntil(lambda: widget._error_box is not None, timeout=5000)
    assert "Models" in widget._error_box.informativeText() + widget._error_box.text()
    widget._error_box.close()
    widget.shutdown()


def test_options_are_remembered(qtbot, tiny: Path) -> None:
    first = RestoreTab()
    qtbot.addWidget(first)
    qtbot.waitUntil(lambda: first.options.model_combo.currentData() is not None, timeout=WAIT_MS)
    first.options.scale_combo.setCurrentIndex(first.options.scale_combo.findData(4))
    first.options.blend_slider.setValue(70)
    first.shutdown()  # the window closing stores the options
    second = RestoreTab()
    qtbot.addWidget(second)
    settings = second.options.settings()
    assert settings.scale == 4 and settings.blend == pytest.approx(0.7)
    qtbot.waitUntil(lambda: not second.is_busy(), timeout=WAIT_MS)
    second.shutdown()


def test_retinaface_is_downloaded_only_after_asking(qtbot, tab: RestoreTab, monkeypatch: pytest.MonkeyPatch) -> None:
    fetched: list[str] = []

    def fake_fetch(name: str, progress) -> Path:
        fetched.append(name)
        progress(1024, 2048, "downloading")
        target = weights_path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"weights")
        return target

    monkeypatch.setattr("gui.detector_download.fetch_weights", fake_fetch)
    answers = [False, True]
    monkeypatch.setattr(tab, "ask", lambda title, text: answers.pop(0))
    combo = tab.options.detector_combo
    combo.setCurrentIndex(combo.findData("retinaface-mobile"))
    assert tab.options.settings().detect.detector == "yunet" and fetched == []  # declined: back to YuNet
    combo.setCurrentIndex(combo.findData("retinaface-mobile"))
    qtbot.waitUntil(lambda: bool(fetched) and not tab.is_busy(), timeout=WAIT_MS)
    assert fetched == ["retinaface-mobile"] and tab.options.settings().detect.detector == "retinaface-mobile"
    combo.setCurrentIndex(combo.findData("yunet"))
    combo.setCurrentIndex(combo.findData("retinaface-mobile"))  # installed now: no second question
    assert answers == [] and fetched == ["retinaface-mobile"]


def test_the_engine_stages_are_named_in_the_interface_language(qtbot, tab: RestoreTab) -> None:
    shown = (Stage.LOAD_MODEL, Stage.DETECT, Stage.RESTORE, Stage.BACKGROUND, Stage.PASTE)
    english = {stage: tab.stage_text(Progress(stage, 1, 3)) for stage in shown}
    assert english[Stage.RESTORE] == "Restoring faces: 1 of 3 done…" and all(english.values())
    assert tab.stage_text(Progress(None, 1, 3)) == ""  # free words (a file name) are never shown as a stage
    i18n.install_language("zh_CN")
    try:
        chinese = {stage: tab.stage_text(Progress(stage, 1, 3)) for stage in shown}
    finally:
        i18n.install_language(i18n.ENGLISH)
    assert [stage for stage in shown if chinese[stage] == english[stage]] == []
    assert "1" in chinese[Stage.RESTORE] and "3" in chinese[Stage.RESTORE]
