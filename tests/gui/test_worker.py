"""The generic background worker: results, errors and cancellation arrive as signals in the UI thread."""

from __future__ import annotations

import threading
import time

from core.errors import ImageReadError
from core.progress import Stage
from gui.worker import JobQueue, Progress, WorkerThread, error_message


def test_job_runs_off_the_ui_thread_and_its_result_arrives(qtbot) -> None:
    runner = WorkerThread()
    seen: dict[str, object] = {}

    def job(cancel, progress):
        seen["thread"] = threading.get_ident()
        progress(1, 2, Stage.RESTORE)
        progress(3, 4, "a_photo.jpg")  # free words name no stage
        progress.report(Progress(Stage.FILES, 1, 1, item="outcome"))
        return 42

    worker = runner.submit(job)
    steps: list[Progress] = []
    worker.progress.connect(steps.append)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        pass
    assert blocker.args == [42]
    assert steps == [Progress(Stage.RESTORE, 1, 2), Progress(None, 3, 4), Progress(Stage.FILES, 1, 1, "outcome")]
    assert seen["thread"] != threading.get_ident()
    qtbot.waitUntil(lambda: not runner.busy)
    assert runner.shutdown()


def test_an_error_arrives_as_the_exception_and_reads_as_a_message_naming_the_file(qtbot, tmp_path) -> None:
    runner = WorkerThread()

    def job(cancel, progress):
        raise ImageReadError(tmp_path / "broken.jpg", "not an image")

    worker = runner.submit(job)
    with qtbot.waitSignal(worker.errored, timeout=5000) as blocker:
        pass
    error = blocker.args[0]
    assert isinstance(error, ImageReadError) and error.path == tmp_path / "broken.jpg"
    assert "broken.jpg" in error_message(error) and "not an image" in error_message(error)
    assert error_message(MemoryError()).startswith("out of memory")
    assert error_message(KeyError("x")) == "unexpected error: KeyError: 'x'"
    assert runner.shutdown()


def test_cancel_stops_a_job_that_checks_its_token(qtbot) -> None:
    runner = WorkerThread()
    started = threading.Event()

    def job(cancel, progress):
        started.set()
        while True:
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    worker = runner.submit(job)
    assert started.wait(5)
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        runner.cancel()
    assert runner.shutdown()


def test_an_outcome_that_comes_before_the_caller_connects_is_not_lost(qtbot) -> None:
    runner = WorkerThread()
    done = threading.Event()

    def job(cancel, progress):
        progress(1, 1, "all")
        done.set()
        return "quick"

    worker = runner.submit(job)
    assert done.wait(5)
    time.sleep(0.05)  # the job has emitted by now; the slots below are connected only afterwards
    seen: list[object] = []
    worker.progress.connect(lambda *args: seen.append(("progress", threading.get_ident())))
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.finished.connect(lambda result: seen.append((result, threading.get_ident())))
    assert blocker.args == ["quick"]
    # both arrived, and in the UI thread: even a lambda may touch widgets
    assert seen == [("progress", threading.get_ident()), ("quick", threading.get_ident())]
    assert not runner.busy and runner.shutdown()


def test_a_queue_runs_waiting_actions_in_order_and_a_newer_one_replaces_its_kind(qtbot) -> None:
    queue = JobQueue(WorkerThread())
    release = threading.Event()
    ran: list[str] = []

    def held(cancel, progress):
        assert release.wait(5)
        return "first"

    assert queue.start("open", held, ran.append)
    assert not queue.start("save", lambda cancel, progress: None)  # busy: nothing starts
    for name in ("restore old", "restore new"):
        queue.later("restore", lambda name=name: queue.start("restore", lambda c, p, n=name: n, ran.append))
    queue.later("warm", lambda: queue.start("warm", lambda c, p: "warm", ran.append))
    assert queue.running("open") and queue.waiting("restore", "warm") and not queue.waiting("models")
    release.set()
    qtbot.waitUntil(lambda: ran == ["first", "restore new", "warm"] and not queue.busy, timeout=5000)
    assert queue.kind == "" and not queue.waiting()
    assert queue.shutdown()
