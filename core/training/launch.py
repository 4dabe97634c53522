"""Starting `main.py train` as a separate process: the request, its flags and the command line.

The GUI runs training in a child process, so a crash (or an out-of-memory kill) of training cannot
take the window down; this module turns the Train tab's choices into that process's command line
and checks what can be checked before starting it. No Qt here.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.errors import TrainingError
from core.paths import app_root, user_runs_dir
from core.training import checkpoint as ckpt
from core.training import config as cfg
from core.training.runlog import read_metrics, summarise

# A run whose log says it is running and changed this recently is taken to be training elsewhere; an
# older one crashed (or was killed) and may be resumed.
ACTIVE_SECONDS = 120.0
# Set in their own fields; in the extra flags they would fight with them.
_OWN_FLAGS = ("--run-dir", "--resume", "--runs-root", "--data", "--preset", "--stage", "--preview-degradations")


@dataclass(frozen=True)
class TrainRequest:
    """A new run as the Train tab describes it; ``extra`` is free text of further `train` flags."""

    data: Path
    run_dir: Path
    preset: str = "cpu-quick"
    stage: str = "pixel"
    steps: int = 300
    batch_size: int = 8
    lr: float = 5e-4
    scale: int | None = 4  # None: from --init-from's model (the gan stage continues its generator)
    val_data: Path | None = None
    init_from: Path | None = None
    extra: str = ""

    def __post_init__(self) -> None:
        if self.preset not in cfg.PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; choose from {', '.join(cfg.PRESETS)}")
        if self.stage not in cfg.STAGES:
            raise ValueError(f"stage must be one of {cfg.STAGES}, got {self.stage!r}")
        if self.scale is not None and self.scale not in cfg.SCALES:
            raise ValueError(f"scale must be one of {cfg.SCALES}, got {self.scale}")


def preset_values(preset: str, stage: str) -> cfg.TrainConfig:
    """The preset's resolved config for a stage (to fill the tab's fields)."""
    return cfg.preset_config(preset, stage)


def new_run_dir(preset: str, stage: str, root: Path | None = None) -> Path:
    """A fresh run folder name under the runs folder, as `main.py train` would choose it."""
    return (root or user_runs_dir()) / f"{datetime.now():%Y%m%d-%H%M%S}-{preset}-{stage}"


def split_extra(extra: str) -> list[str]:
    """The extra flags as arguments; TrainingError for unbalanced quotes or a flag with its own field."""
    try:
        arguments = shlex.split(extra, posix=os.name != "nt")  # Windows paths keep their backslashes
    except ValueError as error:
        raise TrainingError(None, f"extra arguments: {error}") from error
    for argument in arguments:
        if argument.split("=", 1)[0] in _OWN_FLAGS:
            raise TrainingError(None, f"extra arguments: {argument.split('=', 1)[0]} has its own field")
    return arguments


def train_arguments(request: TrainRequest) -> list[str]:
    """The `train` flags of a new run (after the sub-command)."""
    arguments = ["--data", str(request.data), "--preset", request.preset, "--stage", request.stage,
                 "--steps", str(request.steps), "--batch-size", str(request.batch_size), "--lr", repr(request.lr),
                 "--run-dir", str(request.run_dir), "--no-progress"]
    if request.scale is not None:
        arguments += ["--scale", str(request.scale)]
    if request.val_data is not None:
        arguments += ["--val-data", str(request.val_data)]
    if request.init_from is not None:
        arguments += ["--init-from", str(request.init_from)]
    return arguments + split_extra(request.extra)


def resume_arguments(run_dir: Path) -> list[str]:
    return ["--resume", str(run_dir), "--no-progress"]


def check_request(request: TrainRequest) -> None:
    """What can be refused before starting a process, with the file and the cause."""
    if not request.data.is_dir():
        raise TrainingError(request.data, "the dataset folder does not exist")
    if request.val_data is not None and not request.val_data.is_dir():
        raise TrainingError(request.val_data, "the validation folder does not exist")
    if request.init_from is not None and not request.init_from.exists():
        raise TrainingError(request.init_from, "no such run folder or generator file")
    if request.stage == "gan" and request.init_from is None and request.scale is None:
        raise TrainingError(None, "choose a scale, or a pixel-stage run to start the gan stage from")
    if (request.run_dir / ckpt.STATE_FILE).exists():
        raise TrainingError(request.run_dir, "this folder already holds a run: select it and press Resume, "
                                             "or choose another run folder")
    split_extra(request.extra)


def check_resumable(run_dir: Path, now: float | None = None) -> None:
    """A run can be resumed when it has a checkpoint and no process seems to be training it: its log
    does not say it stopped (or ended) and changed within the last ACTIVE_SECONDS."""
    if not (run_dir / ckpt.STATE_FILE).is_file():
        raise TrainingError(run_dir, "no checkpoint (state.pt) to resume from yet")
    metrics = run_dir / ckpt.METRICS_FILE
    if summarise(read_metrics(metrics)).state != "running":
        return
    age = (time.time() if now is None else now) - metrics.stat().st_mtime
    if age < ACTIVE_SECONDS:
        raise TrainingError(run_dir, f"the run seems to be training in another process (its log changed "
                                     f"{age:.0f} s ago): stop it first, or wait until it has ended")


def train_command(arguments: list[str], frozen: bool | None = None) -> list[str]:
    """The child process's command line: the bundle's executable takes the sub-command itself
    (PyInstaller, ``sys.frozen``); from source, the interpreter runs main.py."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if frozen:
        return [sys.executable, "train", *arguments]
    return [sys.executable, str(app_root() / "main.py"), "train", *arguments]
