"""The run monitor reads and summarises only what a run appended since its last look, not the whole file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.training import checkpoint as ckpt
from core.training import runlog
from gui.run_monitor import RunMonitor


def _lines(start: int, stop: int) -> str:
    return "".join(json.dumps({"type": "train", "step": step, "time": 1000.0 + step, "loss_g": 1.0 / step,
                               "loss_pixel": 0.5 / step, "images_per_s": 8.0}) + "\n" for step in range(start, stop))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many metrics lines were parsed and how many records were summarised, over all looks."""
    counts = {"parsed": 0, "summarised": 0}
    parse, add = runlog.parse_lines, runlog.CurvesBuilder.add

    def counting_parse(lines, source=None):
        lines = list(lines)
        counts["parsed"] += sum(1 for line in lines if line.strip())
        return parse(lines, source)

    def counting_add(self, records):
        records = list(records)
        counts["summarised"] += len(records)
        return add(self, records)

    monkeypatch.setattr(runlog, "parse_lines", counting_parse)
    monkeypatch.setattr(runlog.CurvesBuilder, "add", counting_add)
    return counts


def test_only_appended_records_are_read_and_summarised(qtbot, tmp_path: Path, counted: dict[str, int]) -> None:
    metrics = tmp_path / "run" / ckpt.METRICS_FILE
    metrics.parent.mkdir()
    start = json.dumps({"type": "event", "event": "start", "step": 0, "steps": 2000, "time": 1000.0}) + "\n"
    metrics.write_text(start + _lines(1, 1001), encoding="utf-8")
    monitor = RunMonitor()
    monitor.poll_ms = 60_000  # the test looks itself
    monitor.follow(metrics.parent)
    assert counted == {"parsed": 1001, "summarised": 1001} and monitor.curves.step == 1000
    assert len(monitor.curves.get("loss_g").steps) == 1000 and monitor.curves.state == "running"

    assert not monitor.poll()  # nothing new: nothing read, nothing summarised, no redraw
    assert counted == {"parsed": 1001, "summarised": 1001}

    with metrics.open("a", encoding="utf-8") as handle:
        handle.write(_lines(1001, 1004) + '{"type": "train", "st')  # the last line still being written
    with qtbot.waitSignal(monitor.changed) as changed:
        assert monitor.poll()
    assert changed.args == [True] and counted == {"parsed": 1004, "summarised": 1004}
    assert monitor.curves.step == 1003 and monitor.curves.get("loss_pixel").steps[-3:] == (1001, 1002, 1003)
    assert monitor.curves.get("loss_g").values[-1] == pytest.approx(1 / 1003)
    assert monitor.loss_plot.point_count() == 2 * 1003 and monitor.curves.eta_s is not None

    with metrics.open("a", encoding="utf-8") as handle:
        handle.write('ep": 1004, "loss_g": 0.25}\n')  # its end arrives
    assert monitor.poll() and counted == {"parsed": 1005, "summarised": 1005}
    assert monitor.curves.step == 1004 and monitor.curves.get("loss_g").values[-1] == 0.25
    assert monitor.records_read == 1005
    monitor.stop()


def test_a_rewritten_file_is_read_again_from_its_start(qtbot, tmp_path: Path, counted: dict[str, int]) -> None:
    metrics = tmp_path / "run" / ckpt.METRICS_FILE
    metrics.parent.mkdir()
    metrics.write_text(_lines(1, 11), encoding="utf-8")
    monitor = RunMonitor()
    monitor.poll_ms = 60_000
    monitor.follow(metrics.parent)
    assert monitor.curves.step == 10
    replacement = metrics.with_name("metrics.tmp")  # a resume keeps the lines up to its checkpoint, atomically
    replacement.write_text(_lines(1, 6), encoding="utf-8")
    os.replace(replacement, metrics)
    assert monitor.poll() and monitor.curves.step == 5
    assert monitor.curves.get("loss_g").steps == (1, 2, 3, 4, 5)  # none of the dropped steps stays
    assert counted["summarised"] == 15
    monitor.stop()
