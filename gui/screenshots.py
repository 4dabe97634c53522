"""Screenshots of every tab in a realistic state: ``python -m gui.screenshots OUT_DIR`` (or ``make screenshots``).

The application runs offscreen with its settings, model folder and inputs in a temporary folder, so
the user's own settings and folders are never touched:
  1-restore.png  the degraded astronaut photo (public domain, shipped with scikit-image) restored 4x
  1b-restoring.png  a group photo (four astronauts) caught while restored: the photo shown at once as
                 "before", the stage and the faces done out of the faces found
  1c-open-failed.png  the error after opening a corrupt file: the previous photo, its result and save
                 target stay as they were
  2-batch.png    a finished batch over a few photos, one of them a corrupt file
  3-train.png    a training run's curves and latest samples (``--run``, else the newest run in the
                 runs folder, else a tiny run of a few seconds trained here on generated crops)
  4-models.png   the Models dialog
The face model is ``--model``, else the installed default model, else a generated pass-through model
(the screenshots then show the layout, not a restoration).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
from PIL import Image

log = logging.getLogger("screenshots")

WINDOW_SIZE = (1280, 820)
WAIT_S = 600.0  # a busy machine can take minutes to load a large model; nothing here measures speed


def wait_for(condition: Callable[[], bool], timeout_s: float = WAIT_S, what: str = "", poll_ms: int = 50) -> bool:
    """Run the Qt event loop until ``condition`` holds, checking it every ``poll_ms`` (QEventLoop, not
    processEvents(), which leaks a reference to None per call in PySide6 6.12 and crashes a long wait)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()
    timer.setInterval(poll_ms)
    timer.timeout.connect(lambda: loop.quit() if condition() or time.monotonic() > deadline else None)
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    if not condition():
        log.warning("gave up waiting for %s", what or "the application")
        return False
    return True


def settle(seconds: float = 0.5) -> None:
    """Let pending paints and queued signals run."""
    end = time.monotonic() + seconds
    wait_for(lambda: time.monotonic() >= end, seconds + 1)


# --- inputs ---------------------------------------------------------------------------------------

def degraded_photo(folder: Path) -> Path:
    from core.demo import degraded_astronaut
    from core.io import write_image

    return write_image(folder / "astronaut.png", degraded_astronaut())


def album(folder: Path) -> Path:
    """A few small photos (crops, a mirrored and a grey one) and one corrupt file, like a real folder."""
    from skimage import data

    from core.demo import degraded_astronaut
    from core.io import write_image

    folder.mkdir(parents=True, exist_ok=True)
    small = degraded_astronaut()
    write_image(folder / "IMG_0001.jpg", small, quality=70)
    write_image(folder / "IMG_0002.jpg", np.ascontiguousarray(small[:, ::-1]), quality=70)
    write_image(folder / "IMG_0003.png", np.ascontiguousarray(small[8:120, 16:112]))
    gray = np.repeat(data.camera()[::4, ::4, None], 3, axis=2)  # no face: the background is upscaled only
    write_image(folder / "IMG_0004.png", np.ascontiguousarray(gray))
    (folder / "IMG_0005.jpg").write_bytes(b"\xff\xd8\xff\xe0 this download was cut short")
    return folder


def tiny_run(folder: Path) -> Path:
    """A training run of a few seconds on crops around the astronaut's face (32 px, x2, a tiny RCAN)."""
    from skimage import data

    faces = folder / "faces"
    faces.mkdir(parents=True, exist_ok=True)
    photo, rng = data.astronaut(), np.random.default_rng(0)
    for index in range(24):
        x, y, side = (int(v) for v in (rng.integers(150, 190), rng.integers(40, 80), rng.integers(130, 170)))
        crop = Image.fromarray(photo[y:y + side, x:x + side]).resize((32, 32), Image.Resampling.LANCZOS)
        (crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if index % 2 else crop).save(faces / f"f{index:02d}.png")
    run_dir = folder / "runs" / "quick-demo"
    command = [sys.executable, str(Path(__file__).resolve().parents[1] / "main.py"), "train", "--data", str(faces),
               "--preset", "cpu-quick", "--stage", "pixel", "--steps", "60", "--batch-size", "8", "--scale", "2",
               "--face-size", "32", "--workers", "0", "--val-count", "4", "--log-every", "1", "--val-every", "6",
               "--arch-arg", "num_groups=1", "--arch-arg", "num_blocks=1", "--arch-arg", "channels=8",
               "--run-dir", str(run_dir)]
    log.info("no training run given or found: training a tiny one (%s)", run_dir)
    subprocess.run(command, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True)
    return run_dir


