"""Reading metrics.jsonl while it is written: partial lines, replaced files, curves, ETA, past runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.errors import TrainingError
from core.eta import eta_seconds, format_duration
from core.training.runlog import MetricsTail, list_runs, read_metrics, read_run_info, summarise


def _line(record: dict) -> str:
    return json.dumps(record) + "\n"


START = {"type": "event", "event": "start", "step": 0, "steps": 100, "time": 1000.0}


def _train(step: int, time: float, **losses: float) -> dict:
    return {"type": "train", "step": step, "time": time, "images_per_s": 64.0, "loss_g": 1.0 / step, **losses}


def test_a_truncated_last_line_is_left_out_until_its_newline_arrives(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    whole = _line(START) + _line(_train(1, 1001.0))
    cut = _line(_train(2, 1002.0))
    path.write_text(whole + cut[:25], encoding="utf-8")
    assert [r["step"] for r in read_metrics(path)] == [0, 1]

    tail = MetricsTail(path)
    records, reset = tail.read_new()
    assert [r["step"] for r in records] == [0, 1] and not reset
    with path.open("a", encoding="utf-8") as handle:
        handle.write(cut[25:])
    records, reset = tail.read_new()
    assert [(r["type"], r["step"]) for r in records] == [("train", 2)] and not reset
    assert tail.read_new() == ([], False)


def test_a_damaged_middle_line_is_skipped_and_a_missing_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    path.write_text(_line(START) + '{"type": "train", "st\n' + _line(_train(2, 1002.0)), encoding="utf-8")
    assert [r["step"] for r in read_metrics(path)] == [0, 2]
    assert read_metrics(tmp_path / "absent.jsonl") == []


def test_a_replaced_file_is_read_again_from_its_start(tmp_path: Path) -> None:
    # A resume rewrites the file without the lines after its checkpoint (atomic replace).
    path = tmp_path / "metrics.jsonl"
    path.write_text(_line(START) + _line(_train(1, 1001.0)) + _line(_train(2, 1002.0)), encoding="utf-8")
    tail = MetricsTail(path)
    assert len(tail.read_new()[0]) == 3
    replacement = tmp_path / "metrics.tmp"
    replacement.write_text(_line(START) + _line(_train(1, 1001.0)), encoding="utf-8")
    os.replace(replacement, path)
    records, reset = tail.read_new()
    assert reset and [r["step"] for r in records] == [0, 1]


def test_summary_curves_latest_figures_and_eta(tmp_path: Path) -> None:
    records = [START, _train(10, 1010.0, loss_d=0.7), _train(20, 1020.0, loss_d=0.6),
               {"type": "val", "step": 20, "time": 1021.0, "psnr_y": 25.0, "ssim_y": 0.8, "bicubic_psnr_y": 24.0,
                "bicubic_ssim_y": 0.7, "detail_ratio": 0.6, "bicubic_detail_ratio": 0.3,
                "sample": "samples/step_0000020.png", "best_psnr_y": 25.0, "best_step": 20}]
    curves = summarise(records)
    assert curves.get("loss_g").steps == (10, 20) and curves.get("loss_g").values == (0.1, 0.05)
    assert curves.get("loss_d").values == (0.7, 0.6)
    assert curves.get("psnr_y").values == (25.0,) and curves.get("bicubic_psnr_y").steps == (20,)
    assert curves.get("detail_ratio").values == (0.6,) and curves.get("bicubic_detail_ratio").values == (0.3,)
    assert curves.get("loss_adv").steps == ()
    assert (curves.step, curves.total_steps, curves.state) == (20, 100, "running")
    assert curves.sample == "samples/step_0000020.png" and curves.best_step == 20
    assert curves.images_per_s == 64.0
    assert curves.eta_s == pytest.approx(80 * 20.0 / 20)  # 80 steps left at 1 step/s

    stopped = summarise(records + [{"type": "event", "event": "stop", "step": 20, "time": 1022.0}])
    assert stopped.state == "stopped" and stopped.eta_s is None


def test_a_step_redone_after_a_resume_keeps_its_last_value() -> None:
    records = [START, _train(1, 1001.0), _train(2, 1002.0),
               {"type": "event", "event": "resume", "step": 1, "steps": 100, "time": 2000.0},
               {**_train(2, 2001.0), "loss_g": 9.0}]
    curves = summarise(records)
    assert curves.get("loss_g").steps == (1, 2) and curves.get("loss_g").values[-1] == 9.0
    assert curves.eta_s == pytest.approx(98 * 1.0)  # rate measured since the resume only


def test_eta_and_durations() -> None:
    assert eta_seconds(0, 10, 5.0) is None
    assert eta_seconds(2, 10, 4.0) == pytest.approx(16.0)
    assert format_duration(None) == "\u2014"
    assert format_duration(75) == "1:15" and format_duration(3725) == "1:02:05"


def test_past_runs_are_listed_newest_first_and_bad_ones_named(tmp_path: Path) -> None:
    for name, created in (("old", "2024-01-01T00:00:00+00:00"), ("new", "2025-01-01T00:00:00+00:00")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(json.dumps(
            {"config": {"preset": "cpu-quick", "stage": "pixel", "steps": 300, "data": "/faces"}, "created": created}))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    (tmp_path / "not-a-run").mkdir()
    assert [run.path.name for run in list_runs(tmp_path)] == ["new", "old"]
    assert list_runs(tmp_path / "absent") == []
    info = read_run_info(tmp_path / "new")
    assert (info.preset, info.stage, info.steps, info.resumable) == ("cpu-quick", "pixel", 300, False)
    with pytest.raises(TrainingError, match=r"config\.json.*unreadable"):
        read_run_info(tmp_path / "broken")
    with pytest.raises(TrainingError, match="not a run folder"):
        read_run_info(tmp_path / "not-a-run")
