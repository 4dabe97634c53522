"""`main.py --self-test`: does this installation (a source checkout or a packaged bundle) restore a photo?

It runs the whole product path once on a generated photo: the degraded demo photo (scikit-image's
public-domain astronaut, shrunk and JPEG-compressed) is written to a file, read back, restored with
the default model, written again and re-read. A bundle that misses a library, a data file, a Python
source that TorchScript needs, or the weights fails here with the name of what is missing, before a
user ever sees it. Each check is reported on its own so a failure says where it happened.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # both import torch: load them only when a check runs
    from core.io import LoadedImage
    from core.pipeline import FacePipeline

log = logging.getLogger(__name__)

SELF_TEST_SCALE = 4
# A restored face must change its region by at least this much (mean absolute grey levels) compared
# with plain upscaling; a pipeline that silently pasted nothing would give 0.
MIN_FACE_CHANGE = 0.5
# Paste-back may touch the FFHQ crop around a face (about twice the face box, rotated): pixels farther
# than this many face-box sides from every face centre must be exactly the plain upscaled photo.
FACE_REACH = 1.5


class SelfTestFailure(Exception):
    """One check found something wrong; the message says what."""


@dataclass
class _Scratch:
    """What the checks hand on to each other (filled in as they pass)."""

    folder: Path
    model: str | None
    device: str
    photo: LoadedImage | None = None
    pipeline: FacePipeline | None = None
    result: np.ndarray | None = None


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass(frozen=True)
class SelfTestReport:
    checks: tuple[CheckResult, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)


def run_self_test(model: str | None = None, device: str = "auto") -> SelfTestReport:
    """Run every check in order; one whose input a failed check should have made says it was skipped."""
    start = time.perf_counter()
    results: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix="facesr-selftest-") as scratch:
        state = _Scratch(Path(scratch), model, device)
        for name, check in _CHECKS:
            results.append(_run_check(name, check, state))
    return SelfTestReport(tuple(results), time.perf_counter() - start)


def format_report(report: SelfTestReport) -> str:
    lines = [f"{'ok  ' if check.ok else 'FAIL'}  {check.name:<13} {check.detail} ({check.seconds:.1f} s)"
             for check in report.checks]
    verdict = "self-test passed" if report.ok else "self-test FAILED"
    lines.append(f"{verdict} in {report.seconds:.1f} s")
    return "\n".join(lines)


def _run_check(name: str, check: Callable[[_Scratch], str], state: _Scratch) -> CheckResult:
    start = time.perf_counter()
    try:
        detail, ok = check(state), True
    except SelfTestFailure as failure:
        detail, ok = str(failure), False
    except Exception as error:  # a broken bundle fails in ways nobody can list; report, don't crash
        log.debug("self-test check %s raised", name, exc_info=True)
        detail, ok = f"{type(error).__name__}: {error}", False
    return CheckResult(name, ok, detail, time.perf_counter() - start)


def _check_photo(state: _Scratch) -> str:
    """Write the generated photo as a JPEG file and read it back through the engine's reader."""
    from core.demo import degraded_astronaut
    from core.io import read_image, write_image

    path = write_image(state.folder / "self-test input.jpg", degraded_astronaut())
    loaded = read_image(path)
    state.photo = loaded
    height, width = loaded.rgb.shape[:2]
    return f"generated {width}x{height} JPEG photo written and read back"


def _check_model(state: _Scratch) -> str:
    from core.config import RestoreSettings
    from core.pipeline import FacePipeline

    pipeline = FacePipeline(RestoreSettings(scale=SELF_TEST_SCALE, model=state.model, device=state.device))
    state.pipeline = pipeline
    info = pipeline.restorer.info
    return (f"{info.name} ({info.arch}, x{info.scale}, {info.input_size}px face) from {info.path} "
            f"on {pipeline.restorer.device}")


def _check_restore(state: _Scratch) -> str:
    pipeline, photo = state.pipeline, state.photo
    if pipeline is None or photo is None:
        raise SelfTestFailure("skipped: the photo or the model check failed")
    result = pipeline.restore(photo)
    height, width = photo.rgb.shape[:2]
    expected = (height * SELF_TEST_SCALE, width * SELF_TEST_SCALE, 3)
    if result.image.shape != expected:
        raise SelfTestFailure(f"output is {result.image.shape}, expected {expected} (input x{SELF_TEST_SCALE})")
    if result.restored_count == 0:
        from core.pipeline import left_faces_advice

        notes = result.warnings + ((left_faces_advice(result.left_faces),) if result.left_faces else ())
        raise SelfTestFailure(f"{len(result.faces)} face(s) found, none restored: {'; '.join(notes)}")
    boxes = [np.asarray(face.detection.box) * SELF_TEST_SCALE for face in result.faces
             if face.restored is not None]
    change = min(_mean_change(result.image, result.background, box) for box in boxes)
    if change < MIN_FACE_CHANGE:
        raise SelfTestFailure(f"a restored face differs from plain upscaling by only {change:.2f} grey levels")
    stray = _changed_far_from_faces(result.image, result.background, boxes)
    if stray:
        raise SelfTestFailure(f"{stray} pixels far from every face differ from plain upscaling")
    state.result = result.image
    return (f"{result.restored_count}/{len(result.faces)} face(s) restored, {width}x{height} -> "
            f"{expected[1]}x{expected[0]}, faces differ from plain upscaling by >= {change:.1f} grey levels")


