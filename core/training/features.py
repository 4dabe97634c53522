"""`train-features`: the face feature network of the face perceptual loss, trained on labels in file names.

UTKFace names its files ``AGE_GENDER_RACE_DATE.jpg.chip.jpg`` (gender 0 male / 1 female, race 0-4:
White, Black, Asian, Indian, Others); aligned crops keep the source name as their prefix, so either
folder works. Files whose names do not parse are skipped (a few UTKFace names lack the race).

The network learns three tasks at once (age regression in years / 100 with an L1 loss, gender and race
with cross-entropy) on whole faces resized to ``input_size``; ``val_count`` faces are held out with the
same seeded rule as the restorers' training (core.training.data.split_files), so that the figures
reported for the held-out faces come from faces it never saw. All faces are decoded once into memory:
9,780 faces at 112 px are about 370 MB.
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from core.errors import ImageReadError, TrainingError
from core.imaging import resize_to
from core.io import read_image
from core.models.face_features import (AGE_SCALE, NUM_RACES, FaceFeatureNet, FeatureNetMetadata,
                                       save_feature_net)
from core.progress import CancelToken
from core.training.data import scan_faces, split_files
from core.training.prepare import aligned_cache_dir

log = logging.getLogger(__name__)

_LABELS = re.compile(r"^(\d{1,3})_([01])_([0-4])_")
MAX_PIXELS = 4_000_000


@dataclass(frozen=True)
class FeatureTrainConfig:
    data: str
    out: str
    align: bool = False  # use the aligned crops of ``data`` (the restorers' cache); else the files as they are
    input_size: int = 112
    channels: tuple[int, ...] = (16, 32, 64, 128)
    steps: int = 2000
    minutes: float = 0.0  # > 0: stop after this much training time even before ``steps``
    batch_size: int = 64
    lr: float = 2e-3
    val_count: int = 300
    seed: int = 0

    def __post_init__(self) -> None:
        if not 32 <= self.input_size <= 512 or self.input_size % 2 ** (len(self.channels) - 1):
            raise ValueError(f"input size must be 32-512 px and divisible by {2 ** (len(self.channels) - 1)}")
        if self.steps < 1 or self.batch_size < 2 or not 0 < self.lr < 1 or self.minutes < 0 or self.val_count < 1:
            raise ValueError("steps >= 1, batch size >= 2, 0 < lr < 1, minutes >= 0 and val count >= 1 are needed")


@dataclass(frozen=True)
class FeatureResult:
    path: Path
    steps: int
    seconds: float
    train_faces: int
    val_faces: int
    gender_accuracy: float
    race_accuracy: float
    age_mae_years: float


def parse_labels(name: str) -> tuple[int, int, int] | None:
    """(age, gender, race) from a UTKFace-style file name, or None when it does not carry all three."""
    match = _LABELS.match(name)
    if match is None:
        return None
    age, gender, race = (int(group) for group in match.groups())
    return (age, gender, race) if 1 <= age <= 116 else None


def _load(files: list[Path], size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 N x 3 x size x size images and int64 N x 3 labels (age, gender, race)."""
    images, labels = [], []
    for path in files:
        try:
            image = read_image(path, MAX_PIXELS).rgb
        except ImageReadError as error:
            log.warning("skipped %s", error)
            continue
        side = min(image.shape[:2])
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        images.append(resize_to(image[top:top + side, left:left + side], size, size))
        labels.append(parse_labels(path.name))
    return (torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous(),
            torch.tensor(labels, dtype=torch.int64))


