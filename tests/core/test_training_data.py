"""Training data: config validation, degradations, face folders with corrupt files, augmentation."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from core.errors import TrainingError
from core.training import config as cfg
from core.training.data import FaceDataset, augment_face, collate, scan_faces, split_files
from core.training.degradations import bicubic_downsample, degrade, sample_rng


def synth_faces(folder: Path, count: int = 16, size: int = 32, seed: int = 0) -> Path:
    """Smooth colour gradients plus Gaussian blobs carrying sinusoidal texture: fine detail that is
    band-limited (below the x2 LQ Nyquist), so a tiny network can learn to beat bicubic in seconds."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    for index in range(count):
        image = 128 + 40 * (rng.uniform(-1, 1, 3) * (xx / size - 0.5)[..., None]
                            + rng.uniform(-1, 1, 3) * (yy / size - 0.5)[..., None])
        for _ in range(3):
            cx, cy = rng.uniform(0.2, 0.8, 2) * size
            radius = rng.uniform(0.15, 0.3) * size
            frequency, angle = rng.uniform(0.12, 0.22), rng.uniform(0, np.pi)
            wave = np.sin(2 * np.pi * frequency * (np.cos(angle) * xx + np.sin(angle) * yy) + rng.uniform(0, 6.3))
            envelope = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2))
            image = image + (envelope * wave)[..., None] * rng.uniform(-60, 60, 3)
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(folder / f"face{index:02d}.png")
    return folder