def choose_model(requested: str | None, folder: Path) -> Path:
    """The face model to show: the requested one, the installed default, or a generated pass-through one."""
    from core.errors import FaceSRError
    from core.models.loading import resolve_model

    try:
        return resolve_model(requested)
    except FaceSRError:
        if requested:
            raise
    log.warning("no face model installed: using a generated pass-through model (layout only)")
    from core.models.registry import build_generator
    from core.models.store import ModelMetadata, save_generator

    args = dict(num_groups=1, num_blocks=1, channels=16, reduction=4, scale=1, unshuffle=4, image_residual=True)
    model = build_generator("rcan", args)
    tail = model.get_submodule("tail")
    for parameter in tail.parameters():
        parameter.data.zero_()  # the residual branch adds nothing: output = input
    path = folder / "pass-through.safetensors"
    save_generator(path, model, ModelMetadata(arch="rcan", arch_args=args, scale=1, input_size=256,
                                              name="pass-through"))
    return path


def choose_run(requested: Path | None, folder: Path) -> Path:
    from core.paths import user_runs_dir
    from core.training.runlog import list_runs

    if requested is not None:
        return requested
    runs = list_runs(user_runs_dir())
    return runs[0].path if runs else tiny_run(folder)


# --- the screenshots -----------------------------------------------------------------------------

def grab(widget, path: Path) -> Path:  # noqa: ANN001 - any QWidget
    settle()
    return grab_now(widget, path)


def grab_now(widget, path: Path) -> Path:  # noqa: ANN001 - any QWidget
    """The widget as it is painted at this moment (no waiting for pending events)."""
    if not widget.grab().save(str(path)):
        raise OSError(f"{path}: the screenshot could not be written")
    log.info("wrote %s", path)
    return path


def take(out_dir: Path, model: Path, run: Path, language: str, work: Path) -> list[Path]:
    from PySide6.QtCore import QSettings

    from core.models.loading import set_default_model
    from gui import i18n
    from gui.app import create_application

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    installed = Path(os.environ["FACESR_MODELS_DIR"]) / model.name
    installed.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model, installed)
    set_default_model(installed)
    app = create_application(["facesr-screenshots"])
    i18n.install_language(language)
    from gui.main_window import RESTORE, MainWindow

    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    shots: list[Path] = []
    try:
        shots.append(restore_shot(window, work, out_dir / "1-restore.png"))
        shots.append(restoring_shot(window, work, out_dir / "1b-restoring.png"))
        shots.append(open_failed_shot(window, work, out_dir / "1c-open-failed.png"))
        shots.append(batch_shot(window, work, out_dir / "2-batch.png"))
        shots.append(train_shot(window, run, out_dir / "3-train.png"))
        shots.append(models_shot(window, out_dir / "4-models.png"))
        window.tabs.setCurrentIndex(RESTORE)
    finally:
        window.close()  # stops every worker thread
    del app
    return shots


def restore_shot(window, work: Path, path: Path) -> Path:  # noqa: ANN001
    from gui.main_window import RESTORE

    tab = window.restore_tab
    window.tabs.setCurrentIndex(RESTORE)
    wait_for(lambda: tab._models_known and not tab.is_busy(), what="the model list")
    tab.options.scale_combo.setCurrentIndex(tab.options.scale_combo.findData(4))
    tab.open_files([degraded_photo(work / "photos")])
    wait_for(lambda: tab.restoration is not None and not tab.is_busy(), what="the restore")
    settle()  # the canvas gets its final size before zooming to the face
    tab.zoom_to_face(0)
    tab.compare.canvas.set_divider(0.5)
    return grab(window, path)


