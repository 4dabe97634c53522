"""The training loop: pixel pre-training or GAN fine-tuning of one generator, resumable, DDP-ready.

Read ``Trainer.fit`` top to bottom: one step is G forward -> G losses (pixel, perceptual, TV and,
in the gan stage, adversarial against a frozen D) -> G update -> D update on real vs detached fake
-> EMA update. Validation (on the EMA weights) and checkpoints happen every ``val_every`` steps, and
when the run stops early (SIGINT/SIGTERM via the cancel token, or a STOP file in the run folder).

Multi-GPU: launched by ``torchrun``, each process sees RANK/WORLD_SIZE, joins the process group
(NCCL on CUDA, Gloo on CPU), reads its shard of every epoch through a DistributedSampler and
trains a DistributedDataParallel generator; only rank 0 logs, validates and writes files.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from core.atomic import atomic_output
from core.errors import TrainingError, brief
from core.io import write_image
from core.memory import is_out_of_memory
from core.metrics import mean_psnr_ssim
from core.models.discriminator import build_discriminator
from core.models.registry import build_generator, count_parameters
from core.models.store import ModelMetadata, save_generator
from core.progress import CancelToken, ProgressCallback, no_progress
from core.tensor import images_to_tensor, tensor_to_images
from core.training import checkpoint as ckpt
from core.training.config import TrainConfig
from core.training.data import (VAL_STREAM, FaceDataset, collate, scan_faces, seed_worker, split_files)
from core.training.degradations import bicubic_upsample
from core.training.losses import GeneratorLoss, discriminator_loss

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    step: int
    stopped: bool  # stopped before the last step (signal, STOP file, cancel); resumable
    best_psnr_y: float | None
    best_step: int | None


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")
    initialised_here: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup_distributed(requested_device: str) -> Dist:
    """Join torchrun's process group when RANK/WORLD_SIZE say so; else a single process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    use_cuda = torch.cuda.is_available() and requested_device != "cpu"
    if requested_device.startswith("cuda") and not torch.cuda.is_available():
        raise TrainingError(None, f"device {requested_device!r} requested but PyTorch sees no CUDA GPU")
    if world_size <= 1 or "RANK" not in os.environ:
        device = torch.device(requested_device if requested_device.startswith("cuda") else "cuda") \
            if use_cuda else torch.device("cpu")
        return Dist(device=device)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    initialised_here = not dist.is_initialized()
    if initialised_here:
        dist.init_process_group("nccl" if use_cuda else "gloo")
    return Dist(rank, world_size, device, initialised_here)


class EpochSampler(DistributedSampler):
    """DistributedSampler (a seeded permutation per epoch, sharded by rank) that can start mid-epoch
    and yields (epoch, index), so the dataset knows the epoch even in persistent workers."""

    def __init__(self, dataset: FaceDataset, world: Dist, seed: int) -> None:
        super().__init__(dataset, num_replicas=world.world_size, rank=world.rank, shuffle=True, seed=seed,
                         drop_last=world.enabled)
        self.start = 0

    def set_position(self, epoch: int, start: int) -> None:
        self.set_epoch(epoch)
        self.start = start

    def __iter__(self) -> Iterator[tuple[int, int]]:
        indices = list(super().__iter__())[self.start:]
        return iter([(self.epoch, index) for index in indices])

    def __len__(self) -> int:
        return max(0, self.num_samples - self.start)


class EpochDataset(torch.utils.data.Dataset):
    """Adapter: (epoch, index) keys from EpochSampler -> FaceDataset items made for that epoch."""

    def __init__(self, faces: FaceDataset) -> None:
        self.faces = faces

    def __len__(self) -> int:
        return len(self.faces)

    def __getitem__(self, key: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, int]:
        epoch, index = key
        return self.faces.item(index, epoch)


