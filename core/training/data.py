"""Face folders as (LQ, HQ) training pairs.

Input contract: a folder (searched recursively) of jpg/png/webp face images, ideally aligned crops
(see prepare.py for photos that are not). Each HQ face is centre-cropped to a square and resized to
the training face size; training samples are then flipped, jittered (zoom/shift, optional colour)
and degraded. Every random choice of a sample comes from (seed, stream, epoch, index), so a sample is
the same whatever worker makes it and whenever a run is resumed.

Unreadable files never stop training: an upfront check drops empty files and files whose first
bytes are not an image signature; files that still fail to decode (truncated) are replaced by the
next readable index, with one warning per file.
"""

from __future__ import annotations

import logging
import random
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset, DistributedSampler

from core.errors import ImageReadError, TrainingError
from core.imaging import resize_to
from core.io import read_image, scan_images, write_image
from core.tensor import images_to_tensor
from core.training.config import AugmentConfig, DegradationConfig, TrainConfig
from core.training.degradations import degrade, sample_rng

log = logging.getLogger(__name__)

TRAIN_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
TRAIN_STREAM, VAL_STREAM = 0, 1  # separate random streams for training and validation samples
MAX_PIXELS = 64_000_000  # a training face is never this big; anything larger is a mistake or a bomb


def _has_image_signature(head: bytes) -> bool:
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def scan_faces(folder: str | Path) -> list[Path]:
    """The readable-looking jpg/png/webp files under ``folder`` (recursive, sorted); others are warned about."""
    folder = Path(folder)
    try:
        files = [p for p in scan_images(folder, recursive=True) if p.suffix.lower() in TRAIN_SUFFIXES]
    except ImageReadError as error:
        raise TrainingError(folder, f"cannot read the dataset folder: {error.cause}") from error
    usable: list[Path] = []
    for path in files:
        try:
            with path.open("rb") as handle:
                head = handle.read(16)
        except OSError as error:
            log.warning("skipped %s: cannot be read (%s)", path, error.strerror or error)
            continue
        if not head:
            log.warning("skipped %s: the file is empty", path)
        elif not _has_image_signature(head):
            log.warning("skipped %s: not a jpg/png/webp image", path)
        else:
            usable.append(path)
    if not usable:
        raise TrainingError(folder, "holds no jpg, png or webp images")
    return usable


