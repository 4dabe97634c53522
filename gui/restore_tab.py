"""The Restore tab: open photos, restore them in the worker thread, compare, choose faces, save.

Inference runs in one long-lived WorkerThread whose jobs share a core PipelineCache, so the model is
loaded once and reused until the model, device, detector or background model changes. The cache is
only touched inside jobs (the worker runs one at a time), never from the UI thread. Blend and face
selection re-composite in a second WorkerThread, the composer (core.pipeline.compose through
Restoration.composite, then the display pyramid), so a slider drag never waits behind a restore; the
model does not run again.

Opening is a job of its own: a photo is decoded first and only then replaces the shown one (shown at
once as the "before" image, then restored), so a file that cannot be read leaves the shown photo, its
result and its save target untouched. While no photo is open, a "warm" job loads the chosen model and
runs each stage once, so the first photo is as quick as the next; it counts as no work in progress.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QProgressBar,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from core import session
from core.downloads import weights_info
from core.config import RestoreSettings
from core.imaging import resize_to
from core.io import IMAGE_EXTENSIONS, LoadedImage, read_image, write_image
from core.pipeline import LARGER_FACE_MODEL_INPUT, larger_model_for
from core.progress import CancelToken, ProgressCallback, Stage
from core.session import PipelineCache, Restoration
from gui import settings as stored
from gui.compare_view import MIN_LEVEL_SIDE, CompareView, Pyramid
from gui.detector_download import DetectorDownload, needs_download
from gui.face_strip import FaceStrip
from gui.model_list import Listing, ModelList
from gui.i18n import fill
from gui.qimage import from_qimage, to_qimage_levels
from gui.restore_options import RestoreOptions
from gui.tab_support import set_action_texts, show_error
from gui.worker import Job, JobQueue, Progress, WorkerThread, error_message

log = logging.getLogger(__name__)

RECOMPOSE_DELAY_MS = 15  # a slider drag's many steps give at most one re-composite per 15 ms
SAVE_FILTERS = {".png": "PNG (*.png)", ".jpg": "JPEG (*.jpg *.jpeg)", ".webp": "WebP (*.webp)",
                ".tif": "TIFF (*.tif *.tiff)"}
STAGES = ("detect", "align", "restore", "mask", "background", "paste")


@dataclass(frozen=True)
class Source:
    """A photo to restore: a file (decoded in the worker) or an image pasted from the clipboard."""

    name: str
    path: Path | None = None
    image: LoadedImage | None = None

    def load(self, max_pixels: int) -> LoadedImage:
        """The pasted image, or the file decoded (call it in the worker: a large file takes a while)."""
        if self.image is not None:
            return self.image
        assert self.path is not None, "a Source is made from a file or from a pasted image"
        return read_image(self.path, max_pixels)


def picture(rgb: np.ndarray) -> Pyramid:
    """What the before/after view paints; made in worker threads (large images take a while)."""
    return Pyramid(to_qimage_levels(rgb, MIN_LEVEL_SIDE))


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS


def _warm_key(settings: RestoreSettings) -> tuple[object, ...]:
    """The options whose change makes a warm pipeline cold: the models, where they run, the detector."""
    return settings.model, settings.device, settings.bg_model, settings.detect.detector


class RestoreTab(QWidget):
    """See the module docstring. ``message`` carries status-bar texts; ``state_changed`` any busy/result change."""

    message = Signal(str)
    state_changed = Signal()
    manage_models = Signal()
    opened = Signal()  # new photos were opened (the window shows this tab)

    def __init__(self, parent: QWidget | None = None, models: ModelList | None = None) -> None:
        super().__init__(parent)
        self.models = models or ModelList(self)  # the window's, shared with the other model lists
        self._owns_models = models is None
        self._select: str | None = None  # the model to choose when the next listing arrives
        self.runner = WorkerThread(self)
        self.jobs = JobQueue(self.runner, self)  # open, restore, save, warm, download: one at a time
        self.composer = WorkerThread(self)  # re-composites, so they never wait behind a restore
        self._compose_wanted: tuple[Restoration, float, frozenset[int]] | None = None
        self.cache = PipelineCache(cpu_chunk=1)  # one face per pass on the CPU: Cancel answers within a face
        self.sources: list[Source] = []
        self.current = -1
        self.restoration: Restoration | None = None
        self.composite: np.ndarray | None = None  # what the After side shows and Save writes
        self.saved_to: Path | None = None
        self._decoded: tuple[Source, LoadedImage] | None = None  # the shown photo, decoded when it was opened
        self._opening: tuple[list[Source], int] | None = None  # the photo the running "open" job decodes
        self._warmed: tuple[object, ...] | None = None  # the options the pipeline was last warmed up with
        self._shut_down = False  # the window is closing: results still queued for the UI thread start no new job
        self._run_blend = 1.0  # the blend the running restore composes with
        self.downloads = DetectorDownload(self.jobs, self)
        self._models_known = False
        self._error_box: QMessageBox | None = None
        self._build()
        self._make_actions()
        self._connect()
        self.retranslate()
        self._update_state()
        self.refresh_models()

    # --- construction ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.options = RestoreOptions()
        self.compare = CompareView()
        self.faces = FaceStrip()
        self.image_combo = QComboBox()
        self.image_label = QLabel()
        self.image_label.setBuddy(self.image_combo)
        self.restore_button = QPushButton()
        self.cancel_button = QPushButton()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)  # faces done out of faces to restore; never an endless stripe
        self.progress.setTextVisible(False)
        self.progress_label = QLabel()
        self.options_box = QGroupBox()
        box_layout = QVBoxLayout(self.options_box)
        box_layout.addWidget(self.options)
        box_layout.addWidget(self.restore_button)
        box_layout.addStretch(1)
        images_row = QHBoxLayout()
        images_row.addWidget(self.image_label)
        images_row.addWidget(self.image_combo, 1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(images_row)
        right_layout.addWidget(self.compare, 1)
        right_layout.addWidget(self.faces)
        right_layout.addLayout(progress_row)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.options_box)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self._recompose_timer = QTimer(self)
        self._recompose_timer.setSingleShot(True)
        self._recompose_timer.setInterval(RECOMPOSE_DELAY_MS)

    def _make_actions(self) -> None:
        def action(shortcut: QKeySequence | QKeySequence.StandardKey | str | None, slot: Callable[[], None]) -> QAction:
            made = QAction(self)
            if shortcut is not None:
                made.setShortcut(QKeySequence(shortcut))
            made.triggered.connect(slot)
            return made

        self.open_action = action(QKeySequence.StandardKey.Open, self.choose_files)
        self.paste_action = action(QKeySequence.StandardKey.Paste, self.paste)
        self.save_action = action(QKeySequence.StandardKey.Save, self.save)
        self.save_as_action = action("Ctrl+Shift+S", self.save_as)
        self.restore_action = action("F5", self.restore_current)
        self.cancel_action = action("Esc", self.cancel)
        self.previous_action = action("Alt+Left", lambda: self.show_image(self.current - 1))
        self.next_action = action("Alt+Right", lambda: self.show_image(self.current + 1))
        # the window's menus show these same actions; the tab also owns them so its shortcuts work
        # when the tab is used on its own (tests, screenshots)
        self.addActions(self.actions_for_menu())

    def actions_for_menu(self) -> list[QAction]:
        return [self.open_action, self.paste_action, self.save_action, self.save_as_action, self.restore_action,
                self.cancel_action, self.previous_action, self.next_action]

    def _connect(self) -> None:
        self.restore_button.clicked.connect(self.restore_current)
        self.cancel_button.clicked.connect(self.cancel)
        self.image_combo.activated.connect(self.show_image)
        self.options.inference_changed.connect(self._inference_option_changed)
        self.options.detector_changed.connect(self._detector_changed)
        self.options.blend_changed.connect(self._schedule_recompose)
        self.options.manage_models.connect(self.manage_models)
        self.faces.selection_changed.connect(self._schedule_recompose)
        self.faces.face_activated.connect(self.zoom_to_face)
        self.faces.restore_requested.connect(self.restore_face)
        self._recompose_timer.timeout.connect(self.recompose)
        self.jobs.state_changed.connect(self._update_state)
        self.models.listed.connect(self._models_found)
        self.models.failed.connect(lambda message: self._show_error(self.tr("The models could not be read"), message))
        self.downloads.installed.connect(self._downloaded)
        self.downloads.abandoned.connect(self.options.revert_detector)
        self.downloads.failed.connect(lambda message: self._show_error(self.tr("The download failed"), message))

    # --- opening ---------------------------------------------------------------------------------

    def choose_files(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Open photos"), str(stored.folder("open")),
                                                fill(self.tr("Images (%1)"), patterns))
        if paths:
            self.open_files([Path(p) for p in paths])

    def open_files(self, paths: list[Path]) -> None:
        """Show these photos (the first at once); files that are not images are reported, not opened."""
        images = [p for p in paths if is_image_file(p)]
        others = [p for p in paths if not is_image_file(p)]
        if others:
            self.message.emit(fill(self.tr("Not opened (not an image file): %1"), ", ".join(p.name for p in others)))
        if not images:
            return
        stored.remember_folder("open", images[0].parent)
        self.set_sources([Source(name=p.name, path=p) for p in images])

    def paste(self) -> None:
        """An image on the clipboard (or image files copied in a file manager) becomes the current photo."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is not None and mime.hasImage():
            image = clipboard.image()
            if not image.isNull():
                rgb, alpha = from_qimage(image)
                is_gray = bool(np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]))
                loaded = LoadedImage(rgb=rgb, alpha=alpha, is_gray=is_gray, path=None, format="png")
                self.set_sources([Source(name=self.tr("pasted image"), image=loaded)])
                return
        if mime is not None and mime.hasUrls():
            self.open_files([Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()])
            return
        self.message.emit(self.tr("The clipboard holds no image."))

    def set_sources(self, sources: list[Source]) -> None:
        self.opened.emit()
        self._open(sources, 0)

    def show_batch_result(self, photo: Path, result: Path) -> None:
        """A file the Batch tab finished: its photo, plainly upscaled, left and the result the batch wrote
        right. No model runs; F5 restores the photo here with this tab's options."""
        if self.jobs.busy:
            self.jobs.later("restore", lambda: self.show_batch_result(photo, result))
            if self.jobs.running("restore"):
                self.jobs.cancel()
            return

        def job(cancel: CancelToken, progress: ProgressCallback) -> tuple[Pyramid, Pyramid]:
            written = read_image(result)
            original = read_image(photo)
            height, width = written.rgb.shape[:2]
            return picture(resize_to(original.rgb, width, height)), picture(written.rgb)

        self._start("restore", job, lambda pictures: self._batch_result_shown(photo, result, *pictures),
                    fill(self.tr("Opening %1…"), result.name))

    def _batch_result_shown(self, photo: Path, result: Path, before: Pyramid, after: Pyramid) -> None:
        self.sources, self.current = [Source(name=photo.name, path=photo)], 0
        self.image_combo.clear()
        self.image_combo.addItem(photo.name)
        # the written file is shown, not a restoration: nothing to re-composite or save here
        self.restoration, self.composite, self.saved_to = None, None, None
        self.faces.set_restoration(None)
        self.compare.canvas.set_images(before, after, keep_view=False)
        self.opened.emit()
        self.message.emit(fill(self.tr("%1: the Batch result %2 (right) against plain upscaling (left); "
                                       "Restore (F5) restores the photo here with these options"), photo.name, result))

    def show_image(self, index: int) -> None:
        if 0 <= index < len(self.sources):
            self._open(self.sources, index)

    def _open(self, sources: list[Source], index: int) -> None:
        """Decode ``sources[index]`` in the worker; only a photo that decoded becomes the shown one (then
        restored). One that cannot be read leaves the shown photo, its result and its save target as they
        were: a failed open never mixes two photos."""
        self.jobs.drop("open", "restore")
        if self.jobs.busy:
            self.jobs.later("open", lambda: self._open(sources, index))
            if self.jobs.running("open", "restore", "warm"):  # superseded (a restore warms up anyway)
                self.jobs.cancel()
            return
        source, max_pixels = sources[index], self.options.settings().max_pixels

        def job(cancel: CancelToken, progress: ProgressCallback) -> tuple[LoadedImage, Pyramid]:
            image = source.load(max_pixels)
            cancel.raise_if_cancelled()
            return image, picture(image.rgb)

        self._opening = (sources, index)
        self._start("open", job, lambda opened: self._opened(sources, index, *opened),
                    fill(self.tr("Opening %1…"), source.name))

    def _opened(self, sources: list[Source], index: int, image: LoadedImage, photo: Pyramid) -> None:
        if sources is not self.sources:
            self.sources = sources
            self.image_combo.clear()
            self.image_combo.addItems([source.name for source in sources])
        self.current = index
        self.image_combo.setCurrentIndex(index)
        self._decoded = (sources[index], image)
        self.restoration, self.composite, self.saved_to = None, None, None
        self.faces.set_restoration(None)
        self.compare.canvas.set_photo(photo)  # at once, as the "before" image, while it is restored
        self.message.emit("")  # the previous photo's line says nothing about this one
        self.restore_current()

    # --- restoring -------------------------------------------------------------------------------

    def restore_current(self) -> None:
        """Restore the current photo with the current options (after the running job, if any)."""
        if not 0 <= self.current < len(self.sources):
            return
        if self.jobs.busy:
            # a newer request replaces the one running: stop it and start this one when it ends
            self.jobs.later("restore", self.restore_current)
            if self.jobs.running("restore"):
                self.jobs.cancel()
            return
        settings = self.options.settings()
        if settings.model is None:
            if self._models_known:
                self._show_error(self.tr("No face model is installed"), self.tr(
                    "Import a model with Models… (Ctrl+M), for example GFPGANv1.4.pth, or train one in the Train "
                    "tab and press \u201cUse this model\u201d."))
            else:
                self.jobs.later("restore", self.restore_current)
            return
        source = self.sources[self.current]
        decoded = self._decoded[1] if self._decoded is not None and self._decoded[0] is source else None
        cache = self.cache
        self.jobs.drop("restore")  # this is it

        def job(cancel: CancelToken, progress: ProgressCallback) -> tuple[Restoration, Pyramid, Pyramid]:
            image = decoded or source.load(settings.max_pixels)
            restoration = session.restore(cache, settings, image, source.name, cancel, progress)
            # converting a large result takes a while: here, not in the UI thread
            result = restoration.result
            return restoration, picture(result.background), picture(result.image)

        self._start("restore", job, self._restored, fill(self.tr("Restoring %1…"), source.name))

    def _restored(self, outcome: tuple[Restoration, Pyramid, Pyramid]) -> None:
        restoration, before, after = outcome
        same_photo = self.restoration is not None and self.restoration.name == restoration.name
        self.restoration = restoration
        self.saved_to = None
        self.faces.set_restoration(restoration)
        self.composite = restoration.result.image
        self.compare.canvas.set_images(before, after, keep_view=same_photo)
        self.message.emit(self.summary(restoration))
        if self.options.blend() != self._run_blend:  # the pipeline pasted faces at the blend of the start
            self.recompose()

    def summary(self, restoration: Restoration) -> str:
        """Faces found and restored, then each stage's time: the status-bar line after a restore."""
        result = restoration.result
        names = {"detect": self.tr("detect"), "align": self.tr("align"), "restore": self.tr("restore"),
                 "mask": self.tr("mask"), "background": self.tr("background"), "paste": self.tr("paste")}
        times = " · ".join(fill(self.tr("%1 %2 s"), names[stage], f"{result.timings[stage]:.2f}")
                           for stage in STAGES if stage in result.timings)
        faces = fill(self.tr("%1: %2 face(s) found, %3 restored"), restoration.name, len(result.faces),
                     result.restored_count) + self._left_faces_text(restoration)
        return f"{faces} · {times}" if times else faces

    def _left_faces_text(self, restoration: Restoration) -> str:
        """What was left to the background and what would restore it (empty when nothing was left)."""
        left = restoration.result.left_faces
        if left is None:
            return ""
        model = larger_model_for(left)
        if model is None:
            return fill(self.tr(": %1 larger than the %2-px model; tick \u201c%3\u201d or press "
                                "\u201cRestore this face\u201d"), left.count, left.model_input,
                        self.options.force_text())
        return fill(self.tr(": %1 larger than the %2-px model; tick \u201c%3\u201d or use a %4-px model such as %5"),
                    left.count, left.model_input, self.options.force_text(), LARGER_FACE_MODEL_INPUT, model)

    def restore_face(self, index: int) -> None:
        """"Restore this face": restore face ``index`` alone with the warm model, no full re-run."""
        if self.restoration is None or self.jobs.busy or not 0 <= index < self.restoration.face_count:
            return
        restoration, settings, cache = self.restoration, self.options.settings(), self.cache
        selected = self.faces.selected() | {index}

        def job(cancel: CancelToken, progress: ProgressCallback) -> Restoration:
            return session.restore_face(cache, settings, restoration, index, cancel, progress)

        self._start("restore", job, lambda single: self._face_restored(single, restoration, selected),
                    fill(self.tr("Restoring face %1…"), index + 1))

    def _face_restored(self, single: Restoration, before: Restoration, selected: frozenset[int]) -> None:
        if self.restoration is not before:  # another photo or another run came meanwhile
            return
        self.restoration = single
        self.faces.set_restoration(single, selected)
        self.message.emit(self.summary(single))
        self.recompose()  # the current blend and face choices, the new face included

    def zoom_to_face(self, index: int) -> None:
        if self.restoration is not None and 0 <= index < self.restoration.face_count:
            x0, y0, x1, y1 = self.restoration.face_box(index)
            self.compare.canvas.show_rect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def recompose(self) -> None:
        """Paste the ticked faces at the current blend onto the background: no model involved.

        Done in a thread of its own (a 4096 px result takes a noticeable time to paste and convert);
        while one runs, only the newest request waits, so a slider drag never queues up work.
        """
        if self.restoration is None:
            return
        request = (self.restoration, self.options.blend(), self.faces.selected())
        if self.composer.busy:
            self._compose_wanted = request
            return
        restoration, blend, selected = request

        def job(cancel: CancelToken, progress: ProgressCallback) -> tuple[Restoration, np.ndarray, Pyramid]:
            rgb = restoration.composite(blend, selected)
            return restoration, rgb, picture(rgb)

        worker = self.composer.submit(job)
        worker.finished.connect(self._composed)
        worker.errored.connect(self._compose_failed)

    def _composed(self, outcome: tuple[Restoration, np.ndarray, Pyramid]) -> None:
        restoration, rgb, image = outcome
        if restoration is self.restoration:  # not a photo replaced in the meantime
            self.composite = rgb
            self.compare.canvas.set_after(image)
        self._next_compose()

    def _compose_failed(self, error: BaseException) -> None:
        self._show_error(self.tr("Error"), error_message(error))
        self._next_compose()

    def _next_compose(self) -> None:
        if self._compose_wanted is not None:
            self._compose_wanted = None
            self.recompose()

    def is_composing(self) -> bool:
        return self.composer.busy or self._compose_wanted is not None or self._recompose_timer.isActive()

    def _schedule_recompose(self, *_: object) -> None:
        # a throttle, not a debounce: while the slider is dragged the view follows every 15 ms
        if not self._recompose_timer.isActive():
            self._recompose_timer.start()

    def _inference_option_changed(self) -> None:
        self.options.remember()
        # a photo opened here whose restore failed is restored again too: the new options may fix it
        opened_here = self._decoded is not None and 0 <= self.current < len(self.sources) and \
            self._decoded[0] is self.sources[self.current]
        if self.restoration is not None or opened_here or self.is_busy():
            self.restore_current()
        elif self.current < 0:
            self.warm_up()  # nothing open yet: have the newly chosen model ready

    def cancel(self) -> None:
        self.jobs.drop()
        if self.jobs.busy:
            self.jobs.cancel()
            self.progress_label.setText(self.tr("Cancelling…"))

    # --- detector weights ------------------------------------------------------------------------

    def _detector_changed(self, name: str) -> None:
        if needs_download(name):
            if self.ask(*self.downloads.question(name)):
                self.progress_label.setText(self.tr("Downloading…"))
                self.downloads.start(name)
            else:
                self.options.revert_detector()
            return
        self.options.accept_detector()
        self._inference_option_changed()

    def _downloaded(self, name: str) -> None:
        self.message.emit(fill(self.tr("%1 is installed."), weights_info(name).description))
        self.options.accept_detector()
        self._inference_option_changed()

    # --- models ----------------------------------------------------------------------------------

    def refresh_models(self, select: str | None = None) -> None:
        """Re-read the installed models (the shared ModelList's job: loading them takes seconds); ``select`` a
        path in the list when it arrives."""
        self._select = select
        self.models.refresh()

    def _models_found(self, found: Listing) -> None:
        described, default = found
        select, self._select = self._select, None
        self._models_known = True
        self.options.set_models(described, default, select)
        if self.current < 0:
            self.warm_up()
        self.jobs.run_pending()  # a photo opened before the models were known

    def warm_up(self) -> None:
        """While no photo is open, load the chosen model and run each stage once on a blank image, so that
        the first photo restores as quickly as the next ones. It shows as no work in progress: the
        options stay usable, and an opened photo simply waits for it to end."""
        if self._shut_down:  # a model list that arrives after shutdown() waited for it must not restart the thread
            return
        settings = self.options.settings()
        if settings.model is None or _warm_key(settings) == self._warmed or \
                self.jobs.waiting("open", "restore"):  # a photo waits: it warms up
            return
        if self.jobs.busy:
            self.jobs.later("warm", self.warm_up)
            return
        cache, self._warmed = self.cache, _warm_key(settings)

        def job(cancel: CancelToken, progress: ProgressCallback) -> None:
            session.warm_up(cache, settings, cancel)

        self._start("warm", job, lambda _: None, "")

    # --- saving ----------------------------------------------------------------------------------

    def default_target(self) -> Path:
        source = self.sources[self.current]
        target = session.default_save_path(source.path, stored.folder("save"), name="pasted")
        output = stored.default_output_folder()  # Settings: one folder for every result, else beside the photo
        return output / target.name if output is not None and source.path is not None else target

    def save(self) -> None:
        """Ctrl+S: write to the file saved last, else to the default name (asking before replacing a file)."""
        if self.composite is None:
            return
        target = self.saved_to or self.default_target()
        if self.saved_to is None and target.exists() and not self._confirm_replace(target):
            return
        self.save_to(target)

    def save_as(self) -> None:
        if self.composite is None:
            return
        start = self.saved_to or self.default_target()
        chosen_filter = SAVE_FILTERS.get(start.suffix.lower(), SAVE_FILTERS[".png"])
        name, selected = QFileDialog.getSaveFileName(self, self.tr("Save the restored photo"), str(start),
                                                     ";;".join(SAVE_FILTERS.values()), chosen_filter)
        if not name:
            return
        target = Path(name)
        if target.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"):
            extension = next((ext for ext, text in SAVE_FILTERS.items() if text == selected), ".png")
            target = target.with_name(target.name + extension)
            if target.exists() and not self._confirm_replace(target):  # the dialog asked about the other name
                return
        self.save_to(target)

    def _confirm_replace(self, target: Path) -> bool:
        return self.ask(self.tr("Replace the file?"), fill(self.tr("%1 already exists. Replace it?"), target))

    def save_to(self, target: Path) -> None:
        """Write the shown result to ``target`` in the worker (atomically, by core.io.write_image)."""
        source = self.sources[self.current]
        if source.path is not None and session.is_same_file(target, source.path) and not self.ask(
                self.tr("Replace the original?"),
                fill(self.tr("%1 is the original photo. Replacing it loses the original for good. Replace it?"),
                     target)):
            return
        if self.restoration is None:
            return
        # composed here from the current choices, so a re-composite still on its way cannot be missed
        restoration, blend, selected = self.restoration, self.options.blend(), self.faces.selected()

        def job(cancel: CancelToken, progress: ProgressCallback) -> Path:
            return write_image(target, restoration.composite(blend, selected), restoration.result.alpha)

        self._start("save", job, self._saved, fill(self.tr("Saving %1…"), target.name))

    def _saved(self, path: Path) -> None:
        self.saved_to = path
        stored.remember_folder("save", path.parent)
        dropped = self.restoration is not None and self.restoration.result.alpha is not None and \
            path.suffix.lower() in (".jpg", ".jpeg")
        self.message.emit(fill(self.tr("Saved %1 (JPEG cannot keep transparency)") if dropped
                               else self.tr("Saved %1"), path))

    # --- running jobs ----------------------------------------------------------------------------

    def _start(self, kind: str, job: Job, on_done: Callable[[Any], None], text: str) -> bool:
        """Submit ``job``; ``on_done(result)`` runs in the UI thread when it succeeds. False when busy."""
        if not self.jobs.start(kind, job, on_done, failed=lambda message: self._job_failed(kind, message),
                               cancelled=lambda: self._job_cancelled(kind), progress=self._progress):
            return False
        self._run_blend = self.options.blend()
        self.progress_label.setText(text)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        return True

    def _progress(self, progress: Progress) -> None:
        if self.jobs.running("warm"):
            return
        done, total = progress.done, progress.total
        text = self.stage_text(progress)
        if text:  # before the bar: whoever watches the bar reads the matching text
            self.progress_label.setText(text)
        # a stage without a count shows an empty bar, not Qt's endless stripe: "busy" says nothing new
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)) if total else 0)

    def stage_text(self, progress: Progress) -> str:
        """What the progress line says during a stage of the engine ("" for a stage it names no better than
        the job's own line, such as a download, whose dialog tells more)."""
        texts = {Stage.LOAD_MODEL: self.tr("Loading the model…"),
                 Stage.PREPARE_MODEL: self.tr("Preparing the model for this computer (only the first time)…"),
                 Stage.DETECT: self.tr("Finding faces…"),
                 Stage.RESTORE: fill(self.tr("Restoring faces: %1 of %2 done…"), progress.done, progress.total),
                 Stage.BACKGROUND: self.tr("Upscaling the background…"),
                 Stage.PASTE: self.tr("Pasting the faces in…")}
        return texts.get(progress.stage, "") if progress.stage is not None else ""

    def _job_failed(self, kind: str, error: BaseException) -> None:
        message = error_message(error)
        if kind == "warm":  # nobody asked for it: the error shows when a photo is restored
            log.info("warming the pipeline up failed: %s", message)
            return
        if kind == "open":  # the shown photo stays, and so does the list's choice
            self.image_combo.setCurrentIndex(self.current)
            sources, index = self._opening or ([], 0)
            if sources is not self.sources and index + 1 < len(sources) and not self.jobs.waiting():
                self.jobs.later("open", lambda: self._open(sources, index + 1))  # a new list: its next photo
        titles = {"open": self.tr("The photo could not be opened"),
                  "restore": self.tr("The photo could not be restored"), "save": self.tr("The photo was not saved")}
        self._show_error(titles.get(kind, self.tr("Error")), message)

    def _job_cancelled(self, kind: str) -> None:
        if kind == "open":
            self.image_combo.setCurrentIndex(self.current)
        if kind != "warm":
            self.message.emit(self.tr("Cancelled."))

    def _update_state(self) -> None:
        busy = self.is_busy()
        has_result = self.composite is not None
        self.options.set_inference_enabled(not busy)
        self.progress.setVisible(busy)
        self.progress_label.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_action.setEnabled(busy)
        self.restore_action.setEnabled(not busy and self.current >= 0)
        self.restore_button.setEnabled(not busy and self.current >= 0)
        self.save_action.setEnabled(has_result and not busy)
        self.save_as_action.setEnabled(has_result and not busy)
        self.faces.set_restore_enabled(not busy)
        self.previous_action.setEnabled(self.current > 0)
        self.next_action.setEnabled(0 <= self.current < len(self.sources) - 1)
        self.image_combo.setVisible(len(self.sources) > 1)
        self.image_label.setVisible(len(self.sources) > 1)
        self.state_changed.emit()

    # --- dialogs (methods, so tests can answer them) ---------------------------------------------

    def ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _show_error(self, title: str, text: str) -> None:
        """The application's error dialog (the message names the file and the cause), told to the status bar too."""
        self._error_box = show_error(self, title, text)
        self.message.emit(f"{title}: {text}")

    # --- lifetime --------------------------------------------------------------------------------

    def is_busy(self) -> bool:
        """Work the user asked for is running (warming the pipeline up at start-up is not such work)."""
        return self.jobs.busy and not self.jobs.running("warm")

    def shutdown(self) -> None:
        """Cancel any work and wait for the worker thread to stop (the window is closing)."""
        self._shut_down = True
        self._compose_wanted = None
        self._recompose_timer.stop()
        # the blend is stored here, not per slider step: every QSettings write goes to the disk
        self.options.remember()
        # restores stop within one face; model listing cannot be cancelled and is waited for
        self.jobs.shutdown(timeout_ms=None)
        self.composer.shutdown(timeout_ms=None)
        if self._owns_models:
            self.models.shutdown()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.options_box.setTitle(self.tr("Options"))
        self.restore_button.setText(self.tr("R&estore"))  # Alt+R is the Restore menu
        self.restore_button.setToolTip(self.tr("Run the model on the current photo with these options (F5)"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop the work in progress (Esc)"))
        self.image_label.setText(self.tr("Ph&oto:"))  # Alt+H is the Help menu
        self.image_combo.setToolTip(self.tr("The opened photos (Alt+Left / Alt+Right: previous / next)"))
        texts = {
            self.open_action: (self.tr("&Open…"), self.tr("Open one or several photos")),
            self.paste_action: (self.tr("&Paste"), self.tr("Restore an image from the clipboard")),
            self.save_action: (self.tr("&Save"), self.tr("Save the restored photo (next to the original, with "
                                                         "\u201c_restored\u201d added to its name)")),
            self.save_as_action: (self.tr("Save &As…"), self.tr("Save the restored photo under a name and format "
                                                                "of your choice")),
            self.restore_action: (self.tr("&Restore"), self.tr("Run the model on the current photo")),
            self.cancel_action: (self.tr("&Cancel"), self.tr("Stop the work in progress")),
            self.previous_action: (self.tr("Pre&vious photo"), self.tr("Show the previous opened photo")),
            self.next_action: (self.tr("&Next photo"), self.tr("Show the next opened photo")),
        }
        set_action_texts(texts)
        if self.restoration is not None:
            self.message.emit(self.summary(self.restoration))
