"""The face feature network (train-features), the face perceptual loss and discriminator feature matching."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from core.cli import main as cli_main
from core.errors import ModelError, TrainingError
from core.io import write_image
from core.models.discriminator import VGGDiscriminator
from core.models.face_features import (FEATURES_KEY, FaceFeatureNet, FeatureNetMetadata, load_feature_net,
                                       save_feature_net)
from core.models.loading import find_model_files
from core.training import config as cfg
from core.training.data import split_files
from core.training.features import parse_labels
from core.training.losses import (FacePerceptualLoss, GeneratorLoss, feature_matching_loss,
                                  find_face_features)

TINY = (4, 8)


def labelled_faces(folder: Path, count: int = 40, size: int = 32) -> Path:
    """Faces named AGE_GENDER_RACE_DATE.jpg.chip.png whose brightness tells the gender (learnable)."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for index in range(count):
        gender, race, age = index % 2, index % 5, 10 + index
        face = rng.integers(0, 60, (size, size, 3)) + (150 if gender else 30)
        write_image(folder / f"{age}_{gender}_{race}_2017{index:04d}.jpg.chip.png", face.astype(np.uint8))
    (folder / "39_1_20170116174525125.jpg.chip.png").write_bytes((folder / next(
        p.name for p in folder.iterdir())).read_bytes())  # a UTKFace name without a race: skipped
    return folder


def test_labels_come_from_utkface_names_and_bad_names_are_none() -> None:
    assert parse_labels("26_1_2_20170116174525125.jpg.chip.jpg") == (26, 1, 2)
    assert parse_labels("26_1_2_20170116174525125.jpg.chip_0.png") == (26, 1, 2)  # an aligned crop's name
    assert parse_labels("39_1_20170116174525125.jpg.chip.jpg") is None  # no race
    assert parse_labels("0_0_0_x.jpg") is None and parse_labels("face.png") is None