def add_corrupt_files(folder: Path) -> list[Path]:
    """A zero-byte jpg, a text file named .jpg, a truncated png and a truncated jpg."""
    good = np.asarray(Image.open(next(iter(sorted(folder.glob("*.png"))))))
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("not an image at all", encoding="utf-8")
    Image.fromarray(good).save(folder / "whole.png")
    data = (folder / "whole.png").read_bytes()
    (folder / "whole.png").unlink()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
    ok, encoded = cv2.imencode(".jpg", good)
    (folder / "truncated.jpg").write_bytes(encoded.tobytes()[: len(encoded) // 2])
    return [folder / name for name in ("empty.jpg", "notes.jpg", "truncated.png", "truncated.jpg")]


# --- config -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", list(cfg.PRESETS))
@pytest.mark.parametrize("stage", cfg.STAGES)
def test_presets_are_valid_and_round_trip_through_json(preset: str, stage: str) -> None:
    config = cfg.preset_config(preset, stage, {"data": "faces"})
    assert config.stage == stage and config.preset == preset
    assert (config.loss.adv_weight > 0) == (stage == "gan")
    restored = cfg.from_dict(cfg.TrainConfig, json.loads(json.dumps(config.to_dict())))
    assert restored == config


def test_preset_recipes() -> None:
    srgan = cfg.preset_config("srgan", "gan")
    assert (srgan.arch, srgan.arch_args["num_blocks"], srgan.loss.adv_weight, srgan.loss.gan_type) == \
        ("srresnet", 16, 1e-3, "standard")
    ragan = cfg.preset_config("rcan-ragan", "gan")
    assert (ragan.arch, ragan.loss.adv_weight, ragan.loss.gan_type, ragan.loss.perceptual_weight) == \
        ("rcan", 5e-3, "relativistic", 1.0)
    quick = cfg.preset_config("cpu-quick", "pixel")
    assert quick.loss.perceptual_weight == 0 and quick.input_size == 16


@pytest.mark.parametrize("overrides", [
    {"scale": 3}, {"face_size": 30}, {"face_size": 16, "scale": 4}, {"stage": "nope"},
    {"loss.pixel_loss": "l3"}, {"loss.adv_weight": 1e-3}, {"optim.warmup": 1.0},
    {"optim.milestones": (0.8, 0.2)}, {"degradation.blind_jpeg": (90, 60)}, {"degradation.kind": "x"},
    {"augment.scale_jitter": 0.9}, {"precision": "fp8"}, {"batch_size": 0}, {"no_such_setting": 1},
    {"arch_args": {"scale": 2}},
])
def test_bad_settings_are_refused(overrides: dict) -> None:
    with pytest.raises(ValueError):
        cfg.preset_config("cpu-quick", "pixel", overrides)


def test_gan_stage_needs_an_adversarial_weight() -> None:
    with pytest.raises(ValueError, match="adversarial"):
        cfg.preset_config("cpu-quick", "gan", {"loss.adv_weight": 0.0})


# --- degradations -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,scale", [("bicubic", 4), ("bicubic", 2), ("blind", 4), ("blind", 1), ("blind", 8)])
def test_degradations_sizes_ranges_and_seeds(kind: str, scale: int) -> None:
    hq = (np.random.default_rng(1).random((64, 64, 3)) * 255).astype(np.uint8)
    config = cfg.DegradationConfig(kind=kind, blur_sigma=(0.5, 1.5))
    lq = degrade(hq, scale, config, sample_rng(7, 0, 0, 3))
    assert lq.shape == (64 // scale, 64 // scale, 3) and lq.dtype == np.uint8
    again = degrade(hq, scale, config, sample_rng(7, 0, 0, 3))
    other = degrade(hq, scale, config, sample_rng(8, 0, 0, 3))
    assert np.array_equal(lq, again)
    assert not np.array_equal(lq, other)


def test_blind_ranges_are_applied() -> None:
    hq = np.full((64, 64, 3), 128, np.uint8)
    noisy = cfg.DegradationConfig(kind="blind", blind_blur_sigma=(0, 0), blind_downsample=(1, 1),
                                  blind_noise=(20, 20), blind_jpeg=(100, 100))
    clean = cfg.DegradationConfig(kind="blind", blind_blur_sigma=(0, 0), blind_downsample=(1, 1),
                                  blind_noise=(0, 0), blind_jpeg=(100, 100))
    assert degrade(hq, 1, noisy, sample_rng(0)).astype(float).std() > 10
    assert degrade(hq, 1, clean, sample_rng(0)).astype(float).std() < 1


def test_bicubic_protocol_is_antialiased_pil_bicubic_without_blur() -> None:
    hq = (np.random.default_rng(2).random((32, 32, 3)) * 255).astype(np.uint8)
    lq = degrade(hq, 4, cfg.DegradationConfig(), sample_rng(0))
    expected = np.asarray(Image.fromarray(hq).resize((8, 8), Image.Resampling.BICUBIC))
    assert np.array_equal(lq, expected)
    assert np.array_equal(bicubic_downsample(hq, 4), expected)


# --- face folders -------------------------------------------------------------------------------------

def test_corrupt_files_are_skipped_with_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = synth_faces(tmp_path / "faces", count=4)
    corrupt = add_corrupt_files(folder)
    with caplog.at_level(logging.WARNING):
        files = scan_faces(folder)
    assert corrupt[0] not in files and corrupt[1] not in files  # caught up front, cheaply
    assert "empty.jpg" in caplog.text and "notes.jpg" in caplog.text
    dataset = FaceDataset(files, 32, 2, cfg.DegradationConfig(), cfg.AugmentConfig(), seed=0)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        items = [dataset[i] for i in range(len(dataset))]  # truncated files: replaced by readable ones
    assert all(lq.shape == (16, 16, 3) and hq.shape == (32, 32, 3) for lq, hq, _ in items)
    assert "truncated.png" in caplog.text and "truncated.jpg" in caplog.text
    lq_batch, hq_batch = collate(items)
    assert lq_batch.shape == (len(items), 3, 16, 16) and 0 <= float(lq_batch.min()) and float(hq_batch.max()) <= 1


def test_folder_without_images_is_a_training_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainingError, match="no jpg, png or webp"):
        scan_faces(tmp_path / "empty")
    with pytest.raises(TrainingError, match="does not exist"):
        scan_faces(tmp_path / "missing")


def test_samples_are_reproducible_per_epoch_and_index(tmp_path: Path) -> None:
    files = scan_faces(synth_faces(tmp_path / "faces", count=3))
    dataset = FaceDataset(files, 32, 2, cfg.DegradationConfig(blur_sigma=(0.2, 2.0)), cfg.AugmentConfig(), seed=5)
    first, again = dataset.item(1, epoch=0), dataset.item(1, epoch=0)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    later = dataset.item(1, epoch=1)
    assert not np.array_equal(first[0], later[0])


def test_seeded_split_and_resizing(tmp_path: Path) -> None:
    files = [tmp_path / f"{i}.png" for i in range(50)]
    train, val = split_files(files, 5, seed=3)
    assert len(val) == 5 and len(train) == 45 and not set(train) & set(val)
    assert split_files(files, 5, seed=3) == (train, val) and split_files(files, 5, seed=4)[1] != val
    assert len(split_files(files, 300, seed=3)[1]) == 5  # at most a tenth is held out
    wide = np.zeros((40, 80, 3), np.uint8)
    Image.fromarray(wide).save(tmp_path / "wide.png")
    dataset = FaceDataset([tmp_path / "wide.png"], 16, 4, cfg.DegradationConfig(), None, seed=0)
    lq, hq, _ = dataset[0]
    assert hq.shape == (16, 16, 3) and lq.shape == (4, 4, 3)


def test_augmentation_keeps_size_and_type() -> None:
    face = (np.random.default_rng(0).random((32, 32, 3)) * 255).astype(np.uint8)
    augmented = augment_face(face, cfg.AugmentConfig(color_jitter=0.2), np.random.default_rng(1))
    assert augmented.shape == face.shape and augmented.dtype == np.uint8
    assert not np.array_equal(augmented, face)
    assert np.array_equal(augment_face(face, cfg.AugmentConfig(hflip=False, scale_jitter=0, shift_jitter=0),
                                       np.random.default_rng(1)), face)


# --- preparation: detect + align, cached --------------------------------------------------------------

class _FakeDetector:
    """Finds one face whose landmarks are the FFHQ template at ``face_px``, or none in 'empty' photos."""

    def __init__(self, face_px: dict[str, int]) -> None:
        self.face_px = face_px
        self.calls = 0

    def detect(self, image: np.ndarray) -> list:
        from core.align import template_for
        from core.types import FaceDetection

        self.calls += 1
        size = self.face_px.get(str(int(image[0, 0, 0])))
        if size is None:
            return []
        landmarks = (template_for(size) + 10).astype(np.float32)
        return [FaceDetection(box=(10.0, 10.0, 10.0 + size, 10.0 + size), score=0.99, landmarks=landmarks)]


def test_prepare_aligns_skips_faceless_and_small_faces_and_caches(tmp_path: Path) -> None:
    from core.training.prepare import prepare_faces

    photos = tmp_path / "photos"
    (photos / "sub").mkdir(parents=True)
    for name, marker in (("big.png", 1), ("sub/small.png", 2), ("none.png", 3)):
        image = np.full((200, 200, 3), 90, np.uint8)
        image[0, 0] = marker  # tells the fake detector which face to report
        Image.fromarray(image).save(photos / name)
    detector = _FakeDetector({"1": 128, "2": 20})
    result = prepare_faces(photos, tmp_path / "aligned", 64, detector=detector)
    assert (result.written, result.no_face, result.too_small, result.unreadable) == (1, 1, 1, 0)
    crops = list((tmp_path / "aligned").rglob("*.png"))
    assert [c.name for c in crops] == ["big_0.png"]
    assert np.asarray(Image.open(crops[0])).shape == (64, 64, 3)
    again = prepare_faces(photos, tmp_path / "aligned", 64, detector=detector)
    assert again.cached == 3 and again.written == 0 and detector.calls == 3  # no second detection
