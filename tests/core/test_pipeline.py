"""The whole photo pipeline with randomly initialised own models (no downloads, no ../shared)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.config import RestoreSettings
from core import pipeline as pipeline_module
from core.errors import ModelError
from core.io import LoadedImage
from core.pipeline import FacePipeline, compose, left_faces_advice
from core.types import FaceStatus, LeftFaces
from tests.conftest import make_model_file


def _loaded(rgb: np.ndarray, alpha: np.ndarray | None = None, gray: bool = False) -> LoadedImage:
    return LoadedImage(rgb=rgb, alpha=alpha, is_gray=gray, path=None, format="png", warnings=())


def _face_region(result, margin: int = 0) -> tuple[slice, slice]:
    x0, y0, x1, y1 = (int(v * result.scale) for v in result.faces[0].detection.box)
    return slice(max(y0 - margin, 0), y1 + margin), slice(max(x0 - margin, 0), x1 + margin)


@pytest.mark.parametrize("arch", ["srresnet", "rcan"])
def test_each_own_architecture_restores_the_astronaut_face(tmp_path: Path, astronaut: np.ndarray, arch: str) -> None:
    model = make_model_file(tmp_path / f"{arch}.safetensors", arch=arch, input_size=256, seed=1)
    result = FacePipeline(RestoreSettings(scale=2, model=str(model))).restore(_loaded(astronaut))
    assert result.image.shape == (1024, 1024, 3)
    assert [face.status for face in result.faces] == [FaceStatus.RESTORED]
    assert result.faces[0].restored.shape == (256, 256, 3)
    rows, cols = _face_region(result)
    changed = np.abs(result.image.astype(int) - result.background.astype(int)).max(axis=2) > 8
    assert changed[rows, cols].mean() > 0.5  # a random model visibly changes the face ...
    assert not changed[800:, 800:].any()  # ... and nothing far from it
    assert {"detect", "align", "restore", "mask", "background", "paste"} <= result.timings.keys()


def test_identity_model_pastes_back_without_visible_change(identity_model: Path, astronaut: np.ndarray) -> None:
    result = FacePipeline(RestoreSettings(scale=2, model=str(identity_model))).restore(_loaded(astronaut))
    assert result.restored_count == 1
    rows, cols = _face_region(result, margin=40)
    difference = np.abs(result.image.astype(int) - result.background.astype(int))[rows, cols]
    assert difference.mean() < 2.0 and np.percentile(difference, 99) < 20  # aligned to the pixel, no seam


def test_a_face_larger_than_the_model_input_is_left_to_the_background(tmp_path: Path, astronaut) -> None:
    small_model = make_model_file(tmp_path / "small.safetensors", input_size=64)
    result = FacePipeline(RestoreSettings(scale=2, model=str(small_model))).restore(_loaded(astronaut))
    assert [face.status for face in result.faces] == [FaceStatus.LEFT_TO_BACKGROUND]
    assert result.faces[0].warp_scale < 1
    assert np.array_equal(result.image, result.background)
    assert result.left_faces == LeftFaces(count=1, model_input=64)
    advice = left_faces_advice(result.left_faces)
    assert "--force" in advice and "64-px" in advice and "gfpgan-1.4" in advice
    forced = FacePipeline(RestoreSettings(scale=2, model=str(small_model), force_small_model=True))
    forced_result = forced.restore(_loaded(astronaut))
    assert forced_result.restored_count == 1 and forced_result.left_faces is None
    rows, cols = _face_region(forced_result)
    assert np.abs(forced_result.image.astype(int) - forced_result.background)[rows, cols].max() > 8


def test_a_512_px_model_is_not_told_to_use_a_512_px_model() -> None:
    advice = left_faces_advice(LeftFaces(count=2, model_input=512))
    assert advice.startswith("2 face(s)") and "--force" in advice and "gfpgan" not in advice


def test_restoring_one_left_face_touches_only_that_face(tmp_path: Path, astronaut: np.ndarray,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    small_model = make_model_file(tmp_path / "small.safetensors", input_size=64)
    two_faces = _loaded(np.ascontiguousarray(np.concatenate([astronaut, astronaut[:, ::-1]], axis=1)))
    pipeline = FacePipeline(RestoreSettings(scale=2, model=str(small_model)))
    result = pipeline.restore(two_faces)
    assert result.left_faces == LeftFaces(count=2, model_input=64)
    right = max(range(2), key=lambda i: result.faces[i].detection.box[0])
    monkeypatch.setattr(pipeline.detector, "detect", lambda image: pytest.fail("the detection is reused"))

    single = pipeline.restore_face(two_faces, result, right)

    assert [face.status for face in single.faces].count(FaceStatus.RESTORED) == 1
    assert single.faces[right].status is FaceStatus.RESTORED and single.left_faces == LeftFaces(1, 64)
    assert single.background is result.background  # the background is not upscaled again
    changed = np.abs(single.image.astype(int) - single.background).max(axis=2) > 8
    width = single.image.shape[1]
    assert changed[:, width // 2:].any() and not changed[:, :width // 2].any()  # only the chosen face
    forced = FacePipeline(RestoreSettings(scale=2, model=str(small_model), force_small_model=True),
                          restorer=pipeline.restorer).restore(two_faces)
    assert np.array_equal(single.faces[right].restored, forced.faces[right].restored)  # as a forced full run
    assert pipeline.restore_face(two_faces, single, right) is single  # a restored face is not run again


def test_compose_without_inference_honours_blend_and_selection(tiny_model: Path, astronaut, monkeypatch) -> None:
    pipeline = FacePipeline(RestoreSettings(scale=1, model=str(tiny_model)))
    result = pipeline.restore(_loaded(astronaut))
    monkeypatch.setattr(pipeline.restorer, "run", lambda batch: pytest.fail("compose must not run the model"))
    assert np.array_equal(compose(result, selected=[]), result.background)
    assert np.array_equal(compose(result, blend=0.0), result.background)
    assert np.array_equal(compose(result, blend=1.0), result.image)
    half = compose(result, blend=0.5).astype(int)
    rows, cols = _face_region(result)
    full_change = np.abs(result.image.astype(int) - result.background)[rows, cols].mean()
    half_change = np.abs(half - result.background)[rows, cols].mean()
    assert 0.3 * full_change < half_change < 0.7 * full_change


def test_pasting_in_place_gives_the_same_photo_without_a_copy(tiny_model: Path, astronaut: np.ndarray) -> None:
    pipeline = FacePipeline(RestoreSettings(scale=2, model=str(tiny_model)))
    kept = pipeline.restore(_loaded(astronaut))
    in_place = pipeline.restore(_loaded(astronaut), keep_background=False)
    assert in_place.restored_count == 1 and np.array_equal(in_place.image, kept.image)
    assert in_place.background is in_place.image  # one full-size array, not two
    assert not np.array_equal(kept.image, kept.background)


@pytest.mark.parametrize("overlap", [True, False])
def test_the_plain_background_is_enlarged_off_the_model_thread_where_a_core_is_free(
        tiny_model: Path, astronaut: np.ndarray, monkeypatch: pytest.MonkeyPatch, overlap: bool) -> None:
    import threading

    import core.pipeline

    monkeypatch.setattr(core.pipeline, "overlap_background", lambda device: overlap)
    threads: list[str] = []
    real = core.pipeline.upscale_background

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(core.pipeline, "upscale_background", recorded)
    result = FacePipeline(RestoreSettings(scale=2, model=str(tiny_model))).restore(_loaded(astronaut))
    assert len(threads) == 1
    assert threads[0].startswith("facesr-background") if overlap else threads[0] == threading.current_thread().name
    assert result.restored_count == 1 and result.background.shape == (1024, 1024, 3)
    # the same plain enlargement as on the calling thread, with the faces pasted on a copy of it
    assert np.array_equal(result.background, real(astronaut, 2))


def test_gray_photo_gets_gray_faces(tiny_model: Path, astronaut: np.ndarray) -> None:
    gray = np.repeat(astronaut.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    result = FacePipeline(RestoreSettings(scale=2, model=str(tiny_model))).restore(_loaded(gray, gray=True))
    assert result.restored_count == 1
    assert np.array_equal(result.image[..., 0], result.image[..., 1])
    assert np.array_equal(result.image[..., 1], result.image[..., 2])


def test_alpha_is_upscaled_alongside(tiny_model: Path, astronaut: np.ndarray) -> None:
    alpha = np.zeros(astronaut.shape[:2], np.uint8)
    alpha[:, 256:] = 255
    result = FacePipeline(RestoreSettings(scale=2, model=str(tiny_model))).restore(_loaded(astronaut, alpha))
    assert result.alpha.shape == (1024, 1024)
    assert result.alpha[:, :500].max() == 0 and result.alpha[:, 530:].min() == 255


def test_photo_without_face_is_still_upscaled(tiny_model: Path) -> None:
    flat = np.full((120, 160, 3), 128, np.uint8)
    result = FacePipeline(RestoreSettings(scale=4, model=str(tiny_model))).restore(_loaded(flat))
    assert result.faces == () and result.image.shape == (480, 640, 3)
    assert any("no face found" in warning for warning in result.warnings)


@pytest.mark.parametrize("shape", [(50, 50), (40, 60)])
def test_aligned_mode_output_is_input_size_times_scale(tiny_model: Path, shape: tuple[int, int]) -> None:
    crop = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    result = FacePipeline(RestoreSettings(scale=4, model=str(tiny_model), aligned=True)).restore(_loaded(crop))
    assert result.image.shape == (shape[0] * 4, shape[1] * 4, 3)
    assert not np.array_equal(result.image, result.background)  # the model ran


def _esrgan_file(tmp_path: Path, scale: int = 2) -> Path:
    """A tiny randomly initialised ESRGAN (Real-ESRGAN's architecture), as a user's .pth would be."""
    import torch
    from spandrel.architectures.ESRGAN import ESRGAN as RRDBNet  # the package's public export

    path = tmp_path / f"RealESRGAN_x{scale}.pth"
    torch.manual_seed(0)
    torch.save(RRDBNet(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=scale).state_dict(), path)
    return path


def test_general_sr_model_cannot_be_the_face_model(tmp_path: Path) -> None:
    model = _esrgan_file(tmp_path)
    with pytest.raises(ModelError, match="background model") as caught:
        FacePipeline(RestoreSettings(model=str(model)))
    assert caught.value.path == model  # the message names the file


@pytest.mark.parametrize("scale", [2, 4])
def test_background_model_runs_in_tiles_at_any_target_scale(tmp_path: Path, tiny_model: Path, scale: int) -> None:
    photo = np.random.default_rng(1).integers(0, 256, (90, 70, 3), dtype=np.uint8)
    settings = RestoreSettings(scale=scale, model=str(tiny_model), bg_model=str(_esrgan_file(tmp_path)), tile=32)
    result = FacePipeline(settings).restore(_loaded(photo))
    assert result.image.shape == (90 * scale, 70 * scale, 3)
    plain = FacePipeline(RestoreSettings(scale=scale, model=str(tiny_model))).restore(_loaded(photo))
    assert not np.array_equal(result.background, plain.background)  # the model, not the plain filter, made it


@pytest.mark.parametrize(("device", "cpus", "threads", "overlap"),
                         [("cpu", 2, 2, False), ("cpu", 8, 4, True), ("cpu", 4, 4, False), ("cuda", 2, 2, True)])
def test_the_plain_enlargement_overlaps_the_networks_only_where_a_core_is_free(
        monkeypatch: pytest.MonkeyPatch, device: str, cpus: int, threads: int, overlap: bool) -> None:
    monkeypatch.setattr(pipeline_module.os, "cpu_count", lambda: cpus)
    monkeypatch.setattr(pipeline_module.torch, "get_num_threads", lambda: threads)
    assert pipeline_module.overlap_background(torch.device(device)) is overlap