def lr_factor(step: int, total: int, config: TrainConfig) -> float:
    """Learning-rate multiplier at ``step``: linear warm-up, then cosine / multi-step / constant."""
    optim = config.optim
    warmup = int(optim.warmup * total)
    if step < warmup:
        return (step + 1) / warmup
    if optim.schedule == "constant":
        return 1.0
    if optim.schedule == "multistep":
        return optim.gamma ** sum(step >= int(m * total) for m in optim.milestones)
    progress = (step - warmup) / max(1, total - warmup)
    return optim.min_lr_ratio + (1 - optim.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


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

    def write(self, record: dict[str, Any]) -> None:
        record = {"time": round(time.time(), 3), **record}
        self.handle.write(json.dumps(record) + "\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


def refuse_used_run_dir(run_dir: Path) -> None:
    """A new run starts only in a missing or empty folder (a STOP file alone does not count): a crashed
    or finished run's files would otherwise mix with the new run's (metrics.jsonl would hold steps twice)."""
    if not run_dir.is_dir():
        return
    leftovers = sorted(p.name for p in run_dir.iterdir() if p.name != ckpt.STOP_FILE)
    if leftovers:
        shown = ", ".join(leftovers[:4]) + (", ..." if len(leftovers) > 4 else "")
        raise TrainingError(run_dir, f"the run folder is not empty ({shown}): continue its run with --resume "
                                     "or choose a new or empty folder")


class Trainer:
    def __init__(self, config: TrainConfig, run_dir: Path, resume: bool = False,
                 progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
                 show_bar: bool = True) -> None:
        self.config = config
        self.run_dir = Path(run_dir)
        self.resume = resume
        self.progress = progress
        self.cancel = cancel or CancelToken()
        self.show_bar = show_bar
        self.best: dict[str, Any] | None = None  # PSNR-Y, SSIM-Y and step of the best validation so far
        self.bicubic: dict[str, float] | None = None  # bicubic's scores on the validation faces
        self.world = setup_distributed(config.device)
        self.device = self.world.device
        self.cuda = self.device.type == "cuda"
        self._previous_deterministic = torch.are_deterministic_algorithms_enabled()
        if not self.cuda and config.precision != "fp32":
            log.warning("%s precision applies on CUDA only; training in fp32 on %s", config.precision, self.device)

    # --- set-up ---------------------------------------------------------------------------------------

    def _seed_everything(self) -> None:
        seed = self.config.seed
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)  # the same on every rank: identical initial weights
        if self.config.deterministic:
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True)
            torch.backends.cudnn.benchmark = False
        elif self.cuda:
            torch.backends.cudnn.benchmark = True

    def _build_data(self) -> None:
        c = self.config
        if c.data is None:
            raise TrainingError(None, "no dataset folder given (--data)")
        data_root = Path(c.data)
        if c.align:
            data_root = self._aligned(data_root)
        files = scan_faces(data_root)
        if c.val_data:
            train_files, val_files = files, scan_faces(c.val_data)
            if len(val_files) > c.val_count:
                val_files = sorted(random.Random(c.seed).sample(val_files, c.val_count))
        else:
            train_files, val_files = split_files(files, c.val_count, c.seed)
        if len(train_files) < c.batch_size * self.world.world_size:
            raise TrainingError(data_root, f"{len(train_files)} training images are fewer than one batch "
                                           f"({c.batch_size} x {self.world.world_size} processes)")
        self.dataset_root = data_root
        self.train_set = FaceDataset(train_files, c.face_size, c.scale, c.degradation, c.augment, c.seed,
                                     patch_size=c.patch_size)
        self.val_set = FaceDataset(val_files, c.face_size, c.scale, c.degradation, None, c.seed, VAL_STREAM) \
            if val_files else None
        self.sampler = EpochSampler(self.train_set, self.world, c.seed)
        self.loader = DataLoader(
            EpochDataset(self.train_set), batch_size=c.batch_size, sampler=self.sampler, drop_last=True,
            num_workers=c.workers, collate_fn=collate, pin_memory=self.cuda, worker_init_fn=seed_worker,
            persistent_workers=c.workers > 0, generator=torch.Generator().manual_seed(c.seed + self.world.rank),
        )
        if self.world.is_main:
            log.info("dataset %s: %d training and %d validation faces", data_root, len(train_files), len(val_files))

    def _aligned(self, source: Path) -> Path:
        from core.training.prepare import aligned_cache_dir, prepare_faces

        target = aligned_cache_dir(source, self.config.face_size)
        if self.world.is_main:
            prepare_faces(source, target, self.config.face_size, cancel=self.cancel)
        if self.world.enabled:
            dist.barrier()
        return target

    def _build_models(self) -> None:
        c = self.config
        self.generator = build_generator(c.arch, c.generator_args)
        if c.init_from and not self.resume:
            module, metadata, path = ckpt.load_init(c.init_from)
            if (metadata.arch, metadata.arch_args) != (c.arch, c.generator_args):
                raise TrainingError(path, f"was trained as {metadata.arch} {metadata.arch_args}, "
                                          f"but this run is {c.arch} {c.generator_args}")
            self.generator.load_state_dict(module.state_dict())
            self.init_file = str(path)
            log.info("generator initialised from %s", path)
        elif c.stage == "gan" and not self.resume:
            log.warning("GAN stage from a randomly initialised generator: pre-train with --stage pixel and "
                        "pass --init-from for the usual two-stage recipe")
        self.disc = build_discriminator(c.disc_args) if c.stage == "gan" else None
        for network in (self.generator, self.disc):
            if network is not None:
                network.to(self.device)
                if self.cuda:
                    network.to(memory_format=torch.channels_last)
        self.ema = copy.deepcopy(self.generator).eval().requires_grad_(False)
        self.criterion = GeneratorLoss(c.loss).to(self.device)
        self.opt_g = self._optimizer(self.generator, c.optim.lr)
        self.sched_g = torch.optim.lr_scheduler.LambdaLR(self.opt_g, lambda step: lr_factor(step, c.steps, c))
        if self.disc is not None:
            self.opt_d = self._optimizer(self.disc, c.optim.d_lr or c.optim.lr)
            self.sched_d = torch.optim.lr_scheduler.LambdaLR(self.opt_d, lambda step: lr_factor(step, c.steps, c))
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.cuda and c.precision == "fp16")
        if self.world.is_main:
            log.info("generator %s: %.2fM parameters%s", c.arch, count_parameters(self.generator) / 1e6,
                     f"; discriminator {count_parameters(self.disc) / 1e6:.2f}M" if self.disc is not None else "")

    def _optimizer(self, module: nn.Module, lr: float) -> torch.optim.Optimizer:
        optim = self.config.optim
        kind = torch.optim.AdamW if optim.optimizer == "adamw" else torch.optim.Adam
        return kind(module.parameters(), lr=lr, betas=optim.betas, weight_decay=optim.weight_decay)

    def _wrap_for_training(self) -> None:
        """DDP and torch.compile wrap the modules used for training steps; saving uses the plain ones."""
        # torch.compile's result is typed as a plain callable
        self.g_train: nn.Module | Callable[..., torch.Tensor] = self.generator
        self.d_train: nn.Module | Callable[..., torch.Tensor] | None = self.disc
        if self.world.enabled:
            ids = [self.device.index] if self.cuda else None
            self.g_train = DistributedDataParallel(self.generator, device_ids=ids)
            if self.disc is not None:
                self.d_train = DistributedDataParallel(self.disc, device_ids=ids)
        if self.config.compile:
            self.g_train = torch.compile(self.g_train)
            if self.d_train is not None:
                self.d_train = torch.compile(self.d_train)

    # --- state ------------------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            "format": ckpt.STATE_FORMAT,
            "config": json.dumps(self.config.to_dict()),
            "step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
            "world_size": self.world.world_size,
            "generator": self.generator.state_dict(), "ema": self.ema.state_dict(),
            "opt_g": self.opt_g.state_dict(), "sched_g": self.sched_g.state_dict(),
            "disc": self.disc.state_dict() if self.disc is not None else None,
            "opt_d": self.opt_d.state_dict() if self.disc is not None else None,
            "sched_d": self.sched_d.state_dict() if self.disc is not None else None,
            "scaler": self.scaler.state_dict(),
            "best": dict(self.best) if self.best else None,
            "bicubic": dict(self.bicubic) if self.bicubic else None,
            "rng": ckpt.capture_rng(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        path = self.run_dir / ckpt.STATE_FILE
        if state["world_size"] != self.world.world_size:
            # Another number of processes changes the batches each one sees; still valid, not identical.
            log.warning("resuming with %d processes, the run was saved with %d: the data order changes",
                        self.world.world_size, state["world_size"])
        try:
            self.generator.load_state_dict(state["generator"])
            self.ema.load_state_dict(state["ema"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.sched_g.load_state_dict(state["sched_g"])
            if self.disc is not None:
                self.disc.load_state_dict(state["disc"])
                self.opt_d.load_state_dict(state["opt_d"])
                self.sched_d.load_state_dict(state["sched_d"])
            self.scaler.load_state_dict(state["scaler"])
        except (RuntimeError, KeyError, ValueError, TypeError) as error:
            raise TrainingError(path, f"the state does not fit this run's models ({brief(error)})") from error
        self.step, self.epoch, self.batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
        self.best, self.bicubic = state["best"], state["bicubic"]
        ckpt.restore_rng(state["rng"])

    def metadata(self) -> ModelMetadata:
        c = self.config
        training = {
            "preset": c.preset, "stage": c.stage, "dataset": str(self.dataset_root), "steps": self.step,
            "batch_size": c.batch_size * self.world.world_size, "face_size": c.face_size,
            "degradation": asdict(c.degradation), "best": self.best, "bicubic": self.bicubic,
            "init_from": getattr(self, "init_file", c.init_from), "run": str(self.run_dir),
        }
        return ModelMetadata(arch=c.arch, arch_args=c.generator_args, scale=c.scale, input_size=c.input_size,
                             name=self.run_dir.name, description=f"{c.arch} x{c.scale}, {c.preset} preset, "
                             f"{c.stage} stage, {c.degradation.kind} degradation", training=training)

    def save_checkpoint(self) -> None:
        """Weights first, then state.pt; each file is replaced atomically, so any crash leaves a loadable set."""
        if not self.world.is_main:
            return
        metadata = self.metadata()
        save_generator(self.run_dir / ckpt.LATEST_G, self.generator, metadata)
        save_generator(self.run_dir / ckpt.LATEST_G_EMA, self.ema, metadata)
        ckpt.save_state(self.run_dir / ckpt.STATE_FILE, self.state_dict())
        log.info("checkpoint at step %d written to %s", self.step, self.run_dir)

    def _write_config(self) -> None:
        path = self.run_dir / ckpt.CONFIG_FILE
        now = datetime.now(UTC).isoformat(timespec="seconds")
        created = now
        if self.resume and path.is_file():
            with contextlib.suppress(ValueError, OSError, KeyError):
                created = json.loads(path.read_text(encoding="utf-8"))["created"]
        record = {"config": self.config.to_dict(), "input_size": self.config.input_size, "created": created,
                  "updated": now, "world_size": self.world.world_size, "torch": torch.__version__}
        with atomic_output(path) as temporary:
            temporary.write_text(json.dumps(record, indent=2), encoding="utf-8")

    # --- one step ---------------------------------------------------------------------------------------

    def _autocast(self) -> contextlib.AbstractContextManager:
        precision = self.config.precision
        if not self.cuda or precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast("cuda", dtype=torch.bfloat16 if precision == "bf16" else torch.float16)

    def _update(self, optimizer: torch.optim.Optimizer, module: nn.Module) -> None:
        if self.config.optim.grad_clip > 0:
            self.scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(module.parameters(), self.config.optim.grad_clip)
        self.scaler.step(optimizer)

    @torch.no_grad()
    def _update_ema(self) -> None:
        # Warm-up of the decay (as in TF's ExponentialMovingAverage with num_updates): early averages
        # would otherwise be dominated by the random initial weights.
        decay = min(self.config.optim.ema_decay, (1 + self.step) / (10 + self.step))
        for averaged, current in zip(self.ema.parameters(), self.generator.parameters(), strict=True):
            averaged.lerp_(current, 1 - decay)
        for kept, live in zip(self.ema.buffers(), self.generator.buffers(), strict=True):
            kept.copy_(live)

    def train_step(self, lq: torch.Tensor, hq: torch.Tensor) -> dict[str, torch.Tensor]:
        gan_type = self.config.loss.gan_type
        with self._autocast():
            output = self.g_train(lq)
        output = output.float()

        # Generator: D is frozen and called without its DDP wrapper: this step updates G only, and
        # D's gradients must neither be computed nor synchronised.
        fake_logits = real_logits = fake_features = real_features = None
        if self.disc is not None:
            self.disc.requires_grad_(False)
            with self._autocast():
                if self.config.loss.feature_match_weight > 0:
                    fake_logits, fake_features = self.disc.forward_with_features(output)
                    with torch.no_grad():
                        real_logits, real_features = self.disc.forward_with_features(hq)
                else:
                    fake_logits = self.disc(output)
                    if gan_type == "relativistic":
                        real_logits = self.disc(hq).detach()
            fake_logits = fake_logits.float()
            real_logits = real_logits.float() if real_logits is not None else None
        loss_g, parts = self.criterion(output, hq, fake_logits, real_logits, fake_features, real_features)
        self.opt_g.zero_grad(set_to_none=True)
        self.scaler.scale(loss_g).backward()
        self._update(self.opt_g, self.generator)
        parts["g"] = loss_g.detach()

        # Discriminator: real vs the (detached) fake of this step.
        if self.disc is not None:
            assert self.d_train is not None
            self.disc.requires_grad_(True)
            with self._autocast():
                real = self.d_train(hq).float()
                fake = self.d_train(output.detach()).float()
            loss_d = discriminator_loss(real, fake, gan_type)
            self.opt_d.zero_grad(set_to_none=True)
            self.scaler.scale(loss_d).backward()
            self._update(self.opt_d, self.disc)
            parts.update(d=loss_d.detach(), d_real=real.detach().mean(), d_fake=fake.detach().mean())
            self.sched_d.step()
        self.scaler.update()
        self.sched_g.step()
        self._update_ema()
        return parts

    # --- validation -------------------------------------------------------------------------------------

    @torch.no_grad()
    def validate(self) -> dict[str, Any]:
        """PSNR-Y/SSIM-Y of the EMA generator and of bicubic upsampling; saves a sample grid."""
        assert self.val_set is not None
        if not hasattr(self, "_val_pairs"):  # fixed degradations: made once, kept in memory
            self._val_pairs = [self.val_set.item(i, 0)[:2] for i in range(len(self.val_set))]
        lqs = [pair[0] for pair in self._val_pairs]
        hqs = [pair[1] for pair in self._val_pairs]
        outputs: list[np.ndarray] = []
        for start in range(0, len(lqs), self.config.batch_size):
            batch = images_to_tensor(lqs[start:start + self.config.batch_size], self.device)
            outputs += tensor_to_images(self.ema(batch))
        psnr_y, ssim_y = mean_psnr_ssim(outputs, hqs)
        if self.bicubic is None:
            size = self.config.face_size
            bicubic_psnr, bicubic_ssim = mean_psnr_ssim([bicubic_upsample(lq, size, size) for lq in lqs], hqs)
            self.bicubic = {"psnr_y": bicubic_psnr, "ssim_y": bicubic_ssim}
        sample = self._save_samples(lqs, outputs, hqs)
        return {"psnr_y": psnr_y, "ssim_y": ssim_y, "bicubic_psnr_y": self.bicubic["psnr_y"],
                "bicubic_ssim_y": self.bicubic["ssim_y"], "sample": sample}

    def _save_samples(self, lqs: list[np.ndarray], outputs: list[np.ndarray], hqs: list[np.ndarray]) -> str:
        count = min(self.config.sample_count, len(lqs))
        size = self.config.face_size
        # one column per face (input, output, original from top to bottom): a wide strip fits the
        # Train tab's plots pane better than a tall one
        columns = [np.concatenate([np.repeat(np.repeat(lqs[i], size // lqs[i].shape[0], 0),
                                             size // lqs[i].shape[1], 1), outputs[i], hqs[i]], axis=0)
                   for i in range(count)]
        relative = f"{ckpt.SAMPLES_DIR}/step_{self.step:07d}.png"
        write_image(self.run_dir / relative, np.concatenate(columns, axis=1))
        return relative

    # --- the loop ---------------------------------------------------------------------------------------

    def _should_stop(self) -> bool:
        stop_file = self.run_dir / ckpt.STOP_FILE
        stop = self.cancel.cancelled or (self.world.is_main and stop_file.exists())
        if self.world.enabled:  # every rank must leave the loop at the same step
            flag = torch.tensor([float(stop)], device=self.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            stop = bool(flag.item())
        if stop and self.world.is_main and stop_file.exists():
            stop_file.unlink()  # consumed: --resume must not stop again at once
        return stop

    def _validate_and_log(self, metrics: MetricsLog | None) -> None:
        if self.world.is_main and self.val_set is not None:
            self.generator.eval()
            result = self.validate()
            self.generator.train()
            improved = self.best is None or result["psnr_y"] > self.best["psnr_y"]
            if improved:
                self.best = {"psnr_y": result["psnr_y"], "ssim_y": result["ssim_y"], "step": self.step}
                save_generator(self.run_dir / ckpt.BEST_G_EMA, self.ema, self.metadata())
            assert metrics is not None and self.best is not None
            metrics.write({"type": "val", "step": self.step, "stage": self.config.stage, **result,
                           "best_psnr_y": self.best["psnr_y"], "best_step": self.best["step"]})
            log.info("step %d: PSNR-Y %.2f dB SSIM-Y %.4f (bicubic %.2f / %.4f)", self.step, result["psnr_y"],
                     result["ssim_y"], result["bicubic_psnr_y"], result["bicubic_ssim_y"])
        if self.world.enabled:
            dist.barrier()

    def fit(self) -> TrainResult:
        c = self.config
        if not self.resume and self.world.is_main:  # before the data and models are built: it needs neither
            refuse_used_run_dir(self.run_dir)
        self._seed_everything()
        self._build_data()
        self._build_models()
        self.step = self.epoch = self.batch_in_epoch = 0
        self.best = self.bicubic = None
        if self.resume:
            self.load_state_dict(ckpt.load_state(self.run_dir / ckpt.STATE_FILE))
        self._wrap_for_training()
        metrics = None
        if self.world.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._write_config()
            metrics = MetricsLog(self.run_dir / ckpt.METRICS_FILE, self.step if self.resume else None)
            metrics.write({"type": "event", "event": "resume" if self.resume else "start", "step": self.step,
                           "stage": c.stage, "steps": c.steps})
        checkpoint_every = c.checkpoint_every or c.validation_interval
        bar = tqdm(total=c.steps, initial=self.step, desc=c.stage, dynamic_ncols=True,
                   disable=not (self.world.is_main and self.show_bar))
        sums: dict[str, torch.Tensor] = {}
        interval_start, interval_steps = time.perf_counter(), 0
        stopped = False
        self.generator.train()
        if self.disc is not None:
            self.disc.train()
        try:
            while self.step < c.steps and not stopped:
                self.sampler.set_position(self.epoch, self.batch_in_epoch * c.batch_size)
                for lq, hq in self.loader:
                    lq = lq.to(self.device, non_blocking=True)
                    hq = hq.to(self.device, non_blocking=True)
                    if self.cuda:
                        lq = lq.contiguous(memory_format=torch.channels_last)
                        hq = hq.contiguous(memory_format=torch.channels_last)
                    try:
                        parts = self.train_step(lq, hq)
                    except (torch.OutOfMemoryError, RuntimeError) as error:
                        if not is_out_of_memory(error):
                            raise
                        raise TrainingError(self.run_dir, f"out of memory on {self.device} at batch size "
                                            f"{c.batch_size} ({c.face_size} px faces): lower --batch-size; the "
                                            f"last checkpoint (step {self.step}) can be resumed") from error
                    self.step += 1
                    self.batch_in_epoch += 1
                    interval_steps += 1
                    for name, value in parts.items():
                        sums[name] = sums.get(name, 0.0) + value
                    bar.update(1)
                    self.progress(self.step, c.steps, f"{c.stage} step {self.step}/{c.steps}")

                    if self.step % c.log_every == 0 or self.step == c.steps:
                        elapsed = time.perf_counter() - interval_start
                        record = self._train_record(sums, interval_steps, elapsed)
                        bar.set_postfix({k.removeprefix("loss_"): f"{v:.4g}" for k, v in record.items()
                                         if k.startswith("loss_")})
                        if metrics is not None:
                            metrics.write(record)
                        sums, interval_start, interval_steps = {}, time.perf_counter(), 0
                    pause_start = time.perf_counter()  # validation and saving do not count in images/s
                    if self.step % c.validation_interval == 0 or self.step == c.steps:
                        self._validate_and_log(metrics)
                    stopped = self._should_stop() and self.step < c.steps
                    if self.step % checkpoint_every == 0 or self.step == c.steps or stopped:
                        self.save_checkpoint()
                    interval_start += time.perf_counter() - pause_start
                    if stopped or self.step >= c.steps:
                        break
                else:
                    self.epoch += 1
                    self.batch_in_epoch = 0
        finally:
            bar.close()
        if metrics is not None and interval_steps and self.step % c.log_every:
            # the steps since the last record (a stop mid-interval): logged, so that no average is silently short
            metrics.write(self._train_record(sums, interval_steps, time.perf_counter() - interval_start))
        if metrics is not None:
            metrics.write({"type": "event", "event": "stop" if stopped else "end", "step": self.step,
                           "stage": c.stage})
            metrics.close()
        if stopped and self.world.is_main:
            log.warning("stopped at step %d; continue with --resume %s", self.step, self.run_dir)
        best: dict[str, Any] = self.best or {}
        return TrainResult(self.run_dir, self.step, stopped, best.get("psnr_y"), best.get("step"))

    def _train_record(self, sums: dict[str, torch.Tensor], steps: int, elapsed: float) -> dict[str, Any]:
        c = self.config
        # avg_steps: how many steps the averages cover (log_every, fewer for the last steps before a stop)
        record: dict[str, Any] = {"type": "train", "step": self.step, "stage": c.stage, "avg_steps": steps}
        for name, total in sums.items():
            key = name if name.startswith("d_") else f"loss_{name}"
            record[key] = float(total) / steps
        record["lr"] = self.opt_g.param_groups[0]["lr"]
        if self.disc is not None:
            record["lr_d"] = self.opt_d.param_groups[0]["lr"]
        steps_per_s = steps / max(elapsed, 1e-9)
        record["images_per_s"] = steps_per_s * c.batch_size * self.world.world_size
        record["eta_s"] = (c.steps - self.step) / steps_per_s
        return record

    def close(self) -> None:
        torch.use_deterministic_algorithms(self._previous_deterministic)
        if self.world.initialised_here and dist.is_initialized():
            dist.destroy_process_group()


def train(config: TrainConfig, run_dir: str | Path, resume: bool = False,
          progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
          show_bar: bool = True) -> TrainResult:
    """Run (or continue, with ``resume``) one training stage in ``run_dir``; see the module docstring."""
    trainer = Trainer(config, Path(run_dir), resume, progress, cancel, show_bar)
    try:
        return trainer.fit()
    finally:
        trainer.close()