def split_files(files: Sequence[Path], val_count: int, seed: int) -> tuple[list[Path], list[Path]]:
    """A seeded hold-out of ``val_count`` files (at most a tenth of the folder); both lists sorted."""
    files = sorted(files)
    count = min(val_count, len(files) // 10)
    if count < val_count:
        log.warning("holding out %d images for validation instead of %d (a tenth of %d)", count, val_count, len(files))
    shuffled = files[:]
    random.Random(seed).shuffle(shuffled)
    val = set(shuffled[:count])
    return [f for f in files if f not in val], [f for f in files if f in val]


def square_resize(image: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop to a square, then resize to size x size (area when shrinking, cubic when enlarging)."""
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    image = image[top:top + side, left:left + side]
    if side == size:
        return np.ascontiguousarray(image)
    return resize_to(image, size, size, enlarge=cv2.INTER_CUBIC)


def augment_face(face: np.ndarray, config: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    size = face.shape[0]
    if config.hflip and rng.random() < 0.5:
        face = face[:, ::-1]
    if config.scale_jitter > 0 or config.shift_jitter > 0:
        zoom = 1.0 + rng.uniform(-config.scale_jitter, config.scale_jitter)
        shift_x, shift_y = rng.uniform(-config.shift_jitter, config.shift_jitter, 2) * size
        centre = (size - 1) / 2
        matrix = np.array([[zoom, 0.0, (1 - zoom) * centre + shift_x], [0.0, zoom, (1 - zoom) * centre + shift_y]])
        face = cv2.warpAffine(np.ascontiguousarray(face), matrix, (size, size), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_REFLECT_101)
    if config.color_jitter > 0:
        brightness, contrast, saturation = 1.0 + rng.uniform(-config.color_jitter, config.color_jitter, 3)
        pixels = face.astype(np.float32) * brightness
        pixels = (pixels - pixels.mean()) * contrast + pixels.mean()
        gray = pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        pixels = gray[..., None] + (pixels - gray[..., None]) * saturation
        face = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(face)


class FaceDataset(Dataset):
    """Items are (LQ uint8 (s/scale)^2x3, HQ uint8 s^2x3, index); ``item(index, epoch)`` for a given epoch.

    s is the face size, or ``patch_size`` when set: the whole face is degraded (blur and resizing see
    its real surroundings), then the same random square is cut from LQ and HQ.
    """

    def __init__(self, files: Sequence[Path], face_size: int, scale: int, degradation: DegradationConfig,
                 augment: AugmentConfig | None, seed: int, stream: int = TRAIN_STREAM, patch_size: int = 0) -> None:
        if not files:
            raise TrainingError(None, "the dataset is empty")
        self.files = list(files)
        self.face_size = face_size
        self.scale = scale
        self.degradation = degradation
        self.augment = augment
        self.seed = seed
        self.stream = stream
        self.patch_size = patch_size
        self.epoch = 0
        self._bad: set[int] = set()  # per process: each worker learns on its own, warns once per file

    def __len__(self) -> int:
        return len(self.files)

    def load_face(self, index: int) -> np.ndarray:
        return square_resize(read_image(self.files[index], MAX_PIXELS).rgb, self.face_size)

    def _readable_face(self, index: int) -> np.ndarray:
        for attempt in range(len(self.files)):
            candidate = (index + attempt) % len(self.files)
            if candidate in self._bad:
                continue
            try:
                return self.load_face(candidate)
            except ImageReadError as error:
                self._bad.add(candidate)
                log.warning("skipped %s (training goes on with another image)", error)
        raise TrainingError(self.files[0].parent, "none of the dataset's images can be read")

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray, int]:
        return self.item(index, self.epoch)

    def item(self, index: int, epoch: int) -> tuple[np.ndarray, np.ndarray, int]:
        """The sample ``index`` as made in ``epoch`` (the same on any worker, at any time)."""
        face = self._readable_face(index)
        rng = sample_rng(self.seed, self.stream, epoch, index)
        if self.augment is not None:
            face = augment_face(face, self.augment, rng)
        lq = degrade(face, self.scale, self.degradation, rng)
        if self.patch_size:
            lq, face = self._patch(lq, face, rng)
        return lq, face, index

    def _patch(self, lq: np.ndarray, hq: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        side = self.patch_size // self.scale
        top, left = (int(rng.integers(0, lq.shape[0] - side + 1)) for _ in range(2))
        s = self.scale
        return (np.ascontiguousarray(lq[top:top + side, left:left + side]),
                np.ascontiguousarray(hq[top * s:(top + side) * s, left * s:(left + side) * s]))


class EpochSampler(DistributedSampler):
    """DistributedSampler (a seeded permutation per epoch, sharded by rank) that can start mid-epoch
    and yields (epoch, index), so the dataset knows the epoch even in persistent workers."""

    def __init__(self, dataset: FaceDataset, seed: int, rank: int = 0, world_size: int = 1) -> None:
        super().__init__(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed,
                         drop_last=world_size > 1)
        self.start = 0

    def set_position(self, epoch: int, start: int) -> None:
        self.set_epoch(epoch)
        self.start = start

    def __iter__(self) -> Iterator[tuple[int, int]]:
        indices = list(super().__iter__())[self.start:]
        return iter([(self.epoch, index) for index in indices])

    def __len__(self) -> int:
        return max(0, self.num_samples - self.start)


class EpochDataset(Dataset):
    """Adapter: (epoch, index) keys from EpochSampler -> FaceDataset items made for that epoch."""

    def __init__(self, faces: FaceDataset) -> None:
        self.faces = faces

    def __len__(self) -> int:
        return len(self.faces)

    def __getitem__(self, key: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, int]:
        epoch, index = key
        return self.faces.item(index, epoch)


def collate(batch: Sequence[tuple[np.ndarray, np.ndarray, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 image pairs -> (LQ, HQ) NCHW float tensors in [0, 1] (through core.tensor, the one conversion point)."""
    return images_to_tensor([item[0] for item in batch]), images_to_tensor([item[1] for item in batch])


def seed_worker(worker_id: int) -> None:
    """DataLoader worker_init_fn: samples draw from their own seeded generators, but seed the
    process-wide ones too (from torch's per-worker seed, itself derived from the loader's generator)."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)
    cv2.setNumThreads(1)  # workers are processes already; OpenCV threads would oversubscribe the CPU
    # Ctrl-C reaches every process of the terminal's group: the main process turns it into a graceful
    # stop (checkpoint, exit 0), which needs its workers alive until it shuts them down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def preview_degradations(config: TrainConfig, out_dir: str | Path, count: int = 8) -> Path:
    """Write a grid of the first ``count`` training pairs (LQ nearest-upsampled | HQ) and return its path."""
    if config.data is None:
        raise TrainingError(None, "no dataset folder given (--data)")
    files = scan_faces(config.data)[: max(1, count)]
    dataset = FaceDataset(files, config.face_size, config.scale, config.degradation, config.augment, config.seed)
    rows = []
    for index in range(len(dataset)):
        lq, hq, _ = dataset.item(index, 0)
        factor = hq.shape[0] // lq.shape[0]
        rows.append(np.concatenate([np.repeat(np.repeat(lq, factor, 0), factor, 1), hq], axis=1))
    path = Path(out_dir) / f"degradations-{config.degradation.kind}-x{config.scale}.png"
    write_image(path, np.concatenate(rows, axis=0))
    return path
