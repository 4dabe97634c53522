"""The restore options panel shared by the Restore and Batch tabs: model, upscale, blend, fidelity,
detector, background, device, force.

It only shows and edits options; running anything is the tab's business. ``settings()`` turns the
widgets into a validated core RestoreSettings. One widget for both tabs, so an option reads and
behaves the same in each; each tab remembers its own values (its QSettings prefix).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLayout, QPushButton,
                               QSlider, QWidget)

from core.config import DETECTORS, SCALES, DetectSettings, RestoreSettings
from core.downloads import CatalogueEntry, catalogue_entries_not_installed, format_bytes
from core.errors import FaceSRError, ModelError
from core.models.loading import ModelInfo, default_model_path, describe_models
from gui import settings as stored
from gui.i18n import fill

CHOOSE_FILE = "<choose>"  # background combo item that opens a file dialog
CATALOGUE_ITEM = "catalogue:"  # + name: a catalogue model not downloaded yet; choosing it offers the download


def catalogue_item_name(data: object) -> str | None:
    """The catalogue name behind a combo item's data, or None for an installed model or another item."""
    return data[len(CATALOGUE_ITEM):] if isinstance(data, str) and data.startswith(CATALOGUE_ITEM) else None


def catalogue_item_text(widget: QWidget, entry: CatalogueEntry) -> str:
    size = format_bytes(entry.info.display_size) if entry.info.display_size else "?"
    return fill(widget.tr("%1 (not downloaded, %2)"), entry.info.name, size)


def without_mnemonic(text: str) -> str:
    """A control's text as a message quotes it: "Also restore lar&ger faces" -> "Also restore larger faces"
    (and the Chinese "...(&G)" -> "...")."""
    return re.sub(r"\(&\w\)", "", text).replace("&", "")



def installed_models() -> tuple[list[ModelInfo | ModelError], Path | None]:
    """Every installed model described (or the error that keeps it out) and the default face model, None
    when none is installed: what ``set_models`` and the Models dialog show. Slow, it loads every model file:
    call it in a worker."""
    try:
        default: Path | None = default_model_path()
    except FaceSRError:
        default = None
    return describe_models(), default

def cuda_available() -> bool:
    import torch  # already imported by core; asked lazily so the panel builds without touching a GPU

    return bool(torch.cuda.is_available())


