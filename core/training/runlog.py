"""Run folders' metrics.jsonl, written and read: the trainer's writer, live tailing, curves, past runs.

The trainer appends one JSON object per line to metrics.jsonl through ``MetricsLog``, which flushes each
line, so a reader can see a half-written last line; ``MetricsTail`` keeps such a fragment until its newline arrives. A
resumed run rewrites the file (atomically, without the lines after its checkpoint), which a tail
notices as a new file and reads again from the start. Used by the GUI's Train tab; no Qt here.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.atomic import atomic_output
from core.errors import TrainingError, brief
from core.eta import eta_seconds
from core.training import checkpoint as ckpt

log = logging.getLogger(__name__)

Record = dict[str, Any]


class MetricsLog:
    """metrics.jsonl: one JSON object per line, flushed at once so a reader can tail it live."""

    def __init__(self, path: Path, resume_step: int | None) -> None:
        self.path = path
        if resume_step is not None and path.exists():
            self._truncate_after(resume_step)
        self.handle = path.open("a", encoding="utf-8")

    def _truncate_after(self, step: int) -> None:
        # Lines written after the checkpoint we resume from describe steps that will be redone.
        kept = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                if json.loads(line).get("step", 0) <= step:
                    kept.append(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash
        with atomic_output(self.path) as temporary:
            temporary.write_text("".join(line + "\n" for line in kept), encoding="utf-8")

    def write(self, record: Record) -> None:
        record = {"time": round(time.time(), 3), **record}
        self.handle.write(json.dumps(record) + "\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


class MetricsTail:
    """Incremental reader of one metrics.jsonl: each ``read_new`` returns the complete lines added since."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self._pending = b""
        self._identity: tuple[int, int] | None = None

    def read_new(self) -> tuple[list[Record], bool]:
        """(new records, reset): ``reset`` is True when the file was replaced or shortened, and the
        records are then the whole file again (the caller drops what it had)."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return [], False
        identity = (stat.st_dev, stat.st_ino)
        reset = self._identity is not None and (identity != self._identity or stat.st_size < self._offset)
        if reset:
            self._offset, self._pending = 0, b""
        self._identity = identity
        if stat.st_size == self._offset:
            return [], reset
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except OSError as error:  # e.g. replaced between stat and open on Windows: try again next time
            log.debug("cannot read %s now: %s", self.path, error)
            return [], reset
        self._offset += len(chunk)
        *lines, self._pending = (self._pending + chunk).split(b"\n")
        return parse_lines(lines, self.path), reset


def parse_lines(lines: Iterable[bytes], source: Path | None = None) -> list[Record]:
    """JSON objects of complete lines; a damaged line (a crash mid-write, then a resume) is skipped."""
    records: list[Record] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.debug("skipping a damaged line in %s", source)
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def read_metrics(path: Path) -> list[Record]:
    """Every complete record of a metrics file (an unterminated last line is left out); [] when absent."""
    return MetricsTail(path).read_new()[0]


@dataclass(frozen=True)
class Series:
    steps: tuple[int, ...] = ()
    values: tuple[float, ...] = ()


# Losses drawn as generator curves (when present) and the discriminator's; key = metrics.jsonl name.
GENERATOR_LOSSES = ("loss_g", "loss_pixel", "loss_perceptual", "loss_fm", "loss_adv")
DISCRIMINATOR_LOSSES = ("loss_d",)
QUALITY_KEYS = ("psnr_y", "ssim_y", "bicubic_psnr_y", "bicubic_ssim_y", "detail_ratio", "bicubic_detail_ratio")


@dataclass(frozen=True)
class RunCurves:
    """What a run's metrics say: curves by key, the latest figures and the run's state."""

    series: Mapping[str, Series] = field(default_factory=dict)
    step: int = 0
    total_steps: int | None = None
    images_per_s: float | None = None
    eta_s: float | None = None  # None when the run is not running or nothing is measured yet
    sample: str | None = None  # latest sample grid, relative to the run folder
    best_psnr_y: float | None = None
    best_step: int | None = None
    state: str = "empty"  # empty, running, stopped (resumable), finished

    def get(self, key: str) -> Series:
        return self.series.get(key, Series())


_STATES = {"start": "running", "resume": "running", "stop": "stopped", "end": "finished"}


def summarise(records: Iterable[Record]) -> RunCurves:
    """Curves and latest figures of a run from its records, in file order.

    A step logged twice (a crash after logging, then a resume that redid it) keeps its last value.
    """
    builder = CurvesBuilder()
    builder.add(records)
    return builder.curves()


class _Points:
    """One curve's points in step order, grown by appending; a step logged again keeps its last value."""

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: list[float] = []

    def add(self, step: int, value: float) -> None:
        if not self.steps or step > self.steps[-1]:  # the trainer's order: an append
            self.steps.append(step)
            self.values.append(value)
            return
        position = bisect.bisect_left(self.steps, step)  # a step redone after a crash, or out of order
        if self.steps[position] == step:
            self.values[position] = value
        else:
            self.steps.insert(position, step)
            self.values.insert(position, value)

    def series(self) -> Series:
        return Series(tuple(self.steps), tuple(self.values))


