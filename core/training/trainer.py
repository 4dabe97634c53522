"""The training loop: pixel pre-training or GAN fine-tuning of one generator, resumable, DDP-ready.

``Trainer(...)`` builds the whole run (data, models, optimisers; the saved state on resume); read
``Trainer.fit`` top to bottom for the loop. One step (``Trainer.train_step``) is G forward -> G losses
(pixel, perceptual, TV and, in the gan stage, adversarial against a frozen D) -> G update -> D update
on real vs detached fake -> EMA update. Validation (on the EMA weights) and checkpoints happen every
``val_every`` steps, and when the run stops early (SIGINT/SIGTERM via the cancel token, or a STOP file
in the run folder).

Multi-GPU (core.training.distributed): launched by ``torchrun``, each process joins the process group,
reads its shard of every epoch through a DistributedSampler and trains a DistributedDataParallel
generator; only rank 0 logs, validates and writes files.
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
from torch import nn
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import DataLoader
from tqdm import tqdm

from core.atomic import atomic_output
from core.device import cpu_has_bfloat16
from core.errors import TrainingError, brief
from core.io import write_image
from core.memory import is_out_of_memory
from core.metrics import detail_energy, detail_ratio, mean_psnr_ssim
from core.models.discriminator import build_discriminator
from core.models.registry import build_generator, count_parameters
from core.models.store import ModelMetadata, save_generator
from core.progress import CancelToken, ProgressCallback, no_progress
from core.tensor import images_to_tensor, tensor_to_images
from core.training import checkpoint as ckpt
from core.training.config import TrainConfig
from core.training.data import (VAL_STREAM, EpochDataset, EpochSampler, FaceDataset, collate, scan_faces, seed_worker,
                                 split_files)
from core.training.degradations import bicubic_upsample
from core.training.distributed import setup_distributed
from core.training.losses import GeneratorLoss, discriminator_loss
from core.training.runlog import MetricsLog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    step: int
    stopped: bool  # stopped before the last step (signal, STOP file, cancel); resumable
    best_psnr_y: float | None
    best_step: int | None


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


class _Interval:
    """The steps since the last train record: their loss sums and their time (pauses left out)."""

    def __init__(self) -> None:
        self.sums: dict[str, torch.Tensor] = {}
        self.steps = 0
        self.start = time.perf_counter()

    def add(self, parts: dict[str, torch.Tensor]) -> None:
        self.steps += 1
        for name, value in parts.items():
            self.sums[name] = self.sums[name] + value if name in self.sums else value

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.start += time.perf_counter() - began


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
    """One training stage in one run folder. The constructor builds everything the loop uses (and, with
    ``resume``, restores the saved state); ``fit`` runs the loop; ``close`` puts global switches back."""

    def __init__(self, config: TrainConfig, run_dir: Path, resume: bool = False,
                 progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
                 show_bar: bool = True) -> None:
        self.config = config
        self.run_dir = Path(run_dir)
        self.resume = resume
        self.progress = progress
        self.cancel = cancel or CancelToken()
        self.show_bar = show_bar
        self.world = setup_distributed(config.device)
        self.device = self.world.device
        self.cuda = self.device.type == "cuda"
        self._previous_deterministic = torch.are_deterministic_algorithms_enabled()
        # bf16 on a CPU that computes it natively: 2.3x the fp32 step of the default RCAN (batch 16, 128 px,
        # in NHWC; 0.59 vs 1.36 s, AVX512-BF16, 2 cores). Elsewhere PyTorch would emulate it, slower than fp32.
        self.cpu_bf16 = not self.cuda and config.precision == "bf16" and cpu_has_bfloat16()
        if not self.cuda and config.precision != "fp32" and not self.cpu_bf16:
            log.warning("%s precision on the CPU: only bf16, and only on a CPU with bfloat16 instructions; "
                        "training in fp32 on %s", config.precision, self.device)
        self.channels_last = self.cuda or self.cpu_bf16

        # Where the run stands: saved in state.pt, restored on resume.
        self.step = self.epoch = self.batch_in_epoch = 0
        self.best: dict[str, Any] | None = None  # PSNR-Y, SSIM-Y and step of the best validation so far
        self.bicubic: dict[str, float] | None = None  # bicubic's scores on the validation faces (computed once)
        # The validation faces' (LQ, HQ) pairs: fixed degradations, made at the first validation and kept.
        self._val_pairs: list[tuple[np.ndarray, np.ndarray]] | None = None
        try:
            if not resume and self.world.is_main:  # before the data and models are built: it needs neither
                refuse_used_run_dir(self.run_dir)
            self._seed_everything()

            self.dataset_root = self._data_root()
            self.train_set, self.val_set = self._datasets(self.dataset_root)
            self.sampler = EpochSampler(self.train_set, config.seed, self.world.rank, self.world.world_size)
            self.loader = self._loader()

            # The generator's starting weights, as recorded in the weights' metadata: the resolved
            # --init-from file, or the configured value when it was not loaded (a resume, or none).
            self.init_file: str | None = config.init_from
            self.generator = build_generator(config.arch, config.generator_args)
            if config.init_from and not resume:
                self.init_file = self._load_init(config.init_from)
            elif config.stage == "gan" and not resume:
                log.warning("GAN stage from a randomly initialised generator: pre-train with --stage pixel and "
                            "pass --init-from for the usual two-stage recipe")
            self.disc = build_discriminator(config.disc_args) if config.stage == "gan" else None
            for network in (self.generator, self.disc):
                if network is not None:
                    self._place(network)
            self.ema = copy.deepcopy(self.generator).eval().requires_grad_(False)
            self.criterion = GeneratorLoss(config.loss).to(self.device)
            self.opt_g, self.sched_g = self._optimizer(self.generator, config.optim.lr)
            self.opt_d: torch.optim.Optimizer | None = None
            self.sched_d: LambdaLR | None = None
            if self.disc is not None:
                self.opt_d, self.sched_d = self._optimizer(self.disc, config.optim.d_lr or config.optim.lr)
            self.scaler = torch.amp.GradScaler("cuda", enabled=self.cuda and config.precision == "fp16")
            self._log_sizes()

            if resume:
                self.load_state_dict(ckpt.load_state(self.run_dir / ckpt.STATE_FILE))
            # The modules the steps call: DDP replicas and/or compiled; checkpoints save the plain ones.
            self.g_train = self._for_training(self.generator)
            self.d_train = self._for_training(self.disc) if self.disc is not None else None
        except BaseException:
            self.close()  # e.g. too few faces: leave no process group or deterministic switch behind
            raise

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

    def _data_root(self) -> Path:
        if self.config.data is None:
            raise TrainingError(None, "no dataset folder given (--data)")
        data_root = Path(self.config.data)
        return self._aligned(data_root) if self.config.align else data_root

    def _datasets(self, data_root: Path) -> tuple[FaceDataset, FaceDataset | None]:
        c = self.config
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
        if self.world.is_main:
            log.info("dataset %s: %d training and %d validation faces", data_root, len(train_files), len(val_files))
        train_set = FaceDataset(train_files, c.face_size, c.scale, c.degradation, c.augment, c.seed,
                                patch_size=c.patch_size)
        val_set = FaceDataset(val_files, c.face_size, c.scale, c.degradation, None, c.seed, VAL_STREAM) \
            if val_files else None
        return train_set, val_set

    def _loader(self) -> DataLoader:
        c = self.config
        # Workers are spawned, not forked (as on Windows and macOS): a fork copies OpenCV's thread pool
        # without its threads once `--align` has run the detector here, and the workers then hang on
        # their first OpenCV call.
        return DataLoader(
            EpochDataset(self.train_set), batch_size=c.batch_size, sampler=self.sampler, drop_last=True,
            num_workers=c.workers, collate_fn=collate, pin_memory=self.cuda, worker_init_fn=seed_worker,
            persistent_workers=c.workers > 0, generator=torch.Generator().manual_seed(c.seed + self.world.rank),
            multiprocessing_context="spawn" if c.workers > 0 else None,
        )

    def _aligned(self, source: Path) -> Path:
        from core.training.prepare import aligned_cache_dir, prepare_faces

        target = aligned_cache_dir(source, self.config.face_size)
        if self.world.is_main:
            prepare_faces(source, target, self.config.face_size, cancel=self.cancel)
        self.world.barrier()
        return target

    def _load_init(self, init_from: str) -> str:
        """Load --init-from's weights into the generator; the resolved file's path."""
        c = self.config
        module, metadata, path = ckpt.load_init(init_from)
        if metadata.arch_args == c.generator_args and metadata.arch == c.arch:
            self.generator.load_state_dict(module.state_dict())
            log.info("generator initialised from %s", path)
            return str(path)
        copied, total = ckpt.warm_start(self.generator, module) if metadata.arch == c.arch else (0, 0)
        if copied == 0:
            raise TrainingError(path, f"was trained as {metadata.arch} {metadata.arch_args}, but this run is "
                                      f"{c.arch} {c.generator_args}: no weights fit")
        # a warning, so that a run started from the wrong file by mistake says so at once
        log.warning("generator warm-started from %s (%s %s): %d of its %d tensors copied where the shapes allow, "
                    "the rest newly initialised", path, metadata.arch, metadata.arch_args, copied, total)
        return str(path)

    def _place(self, network: nn.Module) -> None:
        network.to(self.device)
        if self.channels_last:
            network.to(memory_format=torch.channels_last)

    def _optimizer(self, module: nn.Module, lr: float) -> tuple[torch.optim.Optimizer, LambdaLR]:
        optim, steps = self.config.optim, self.config.steps
        kind = torch.optim.AdamW if optim.optimizer == "adamw" else torch.optim.Adam
        optimizer = kind(module.parameters(), lr=lr, betas=optim.betas, weight_decay=optim.weight_decay)
        return optimizer, LambdaLR(optimizer, lambda step: lr_factor(step, steps, self.config))

    def _log_sizes(self) -> None:
        if self.world.is_main:
            log.info("generator %s: %.2fM parameters%s", self.config.arch, count_parameters(self.generator) / 1e6,
                     f"; discriminator {count_parameters(self.disc) / 1e6:.2f}M" if self.disc is not None else "")

    def _for_training(self, module: nn.Module) -> nn.Module | Callable[..., torch.Tensor]:
        """The module as a step calls it: a DDP replica across ranks, compiled with --compile."""
        wrapped = self.world.wrap(module)
        # torch.compile's result is typed as a plain callable
        return torch.compile(wrapped) if self.config.compile else wrapped

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
            "opt_d": self.opt_d.state_dict() if self.opt_d is not None else None,
            "sched_d": self.sched_d.state_dict() if self.sched_d is not None else None,
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
                assert self.opt_d is not None and self.sched_d is not None  # built with the discriminator
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
            "init_from": self.init_file, "run": str(self.run_dir),
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
        if self.cpu_bf16:
            return torch.autocast("cpu", dtype=torch.bfloat16)
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
        """One optimisation step on one batch: G update, then D update (gan stage), schedules, EMA.

        Returns the loss parts (detached tensors); running out of memory is a TrainingError that says
        what to change and which checkpoint can be resumed."""
        lq, hq = self._on_device(lq), self._on_device(hq)
        try:
            output, parts = self._generator_update(lq, hq)
            if self.disc is not None:
                parts.update(self._discriminator_update(output.detach(), hq))
            self.scaler.update()
            self.sched_g.step()
            self._update_ema()
        except (torch.OutOfMemoryError, RuntimeError) as error:
            if not is_out_of_memory(error):
                raise
            c = self.config
            raise TrainingError(self.run_dir, f"out of memory on {self.device} at batch size {c.batch_size} "
                                              f"({c.face_size} px faces): lower --batch-size; the last checkpoint "
                                              f"(step {self.step}) can be resumed") from error
        return parts

    def _on_device(self, batch: torch.Tensor) -> torch.Tensor:
        batch = batch.to(self.device, non_blocking=True)
        return batch.contiguous(memory_format=torch.channels_last) if self.channels_last else batch

    def _generator_update(self, lq: torch.Tensor, hq: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """G's losses on this batch and its update; the output (float) and the loss parts."""
        gan_type = self.config.loss.gan_type
        with self._autocast():
            output = self.g_train(lq)
        output = output.float()

        # D is frozen and called without its DDP wrapper: this update is G's only, and D's gradients
        # must neither be computed nor synchronised.
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
        return output, parts

    def _discriminator_update(self, fake_images: torch.Tensor, hq: torch.Tensor) -> dict[str, torch.Tensor]:
        """D's update on real vs this step's (detached) fake; its loss parts."""
        assert self.disc is not None and self.d_train is not None
        assert self.opt_d is not None and self.sched_d is not None  # built with the discriminator
        self.disc.requires_grad_(True)
        with self._autocast():
            real = self.d_train(hq).float()
            fake = self.d_train(fake_images).float()
        loss_d = discriminator_loss(real, fake, self.config.loss.gan_type)
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler.scale(loss_d).backward()
        self._update(self.opt_d, self.disc)
        self.sched_d.step()
        return {"d": loss_d.detach(), "d_real": real.detach().mean(), "d_fake": fake.detach().mean()}

    # --- validation -------------------------------------------------------------------------------------

    @torch.no_grad()
    def validate(self) -> dict[str, Any]:
        """PSNR-Y/SSIM-Y and detail ratio (as in ``eval``) of the EMA generator and of bicubic upsampling;
        saves a sample grid."""
        assert self.val_set is not None
        if self._val_pairs is None:  # fixed degradations: made once, kept in memory
            self._val_pairs = [self.val_set.item(i, 0)[:2] for i in range(len(self.val_set))]
        lqs = [pair[0] for pair in self._val_pairs]
        hqs = [pair[1] for pair in self._val_pairs]
        outputs: list[np.ndarray] = []
        for start in range(0, len(lqs), self.config.batch_size):
            batch = images_to_tensor(lqs[start:start + self.config.batch_size], self.device)
            outputs += tensor_to_images(self.ema(batch))
        psnr_y, ssim_y = mean_psnr_ssim(outputs, hqs)
        hq_energies = [detail_energy(hq) for hq in hqs]
        detail = detail_ratio([detail_energy(output) for output in outputs], hq_energies)
        bicubic = self._bicubic_scores(lqs, hqs, hq_energies)
        sample = self._save_samples(lqs, outputs, hqs)
        return {"psnr_y": psnr_y, "ssim_y": ssim_y, "detail_ratio": detail, "bicubic_psnr_y": bicubic["psnr_y"],
                "bicubic_ssim_y": bicubic["ssim_y"], "bicubic_detail_ratio": bicubic["detail_ratio"],
                "sample": sample}

    def _bicubic_scores(self, lqs: list[np.ndarray], hqs: list[np.ndarray], hq_energies: list[float],
                        ) -> dict[str, float]:
        """Bicubic's figures on the validation faces: computed at the first validation and kept in state.pt."""
        size = self.config.face_size
        if self.bicubic is None:
            bicubic_psnr, bicubic_ssim = mean_psnr_ssim([bicubic_upsample(lq, size, size) for lq in lqs], hqs)
            self.bicubic = {"psnr_y": bicubic_psnr, "ssim_y": bicubic_ssim}
        if "detail_ratio" not in self.bicubic:  # also a run saved before the detail ratio was measured
            energies = [detail_energy(bicubic_upsample(lq, size, size)) for lq in lqs]
            self.bicubic = {**self.bicubic, "detail_ratio": detail_ratio(energies, hq_energies)}
        return self.bicubic

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
        # every rank must leave the loop at the same step
        stop = self.world.any_rank(self.cancel.cancelled or (self.world.is_main and stop_file.exists()))
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
            log.info("step %d: PSNR-Y %.2f dB SSIM-Y %.4f detail %.3f (bicubic %.2f / %.4f / %.3f)", self.step,
                     result["psnr_y"], result["ssim_y"], result["detail_ratio"], result["bicubic_psnr_y"],
                     result["bicubic_ssim_y"], result["bicubic_detail_ratio"])
        self.world.barrier()

    def fit(self) -> TrainResult:
        c = self.config
        metrics = self._open_metrics()
        checkpoint_every = c.checkpoint_every or c.validation_interval
        bar = tqdm(total=c.steps, initial=self.step, desc=c.stage, dynamic_ncols=True,
                   disable=not (self.world.is_main and self.show_bar))
        interval = _Interval()
        stopped = False
        self.generator.train()
        if self.disc is not None:
            self.disc.train()
        try:
            while self.step < c.steps and not stopped:
                self.sampler.set_position(self.epoch, self.batch_in_epoch * c.batch_size)
                for lq, hq in self.loader:
                    interval.add(self.train_step(lq, hq))
                    self.step += 1
                    self.batch_in_epoch += 1
                    bar.update(1)
                    self.progress(self.step, c.steps, f"{c.stage} step {self.step}/{c.steps}")

                    if self.step % c.log_every == 0 or self.step == c.steps:
                        record = self._train_record(interval)
                        bar.set_postfix({k.removeprefix("loss_"): f"{v:.4g}" for k, v in record.items()
                                         if k.startswith("loss_")})
                        if metrics is not None:
                            metrics.write(record)
                        interval = _Interval()
                    with interval.paused():  # validation and saving do not count in images/s
                        if self.step % c.validation_interval == 0 or self.step == c.steps:
                            self._validate_and_log(metrics)
                        stopped = self._should_stop() and self.step < c.steps
                        if self.step % checkpoint_every == 0 or self.step == c.steps or stopped:
                            self.save_checkpoint()
                    if stopped or self.step >= c.steps:
                        break
                else:
                    self.epoch += 1
                    self.batch_in_epoch = 0
        finally:
            bar.close()
        if metrics is not None and interval.steps and self.step % c.log_every:
            # the steps since the last record (a stop mid-interval): logged, so that no average is silently short
            metrics.write(self._train_record(interval))
        if metrics is not None:
            metrics.write({"type": "event", "event": "stop" if stopped else "end", "step": self.step,
                           "stage": c.stage})
            metrics.close()
        if stopped and self.world.is_main:
            log.warning("stopped at step %d; continue with --resume %s", self.step, self.run_dir)
        best: dict[str, Any] = self.best or {}
        return TrainResult(self.run_dir, self.step, stopped, best.get("psnr_y"), best.get("step"))

    def _open_metrics(self) -> MetricsLog | None:
        """Rank 0: the run folder, its config.json and metrics.jsonl with a start/resume event; else None."""
        if not self.world.is_main:
            return None
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        metrics = MetricsLog(self.run_dir / ckpt.METRICS_FILE, self.step if self.resume else None)
        metrics.write({"type": "event", "event": "resume" if self.resume else "start", "step": self.step,
                       "stage": self.config.stage, "steps": self.config.steps})
        return metrics

    def _train_record(self, interval: _Interval) -> dict[str, Any]:
        c = self.config
        steps = interval.steps
        # avg_steps: how many steps the averages cover (log_every, fewer for the last steps before a stop)
        record: dict[str, Any] = {"type": "train", "step": self.step, "stage": c.stage, "avg_steps": steps}
        for name, total in interval.sums.items():
            key = name if name.startswith("d_") else f"loss_{name}"
            record[key] = float(total) / steps
        record["lr"] = self.opt_g.param_groups[0]["lr"]
        if self.opt_d is not None:
            record["lr_d"] = self.opt_d.param_groups[0]["lr"]
        steps_per_s = steps / max(interval.elapsed(), 1e-9)
        record["images_per_s"] = steps_per_s * c.batch_size * self.world.world_size
        record["eta_s"] = (c.steps - self.step) / steps_per_s
        return record

    def close(self) -> None:
        torch.use_deterministic_algorithms(self._previous_deterministic)
        self.world.close()


def train(config: TrainConfig, run_dir: str | Path, resume: bool = False,
          progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
          show_bar: bool = True) -> TrainResult:
    """Run (or continue, with ``resume``) one training stage in ``run_dir``; see the module docstring."""
    trainer = Trainer(config, Path(run_dir), resume, progress, cancel, show_bar)
    try:
        return trainer.fit()
    finally:
        trainer.close()