class RestoreOptions(QWidget):
    """Option widgets; ``inference_changed`` when the model must run again, ``blend_changed`` when not."""

    inference_changed = Signal()
    detector_changed = Signal(str)
    blend_changed = Signal()
    manage_models = Signal()
    download_requested = Signal(str)  # a catalogue model not downloaded yet was chosen (the list went back)

    def __init__(self, parent: QWidget | None = None, prefix: str = stored.RESTORE_PREFIX) -> None:
        super().__init__(parent)
        self.prefix = prefix  # where this tab's options are remembered
        self._infos: dict[str, ModelInfo] = {}
        self._previous_background = 0
        self._previous_model = 0
        self._catalogue: list[CatalogueEntry] = []
        self._previous_detector = "yunet"
        self.model_combo = QComboBox()
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(14)
        self.models_button = QPushButton()
        self.scale_combo = QComboBox()
        for scale in SCALES:
            self.scale_combo.addItem(f"{scale}×", scale)
        self.blend_slider, self.blend_value = self._slider()
        self.fidelity_slider, self.fidelity_value = self._slider()
        self.detector_combo = QComboBox()
        for name in DETECTORS:
            self.detector_combo.addItem(name, name)
        self.background_combo = QComboBox()
        self.background_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.background_combo.setMinimumContentsLength(14)
        self.device_combo = QComboBox()
        for device in ("auto", "cpu") + (("cuda",) if cuda_available() else ()):
            self.device_combo.addItem(device, device)
        self.force_check = QCheckBox()  # the command line's --force
        self.labels = {name: QLabel() for name in
                       ("model", "scale", "blend", "fidelity", "detector", "background", "device")}
        self._layout_widgets()
        self._connect()
        self.apply(stored.restore_settings(prefix))
        self.retranslate()

    @staticmethod
    def _slider() -> tuple[QSlider, QLabel]:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(0, 100)
        slider.setPageStep(10)
        value = QLabel()
        value.setMinimumWidth(36)
        return slider, value

    def _layout_widgets(self) -> None:
        form = QFormLayout(self)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.models_button)
        rows: list[tuple[str, QWidget | QLayout]] = [("model", model_row), ("scale", self.scale_combo), ("blend", self._with_value(self.blend_slider,
                self.blend_value)), ("fidelity", self._with_value(self.fidelity_slider, self.fidelity_value)),
                ("detector", self.detector_combo), ("background", self.background_combo),
                ("device", self.device_combo)]
        for name, field in rows:
            if isinstance(field, QLayout):  # addRow's overloads take one or the other, not the union
                form.addRow(self.labels[name], field)
            else:
                form.addRow(self.labels[name], field)
        form.addRow(self.force_check)
        for name, buddy in (("model", self.model_combo), ("scale", self.scale_combo), ("blend", self.blend_slider),
                            ("fidelity", self.fidelity_slider), ("detector", self.detector_combo),
                            ("background", self.background_combo), ("device", self.device_combo)):
            self.labels[name].setBuddy(buddy)  # Alt + the label's underlined letter focuses the control

    @staticmethod
    def _with_value(slider: QSlider, value: QLabel) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(slider, 1)
        row.addWidget(value)
        return row

    def _connect(self) -> None:
        self.models_button.clicked.connect(self.manage_models)
        self.model_combo.currentIndexChanged.connect(self._model_chosen)
        self.scale_combo.currentIndexChanged.connect(self._inference_option)
        self.fidelity_slider.valueChanged.connect(self._show_values)
        self.fidelity_slider.sliderReleased.connect(self._inference_option)
        self.fidelity_slider.valueChanged.connect(self._fidelity_keyboard)
        self.blend_slider.valueChanged.connect(self._show_values)
        self.blend_slider.valueChanged.connect(self.blend_changed)
        self.detector_combo.currentIndexChanged.connect(self._detector_chosen)
        self.background_combo.activated.connect(self._background_chosen)
        self.device_combo.currentIndexChanged.connect(self._inference_option)
        self.force_check.toggled.connect(self._inference_option)

    # --- values ----------------------------------------------------------------------------------

    def settings(self) -> RestoreSettings:
        """The options as core settings (model None when no model is installed)."""
        return RestoreSettings(
            scale=int(self.scale_combo.currentData()), model=self._chosen(self.model_combo, self._wanted_model),
            detect=DetectSettings(detector=str(self.detector_combo.currentData())),
            blend=self.blend(), fidelity=self.fidelity_slider.value() / 100,
            bg_model=self._chosen(self.background_combo, self._wanted_background),
            device=str(self.device_combo.currentData()), force_small_model=self.force_check.isChecked(),
            cpu_backend=stored.cpu_backend())

    @staticmethod
    def _chosen(combo: QComboBox, remembered: str | None) -> str | None:
        # before the model lists are read, the remembered choice stands (a batch may start at once)
        return (combo.currentData() or None) if combo.count() else remembered

    def remember(self) -> None:
        """Store the options under this panel's prefix (QSettings writes go to the disk: not per slider step)."""
        stored.save_restore_settings(self.settings(), self.prefix)

    def blend(self) -> float:
        return self.blend_slider.value() / 100

    def model_info(self) -> ModelInfo | None:
        return self._infos.get(self.model_combo.currentData() or "")

    def apply(self, settings: RestoreSettings) -> None:
        """Show ``settings`` (models are chosen once known, in ``set_models``) without emitting changes."""
        self._wanted_model, self._wanted_background = settings.model, settings.bg_model
        for widget in (self.scale_combo, self.blend_slider, self.fidelity_slider, self.detector_combo,
                       self.device_combo, self.force_check):
            widget.blockSignals(True)
        self.scale_combo.setCurrentIndex(max(0, self.scale_combo.findData(settings.scale)))
        self.blend_slider.setValue(round(settings.blend * 100))
        self.fidelity_slider.setValue(round(settings.fidelity * 100))
        self.detector_combo.setCurrentIndex(max(0, self.detector_combo.findData(settings.detect.detector)))
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(settings.device)))
        self.force_check.setChecked(settings.force_small_model)
        self._previous_detector = str(self.detector_combo.currentData())
        for widget in (self.scale_combo, self.blend_slider, self.fidelity_slider, self.detector_combo,
                       self.device_combo, self.force_check):
            widget.blockSignals(False)
        self._show_values()

    def set_models(self, described: list[ModelInfo | ModelError], default: Path | None,
                   select: str | None = None) -> None:
        """Fill the model and background lists; the default model comes first. ``select``: a path to choose."""
        infos = [item for item in described if isinstance(item, ModelInfo)]
        faces = sorted((i for i in infos if i.kind == "face"), key=lambda i: (i.path != default, i.name.lower()))
        self._infos = {str(info.path): info for info in infos}
        wanted = select or (self.model_combo.currentData() if self.model_combo.count() else None) \
            or self._wanted_model
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for info in faces:
            self.model_combo.addItem(info.name, str(info.path))
        if not faces:
            self.model_combo.addItem("", None)
        self._catalogue = catalogue_entries_not_installed()
        self._add_catalogue_items(self.model_combo, "face")
        index = self.model_combo.findData(str(wanted)) if wanted else -1
        self.model_combo.setCurrentIndex(max(0, index))
        self._previous_model = self.model_combo.currentIndex()
        self.model_combo.setEnabled(bool(faces) or self.model_combo.count() > 1)
        self.model_combo.blockSignals(False)
        self._fill_backgrounds([i for i in infos if i.kind == "sr"], select)
        self._update_fidelity()
        self.retranslate()

    def _add_catalogue_items(self, combo: QComboBox, kind: str) -> None:
        for entry in self._catalogue:
            if entry.info.kind == kind:
                combo.addItem(catalogue_item_text(self, entry), CATALOGUE_ITEM + entry.info.name)
                combo.setItemData(combo.count() - 1, fill(self.tr("%1; licence: %2. Choose it to download it."),
                                                          entry.info.description, entry.info.licence),
                                  Qt.ItemDataRole.ToolTipRole)

    def _fill_backgrounds(self, models: list[ModelInfo], select: str | None = None) -> None:
        current = self.background_combo.currentData() if self.background_combo.count() else self._wanted_background
        if select and any(str(info.path) == select for info in models):
            current = select  # a background model just downloaded or imported
        self.background_combo.blockSignals(True)
        self.background_combo.clear()
        self.background_combo.addItem("", "")  # plain bicubic; text set in retranslate
        for info in models:
            self.background_combo.addItem(info.name, str(info.path))
        if current and self.background_combo.findData(current) < 0 and Path(current).is_file():
            self.background_combo.addItem(Path(current).name, current)
        self._add_catalogue_items(self.background_combo, "sr")
        self.background_combo.addItem("", CHOOSE_FILE)
        self.background_combo.setCurrentIndex(max(0, self.background_combo.findData(current or "")))
        self._previous_background = self.background_combo.currentIndex()
        self.background_combo.blockSignals(False)

    def set_inference_enabled(self, enabled: bool) -> None:
        """Options that need the model are locked while it runs; blend stays live."""
        for widget in (self.model_combo, self.models_button, self.scale_combo, self.detector_combo,
                       self.background_combo, self.device_combo, self.force_check):
            widget.setEnabled(enabled)
        self.model_combo.setEnabled(enabled and (self.model_combo.count() > 1 or  # catalogue items to choose
                                                 bool(self._infos) and self.model_combo.currentData() is not None))
        self._update_fidelity(enabled)

    def revert_detector(self) -> None:
        """Back to the detector chosen before (the user declined a download)."""
        self.detector_combo.blockSignals(True)
        self.detector_combo.setCurrentIndex(max(0, self.detector_combo.findData(self._previous_detector)))
        self.detector_combo.blockSignals(False)

    # --- reactions -------------------------------------------------------------------------------

    def _model_chosen(self) -> None:
        name = catalogue_item_name(self.model_combo.currentData())
        if name is not None:  # not downloaded: back to the model used so far, and offer the download
            self.model_combo.blockSignals(True)
            self.model_combo.setCurrentIndex(self._previous_model)
            self.model_combo.blockSignals(False)
            self.download_requested.emit(name)
            return
        self._previous_model = self.model_combo.currentIndex()
        self._update_fidelity()
        self.retranslate()  # the model's tooltip tells its architecture and size
        self.inference_changed.emit()

    def _inference_option(self) -> None:
        self.inference_changed.emit()

    def _fidelity_keyboard(self) -> None:
        # a drag reports on release; keys and clicks on the groove change the value at once
        if not self.fidelity_slider.isSliderDown():
            self.inference_changed.emit()

    def _detector_chosen(self) -> None:
        name = str(self.detector_combo.currentData())
        self.detector_changed.emit(name)

    def accept_detector(self) -> None:
        self._previous_detector = str(self.detector_combo.currentData())

    def _background_chosen(self, index: int) -> None:
        name = catalogue_item_name(self.background_combo.itemData(index))
        if name is not None:
            self.background_combo.setCurrentIndex(self._previous_background)
            self.download_requested.emit(name)
            return
        if self.background_combo.itemData(index) == CHOOSE_FILE:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("Background super-resolution model"), str(stored.folder("models")),
                self.tr("Model files (*.pth *.safetensors *.ckpt *.pt)"))
            if not path:
                self.background_combo.setCurrentIndex(self._previous_background)
                return
            stored.remember_folder("models", Path(path))
            self.background_combo.insertItem(index, Path(path).name, path)
            self.background_combo.setCurrentIndex(index)
        if self.background_combo.currentIndex() != self._previous_background:
            self._previous_background = self.background_combo.currentIndex()
            self.inference_changed.emit()

    def _update_fidelity(self, enabled: bool = True) -> None:
        info = self.model_info()
        has_fidelity = bool(info and info.supports_fidelity)
        self.fidelity_slider.setEnabled(enabled and has_fidelity)
        self.fidelity_value.setEnabled(has_fidelity)

    def _show_values(self) -> None:
        self.blend_value.setText(f"{self.blend_slider.value()}%")
        self.fidelity_value.setText(f"{self.fidelity_slider.value() / 100:.2f}")

    # --- texts -----------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        label_texts = {"model": self.tr("&Model:"), "scale": self.tr("&Upscale:"), "blend": self.tr("B&lend:"),
                       "fidelity": self.tr("Fidelit&y:"), "detector": self.tr("&Detector:"),
                       "background": self.tr("Bac&kground:"), "device": self.tr("Dev&ice:")}
        for name, text in label_texts.items():
            self.labels[name].setText(text)
        self.models_button.setText(self.tr("Models…"))  # no mnemonic: Ctrl+M, and every letter is taken
        self.models_button.setToolTip(self.tr("Import, inspect and choose the default face model (Ctrl+M)"))
        if self.model_combo.count() >= 1 and self.model_combo.itemData(0) is None:
            self.model_combo.setItemText(0, self.tr("No face model installed"))
        info = self.model_info()
        self.model_combo.setToolTip(
            fill(self.tr("The face restoration model: %1, %2 px faces, %3 parameters"), info.arch, info.input_size,
                 f"{info.parameters:,}") if info else
            self.tr("No face model is installed: import one with Models… or train one in the Train tab"))
        self.scale_combo.setToolTip(self.tr("How many times larger the whole photo becomes"))
        self.blend_slider.setToolTip(self.tr("0% keeps the original faces, 100% uses the restored faces; "
                                             "changes at once, without running the model"))
        self.fidelity_slider.setToolTip(self.tr("This model has no fidelity weight")
                                        if info is not None and not info.supports_fidelity else
                                        self.tr("Quality (0) against faithfulness to the input (1); only for "
                                                "models that have this weight, such as CodeFormer"))
        detector_texts = {"yunet": self.tr("YuNet (built in)"),
                          "retinaface": self.tr("RetinaFace ResNet-50 (download, 104 MB)"),
                          "retinaface-mobile": self.tr("RetinaFace MobileNet (download, 1.7 MB)")}
        for index in range(self.detector_combo.count()):
            self.detector_combo.setItemText(index, detector_texts[self.detector_combo.itemData(index)])
        self.detector_combo.setToolTip(self.tr("Which face detector finds the faces; RetinaFace needs a one-time "
                                               "download and finds more small and turned faces"))
        for index in range(self.background_combo.count()):
            data = self.background_combo.itemData(index)
            if data == "":
                self.background_combo.setItemText(index, self.tr("Bicubic (plain upscaling)"))
            elif data == CHOOSE_FILE:
                self.background_combo.setItemText(index, self.tr("Other model file…"))
        self._retranslate_catalogue_items()
        self.background_combo.setToolTip(self.tr("How the photo around the faces is enlarged: plainly, or with a "
                                                 "super-resolution model such as Real-ESRGAN"))
        device_texts = {"auto": self.tr("Automatic"), "cpu": self.tr("CPU"), "cuda": self.tr("GPU (CUDA)")}
        for index in range(self.device_combo.count()):
            self.device_combo.setItemText(index, device_texts[self.device_combo.itemData(index)])
        self.device_combo.setToolTip(self.tr("Where the model runs; Automatic uses the GPU when there is one"))
        self.force_check.setText(self.tr("Also restore lar&ger faces"))
        self.force_check.setToolTip(self.tr(
            "Also restore faces larger than the model input. They must be shrunk to the model's face size first, "
            "which can lose detail; unticked, they are upscaled with the background instead"))

    def _retranslate_catalogue_items(self) -> None:
        entries = {CATALOGUE_ITEM + entry.info.name: entry for entry in self._catalogue}
        for combo in (self.model_combo, self.background_combo):
            for index in range(combo.count()):
                entry = entries.get(combo.itemData(index))
                if entry is not None:
                    combo.setItemText(index, catalogue_item_text(self, entry))

    def force_text(self) -> str:
        """The force option's visible text without its mnemonic, for messages that name it."""
        return without_mnemonic(self.force_check.text())