def _augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random flips and shifts of up to 1/16 of the side (reflect-padded), on a float batch."""
    flip = torch.rand(batch.shape[0], generator=generator) < 0.5
    batch = torch.where(flip.view(-1, 1, 1, 1), batch.flip(3), batch)
    pad = batch.shape[-1] // 16
    padded = F.pad(batch, (pad, pad, pad, pad), mode="reflect")
    dy, dx = (int(v) for v in torch.randint(0, 2 * pad + 1, (2,), generator=generator))
    return padded[..., dy:dy + batch.shape[-2], dx:dx + batch.shape[-1]]


def _losses(model: FaceFeatureNet, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    age, gender, race = model(images)
    return (F.l1_loss(age, labels[:, 0].float() / AGE_SCALE) * 10  # ~1 at the start, like the two CEs
            + F.cross_entropy(gender, labels[:, 1]) + F.cross_entropy(race, labels[:, 2]))


@torch.no_grad()
def evaluate_features(model: FaceFeatureNet, images: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """Gender and race accuracy and the mean absolute age error (years) on labelled uint8 faces."""
    model.eval()
    ages, genders, races = [], [], []
    for start in range(0, len(images), 128):
        age, gender, race = model(images[start:start + 128].float() / 255)
        ages.append(age * AGE_SCALE)
        genders.append(gender.argmax(1))
        races.append(race.argmax(1))
    age, gender, race = torch.cat(ages), torch.cat(genders), torch.cat(races)
    return {"gender_accuracy": float((gender == labels[:, 1]).float().mean()),
            "race_accuracy": float((race == labels[:, 2]).float().mean()),
            "age_mae_years": float((age - labels[:, 0].float()).abs().mean())}


def train_features(config: FeatureTrainConfig, cancel: CancelToken | None = None) -> FeatureResult:
    """Train the network, evaluate it on the held-out faces and write it to ``config.out``."""
    cancel = cancel or CancelToken()
    source = Path(config.data).expanduser().resolve()
    root = aligned_cache_dir(source, 256) if config.align else source
    if config.align and not root.is_dir():
        raise TrainingError(root, "no aligned crops yet: run `main.py train --align` on this folder first")
    files = scan_faces(root)
    train_files, val_files = split_files(files, config.val_count, config.seed)
    train_files = [f for f in train_files if parse_labels(f.name)]
    val_files = [f for f in val_files if parse_labels(f.name)]
    if len(train_files) < config.batch_size or not val_files:
        raise TrainingError(root, "too few faces whose names carry AGE_GENDER_RACE labels (UTKFace naming)")
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    train_images, train_labels = _load(train_files, config.input_size)
    val_images, val_labels = _load(val_files, config.input_size)
    log.info("feature net: %d training and %d held-out faces from %s", len(train_images), len(val_images), root)
    model = FaceFeatureNet(config.channels)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-4)
    start, step = time.perf_counter(), 0
    budget = config.minutes * 60 or math.inf
    model.train()
    while step < config.steps and time.perf_counter() - start < budget and not cancel.cancelled:
        progress = min(1.0, max(step / config.steps, (time.perf_counter() - start) / budget))
        for group in optimizer.param_groups:  # cosine on whichever limit comes first
            group["lr"] = config.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))
        index = torch.randint(0, len(train_images), (config.batch_size,), generator=generator)
        images = _augment(train_images[index].float() / 255, generator)
        loss = _losses(model, images, train_labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        if step % 50 == 0:
            log.info("feature net step %d: loss %.4f (%.0f s)", step, loss.item(), time.perf_counter() - start)
    seconds = time.perf_counter() - start
    scores = evaluate_features(model, val_images, val_labels)
    majority_race = float(torch.bincount(val_labels[:, 2], minlength=NUM_RACES).max()) / len(val_labels)
    training = {"data": str(root), "steps": step, "seconds": round(seconds, 1), "batch_size": config.batch_size,
                "lr": config.lr, "train_faces": len(train_images), "val_faces": len(val_images),
                "val_rule": f"split_files(val_count={config.val_count}, seed={config.seed})",
                "held_out": {**{k: round(v, 4) for k, v in scores.items()},
                             "race_majority_baseline": round(majority_race, 4)}}
    save_feature_net(config.out, model, FeatureNetMetadata(config.channels, config.input_size, training=training))
    return FeatureResult(Path(config.out), step, seconds, len(train_images), len(val_images), **scores)