@pytest.mark.slow
def test_train_features_writes_a_loadable_net_and_never_trains_on_held_out_faces(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = labelled_faces(tmp_path / "faces")
    out = tmp_path / "net.safetensors"
    assert cli_main(["train-features", "--data", str(data), "--out", str(out), "--input-size", "32",
                     "--channels", *map(str, TINY), "--steps", "40", "--batch-size", "8", "--val-count", "4"]) == 0
    # the held-out faces are split_files' hold-out, the rule the restorers' training uses (less the unlabelled)
    from core.training.data import scan_faces

    _, held_out = split_files(scan_faces(data), 4, 0)
    labelled = [p for p in held_out if parse_labels(p.name)]
    assert f"held-out ({len(labelled)} faces)" in capsys.readouterr().out
    net, metadata = load_feature_net(out)
    assert metadata.channels == TINY and metadata.input_size == 32
    training = metadata.training
    assert training["val_faces"] == len(labelled) and training["train_faces"] == 40 - len(labelled)
    assert training["steps"] == 40 and training["val_rule"].startswith("split_files(val_count=4")
    # gender is the brightness here: 40 steps learn it on the held-out faces
    assert training["held_out"]["gender_accuracy"] >= 0.75
    assert find_model_files() == find_model_files()  # listing is unaffected (the net sits in weights/training/)
    assert not any(p.name == out.name for p in find_model_files())


def test_feature_net_files_are_checked_before_anything_is_built(tmp_path: Path) -> None:
    plain = tmp_path / "plain.safetensors"
    save_file({"x": torch.zeros(1)}, str(plain))
    with pytest.raises(ModelError, match="facesr_features"):
        load_feature_net(plain)
    bomb = tmp_path / "bomb.safetensors"
    save_file({"x": torch.zeros(1)}, str(bomb),
              metadata={FEATURES_KEY: json.dumps({"channels": [10 ** 9], "input_size": 112})})
    with pytest.raises(ModelError, match="damaged"):
        load_feature_net(bomb)
    mismatched = tmp_path / "mismatched.safetensors"
    save_feature_net(mismatched, FaceFeatureNet(TINY), FeatureNetMetadata((4, 16), 32))
    with pytest.raises(ModelError, match="do not fit"):
        load_feature_net(mismatched)


def test_face_perceptual_loss_is_zero_for_equal_images_and_frozen(tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    torch.manual_seed(0)
    save_feature_net(path, FaceFeatureNet(TINY), FeatureNetMetadata(TINY, 32))
    loss = FacePerceptualLoss(path).train()
    assert not loss.net.training and not any(p.requires_grad for p in loss.net.parameters())
    target = torch.rand(2, 3, 32, 32)
    output = (target + 0.1 * torch.randn_like(target)).clamp(0, 1).requires_grad_(True)
    assert float(loss(target, target)) == 0.0
    value = loss(output, target)
    value.backward()
    assert value.item() > 0 and output.grad is not None and output.grad.abs().sum() > 0


def test_perceptual_net_choice_reaches_the_generator_loss(tmp_path: Path) -> None:
    path = tmp_path / "net.safetensors"
    save_feature_net(path, FaceFeatureNet(TINY), FeatureNetMetadata(TINY, 32))
    face = GeneratorLoss(cfg.LossConfig(perceptual_weight=1.0, perceptual_net="face", face_features=str(path)))
    assert isinstance(face.perceptual, FacePerceptualLoss)
    assert GeneratorLoss(cfg.LossConfig(perceptual_weight=1.0, perceptual_net="none")).perceptual is None
    with pytest.raises(TrainingError, match="train-features"):
        find_face_features(str(tmp_path / "missing.safetensors"))
    with pytest.raises(ValueError, match="perceptual net"):
        cfg.LossConfig(perceptual_net="alexnet")
    with pytest.raises(ValueError, match="pixel or a perceptual"):
        cfg.TrainConfig(loss=cfg.LossConfig(pixel_weight=0, perceptual_weight=1, perceptual_net="none"))
    with pytest.raises(ValueError, match="feature matching"):
        cfg.TrainConfig(loss=cfg.LossConfig(feature_match_weight=1.0))


def test_feature_matching_compares_discriminator_features_and_only_moves_the_fake() -> None:
    torch.manual_seed(0)
    disc = VGGDiscriminator(channels=4, num_stages=2).eval()
    real = torch.rand(2, 3, 32, 32)
    fake = torch.rand(2, 3, 32, 32, requires_grad=True)
    logits, real_features = disc.forward_with_features(real)
    assert torch.allclose(logits, disc(real)) and len(real_features) == 4  # first conv + 3 after it
    _, fake_features = disc.forward_with_features(fake)
    assert float(feature_matching_loss(real_features, real_features)) == 0.0
    value = feature_matching_loss(fake_features, real_features)
    value.backward()
    assert value.item() > 0 and fake.grad is not None and fake.grad.abs().sum() > 0
    with pytest.raises(ValueError):
        feature_matching_loss([], [])


def test_gan_stage_with_face_perceptual_and_feature_matching_logs_both(tmp_path: Path) -> None:
    from tests.core.test_training import read_metrics, tiny_config
    from tests.core.test_training_data import synth_faces
    from core.training.trainer import train

    net = tmp_path / "net.safetensors"
    save_feature_net(net, FaceFeatureNet(TINY), FeatureNetMetadata(TINY, 32))
    config = tiny_config(synth_faces(tmp_path / "faces"), "gan", steps=2, **{
        "loss.perceptual_weight": 1.0, "loss.perceptual_net": "face", "loss.face_features": str(net),
        "loss.feature_match_weight": 1.0, "loss.gan_type": "relativistic"})
    train(config, tmp_path / "run", show_bar=False)
    record = [r for r in read_metrics(tmp_path / "run") if r["type"] == "train"][-1]
    assert record["loss_perceptual"] > 0 and record["loss_fm"] > 0 and record["avg_steps"] == 1
