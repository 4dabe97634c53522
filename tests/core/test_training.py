"""The trainer end to end on tiny synthetic faces: learning, exact resume, atomic checkpoints, graceful
stop, the CLI, evaluation and DDP with Gloo. CPU only, no network, a few seconds each."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

from core.cli import main as cli_main
from core.errors import TrainingError
from core.io import read_image
from core.models.store import load_generator
from core.progress import CancelToken
from core.training import checkpoint as ckpt
from core.training import config as cfg
from core.training.evaluate import evaluate, evaluate_faces, summarise
from core.training.trainer import Trainer, train
from tests.conftest import SHARED_DATA, needs_shared_data
from tests.core.test_training_data import add_corrupt_files, synth_faces

TINY_RCAN = {"num_groups": 1, "num_blocks": 2, "channels": 16, "reduction": 4, "image_residual": True}


def tiny_config(data: Path, stage: str = "pixel", **overrides: Any) -> cfg.TrainConfig:
    """A 0.02M-parameter RCAN, x2 from 16 px to 32 px, batch 8, no workers, pixel or GAN stage."""
    base = {
        "data": str(data), "val_data": str(data), "val_count": 8, "face_size": 32, "scale": 2, "arch": "rcan",
        "arch_args": TINY_RCAN, "batch_size": 8, "workers": 0, "val_every": 1000, "log_every": 1,
        "optim.schedule": "constant", "optim.warmup": 0.0, "augment.scale_jitter": 0.0,
        "augment.shift_jitter": 0.0, "sample_count": 4, "disc_args": {"channels": 8, "num_stages": 2},
    }
    return cfg.preset_config("cpu-quick", stage, {**base, **overrides})


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / ckpt.METRICS_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]  # every line must parse


def state_tensors(run_dir: Path) -> dict[str, torch.Tensor]:
    state = ckpt.load_state(run_dir / ckpt.STATE_FILE)
    flat = {}
    for part in ("generator", "ema", "disc"):
        for name, tensor in (state[part] or {}).items():
            flat[f"{part}.{name}"] = tensor
    return flat


@pytest.fixture
def faces(tmp_path: Path) -> Path:
    return synth_faces(tmp_path / "faces")


@pytest.mark.slow
def test_pixel_training_learns_and_beats_bicubic(tmp_path: Path, faces: Path) -> None:
    config = tiny_config(faces, steps=120, val_every=60, log_every=10, val_count=16,
                         **{"optim.lr": 3e-3, "optim.ema_decay": 0.9})
    run_dir = tmp_path / "run"
    result = train(config, run_dir, show_bar=False)
    assert result.step == 120 and not result.stopped

    records = read_metrics(run_dir)
    train_lines = [r for r in records if r["type"] == "train"]
    val_lines = [r for r in records if r["type"] == "val"]
    assert [r["step"] for r in val_lines] == [60, 120]
    assert {"step", "stage", "loss_pixel", "loss_g", "lr", "images_per_s", "eta_s"} <= set(train_lines[0])
    assert train_lines[-1]["loss_pixel"] < 0.5 * train_lines[0]["loss_pixel"]
    final = val_lines[-1]
    assert {"psnr_y", "ssim_y", "bicubic_psnr_y", "bicubic_ssim_y"} <= set(final)
    assert final["psnr_y"] > final["bicubic_psnr_y"] + 0.5, final
    assert final["psnr_y"] > val_lines[0]["psnr_y"]
    grid = read_image(run_dir / final["sample"]).rgb  # a column per face: input, output, original
    assert grid.shape == (3 * 32, 4 * 32, 3)

    for name in (ckpt.LATEST_G, ckpt.LATEST_G_EMA, ckpt.BEST_G_EMA):
        model, metadata = load_generator(run_dir / name)
        assert (metadata.arch, metadata.scale, metadata.input_size) == ("rcan", 2, 16)
    assert metadata.training["stage"] == "pixel" and metadata.training["best"]["step"] == result.best_step
    saved = json.loads((run_dir / ckpt.CONFIG_FILE).read_text())
    assert cfg.from_dict(cfg.TrainConfig, saved["config"]) == config

    # eval follows the validation protocol: the same faces give the same PSNR-Y through the app's loader.
    report = evaluate(str(run_dir / ckpt.BEST_G_EMA), faces, scale=2, device="cpu")
    assert report.psnr_y == pytest.approx(result.best_psnr_y, abs=0.01)
    assert report.bicubic_psnr_y == pytest.approx(final["bicubic_psnr_y"], abs=1e-6)
    assert report.ms_per_face > 0 and len(report.faces) == 16
    # ... and the same detail ratio (eval's definition), for the model and for bicubic (measured once)
    best = next(r for r in val_lines if r["step"] == result.best_step)
    assert report.detail_ratio == pytest.approx(best["detail_ratio"], rel=0.02)
    assert report.bicubic_detail_ratio == pytest.approx(final["bicubic_detail_ratio"], rel=1e-6)
    assert {r["bicubic_detail_ratio"] for r in val_lines} == {final["bicubic_detail_ratio"]}
    assert final["bicubic_detail_ratio"] < final["detail_ratio"] < 2, final


@pytest.mark.slow
def test_deterministic_resume_reaches_the_same_weights(tmp_path: Path, faces: Path) -> None:
    add_corrupt_files(faces)  # skipped on the way, in both runs alike
    config = tiny_config(faces, "gan", steps=6, deterministic=True, **{"loss.gan_type": "relativistic"})
    straight = train(config, tmp_path / "straight", show_bar=False)
    assert straight.step == 6

    token = CancelToken()

    def stop_at_three(done: int, total: int, message: str) -> None:
        if done == 3:
            token.cancel()  # what SIGINT/SIGTERM do through the CLI

    stopped = train(config, tmp_path / "resumed", progress=stop_at_three, cancel=token, show_bar=False)
    assert stopped.stopped and stopped.step == 3
    assert ckpt.load_state(tmp_path / "resumed" / ckpt.STATE_FILE)["step"] == 3
    resumed = train(config, tmp_path / "resumed", resume=True, show_bar=False)
    assert resumed.step == 6 and not resumed.stopped

    expected, actual = state_tensors(tmp_path / "straight"), state_tensors(tmp_path / "resumed")
    assert expected.keys() == actual.keys() and any(k.startswith("disc.") for k in expected)
    for name in expected:
        torch.testing.assert_close(actual[name], expected[name], rtol=1e-5, atol=1e-6, msg=name)
    assert not torch.are_deterministic_algorithms_enabled()  # the global switch is put back
    steps = [r["step"] for r in read_metrics(tmp_path / "resumed") if r["type"] == "train"]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_interrupted_checkpoint_leaves_the_previous_one(tmp_path: Path, faces: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    config = tiny_config(faces, steps=4, checkpoint_every=2)
    run_dir = tmp_path / "run"
    real_save = torch.save
    calls = []

    def save_then_die(obj: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(path)
        if len(calls) == 2:  # the second checkpoint dies half-way through writing state.pt
            Path(path).write_bytes(b"PK\x03\x04 half a zip")
            raise OSError("simulated crash during the save")
        real_save(obj, path, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save_then_die)
    with pytest.raises(OSError, match="simulated"):
        train(config, run_dir, show_bar=False)
    monkeypatch.setattr(torch, "save", real_save)
    assert ckpt.load_state(run_dir / ckpt.STATE_FILE)["step"] == 2
    assert not [p for p in run_dir.iterdir() if ".tmp" in p.name]  # no half-written leftovers

    # the same for the weights file: its write dies half-way, the old file stays loadable
    import core.models.store as store

    real_atomic_file = store.atomic_file

    @contextlib.contextmanager
    def dying_half_way(target: Path) -> Iterator[Any]:
        with real_atomic_file(target) as stream:
            class HalfThenCrash:
                def write(self, data: bytes) -> int:
                    stream.write(bytes(data)[:len(data) // 2])
                    raise OSError("simulated crash while writing the weights")

            yield HalfThenCrash()

    before = load_generator(run_dir / ckpt.LATEST_G)[0].state_dict()
    monkeypatch.setattr(store, "atomic_file", dying_half_way)
    with pytest.raises(OSError):
        train(config, run_dir, resume=True, show_bar=False)
    monkeypatch.undo()
    after = load_generator(run_dir / ckpt.LATEST_G)[0].state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)

    result = train(config, run_dir, resume=True, show_bar=False)
    assert result.step == 4 and ckpt.load_state(run_dir / ckpt.STATE_FILE)["step"] == 4


def _cli_train(*flags: str) -> int:
    return cli_main(["train", "--preset", "cpu-quick", "--scale", "2", "--face-size", "32", "--workers", "0",
                     "--batch-size", "8", "--val-count", "4", "--no-progress", *flags])


@pytest.mark.slow
def test_stop_file_checkpoints_and_exits_zero_then_resume_and_gan_stage(
        tmp_path: Path, faces: Path, capsys: pytest.CaptureFixture) -> None:
    run_dir = tmp_path / "pixel"
    run_dir.mkdir()
    (run_dir / ckpt.STOP_FILE).touch()
    tiny = ["--arch-arg", "num_groups=1", "--arch-arg", "num_blocks=1", "--arch-arg", "channels=8"]
    assert _cli_train("--data", str(faces), "--steps", "50", "--run-dir", str(run_dir), *tiny) == 0
    assert "stopped at step 1" in capsys.readouterr().out
    assert not (run_dir / ckpt.STOP_FILE).exists()
    assert ckpt.load_state(run_dir / ckpt.STATE_FILE)["step"] == 1
    assert (run_dir / ckpt.LATEST_G_EMA).is_file()

    assert cli_main(["train", "--resume", str(run_dir), "--steps", "3", "--no-progress"]) == 0
    events = [r["event"] for r in read_metrics(run_dir) if r["type"] == "event"]
    assert events == ["start", "stop", "resume", "end"]
    assert ckpt.load_state(run_dir / ckpt.STATE_FILE)["step"] == 3

    gan_dir = tmp_path / "gan"
    assert cli_main(["train", "--data", str(faces), "--preset", "cpu-quick", "--stage", "gan", "--init-from",
                     str(run_dir), "--steps", "2", "--batch-size", "8", "--workers", "0", "--val-count", "4",
                     "--run-dir", str(gan_dir), "--no-progress"]) == 0
    pixel_config = json.loads((run_dir / ckpt.CONFIG_FILE).read_text())["config"]
    gan_config = json.loads((gan_dir / ckpt.CONFIG_FILE).read_text())["config"]
    assert gan_config["arch_args"] == pixel_config["arch_args"] and gan_config["face_size"] == 32
    assert gan_config["stage"] == "gan" and gan_config["loss"]["adv_weight"] > 0
    assert load_generator(gan_dir / ckpt.LATEST_G)[1].training["init_from"].endswith(ckpt.BEST_G_EMA)


def test_cli_errors_and_preview(tmp_path: Path, faces: Path, capsys: pytest.CaptureFixture,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    assert _cli_train() == 2  # no --data
    assert "--data" in capsys.readouterr().err
    assert _cli_train("--data", str(faces), "--scale", "4", "--face-size", "30") == 2
    assert "multiple of the scale" in capsys.readouterr().err
    assert _cli_train("--data", str(faces), "--arch-arg", "nonsense") == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert _cli_train("--data", str(tmp_path / "empty"), "--run-dir", str(tmp_path / "r1")) == 1
    error = capsys.readouterr().err
    assert "empty" in error and len(error.strip().splitlines()) == 1
    assert _cli_train("--data", str(faces), "--perceptual-weight", "1", "--run-dir", str(tmp_path / "r2")) == 1
    assert "--vgg-weights" in capsys.readouterr().err
    assert cli_main(["train", "--resume", str(tmp_path / "nowhere")]) == 2
    assert cli_main(["eval", "--model", str(tmp_path / "none.safetensors"), "--hr", str(faces), "--scale", "4"]) == 2

    out = tmp_path / "preview"
    assert _cli_train("--data", str(faces), "--preview-degradations", "--preview-count", "3", "--out", str(out),
                      "--degradation", "blind") == 0
    grid = list(out.glob("*.png"))
    assert len(grid) == 1
    from core.io import read_image

    assert read_image(grid[0]).rgb.shape == (3 * 32, 2 * 32, 3)


def test_evaluate_faces_with_bicubic_as_the_model_equals_the_baseline(faces: Path) -> None:
    from core.training.degradations import bicubic_upsample

    files = sorted(faces.glob("*.png"))[:4]
    scores, skipped = evaluate_faces(lambda lq: bicubic_upsample(lq, lq.shape[1] * 4, lq.shape[0] * 4), files, 4,
                                     "blind", seed=3)
    report = summarise("bicubic", scores, skipped, 4, "blind", 3, 0)
    assert report.psnr_y == pytest.approx(report.bicubic_psnr_y) and not skipped
    again, _ = evaluate_faces(lambda lq: bicubic_upsample(lq, lq.shape[1] * 4, lq.shape[0] * 4), files, 4,
                              "blind", seed=3)
    assert [s.psnr_y for s in again] == [s.psnr_y for s in scores]  # blind LQ reproducible from the seed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ddp_worker(rank: int, world_size: int, port: int, config_json: str, run_dir: str, out_dir: str) -> None:
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    config = cfg.from_dict(cfg.TrainConfig, json.loads(config_json))
    trainer = Trainer(config, Path(run_dir), show_bar=False)
    try:
        result = trainer.fit()
        torch.save({"step": result.step, **trainer.generator.state_dict()}, Path(out_dir) / f"rank{rank}.pt")
    finally:
        trainer.close()


@pytest.mark.slow
def test_ddp_with_gloo_in_two_processes(tmp_path: Path, faces: Path) -> None:
    config = tiny_config(faces, "gan", steps=3, batch_size=4, val_every=3, **{"loss.gan_type": "relativistic"})
    run_dir, out_dir = tmp_path / "ddp", tmp_path / "out"
    out_dir.mkdir()
    mp.spawn(_ddp_worker, args=(2, _free_port(), json.dumps(config.to_dict()), str(run_dir), str(out_dir)),
             nprocs=2, join=True)
    rank0 = torch.load(out_dir / "rank0.pt", weights_only=True)
    rank1 = torch.load(out_dir / "rank1.pt", weights_only=True)
    assert rank0.pop("step") == rank1.pop("step") == 3
    for name in rank0:  # DDP keeps the replicas identical
        torch.testing.assert_close(rank0[name], rank1[name], msg=name)
    records = read_metrics(run_dir)  # written by rank 0 only: one line per step
    assert [r["step"] for r in records if r["type"] == "train"] == [1, 2, 3]
    assert [r["images_per_s"] > 0 for r in records if r["type"] == "train"] == [True] * 3
    assert json.loads((run_dir / ckpt.CONFIG_FILE).read_text())["world_size"] == 2
    state = ckpt.load_state(run_dir / ckpt.STATE_FILE)
    assert state["step"] == 3 and state["world_size"] == 2
    torch.testing.assert_close(state["generator"]["head.weight"], rank0["head.weight"])
    assert np.isfinite([r["loss_d"] for r in records if r["type"] == "train"]).all()


class _FakeIdentity:
    """An identity scorer whose distance is the mean absolute pixel difference / 100 (no dlib needed)."""

    def distances(self, truth: np.ndarray, *images: np.ndarray) -> list[float]:
        return [float(np.abs(image.astype(float) - truth).mean() / 100) for image in images]


def test_evaluation_reports_detail_ratio_and_identity_distance(faces: Path, tmp_path: Path) -> None:
    from core.training.degradations import bicubic_upsample
    from core.training.evaluate import format_table, write_report

    files = sorted(faces.glob("*.png"))[:3]

    def upsample(lq: np.ndarray) -> np.ndarray:
        return bicubic_upsample(lq, lq.shape[1] * 4, lq.shape[0] * 4)

    scores, _ = evaluate_faces(upsample, files, 4)
    plain = summarise("bicubic", scores, [], 4, "bicubic", 0, 0)
    assert plain.detail_ratio == pytest.approx(plain.bicubic_detail_ratio)
    assert 0 < plain.detail_ratio < 0.8  # bicubic loses detail
    assert plain.identity_distance is None and "requirements-eval.txt" in format_table(plain)

    def noisy(lq: np.ndarray) -> np.ndarray:  # "invents" detail: above the ground truth
        rng = np.random.default_rng(0)
        return np.clip(upsample(lq) + rng.normal(0, 40, (lq.shape[0] * 4, lq.shape[1] * 4, 3)), 0, 255).astype(np.uint8)

    scores, _ = evaluate_faces(noisy, files, 4, identity=_FakeIdentity())
    report = summarise("noisy", scores, [], 4, "bicubic", 0, 0)
    assert report.detail_ratio > 1.3 > plain.detail_ratio
    assert report.identity_distance > report.bicubic_identity_distance > 0
    table = format_table(report)
    assert "detail" in table and f"{report.identity_distance:.4f}" in table
    csv_path, json_path = write_report(report, tmp_path / "eval")
    assert json.loads(json_path.read_text())["detail_ratio"] == pytest.approx(report.detail_ratio)
    assert csv_path.read_text().splitlines()[-1].startswith("MEAN")


def test_identity_scorer_is_skipped_without_the_optional_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from core.training import identity

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("face_recognition_models", "dlib") else real(name, *a))
    assert identity.models_folder() is None and identity.IdentityScorer.create() is None


@pytest.mark.slow
def test_a_new_run_refuses_a_used_folder_and_logs_how_many_steps_each_average_covers(
        tmp_path: Path, faces: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / ckpt.METRICS_FILE).write_text('{"type": "train", "step": 5}\n')
    with pytest.raises(TrainingError, match=r"not empty.*--resume"):
        train(tiny_config(faces, steps=2), used, show_bar=False)
    assert (used / ckpt.METRICS_FILE).read_text() == '{"type": "train", "step": 5}\n'  # untouched

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ckpt.STOP_FILE).touch()  # a STOP file alone (the GUI may write it early) is not a used folder
    result = train(tiny_config(faces, steps=10, log_every=4), run_dir, show_bar=False)
    assert result.stopped and result.step == 1
    train(tiny_config(faces, steps=10, log_every=4), run_dir, resume=True, show_bar=False)
    records = [r for r in read_metrics(run_dir) if r["type"] == "train"]
    # the stop after step 1 logged its 1-step average; after the resume, steps 2-4 are 3 steps (not a silent 4)
    assert [(r["step"], r["avg_steps"]) for r in records] == [(1, 1), (4, 3), (8, 4), (10, 2)]


def test_validation_logs_the_detail_ratio_also_after_resuming_a_run_saved_without_it(
        tmp_path: Path, faces: Path) -> None:
    run_dir = tmp_path / "run"
    train(tiny_config(faces, steps=2), run_dir, show_bar=False)
    first = [r for r in read_metrics(run_dir) if r["type"] == "val"][-1]
    assert 0 < first["bicubic_detail_ratio"] < 1 and 0 < first["detail_ratio"] < 2  # bicubic loses detail
    state = ckpt.load_state(run_dir / ckpt.STATE_FILE)
    state["bicubic"] = {k: v for k, v in state["bicubic"].items() if k != "detail_ratio"}  # an older run's state
    ckpt.save_state(run_dir / ckpt.STATE_FILE, state)

    train(tiny_config(faces, steps=4), run_dir, resume=True, show_bar=False)
    last = [r for r in read_metrics(run_dir) if r["type"] == "val"][-1]
    assert last["step"] == 4 and last["bicubic_psnr_y"] == first["bicubic_psnr_y"]
    assert last["bicubic_detail_ratio"] == pytest.approx(first["bicubic_detail_ratio"], rel=1e-9)
    assert ckpt.load_state(run_dir / ckpt.STATE_FILE)["bicubic"]["detail_ratio"] == last["bicubic_detail_ratio"]
    assert last["detail_ratio"] != first["detail_ratio"]  # the model's own, measured again


def test_resume_truncates_metrics_written_after_the_checkpoint(tmp_path: Path, faces: Path) -> None:
    run_dir = tmp_path / "run"
    train(tiny_config(faces, steps=2, log_every=1), run_dir, show_bar=False)
    with (run_dir / ckpt.METRICS_FILE).open("a") as log:  # a crash after step 2's checkpoint: steps 3-4 logged
        log.write('{"type": "train", "step": 3}\n{"type": "train", "step": 4}\n{"type": "tr')
    train(tiny_config(faces, steps=4, log_every=1), run_dir, resume=True, show_bar=False)
    steps = [r["step"] for r in read_metrics(run_dir) if r["type"] == "train"]
    assert steps == [1, 2, 3, 4]  # each step once


@needs_shared_data
@pytest.mark.slow
def test_aligning_then_training_with_worker_processes_does_not_hang(tmp_path: Path) -> None:
    """`train --align` runs the detector in the trainer's process and then starts data-loader workers: forked
    workers inherited OpenCV's thread pool without its threads and hung on their first OpenCV call."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for source in sorted((SHARED_DATA / "faces-utk").iterdir())[:12]:
        (photos / source.name).write_bytes(source.read_bytes())
    command = [sys.executable, str(Path(__file__).resolve().parents[2] / "main.py"), "train", "--data", str(photos),
               "--align", "--preset", "cpu-quick", "--scale", "2", "--face-size", "32", "--steps", "2",
               "--batch-size", "4", "--workers", "1", "--val-count", "2", "--val-every", "0", "--no-progress",
               "--run-dir", str(tmp_path / "run")]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("training with a worker process hung after aligning the photos")
    assert finished.returncode == 0, finished.stderr
    assert ckpt.load_state(tmp_path / "run" / ckpt.STATE_FILE)["step"] == 2