class CurvesBuilder:
    """RunCurves built up as records arrive: a reader following a growing metrics file adds only the new
    records, instead of summarising the whole file again at every look (``summarise`` is one ``add``)."""

    def __init__(self) -> None:
        self._points: dict[str, _Points] = {}
        self._series: dict[str, Series] = {}
        self._changed: set[str] = set()  # keys whose Series must be rebuilt
        self._latest: dict[str, Any] = {"step": 0, "state": "empty"}
        self._segment: tuple[int, float] | None = None  # (step, time) where the current start/resume began
        self._last_train: Record | None = None

    def add(self, records: Iterable[Record]) -> None:
        latest = self._latest
        for record in records:
            kind, step = record.get("type"), int(record.get("step", 0))
            latest["step"] = step
            if kind == "event":
                latest["state"] = _STATES.get(record.get("event", ""), latest["state"])
                if record.get("steps"):
                    latest["total_steps"] = int(record["steps"])
                if record.get("event") in ("start", "resume"):
                    self._segment = (step, float(record.get("time", 0.0)))
            elif kind == "train":
                self._last_train = record
                self._collect(record, GENERATOR_LOSSES + DISCRIMINATOR_LOSSES, step)
            elif kind == "val":
                self._collect(record, QUALITY_KEYS, step)
                latest.update(sample=record.get("sample"), best_psnr_y=record.get("best_psnr_y"),
                              best_step=record.get("best_step"))

    def curves(self) -> RunCurves:
        """The run as the records added so far describe it; only curves that grew are rebuilt."""
        for key in self._changed:
            self._series[key] = self._points[key].series()
        self._changed.clear()
        latest, last_train, segment = self._latest, self._last_train, self._segment
        images_per_s = last_train.get("images_per_s") if last_train else None
        eta = None
        total = latest.get("total_steps")
        if latest["state"] == "running" and segment is not None and last_train is not None and total:
            start_step, start_time = segment
            eta = eta_seconds(int(last_train["step"]) - start_step, total - start_step,
                              float(last_train.get("time", start_time)) - start_time)
        return RunCurves(series=dict(self._series), step=latest["step"], total_steps=total,
                         images_per_s=images_per_s, eta_s=eta, sample=latest.get("sample"),
                         best_psnr_y=latest.get("best_psnr_y"), best_step=latest.get("best_step"),
                         state=latest["state"])

    def _collect(self, record: Record, keys: Iterable[str], step: int) -> None:
        for key in keys:
            value = record.get(key)
            if isinstance(value, (int, float)):
                points = self._points.get(key)
                if points is None:  # not setdefault: that would build a _Points for every value
                    points = self._points[key] = _Points()
                points.add(step, float(value))
                self._changed.add(key)


@dataclass(frozen=True)
class RunInfo:
    path: Path
    preset: str
    stage: str
    steps: int
    created: str  # ISO time from config.json ("" when unknown)
    data: str | None
    val_data: str | None = None
    init_from: str | None = None
    batch_size: int | None = None
    lr: float | None = None
    scale: int | None = None

    @property
    def best_model(self) -> Path:
        return self.path / ckpt.BEST_G_EMA

    @property
    def resumable(self) -> bool:
        return (self.path / ckpt.STATE_FILE).is_file()


def read_run_info(run_dir: Path) -> RunInfo:
    """The run's identity from its config.json; TrainingError naming the file when it is unreadable."""
    path = Path(run_dir) / ckpt.CONFIG_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        config = record["config"]
        lr = config.get("optim", {}).get("lr")
        return RunInfo(Path(run_dir), str(config.get("preset", "custom")), str(config.get("stage", "pixel")),
                       int(config.get("steps", 0)), str(record.get("created", "")), config.get("data"),
                       config.get("val_data"), config.get("init_from"), _optional(int, config.get("batch_size")),
                       _optional(float, lr), _optional(int, config.get("scale")))
    except FileNotFoundError:
        raise TrainingError(run_dir, "not a run folder (no config.json)") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise TrainingError(path, f"the run's config is unreadable ({brief(error)})") from error


def _optional(kind: type, value: object) -> Any:
    return None if value is None else kind(value)


def list_runs(root: Path) -> list[RunInfo]:
    """Run folders directly under ``root`` (those with a readable config.json), newest first."""
    if not Path(root).is_dir():
        return []
    runs: list[RunInfo] = []
    for folder in Path(root).iterdir():
        if (folder / ckpt.CONFIG_FILE).is_file():
            try:
                runs.append(read_run_info(folder))
            except TrainingError as error:
                log.warning("%s", error)
    return sorted(runs, key=lambda run: (run.created, run.path.name), reverse=True)
