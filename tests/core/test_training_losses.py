"""Losses and the discriminator: finite values and gradients, VGG only when asked for, offline errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from core.errors import TrainingError
from core.models.discriminator import VGGDiscriminator, build_discriminator
from core.training import losses
from core.training.config import LossConfig


@pytest.fixture(autouse=True)
def no_torch_hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own torch hub cache must not make the 'weights missing' tests pass or fail."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))


@pytest.mark.parametrize("size", [32, 48, 128])
def test_discriminator_is_size_agnostic(size: int) -> None:
    disc = VGGDiscriminator(channels=8, num_stages=3)
    assert disc(torch.rand(2, 3, size, size)).shape == (2, 1)


def test_discriminator_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="discriminator"):
        build_discriminator({"widht": 3})


@pytest.mark.parametrize("gan_type", ["standard", "relativistic"])
def test_both_gan_formulations_give_finite_losses_and_gradients(gan_type: str) -> None:
    torch.manual_seed(0)
    disc = VGGDiscriminator(channels=8, num_stages=2, batch_norm=True)
    generator_output = torch.rand(4, 3, 32, 32, requires_grad=True)
    real = torch.rand(4, 3, 32, 32)

    real_logits, fake_logits = disc(real), disc(generator_output.detach())
    loss_d = losses.discriminator_loss(real_logits, fake_logits, gan_type)
    loss_d.backward()
    assert torch.isfinite(loss_d)
    grads = [p.grad for p in disc.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads) and any(g.abs().sum() > 0 for g in grads)

    loss_g = losses.generator_adversarial_loss(disc(real).detach(), disc(generator_output), gan_type)
    loss_g.backward()
    assert torch.isfinite(loss_g)
    assert generator_output.grad is not None and generator_output.grad.abs().sum() > 0


def test_adversarial_losses_have_the_textbook_values() -> None:
    zeros = torch.zeros(3, 1)
    log2 = torch.log(torch.tensor(2.0))
    assert torch.allclose(losses.discriminator_loss(zeros, zeros, "standard"), 2 * log2)
    assert torch.allclose(losses.discriminator_loss(zeros, zeros, "relativistic"), log2)
    confident_real, confident_fake = torch.full((3, 1), 20.0), torch.full((3, 1), -20.0)
    assert losses.discriminator_loss(confident_real, confident_fake, "relativistic") < 1e-6
    assert losses.generator_adversarial_loss(confident_real, confident_fake, "relativistic") > 10
    with pytest.raises(ValueError):
        losses.generator_adversarial_loss(None, zeros, "relativistic")


@pytest.mark.parametrize("kind", ["l1", "mse", "charbonnier"])
def test_pixel_losses(kind: str) -> None:
    a = torch.zeros(1, 3, 4, 4)
    assert losses.pixel_loss(kind, a, a) < 1e-2
    assert losses.pixel_loss(kind, a, a + 0.5) > 0.2


def test_without_perceptual_weight_vgg_is_never_touched(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise AssertionError("VGG weights looked up")

    monkeypatch.setattr(losses, "find_vgg_weights", fail)
    criterion = losses.GeneratorLoss(LossConfig(pixel_loss="l1", tv_weight=2e-8))
    output, target = torch.rand(2, 3, 8, 8, requires_grad=True), torch.rand(2, 3, 8, 8)
    total, parts = criterion(output, target)
    assert criterion.perceptual is None and set(parts) == {"pixel", "tv"}
    total.backward()
    assert torch.isfinite(output.grad).all()


def test_perceptual_loss_without_weights_says_what_to_do() -> None:
    with pytest.raises(TrainingError) as caught:
        losses.GeneratorLoss(LossConfig(perceptual_weight=1.0))
    message = str(caught.value)
    assert losses.VGG19_FILE in message and "--vgg-weights" in message and "--download-vgg" in message
    with pytest.raises(TrainingError, match="not found"):
        losses.GeneratorLoss(LossConfig(perceptual_weight=1.0, vgg_weights="/no/such/vgg.pth"))


def test_perceptual_loss_from_a_local_torchvision_format_file(tmp_path: Path) -> None:
    from torchvision.models.vgg import cfgs, make_layers

    torch.manual_seed(0)
    features = make_layers(cfgs["E"])[:8]  # conv1_1 .. conv2_2: enough for phi2,2 and a small file
    path = tmp_path / "vgg19-partial.pth"
    torch.save({f"features.{k}": v for k, v in features.state_dict().items()}, path)
    criterion = losses.GeneratorLoss(LossConfig(pixel_weight=0.0, perceptual_weight=1.0, perceptual_layer="conv2_2",
                                                vgg_weights=str(path)))
    output, target = torch.rand(1, 3, 16, 16, requires_grad=True), torch.rand(1, 3, 16, 16)
    total, parts = criterion(output, target)
    assert set(parts) == {"perceptual"} and total > 0
    total.backward()
    assert output.grad.abs().sum() > 0
    assert all(not p.requires_grad for p in criterion.perceptual.parameters())
    same, _ = criterion(target, target)
    assert same.item() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(TrainingError, match="VGG19"):  # phi5,4 needs layers this file does not hold
        losses.GeneratorLoss(LossConfig(perceptual_weight=1.0, vgg_weights=str(path)))
