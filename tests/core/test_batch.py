"""Batch runs with decoding and encoding overlapped in threads: same files, same order, same failures."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from core import batch
from core.batch import FileOutcome, plan_jobs, run_batch
from core.config import OutputSettings, RestoreSettings
from core.io import read_image, write_image
from core.pipeline import FacePipeline
from core.progress import CancelToken, PauseGate


@pytest.fixture
def photo_folder(tmp_path: Path, astronaut: np.ndarray) -> Path:
    """Five photos in name order: faces at three sizes, a corrupt file, a PNG."""
    folder = tmp_path / "photos"
    folder.mkdir()
    small = astronaut[::2, ::2]
    write_image(folder / "a.jpg", astronaut, quality=90)
    write_image(folder / "b.jpg", small, quality=90)
    (folder / "c.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    write_image(folder / "d.png", np.ascontiguousarray(astronaut[:, ::-1]))
    write_image(folder / "e.jpg", np.ascontiguousarray(small[:, ::-1]), quality=90)
    return folder


@pytest.fixture
def pipeline(tiny_model: Path) -> FacePipeline:
    return FacePipeline(RestoreSettings(scale=2, model=str(tiny_model), device="cpu"))


def _run(pipeline: FacePipeline, folder: Path, out: Path, io_threads: int, **kwargs) -> batch.BatchSummary:
    return run_batch(pipeline, plan_jobs(folder, out, OutputSettings()), OutputSettings(), io_threads=io_threads,
                     **kwargs)


def test_threaded_batch_writes_what_the_sequential_one_writes(pipeline, photo_folder: Path, tmp_path: Path) -> None:
    in_turn = _run(pipeline, photo_folder, tmp_path / "in-turn", io_threads=0)
    threaded = _run(pipeline, photo_folder, tmp_path / "threaded", io_threads=2)
    assert [o.status for o in threaded.outcomes] == ["done", "done", "failed", "done", "done"]
    assert [(o.source, o.status, o.faces_restored) for o in threaded.outcomes] == \
        [(o.source, o.status, o.faces_restored) for o in in_turn.outcomes]
    assert threaded.outcomes[2].reason == in_turn.outcomes[2].reason == "the file is truncated or damaged"
    names = sorted(p.name for p in (tmp_path / "threaded").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "in-turn").iterdir()) == ["a.jpg", "b.jpg", "d.png", "e.jpg"]
    for name in names:
        assert np.array_equal(read_image(tmp_path / "threaded" / name).rgb, read_image(tmp_path / "in-turn" / name).rgb)
    assert threaded.faces_restored == 4
    assert {"decode", "detect", "restore", "paste", "encode"} <= threaded.outcomes[0].timings.keys()


def test_outcomes_come_in_job_order_on_the_calling_thread(pipeline, photo_folder: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The first file's write is held back until the second one is written: it still comes first."""
    second_written = threading.Event()
    real_write = batch.write_outputs

    def write_out_of_order(result, job, output) -> None:
        if job.source.name == "a.jpg":
            assert second_written.wait(timeout=60), "the second write never ran beside the first"
        real_write(result, job, output)
        if job.source.name == "b.jpg":
            second_written.set()

    monkeypatch.setattr(batch, "write_outputs", write_out_of_order)
    heard: list[tuple[str, int]] = []
    progress: list[int] = []
    summary = _run(pipeline, photo_folder, tmp_path / "out", io_threads=2,
                   on_file=lambda o: heard.append((o.source.name, threading.get_ident())),
                   progress=lambda done, total, name: progress.append(done))
    assert second_written.is_set()
    assert [name for name, _ in heard] == ["a.jpg", "b.jpg", "c.jpg", "d.png", "e.jpg"]
    assert {ident for _, ident in heard} == {threading.get_ident()}
    assert progress == [1, 2, 3, 4, 5]
    assert [o.source.name for o in summary.outcomes] == [name for name, _ in heard]


def test_skips_finished_files_and_never_replaces_an_original(pipeline, photo_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.jpg").write_bytes(b"finished earlier")
    summary = _run(pipeline, photo_folder, out, io_threads=2)
    assert [o.status for o in summary.outcomes] == ["done", "skipped", "failed", "done", "done"]
    assert (out / "b.jpg").read_bytes() == b"finished earlier"
    original = (photo_folder / "a.jpg").read_bytes()
    into_input = _run(pipeline, photo_folder, photo_folder, io_threads=2)
    assert into_input.outcomes[0].status == "failed" and "overwrite the original" in into_input.outcomes[0].reason
    assert (photo_folder / "a.jpg").read_bytes() == original


def test_an_error_in_one_restoration_fails_only_that_file(pipeline, photo_folder: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    real_restore = pipeline.restore

    def restore_or_fail(image, *args):
        if image.path.name == "d.png":
            raise RuntimeError("a library failed on this photo")
        return real_restore(image, *args)

    monkeypatch.setattr(pipeline, "restore", restore_or_fail)
    summary = _run(pipeline, photo_folder, tmp_path / "out", io_threads=2)
    assert [o.status for o in summary.outcomes] == ["done", "done", "failed", "failed", "done"]
    assert "a library failed on this photo" in summary.outcomes[3].reason
    assert not (tmp_path / "out" / "d.png").exists() and (tmp_path / "out" / "e.jpg").exists()


@pytest.mark.parametrize("io_threads", [0, 2])
def test_cancel_stops_the_batch_and_writes_nothing_after(pipeline, photo_folder: Path, tmp_path: Path,
                                                         io_threads: int) -> None:
    token = CancelToken()

    def cancel_after_first(outcome: FileOutcome) -> None:
        token.cancel()

    out = tmp_path / "out"
    summary = _run(pipeline, photo_folder, out, io_threads=io_threads, cancel=token, on_file=cancel_after_first)
    statuses = [o.status for o in summary.outcomes]
    assert len(statuses) == 5 and statuses[0] == "done" and statuses[-1] == "cancelled"
    done = statuses.count("done")
    assert statuses == ["done"] * done + ["cancelled"] * (5 - done)  # what had been restored is still written
    for outcome in summary.outcomes:
        assert outcome.target.exists() == (outcome.status == "done")
    assert not list(out.glob(".*tmp*"))  # no half-written file left behind


def test_cancel_before_the_start_writes_nothing(pipeline, photo_folder: Path, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    summary = _run(pipeline, photo_folder, tmp_path / "out", io_threads=2, cancel=token)
    assert [o.status for o in summary.outcomes] == ["cancelled"] * 5
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_pause_holds_the_models_between_files(pipeline, photo_folder: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    gate = PauseGate()
    restored: list[str] = []
    real_restore = pipeline.restore
    monkeypatch.setattr(pipeline, "restore", lambda image, *args: restored.append(image.path.name)
                        or real_restore(image, *args))
    seen_while_paused: list[list[str]] = []

    def pause_after_first(outcome: FileOutcome) -> None:
        if outcome.source.name != "a.jpg":
            return
        gate.pause()

        def look_then_resume() -> None:
            first = list(restored)
            threading.Event().wait(0.5)  # give a wrongly running batch the chance to go on
            seen_while_paused.append([*first, "|", *restored])
            gate.resume()

        threading.Thread(target=look_then_resume).start()

    summary = _run(pipeline, photo_folder, tmp_path / "out", io_threads=2, pause=gate, on_file=pause_after_first)
    before, after = " ".join(seen_while_paused[0]).split(" | ")
    assert before == after  # nothing was restored while paused ...
    assert "d.png" not in before  # ... and the pause came while files were left (at most two run ahead)
    assert summary.count("done") == 4
