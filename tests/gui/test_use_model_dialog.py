""""Use this model": the dialog shows the scores against bicubic and the input size, warns about a model
below bicubic, proposes switching only to a useful model, refuses names that are taken or leave the
model folder, and is wide enough for its title; the window switches the Restore tab only when asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from core.errors import ModelError
from core.models.registry import build_generator
from core.models.store import ModelMetadata, save_generator
from core.paths import user_models_dir
from gui.tab_support import title_width
from gui.use_model_dialog import ModelFacts, UseModelDialog, name_problem, read_model_facts

TINY = {"num_groups": 1, "num_blocks": 1, "channels": 8, "reduction": 4, "scale": 4}


def model_file(path: Path, psnr: float | None, bicubic: float | None) -> Path:
    training = {"best": {"psnr_y": psnr, "ssim_y": 0.71, "step": 40} if psnr is not None else None,
                "bicubic": {"psnr_y": bicubic, "ssim_y": 0.72} if bicubic is not None else None}
    save_generator(path, build_generator("rcan", TINY), ModelMetadata(
        arch="rcan", arch_args=TINY, scale=4, input_size=16, name="20250101-run-id", training=training))
    return path


def test_the_facts_come_from_the_file_header(tmp_path: Path) -> None:
    facts = read_model_facts(model_file(tmp_path / "best.safetensors", 24.00, 24.18))
    assert facts == ModelFacts(input_size=16, scale=4, step=40, psnr_y=24.00, ssim_y=0.71, bicubic_psnr_y=24.18,
                               bicubic_ssim_y=0.72)
    assert facts.below_bicubic
    unvalidated = read_model_facts(model_file(tmp_path / "early.safetensors", None, None))
    assert not unvalidated.measured and not unvalidated.below_bicubic
    (tmp_path / "junk.safetensors").write_bytes(b"not a model")
    with pytest.raises(ModelError, match=r"junk\.safetensors"):
        read_model_facts(tmp_path / "junk.safetensors")


def test_a_model_below_bicubic_is_shown_with_a_warning_and_not_switched_to(qtbot) -> None:
    facts = ModelFacts(input_size=16, scale=4, step=40, psnr_y=24.00, ssim_y=0.71, bicubic_psnr_y=24.18,
                       bicubic_ssim_y=0.72)
    dialog = UseModelDialog(facts, "20250101-run-id")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.warning.isVisible() and "below plain bicubic" in dialog.warning.text()
    assert "24.00 dB" in dialog.psnr_value.text() and "24.18 dB" in dialog.psnr_value.text()
    assert "-0.18 dB" in dialog.psnr_value.text()
    assert dialog.input_value.text().startswith("16\u00d716 px") and "\u00d74" in dialog.input_value.text()
    assert not dialog.switch()  # asking is not switching: a worse model is used only when the user ticks it
    assert dialog.width() >= title_width(dialog)  # "Use this model — FaceSR Studio" is not cut off


def test_a_model_above_bicubic_is_proposed_for_the_restore_tab(qtbot) -> None:
    facts = ModelFacts(input_size=64, scale=4, step=300, psnr_y=28.5, ssim_y=0.85, bicubic_psnr_y=27.5,
                       bicubic_ssim_y=0.82)
    dialog = UseModelDialog(facts, "run")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.warning.isVisible() and dialog.switch() and "+1.00 dB" in dialog.psnr_value.text()


@pytest.mark.parametrize(("name", "problem"), [
    ("", "empty"), ("../outside", "characters"), ("a/b", "characters"), ("c:d", "characters"),
    (".hidden", "characters"), ("x" * 101, "long"), ("Mine", "taken"), ("my model 2", None)])
def test_names_that_are_taken_or_leave_the_model_folder_are_refused(name: str, problem: str | None) -> None:
    assert name_problem(name, {"mine", "facesr-faithful"}) == problem


def test_the_dialog_refuses_an_installed_name_before_copying(qtbot, tmp_path: Path) -> None:
    user_models_dir().mkdir(parents=True, exist_ok=True)
    model_file(user_models_dir() / "taken.safetensors", 30.0, 28.0)
    facts = ModelFacts(input_size=16, scale=4)
    dialog = UseModelDialog(facts, "taken")
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "already exists" in dialog.name_problem.text()
    dialog.name_edit.setText("fresh")
    assert ok.isEnabled() and not dialog.name_problem.isVisible()
    assert "not measured" in dialog.psnr_value.text() and not dialog.switch()


def test_the_window_switches_the_restore_tab_only_when_asked(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    selected: list[str | None] = []
    monkeypatch.setattr(window.restore_tab, "refresh_models", lambda select=None: selected.append(select))
    window.train_tab.model_added.emit("/models/kept.safetensors", False)
    window.train_tab.model_added.emit("/models/chosen.safetensors", True)
    assert selected == [None, "/models/chosen.safetensors"]
    assert "uses it now" in window.statusBar().currentMessage()
