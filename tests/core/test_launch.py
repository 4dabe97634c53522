"""The Train tab's command line for `main.py train`, and what is refused before a process starts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.cli import build_parser
from core.errors import TrainingError
from core.paths import app_root
from core.training.commands import config_from_args
from core.training.launch import (TrainRequest, check_request, check_resumable, new_run_dir, resume_arguments,
                                  split_extra, train_arguments, train_command)


def test_the_command_runs_main_py_from_source_and_the_executable_when_frozen() -> None:
    assert train_command(["--steps", "5"], frozen=False) == \
        [sys.executable, str(app_root() / "main.py"), "train", "--steps", "5"]
    assert train_command(["--steps", "5"], frozen=True) == [sys.executable, "train", "--steps", "5"]


def test_the_arguments_give_the_cli_the_requested_config(tmp_path: Path) -> None:
    request = TrainRequest(data=tmp_path, run_dir=tmp_path / "run", preset="srgan", steps=1234, batch_size=4,
                           lr=3e-5, scale=2, val_data=tmp_path / "val", extra="--workers 0 --arch-arg num_blocks=2")
    arguments = train_arguments(request)
    assert arguments[arguments.index("--run-dir") + 1] == str(tmp_path / "run") and "--no-progress" in arguments
    args = build_parser().parse_args(["train", *arguments])
    config = config_from_args(args)
    assert (config.preset, config.steps, config.batch_size, config.scale) == ("srgan", 1234, 4, 2)
    assert config.optim.lr == pytest.approx(3e-5) and config.workers == 0
    assert config.arch_args["num_blocks"] == 2 and config.val_data == str((tmp_path / "val").resolve())


def test_the_gan_stage_from_a_run_takes_the_scale_from_its_model(tmp_path: Path) -> None:
    request = TrainRequest(data=tmp_path, run_dir=tmp_path / "gan", stage="gan", scale=None,
                           init_from=tmp_path / "pixel")
    arguments = train_arguments(request)
    assert "--scale" not in arguments and arguments[arguments.index("--init-from") + 1] == str(tmp_path / "pixel")
    assert resume_arguments(tmp_path / "gan") == ["--resume", str(tmp_path / "gan"), "--no-progress"]


def test_extra_flags_that_have_their_own_field_or_bad_quotes_are_refused() -> None:
    assert split_extra('--workers 0 --vgg-weights "/my weights/vgg.pth"')[-1] == "/my weights/vgg.pth"
    with pytest.raises(TrainingError, match="--run-dir has its own field"):
        split_extra("--run-dir=/elsewhere")
    with pytest.raises(TrainingError, match="extra arguments"):
        split_extra('--vgg-weights "unclosed')


def test_what_is_refused_before_starting_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="dataset folder does not exist") as error:
        check_request(TrainRequest(data=tmp_path / "absent", run_dir=tmp_path / "run"))
    assert "absent" in str(error.value)
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(TrainingError, match="no checkpoint"):
        check_resumable(run)
    (run / "state.pt").write_bytes(b"")
    with pytest.raises(TrainingError, match="already holds a run"):
        check_request(TrainRequest(data=tmp_path, run_dir=run))
    check_resumable(run)
    (run / "metrics.jsonl").write_text('{"type": "event", "event": "start", "step": 0, "steps": 9}\n')
    with pytest.raises(TrainingError, match="training in another process"):
        check_resumable(run)  # its log says running and has just changed
    modified = (run / "metrics.jsonl").stat().st_mtime
    check_resumable(run, now=modified + 600)  # a crashed run: resumable
    assert new_run_dir("cpu-quick", "pixel", tmp_path).name.endswith("-cpu-quick-pixel")
    with pytest.raises(ValueError, match="preset"):
        TrainRequest(data=tmp_path, run_dir=run, preset="nonsense")
