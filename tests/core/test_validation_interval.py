"""The automatic validation interval: every run validates at least five times, a long one every 1000 steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.training import checkpoint as ckpt
from core.training import config as cfg
from core.training.trainer import train
from tests.core.test_training import tiny_config
from tests.core.test_training_data import synth_faces


def validations(config: cfg.TrainConfig) -> list[int]:
    """The steps the trainer validates at (its rule: every interval, and at the last step)."""
    every = config.validation_interval
    return [step for step in range(1, config.steps + 1) if step % every == 0 or step == config.steps]


@pytest.mark.parametrize("steps", [5, 7, 40, 60, 300, 4999, 5000, 100_000])
def test_the_automatic_interval_gives_at_least_five_validations(steps: int) -> None:
    config = cfg.preset_config("cpu-quick", "pixel", {"steps": steps})
    assert config.val_every == 0 and len(validations(config)) >= cfg.MIN_VALIDATIONS
    assert config.validation_interval <= cfg.DEFAULT_VAL_EVERY  # long runs are not validated less often


def test_long_runs_validate_every_thousand_steps_and_an_explicit_interval_is_kept() -> None:
    assert cfg.preset_config("srgan", "pixel").validation_interval == 1000  # 100 points over 100,000 steps
    assert cfg.preset_config("cpu-quick", "pixel").validation_interval == 60  # 300 steps: 5 points
    explicit = cfg.preset_config("cpu-quick", "pixel", {"steps": 40, "val_every": 100})
    assert explicit.validation_interval == 100 and validations(explicit) == [40]  # asked for: one point
    # the interval follows the steps of the final config, not those of the preset it was derived from
    assert cfg.with_overrides(cfg.preset_config("srgan", "pixel"), {"steps": 50}).validation_interval == 10
    assert cfg.with_overrides(cfg.TrainConfig(), {"steps": 3}).validation_interval == 1


def test_a_negative_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="intervals must be >= 0"):
        cfg.TrainConfig(val_every=-1)


@pytest.mark.slow
def test_a_short_run_logs_five_validation_points(tmp_path: Path) -> None:
    faces = synth_faces(tmp_path / "faces", count=16)
    config = tiny_config(faces, steps=10, val_every=0)
    train(config, tmp_path / "run", show_bar=False)
    lines = (tmp_path / "run" / ckpt.METRICS_FILE).read_text(encoding="utf-8").splitlines()
    steps = [record["step"] for record in map(json.loads, lines) if record["type"] == "val"]
    assert steps == [2, 4, 6, 8, 10]