def _check_output(state: _Scratch) -> str:
    """The result goes through the atomic writer and reads back pixel for pixel (PNG is lossless)."""
    from core.io import read_image, write_image

    image = state.result
    if image is None:
        raise SelfTestFailure("skipped: the restore check failed")
    path = write_image(state.folder / "self-test output.png", image)
    if not np.array_equal(read_image(path).rgb, image):
        raise SelfTestFailure(f"{path}: the written PNG does not read back identical")
    return f"PNG written atomically and read back identical ({path.stat().st_size // 1024} KiB)"


def _check_third_party(state: _Scratch) -> str:
    """Third-party models load through spandrel; CodeFormer's TorchScript needs its Python sources."""
    import importlib

    import spandrel
    import spandrel_extra_arches

    try:  # install() imports every extra architecture, CodeFormer included
        spandrel_extra_arches.install(ignore_duplicates=True)
        importlib.import_module("spandrel_extra_arches.architectures.CodeFormer")
    except OSError as error:  # torch.jit.script without the module's .py file: "could not get source code"
        raise SelfTestFailure(f"CodeFormer support is broken ({error}): spandrel_extra_arches must be "
                              "shipped with its .py sources") from error
    count = len(spandrel.MAIN_REGISTRY)
    return f"spandrel knows {count} architectures; CodeFormer's TorchScript compiles"


def _check_yunet(state: _Scratch) -> str:
    """On Linux YuNet runs through ctypes so that detection releases the GIL (the GUI stays responsive);
    a bundle without the library file would silently fall back to yuface's GIL-holding call."""
    import sys

    from core.detect.yunet import native_detect

    if not sys.platform.startswith("linux"):
        return "yuface's own call (the ctypes path is Linux-only)"
    if native_detect() is None:
        raise SelfTestFailure("yuface's libfacedetection.so cannot be loaded through ctypes: detection "
                              "would hold the GIL and freeze the GUI while it runs")
    return "libfacedetection through ctypes (releases the GIL)"


def _check_retinaface(state: _Scratch) -> str:
    """The optional RetinaFace detector (weights fetched on request) needs facexlib and torchvision's
    compiled NMS operator, which torchvision loads from a file beside it rather than by import."""
    import torch
    import torchvision
    from facexlib.detection.retinaface import RetinaFace  # noqa: F401 - importing it is the check

    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]])
    keep = torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5).tolist()
    if keep != [0, 2]:
        raise SelfTestFailure(f"torchvision's NMS kept boxes {keep} of 3, expected [0, 2]")
    return "facexlib imports and torchvision's NMS operator works"


_CHECKS: tuple[tuple[str, Callable[[_Scratch], str]], ...] = (
    ("photo", _check_photo),
    ("model", _check_model),
    ("restore", _check_restore),
    ("output", _check_output),
    ("third-party", _check_third_party),
    ("yunet", _check_yunet),
    ("retinaface", _check_retinaface),
)


def _mean_change(image: np.ndarray, background: np.ndarray, box: np.ndarray) -> float:
    height, width = image.shape[:2]
    x0, y0 = (max(0, int(v)) for v in box[:2])
    x1, y1 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
    if x1 <= x0 or y1 <= y0:
        return 0.0
    region = (slice(y0, y1), slice(x0, x1))
    return float(np.abs(image[region].astype(np.int16) - background[region].astype(np.int16)).mean())


def _changed_far_from_faces(image: np.ndarray, background: np.ndarray, boxes: list[np.ndarray]) -> int:
    """How many changed pixels lie outside the reach of every restored face."""
    changed = np.any(image != background, axis=2)
    near = np.zeros_like(changed)
    ys, xs = np.mgrid[: changed.shape[0], : changed.shape[1]]
    for x0, y0, x1, y1 in boxes:
        reach = FACE_REACH * max(x1 - x0, y1 - y0)
        near |= (np.abs(xs - (x0 + x1) / 2) <= reach) & (np.abs(ys - (y0 + y1) / 2) <= reach)
    return int(np.count_nonzero(changed & ~near))