@pytest.mark.parametrize("native", [True, False])
def test_bf16_trains_on_a_cpu_only_where_it_computes_bfloat16(tmp_path: Path, faces: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture, native: bool) -> None:
    monkeypatch.setattr("core.training.trainer.cpu_has_bfloat16", lambda: native)
    seen: list[torch.dtype] = []
    trainer = Trainer(tiny_config(faces, steps=3, precision="bf16", device="cpu"), tmp_path / "run", show_bar=False)
    trainer.generator.head.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    try:
        result = trainer.fit()
    finally:
        trainer.close()
    assert result.step == 3 and trainer.cpu_bf16 == native == trainer.channels_last
    expected = torch.bfloat16 if native else torch.float32
    assert seen and all(dtype == expected for dtype in seen[:3])  # the training steps' convolutions
    losses = [r["loss_pixel"] for r in read_metrics(tmp_path / "run") if r["type"] == "train"]
    assert len(losses) == 3 and all(np.isfinite(losses))
    assert ("only bf16, and only on a CPU with bfloat16 instructions" in caplog.text) != native


def test_a_larger_rcan_warm_starts_from_a_smaller_one_and_computes_the_same_at_first(
        tmp_path: Path, faces: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="core.training.trainer")
    small = Trainer(tiny_config(faces, steps=1), tmp_path / "small", show_bar=False)
    small_run = small.fit()
    small.close()
    assert small_run.step == 1
    grown_args = {**TINY_RCAN, "num_groups": 3}
    grown = Trainer(tiny_config(faces, steps=1, arch_args=grown_args, init_from=str(tmp_path / "small" / ckpt.LATEST_G)),
                    tmp_path / "grown", show_bar=False)
    try:
        source, _ = load_generator(tmp_path / "small" / ckpt.LATEST_G)
        image = torch.rand(2, 3, 16, 16)
        with torch.no_grad():
            assert torch.allclose(grown.generator(image), source(image), atol=1e-6)  # new groups pass through
        assert len(grown.generator.groups) == 3 and "warm-started" in caplog.text
    finally:
        grown.close()
    srresnet = tiny_config(faces, steps=1, arch="srresnet", arch_args={"num_blocks": 1, "channels": 8},
                           init_from=str(tmp_path / "small" / ckpt.LATEST_G))
    with pytest.raises(TrainingError, match="no weights fit"):
        Trainer(srresnet, tmp_path / "other", show_bar=False)
