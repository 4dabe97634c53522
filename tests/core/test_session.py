"""Interactive restoring: the pipeline cache keeps models warm, re-compositing needs no model, save names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core import session
from core.config import DetectSettings, RestoreSettings
from core.io import LoadedImage
from core.progress import CancelToken, Cancelled
from core.restorer import Restorer
from core.session import PipelineCache, default_save_path, is_same_file
from tests.conftest import make_model_file


def _loaded(rgb: np.ndarray) -> LoadedImage:
    return LoadedImage(rgb=rgb, alpha=None, is_gray=False, path=None, format="png")


def test_the_model_is_reused_until_model_or_device_changes(tmp_path: Path) -> None:
    first = make_model_file(tmp_path / "first.safetensors")
    second = make_model_file(tmp_path / "second.safetensors", seed=1)
    cache = PipelineCache()
    pipeline = cache.get(RestoreSettings(model=str(first), scale=2, device="cpu"))
    restorer = pipeline.restorer
    # scale, blend and fidelity are per-call options: same Restorer object, new settings
    again = cache.get(RestoreSettings(model=str(first), scale=4, blend=0.5, fidelity=0.2, device="cpu"))
    assert again.restorer is restorer and again.settings.scale == 4 and restorer.fidelity == 0.2
    changed = cache.get(RestoreSettings(model=str(second), scale=4, device="cpu"))
    assert changed.restorer is not restorer and changed.restorer.info.path == second


def test_the_detector_is_rebuilt_only_when_it_changes(tmp_path: Path) -> None:
    model = str(make_model_file(tmp_path / "m.safetensors"))
    cache = PipelineCache()
    detector = cache.get(RestoreSettings(model=model, device="cpu")).detector
    assert cache.get(RestoreSettings(model=model, scale=4, device="cpu")).detector is detector
    # a lower score threshold needs candidates the old detector dropped
    lower = cache.get(RestoreSettings(model=model, device="cpu", detect=DetectSettings(score_threshold=0.2)))
    assert lower.detector is not detector


def test_cpu_restorer_runs_one_face_per_pass_so_cancel_answers_within_a_face(tmp_path: Path) -> None:
    model = str(make_model_file(tmp_path / "m.safetensors"))
    pipeline = PipelineCache(cpu_chunk=1).get(RestoreSettings(model=model, device="cpu"))
    assert pipeline.restorer.max_batch == 1
    calls = []
    original = Restorer.run
    token = CancelToken()

    def run_then_cancel(self, batch):
        calls.append(batch.shape[0])
        token.cancel()
        return original(self, batch)

    faces = [np.zeros((256, 256, 3), np.uint8)] * 3
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Restorer, "run", run_then_cancel)
        with pytest.raises(Cancelled):
            pipeline.restorer.restore_faces(faces, token)
    assert calls == [1]


def test_composite_pastes_only_selected_faces(tmp_path: Path, astronaut: np.ndarray) -> None:
    model = str(make_model_file(tmp_path / "m.safetensors"))
    restoration = session.restore(PipelineCache(), RestoreSettings(model=model, scale=1, device="cpu"),
                                  _loaded(astronaut), "astronaut")
    assert restoration.face_count >= 1 and restoration.restorable == {0}
    x0, y0, x1, y1 = restoration.face_box(0, margin=0.0)
    background = restoration.result.background
    assert not np.array_equal(restoration.composite(1.0)[y0:y1, x0:x1], background[y0:y1, x0:x1])
    assert np.array_equal(restoration.composite(1.0, selected=set()), background)
    assert np.array_equal(restoration.composite(0.0), background)


def test_restore_this_face_restores_a_left_face_with_the_warm_model(tmp_path: Path, astronaut: np.ndarray) -> None:
    model = str(make_model_file(tmp_path / "small.safetensors", input_size=64))
    cache, settings = PipelineCache(), RestoreSettings(model=model, scale=1, device="cpu")
    restoration = session.restore(cache, settings, _loaded(astronaut), "astronaut")
    restorer = cache.pipeline.restorer
    assert restoration.restorable == frozenset() and restoration.result.left_faces.count == 1

    single = session.restore_face(cache, settings, restoration, 0)

    assert cache.pipeline.restorer is restorer  # no model loaded again
    assert single.restorable == {0} and single.name == "astronaut" and single.source is restoration.source
    assert single.result.left_faces is None
    x0, y0, x1, y1 = single.face_box(0, margin=0.0)
    assert not np.array_equal(single.composite(1.0)[y0:y1, x0:x1], restoration.result.background[y0:y1, x0:x1])


def test_warm_up_loads_the_model_and_runs_each_stage_once_before_any_photo(tmp_path: Path,
                                                                           astronaut: np.ndarray) -> None:
    model = str(make_model_file(tmp_path / "m.safetensors"))
    cache, settings = PipelineCache(), RestoreSettings(model=model, scale=2, device="cpu")
    calls: list[tuple[int, ...]] = []
    original = Restorer.run

    def counted(self, batch):
        calls.append(tuple(batch.shape))
        return original(self, batch)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Restorer, "run", counted)
        session.warm_up(cache, settings)
        warm = cache.pipeline.restorer
        assert calls == [(1, 3, 256, 256)]  # one pass at the model's input size
        stages: list[tuple[int, int, str]] = []
        session.restore(cache, settings, _loaded(astronaut), "astronaut", progress=lambda *p: stages.append(p))
    assert cache.pipeline.restorer is warm and ("loading the model" not in [s[2] for s in stages])
    # the stages in order, with faces done out of the faces to restore
    assert stages == [(0, 0, "detecting faces"), (0, 1, "restoring faces"), (1, 1, "restoring faces"),
                      (1, 1, "upscaling the background"), (1, 1, "pasting faces")]
    with pytest.raises(Cancelled):
        cancelled = CancelToken()
        cancelled.cancel()
        session.warm_up(PipelineCache(), settings, cancelled)


def test_default_save_name_never_is_the_original(tmp_path: Path) -> None:
    assert default_save_path(tmp_path / "a.JPEG", tmp_path) == tmp_path / "a_restored.jpg"
    assert default_save_path(tmp_path / "b.gif", tmp_path) == tmp_path / "b_restored.png"
    assert default_save_path(tmp_path / "c.tiff", tmp_path) == tmp_path / "c_restored.tif"
    assert default_save_path(None, tmp_path / "out", name="pasted") == tmp_path / "out" / "pasted_restored.png"


def test_same_file_detection(tmp_path: Path) -> None:
    original = tmp_path / "photo.png"
    original.write_bytes(b"x")
    assert is_same_file(tmp_path / "." / "photo.png", original)
    assert not is_same_file(tmp_path / "other.png", original)


def test_a_result_too_large_is_refused_before_the_models_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.errors import FaceSRError

    cache = PipelineCache()
    monkeypatch.setattr(cache, "get", lambda *args: pytest.fail("the models were loaded for a refused photo"))
    settings = RestoreSettings(model=str(tmp_path / "never-loaded.safetensors"), scale=8, device="cpu",
                               max_output_pixels=2_000_000)
    image = LoadedImage(rgb=np.zeros((256, 256, 3), np.uint8), alpha=None, is_gray=False,
                        path=tmp_path / "big.png", format="png")
    with pytest.raises(FaceSRError, match=r"the result would be 2048x2048 .* use a scale of 4"):
        session.restore(cache, settings, image, "big.png")