def restoring_shot(window, work: Path, path: Path) -> Path:  # noqa: ANN001
    """Grabbed from the progress bar's own signal when the first of four faces is done, so the picture
    shows that moment however fast the model is."""
    from core.io import write_image
    from core.demo import degraded_astronaut

    tab = window.restore_tab
    small = degraded_astronaut()
    group = np.concatenate([np.concatenate([small, small[:, ::-1]], 1)] * 2, 0)
    photo = write_image(work / "photos" / "group.png", np.ascontiguousarray(group))
    grabbed: list[Path] = []

    def on_value(value: int) -> None:
        if value >= 1 and tab.progress.maximum() > 1 and not grabbed:
            grabbed.append(grab_now(window, path))

    tab.progress.valueChanged.connect(on_value)
    tab.open_files([photo])
    wait_for(lambda: tab.restoration is not None and tab.restoration.name == photo.name and not tab.is_busy(),
             what="the group photo")
    tab.progress.valueChanged.disconnect(on_value)
    return grabbed[0] if grabbed else grab(window, path)


def open_failed_shot(window, work: Path, path: Path) -> Path:  # noqa: ANN001
    """The window with its error box painted over it (the box is a window of its own)."""
    from PySide6.QtGui import QPainter

    tab = window.restore_tab
    corrupt = work / "photos" / "cut-short.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 this download was cut short")
    tab.open_files([corrupt])
    wait_for(lambda: tab._error_box is not None and tab._error_box.isVisible() and not tab.is_busy(),
             what="the error")
    settle()
    picture = window.grab()
    box = tab._error_box.grab()
    painter = QPainter(picture)
    painter.drawPixmap((picture.width() - box.width()) // 2, (picture.height() - box.height()) // 3, box)
    painter.end()
    tab._error_box.close()
    if not picture.save(str(path)):
        raise OSError(f"{path}: the screenshot could not be written")
    log.info("wrote %s", path)
    return path


def batch_shot(window, work: Path, path: Path) -> Path:  # noqa: ANN001
    from gui.main_window import BATCH

    tab = window.batch_tab
    window.tabs.setCurrentIndex(BATCH)
    tab.set_input_folder(album(work / "album"))
    finished: list[object] = []
    tab.finished_batch.connect(finished.append)
    settle()
    tab.run_batch_now()
    wait_for(lambda: bool(finished) and not tab.is_busy(), what="the batch")
    return grab(window, path)


def train_shot(window, run: Path, path: Path) -> Path:  # noqa: ANN001
    from gui.main_window import TRAIN

    tab = window.train_tab
    window.tabs.setCurrentIndex(TRAIN)
    tab.load_run(run)
    plot = getattr(tab, "loss_plot", None)  # the curves appear on the tab's next poll of the metrics log
    if plot is not None and hasattr(plot, "point_count"):
        wait_for(lambda: plot.point_count() > 0, 60, what="the training curves")
    return grab(window, path)


def models_shot(window, path: Path) -> Path:  # noqa: ANN001
    dialog = window.show_models()
    wait_for(lambda: bool(dialog.entries) and not dialog.runner.busy, what="the Models dialog")
    dialog.resize(900, 560)
    shot = grab(dialog, path)
    dialog.reject()
    return shot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gui.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder for the PNG files")
    parser.add_argument("--model", help="face model name or file (default: the installed default model)")
    parser.add_argument("--run", type=Path, help="training run folder for the Train tab")
    parser.add_argument("--language", default="en", choices=["en", "zh_CN"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="facesr-screenshots-") as temporary:
        work = Path(temporary)
        model = choose_model(args.model, work)  # before the model folder is redirected below
        run = choose_run(args.run, work)
        os.environ["FACESR_MODELS_DIR"] = str(work / "models")  # never write to the user's folders
        os.environ["FACESR_RUNS_DIR"] = str(run.parent)  # the run's siblings appear as past runs
        shots = take(args.out_dir, model, run, args.language, work)
    for shot in shots:
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
