""""Use this model": before a run's best model joins the model lists, show what it is worth and ask.

A model can score below plain bicubic upscaling (a short run), and one trained on small faces takes
a small input: a photo's faces larger than that are left to the background upscaler, so a switch to
it can restore no face at all. The dialog shows both facts, warns about the first, and only switches
the Restore tab to the model when asked to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from core.errors import ModelError
from core.models.loading import find_model_files
from core.models.store import read_metadata
from gui.i18n import fill
from gui.tab_support import fit_title

FORBIDDEN_NAME_CHARACTERS = set('<>:"/\\|?*')  # path separators, and what Windows refuses in a file name
MAX_NAME_LENGTH = 100
WARNING_STYLE = "color: #c62828; font-weight: bold;"


@dataclass(frozen=True)
class ModelFacts:
    """What a run's model file says about itself: its best validation scores, bicubic's, its input."""

    input_size: int
    scale: int
    step: int | None = None
    psnr_y: float | None = None
    ssim_y: float | None = None
    bicubic_psnr_y: float | None = None
    bicubic_ssim_y: float | None = None

    @property
    def measured(self) -> bool:
        return self.psnr_y is not None and self.bicubic_psnr_y is not None

    @property
    def below_bicubic(self) -> bool:
        return self.psnr_y is not None and self.bicubic_psnr_y is not None and self.psnr_y < self.bicubic_psnr_y


def read_model_facts(path: Path) -> ModelFacts:
    """The facts in a model file's metadata (its header only: no weights are loaded); ModelError naming
    the file when it is not a FaceSR model."""
    metadata = read_metadata(path)
    if metadata is None:
        raise ModelError(path, "this .safetensors file has no FaceSR metadata")
    training = _table(metadata.training)
    best, bicubic = _table(training.get("best")), _table(training.get("bicubic"))
    step = best.get("step")
    return ModelFacts(input_size=int(metadata.input_size), scale=int(metadata.scale),
                      step=step if isinstance(step, int) else None,
                      psnr_y=_number(best.get("psnr_y")), ssim_y=_number(best.get("ssim_y")),
                      bicubic_psnr_y=_number(bicubic.get("psnr_y")), bicubic_ssim_y=_number(bicubic.get("ssim_y")))


def _table(value: object) -> dict[str, Any]:
    """``value`` when the metadata holds a table there, else an empty one (a hand-made file may hold anything)."""
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def name_problem(name: str, taken: set[str]) -> str | None:
    """Why ``name`` cannot name a model file: "empty", "long", "characters" (it would leave the model
    folder or be refused by a file system) or "taken"; None when it can. ``taken``: the names in use."""
    if not name:
        return "empty"
    if len(name) > MAX_NAME_LENGTH:
        return "long"
    if name.startswith(".") or FORBIDDEN_NAME_CHARACTERS & set(name) or any(ord(c) < 32 for c in name):
        return "characters"
    if name.casefold() in {known.casefold() for known in taken}:  # case-insensitive file systems
        return "taken"
    return None


class UseModelDialog(QDialog):
    """The model's scores against bicubic, its input size, the name it gets in the model lists, and
    whether the Restore tab switches to it."""

    def __init__(self, facts: ModelFacts, run_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("use-model-dialog")
        self.facts = facts
        self._taken = {path.stem for path in find_model_files()}
        self.intro, self.psnr_value, self.ssim_value, self.input_value = QLabel(), QLabel(), QLabel(), QLabel()
        self.warning, self.name_problem = QLabel(), QLabel()
        for label in (self.intro, self.input_value, self.warning, self.name_problem):
            label.setWordWrap(True)
        for label in (self.warning, self.name_problem):
            label.setStyleSheet(WARNING_STYLE)
        self.name_edit = QLineEdit(run_name)
        self.switch_check = QCheckBox()
        self.switch_check.setChecked(facts.measured and not facts.below_bicubic)  # a worse model: only on request
        self.labels = {key: QLabel() for key in ("psnr", "ssim", "input", "name")}
        self.labels["name"].setBuddy(self.name_edit)
        form = QFormLayout()
        for key, value in (("psnr", self.psnr_value), ("ssim", self.ssim_value), ("input", self.input_value),
                           ("name", self.name_edit)):
            form.addRow(self.labels[key], value)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.name_problem)
        layout.addWidget(self.switch_check)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._check_name)
        self.warning.setVisible(facts.below_bicubic)
        self.retranslate()
        self.setMinimumWidth(520)
        fit_title(self)
        self.name_edit.selectAll()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def switch(self) -> bool:
        return self.switch_check.isChecked()

    def _check_name(self) -> None:
        problem = name_problem(self.name(), self._taken)
        texts = {"empty": self.tr("Type a name for the model."),
                 "long": fill(self.tr("The name is too long (at most %1 characters)."), MAX_NAME_LENGTH),
                 "characters": self.tr("A name cannot start with a dot or hold any of < > : \" / \\ | ? *"),
                 "taken": fill(self.tr("A model named \u201c%1\u201d already exists: choose another name."),
                               self.name())}
        self.name_problem.setText(texts.get(problem, "") if problem else "")
        self.name_problem.setVisible(problem is not None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        f = self.facts
        self.setWindowTitle(self.tr("Use this model"))
        at_step = fill(self.tr(" (best validation, step %1)"), f.step) if f.step is not None else ""
        self.intro.setText(fill(self.tr("Add the run\u2019s best model to the model lists%1."), at_step))
        self.labels["psnr"].setText(self.tr("PSNR-Y:"))
        self.labels["ssim"].setText(self.tr("SSIM-Y:"))
        self.labels["input"].setText(self.tr("Input size:"))
        self.labels["name"].setText(self.tr("&Name in the model lists:"))
        unmeasured = self.tr("not measured (the run has not validated yet)")
        if f.psnr_y is not None and f.bicubic_psnr_y is not None:
            self.psnr_value.setText(
                fill(self.tr("%1 dB; bicubic upscaling %2 dB (%3 dB)"), f"{f.psnr_y:.2f}", f"{f.bicubic_psnr_y:.2f}",
                     f"{f.psnr_y - f.bicubic_psnr_y:+.2f}"))
        else:
            self.psnr_value.setText(unmeasured)
        if f.ssim_y is not None and f.bicubic_ssim_y is not None:
            self.ssim_value.setText(fill(self.tr("%1; bicubic upscaling %2"), f"{f.ssim_y:.4f}",
                                         f"{f.bicubic_ssim_y:.4f}"))
        else:
            self.ssim_value.setText(unmeasured)
        self.input_value.setText(fill(self.tr(
            "%1\u00d7%1 px faces, enlarged \u00d7%2. Faces larger than %1 px in a photo are left to "
            "the background upscaler (a face is never made worse), so photos with large faces may get no face "
            "restored."), f.input_size, f.scale))
        self.warning.setText(self.tr("This model scores below plain bicubic upscaling: it makes faces worse. "
                                     "Train it longer before using it."))
        self.switch_check.setText(self.tr("&Switch the Restore tab to this model now"))
        self.switch_check.setToolTip(self.tr("Otherwise the model is added to the lists and the Restore tab keeps "
                                             "its current model"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Add the model"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self._check_name()
        fit_title(self)
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
