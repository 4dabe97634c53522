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
from core.output_record import RECORD_NAME
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


def _results(folder: Path) -> list[str]:
    """The result files of a folder, without the hidden record of what the batch wrote."""
    return sorted(p.name for p in folder.iterdir() if p.name != RECORD_NAME)


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
    names = _results(tmp_path / "threaded")
    assert names == _results(tmp_path / "in-turn") == ["a.jpg", "b.jpg", "d.png", "e.jpg"]
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
    finished = write_image(out / "b.jpg", np.zeros((8, 8, 3), np.uint8)).read_bytes()  # a whole image
    summary = _run(pipeline, photo_folder, out, io_threads=2)
    assert [o.status for o in summary.outcomes] == ["done", "skipped", "failed", "done", "done"]
    assert (out / "b.jpg").read_bytes() == finished
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


# --- issue 13: nothing lost, nothing replaced ------------------------------------------------------


def _cut_jpeg(path: Path, pixels: np.ndarray) -> bytes:
    """A JPEG cut off as a full disk left it before writes were verified."""
    whole = write_image(path, pixels).read_bytes()
    path.write_bytes(whole[: len(whole) * 2 // 3])
    return path.read_bytes()


def test_a_full_disk_fails_the_file_and_a_rerun_redoes_a_damaged_result(
        pipeline, photo_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake writer: the disk takes 2000 bytes of a.jpg's result and drops the rest without an error."""
    from core import atomic

    real_open = open

    def full_for_a(path, mode):  # type: ignore[no-untyped-def]
        handle = real_open(path, mode)
        if Path(path).name.startswith(".a."):
            real_write = handle.write
            handle.write = lambda data: real_write(data[: max(0, 2000 - handle.tell())]) and len(data)
        return handle

    out = tmp_path / "out"
    monkeypatch.setattr(atomic, "open", full_for_a, raising=False)
    summary = _run(pipeline, photo_folder, out, io_threads=2)
    assert [(o.source.name, o.status) for o in summary.outcomes][:2] == [("a.jpg", "failed"), ("b.jpg", "done")]
    assert summary.outcomes[0].reason == "the disk is full"
    assert "a.jpg" not in _results(out) and not [p for p in out.iterdir() if ".tmp" in p.name]
    monkeypatch.undo()

    _cut_jpeg(out / "b.jpg", np.zeros((64, 64, 3), np.uint8))  # b's result, cut off by an older version
    rerun = _run(pipeline, photo_folder, out, io_threads=2)
    assert [o.status for o in rerun.outcomes] == ["done", "done", "failed", "skipped", "skipped"]
    assert "replaced the damaged file b.jpg" in rerun.outcomes[1].warnings
    assert read_image(out / "a.jpg").rgb.shape == (1024, 1024, 3)  # 512 px at x2
    assert read_image(out / "b.jpg").rgb.shape == (512, 512, 3)  # whole again


def test_overwrite_replaces_only_results_the_batch_wrote(pipeline, photo_folder: Path, tmp_path: Path) -> None:
    """Into the input folder, x.png and x.bmp used to give x.bmp's result the name of the original x.png."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    small = read_image(photo_folder / "b.jpg").rgb
    for name in ("x.png", "x.bmp"):
        write_image(folder / name, small)
    originals = {p.name: p.read_bytes() for p in folder.iterdir()}
    overwrite = OutputSettings(overwrite=True)
    summary = run_batch(pipeline, plan_jobs(folder, folder, overwrite), overwrite)
    assert [(o.source.name, o.target.name, o.status) for o in summary.outcomes] == \
        [("x.bmp", "x_bmp.png", "done"), ("x.png", "x_png.png", "done")]
    assert all((folder / name).read_bytes() == data for name, data in originals.items())

    out = tmp_path / "out"  # a user's own photo under an output name is never replaced, even with --overwrite
    mine = write_image(out / "a.jpg", np.full((8, 8, 3), 7, np.uint8)).read_bytes()
    first = run_batch(pipeline, plan_jobs(photo_folder, out, overwrite), overwrite)
    assert first.outcomes[0].status == "failed" and "did not write" in first.outcomes[0].reason
    assert (out / "a.jpg").read_bytes() == mine
    results = {name: (out / name).stat().st_mtime_ns for name in ("b.jpg", "d.png")}
    again = run_batch(pipeline, plan_jobs(photo_folder, out, overwrite), overwrite)  # its own results: redone
    assert [o.status for o in again.outcomes] == ["failed", "done", "failed", "done", "done"]
    assert all((out / name).stat().st_mtime_ns != when for name, when in results.items())
    (out / "d.png").write_bytes((out / "d.png").read_bytes())  # edited since (new time): not ours any more
    assert run_batch(pipeline, plan_jobs(photo_folder, out, overwrite), overwrite).outcomes[3].status == "failed"


def test_inputs_sharing_an_output_name_get_names_of_their_own(pipeline, photo_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "same-stem"
    folder.mkdir()
    for name in ("a.jpg", "a.png", "b.webp"):
        write_image(folder / name, read_image(photo_folder / "b.jpg").rgb)
    as_png = OutputSettings(ext="png", suffix="_r")
    jobs = plan_jobs(folder, tmp_path / "out", as_png)
    assert [(job.source.name, job.target.name) for job in jobs] == \
        [("a.jpg", "a_jpg_r.png"), ("a.png", "a_png_r.png"), ("b.webp", "b_r.png")]
    assert jobs[0].note == "a.jpg and a.png would both be written as a_r.png: this one is written as a_jpg_r.png"
    summary = run_batch(pipeline, jobs, as_png)
    assert [o.status for o in summary.outcomes] == ["done"] * 3 and jobs[1].note in summary.outcomes[1].warnings
    assert _results(tmp_path / "out") == ["a_jpg_r.png", "a_png_r.png", "b_r.png"]
    # a result that would land on another input of the run (a.png -> a_r.png beside an input a_r.png)
    write_image(folder / "a_r.png", read_image(photo_folder / "b.jpg").rgb)
    into_input = {job.source.name: job.target.name for job in plan_jobs(folder, folder, as_png)}
    assert into_input["a_r.png"] == "a_r_r.png" and into_input["b.webp"] == "b_r.png"
    assert len(set(into_input.values())) == 4 and not set(into_input.values()) & set(into_input)


def test_the_next_batch_removes_leftovers_of_a_killed_one_even_with_nothing_to_do(
        pipeline, photo_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(pipeline, photo_folder, out, io_threads=0)
    (out / ".a.k3j4h5g6.tmp.jpg").write_bytes(b"half")  # what kill -9 leaves: unlocked, our naming
    (out / ".a.backup.tmp").write_bytes(b"a user's file")
    rerun = _run(pipeline, photo_folder, out, io_threads=0)
    assert rerun.count("done") == 0
    assert not (out / ".a.k3j4h5g6.tmp.jpg").exists() and (out / ".a.backup.tmp").exists()


def test_a_result_too_large_is_refused_in_one_line_before_any_work(tiny_model: Path, photo_folder: Path,
                                                                    tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    limited = FacePipeline(RestoreSettings(scale=8, model=str(tiny_model), device="cpu", max_output_pixels=2_000_000))
    monkeypatch.setattr(limited, "restorer", None)  # any model work would fail with another message
    jobs = plan_jobs(photo_folder / "b.jpg", tmp_path / "out", OutputSettings())  # 256x256
    outcome = run_batch(limited, jobs, OutputSettings()).outcomes[0]
    assert outcome.status == "failed"
    assert outcome.reason == ("the result would be 2048x2048 (4,194,304 pixels), more than the limit of 2,000,000 "
                              "output pixels: use a scale of 4 (-s 4), or raise the limit with --max-output-pixels "
                              "if the memory is there")
    from core import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 270 * 2**20)  # 270 MB free: x8 needs 284 MB, x4 263
    roomy = FacePipeline(RestoreSettings(scale=8, model=str(tiny_model), device="cpu"))
    monkeypatch.setattr(roomy, "restorer", None)
    reason = run_batch(roomy, jobs, OutputSettings()).outcomes[0].reason
    assert reason == ("the result would be 2048x2048 and needs about 284 MB of memory, but only about 270 MB is "
                      "free: use a scale of 4 (-s 4)")


def test_out_of_memory_in_a_library_is_one_line(pipeline, photo_folder: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    import cv2

    def no_memory(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise cv2.error("OpenCV(5.0.0) matrix.cpp:1: error: (-4:Insufficient memory) Failed to allocate "
                        "12288000000 bytes in function 'OutOfMemoryError'\n")

    monkeypatch.setattr(pipeline, "restore", no_memory)
    outcome = _run(pipeline, photo_folder, tmp_path / "out", io_threads=0).outcomes[0]
    assert outcome.status == "failed" and outcome.reason.startswith("out of memory: use a lower scale")
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("io_threads", [0, 2])
def test_the_output_size_check_runs_once_per_file(pipeline, photo_folder: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, io_threads: int) -> None:
    """The batch checks each photo's result as it decodes it; the pipeline does not check it again."""
    from core import memory

    asked: list[int] = []
    monkeypatch.setattr(memory, "available_bytes", lambda: asked.append(1) or 64 * 2**30)
    summary = _run(pipeline, photo_folder, tmp_path / "out", io_threads=io_threads)
    assert summary.count("done") == 4  # c.jpg fails to decode, before any check
    assert len(asked) == 4
