"""The `train` and `eval` sub-commands' flags, and their translation into a TrainConfig.

core/cli.py calls ``register_commands(subparsers)`` and attaches its handlers (which print) to the
returned parsers.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from core.errors import FaceSRError, brief
from core.training import config as cfg

# argparse dest -> dotted TrainConfig key, for flags that map one to one
_DIRECT = {
    "data": "data", "val_data": "val_data", "val_count": "val_count", "align": "align", "arch": "arch",
    "scale": "scale", "init_from": "init_from", "steps": "steps", "batch_size": "batch_size",
    "lr": "optim.lr", "d_lr": "optim.d_lr", "optimizer": "optim.optimizer", "schedule": "optim.schedule",
    "warmup": "optim.warmup", "grad_clip": "optim.grad_clip", "ema_decay": "optim.ema_decay",
    "pixel_loss": "loss.pixel_loss", "pixel_weight": "loss.pixel_weight",
    "perceptual_weight": "loss.perceptual_weight", "perceptual_layer": "loss.perceptual_layer",
    "vgg_weights": "loss.vgg_weights", "download_vgg": "loss.download_vgg", "adv_weight": "loss.adv_weight",
    "perceptual_net": "loss.perceptual_net", "face_features": "loss.face_features",
    "feature_match_weight": "loss.feature_match_weight",
    "tv_weight": "loss.tv_weight", "gan_type": "loss.gan_type", "degradation": "degradation.kind",
    "blur_sigma": "degradation.blur_sigma", "blind_blur_sigma": "degradation.blind_blur_sigma",
    "blind_downsample": "degradation.blind_downsample", "blind_noise": "degradation.blind_noise",
    "blind_jpeg": "degradation.blind_jpeg", "blind_bicubic_share": "degradation.blind_bicubic_share",
    "patch_size": "patch_size", "scale_jitter": "augment.scale_jitter",
    "shift_jitter": "augment.shift_jitter", "color_jitter": "augment.color_jitter", "val_every": "val_every",
    "log_every": "log_every", "checkpoint_every": "checkpoint_every", "workers": "workers", "seed": "seed",
    "deterministic": "deterministic", "compile": "compile", "precision": "precision", "device": "device",
}
_PATHS = {"data", "val_data", "init_from", "loss.vgg_weights", "loss.face_features"}
# What --resume may change: everything else is the run's own and stays as config.json says.
_RESUMABLE = {"steps", "workers", "val_every", "log_every", "checkpoint_every", "device", "precision", "compile"}


class UsageError(Exception):
    """Bad flags: reported as one line, exit 2."""


def register_commands(subparsers: argparse._SubParsersAction) -> tuple[argparse.ArgumentParser,
                                                                      argparse.ArgumentParser]:
    """Add `train` and `eval` to ``subparsers``; return their parsers for the CLI to attach handlers."""
    return _add_train(subparsers), _add_eval(subparsers)


def _range(kind: type) -> dict[str, Any]:
    return {"nargs": 2, "type": kind, "metavar": ("MIN", "MAX")}


def _add_train(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("train", help="train a face restoration generator (pixel stage, then GAN stage)",
                              description="Train a generator on a folder of face images. Unset options come "
                                          "from the preset. Stop with Ctrl-C or by creating a file named STOP "
                                          "in the run folder; continue with --resume RUN_DIR.")
    g = p.add_argument_group("data")
    g.add_argument("--data", metavar="DIR", help="folder of HQ face images (recursive; jpg, png, webp)")
    g.add_argument("--val-data", metavar="DIR", help="validation folder (default: hold out --val-count images)")
    g.add_argument("--val-count", type=int, metavar="N",
                   help="validation images: held out of --data, or sampled from --val-data (default 300, seeded)")
    g.add_argument("--align", action="store_true", default=None,
                   help="detect and align the photos to the FFHQ template first (crops cached)")
    g = p.add_argument_group("model")
    g.add_argument("--preset", default="srgan", choices=list(cfg.PRESETS), help="recipe (default: srgan)")
    g.add_argument("--arch", choices=["srresnet", "rcan"], help="generator architecture")
    g.add_argument("--arch-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="generator argument, e.g. num_blocks=8 (repeatable)")
    g.add_argument("--scale", type=int, choices=cfg.SCALES)
    size = g.add_mutually_exclusive_group()
    size.add_argument("--input-size", type=int, metavar="PX", help="LQ side the model takes in")
    size.add_argument("--face-size", type=int, metavar="PX", help="HQ face side (= input size x scale)")
    g.add_argument("--stage", choices=cfg.STAGES, help="pixel pre-training (default) or GAN fine-tuning")
    g.add_argument("--init-from", metavar="RUN_OR_FILE", help="start from a run's generator (gan stage)")
    g = p.add_argument_group("optimisation")
    g.add_argument("--steps", type=int)
    g.add_argument("--batch-size", type=int)
    g.add_argument("--lr", type=float)
    g.add_argument("--d-lr", type=float, help="discriminator learning rate (default: --lr)")
    g.add_argument("--optimizer", choices=cfg.OPTIMIZERS)
    g.add_argument("--schedule", choices=cfg.SCHEDULES)
    g.add_argument("--warmup", type=float, metavar="FRACTION", help="warm-up as a fraction of the steps")
    g.add_argument("--grad-clip", type=float, metavar="NORM", help="0 = off")
    g.add_argument("--ema-decay", type=float)
    g = p.add_argument_group("losses")
    g.add_argument("--pixel-loss", choices=cfg.PIXEL_LOSSES)
    g.add_argument("--pixel-weight", type=float)
    g.add_argument("--perceptual-weight", type=float, help="> 0 needs the --perceptual-net's weights")
    g.add_argument("--perceptual-net", choices=cfg.PERCEPTUAL_NETS,
                   help="vgg19 (ImageNet weights, default), face (the face feature network of train-features) "
                        "or none")
    g.add_argument("--face-features", metavar="FILE",
                   help="face feature network for --perceptual-net face (default: the shipped one)")
    g.add_argument("--perceptual-layer", choices=cfg.PERCEPTUAL_LAYERS, help="vgg19 layer")
    g.add_argument("--vgg-weights", metavar="FILE", help="torchvision vgg19-dcbb9e9d.pth (or .safetensors)")
    g.add_argument("--download-vgg", action="store_true", default=None, help="fetch the VGG19 weights once")
    g.add_argument("--adv-weight", type=float)
    g.add_argument("--feature-match-weight", type=float,
                   help="gan stage: L1 between the discriminator's features of real and restored faces")
    g.add_argument("--disc-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="discriminator argument, e.g. channels=32 (repeatable)")
    g.add_argument("--tv-weight", type=float)
    g.add_argument("--gan-type", choices=cfg.GAN_TYPES)
    g = p.add_argument_group("degradation and augmentation")
    g.add_argument("--degradation", choices=cfg.DEGRADATIONS)
    g.add_argument("--blur-sigma", **_range(float), help="bicubic: blur before downsampling (default 0 0)")
    g.add_argument("--blind-blur-sigma", **_range(float), help="blind: default 0.1 10")
    g.add_argument("--blind-downsample", **_range(float), help="blind: default 1 8 (log-uniform)")
    g.add_argument("--blind-noise", **_range(float), help="blind: Gaussian sigma on 0..255, default 0 20")
    g.add_argument("--blind-jpeg", **_range(int), help="blind: JPEG quality, default 60 100")
    g.add_argument("--blind-bicubic-share", type=float, metavar="FRACTION",
                   help="blind: fraction of samples degraded by plain bicubic instead (default 0)")
    g.add_argument("--patch-size", type=int, metavar="PX",
                   help="train on random HQ patches of this side cut from each face (default: whole faces)")
    g.add_argument("--no-hflip", action="store_true", help="no horizontal flips")
    g.add_argument("--scale-jitter", type=float)
    g.add_argument("--shift-jitter", type=float)
    g.add_argument("--color-jitter", type=float)
    g = p.add_argument_group("run")
    g.add_argument("--val-every", type=int, metavar="STEPS")
    g.add_argument("--log-every", type=int, metavar="STEPS")
    g.add_argument("--checkpoint-every", type=int, metavar="STEPS", help="default: at each validation")
    g.add_argument("--workers", type=int, help="DataLoader worker processes")
    g.add_argument("--seed", type=int)
    g.add_argument("--deterministic", action="store_true", default=None)
    g.add_argument("--compile", action="store_true", default=None, help="torch.compile the networks")
    g.add_argument("--precision", choices=cfg.PRECISIONS, help="bf16/fp16 autocast on CUDA; bf16 also on CPUs with bfloat16 "
                   "instructions (about 2.3x faster there)")
    g.add_argument("--device", help="auto, cpu, cuda or cuda:N")
    g.add_argument("--run-dir", type=Path, metavar="DIR", help="run folder (default: RUNS_ROOT/<time>-<preset>-<stage>)")
    g.add_argument("--runs-root", type=Path, metavar="DIR", help="parent of new run folders")
    g.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue a stopped run exactly")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--preview-degradations", action="store_true",
                   help="write a grid of LQ|HQ training pairs (PNG) and exit")
    g.add_argument("--preview-count", type=int, default=8, metavar="N")
    g.add_argument("--out", type=Path, metavar="DIR", help="where --preview-degradations writes (default: run folder)")
    return p


def add_train_features(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """`train-features`: the face feature network of ``--perceptual-net face``."""
    p = subparsers.add_parser(
        "train-features", help="train the face feature network of the face perceptual loss",
        description="Train a small VGG-style network on age, gender and race read from UTKFace-style file "
                    "names (AGE_GENDER_RACE_...); its features drive `train --perceptual-net face`.")
    p.add_argument("--data", required=True, metavar="DIR", help="folder of faces named AGE_GENDER_RACE_...")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="the .safetensors to write")
    p.add_argument("--align", action="store_true",
                   help="use the aligned crops that `train --align` cached for this folder")
    p.add_argument("--input-size", type=int, default=112, metavar="PX")
    p.add_argument("--channels", type=int, nargs="+", default=[16, 32, 64, 128], metavar="C",
                   help="channels of each stage (default 16 32 64 128)")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--minutes", type=float, default=0.0, help="also stop after this many minutes (0 = no limit)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--val-count", type=int, default=300, help="faces held out (seeded, as in `train`)")
    p.add_argument("--seed", type=int, default=0)
    return p


def feature_config_from_args(args: argparse.Namespace) -> Any:
    from core.training.features import FeatureTrainConfig

    try:
        return FeatureTrainConfig(
            data=str(args.data), out=str(args.out), align=args.align, input_size=args.input_size,
            channels=tuple(args.channels), steps=args.steps, minutes=args.minutes, batch_size=args.batch_size,
            lr=args.lr, val_count=args.val_count, seed=args.seed)
    except ValueError as error:
        raise UsageError(str(error)) from error


def _add_eval(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("eval", help="PSNR-Y/SSIM-Y of a model against bicubic on HR faces")
    p.add_argument("--model", required=True, metavar="PATH_OR_NAME")
    p.add_argument("--hr", required=True, type=Path, metavar="DIR", help="folder of HR (aligned) face images")
    p.add_argument("--scale", type=int, required=True, choices=(2, 4, 8))
    p.add_argument("--degradation", default="bicubic", choices=cfg.DEGRADATIONS,
                   help="bicubic = the standard protocol (no blur)")
    p.add_argument("--seed", type=int, default=0, help="seed of the blind degradations")
    p.add_argument("--crop-border", type=int, default=0, metavar="PX", help="pixels cropped before the metrics")
    p.add_argument("--out", type=Path, metavar="DIR", help="where eval.csv and eval.json go "
                                                           "(default: ./eval-<model>-x<scale>-<degradation>)")
    p.add_argument("--device", default="auto")
    return p


# --- train ----------------------------------------------------------------------------------------------

def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _arch_args(items: list[str], flag: str = "--arch-arg") -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} wants KEY=VALUE, got {item!r}")
        parsed[key] = _parse_value(value)
    return parsed


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """Flags the user set (None = left to the preset), as dotted config keys."""
    given = {key: getattr(args, dest) for dest, key in _DIRECT.items() if getattr(args, dest) is not None}
    for key, value in list(given.items()):
        if isinstance(value, list):
            given[key] = tuple(value)
        elif key in _PATHS:  # absolute, so that --resume works from any folder
            given[key] = str(Path(value).expanduser().resolve())
    if args.no_hflip:
        given["augment.hflip"] = False
    return given


def config_from_args(args: argparse.Namespace) -> cfg.TrainConfig:
    """The resolved config of a new run: preset for the stage, then --init-from's model, then the flags."""
    given = _given(args)
    arch_args = _arch_args(args.arch_arg)
    stage = args.stage or "pixel"
    preset = cfg.PRESETS[args.preset](stage)
    if args.init_from and not ({"arch", "scale"} & set(given) or arch_args or args.input_size or args.face_size):
        # The gan stage continues the pixel stage's generator: take its architecture from the file.
        from core.training.checkpoint import resolve_init
        from core.models.store import read_metadata

        metadata = read_metadata(resolve_init(args.init_from))
        if metadata is None:
            raise UsageError(f"{args.init_from}: not a FaceSR generator file (no metadata)")
        given = {"arch": metadata.arch, "scale": metadata.scale, "face_size": metadata.input_size * metadata.scale,
                 **given}
        arch_args = {k: v for k, v in metadata.arch_args.items() if k != "scale"}
        given["arch_args"] = arch_args
    elif "arch" in given and given["arch"] != preset["arch"]:
        given["arch_args"] = arch_args  # the preset's arguments belong to its own architecture
    elif arch_args:
        given["arch_args"] = {**preset["arch_args"], **arch_args}
    if args.disc_arg:
        given["disc_args"] = {**preset["disc_args"], **_arch_args(args.disc_arg, "--disc-arg")}
    scale = given.get("scale", preset["scale"])
    if args.input_size:
        given["face_size"] = args.input_size * scale
    elif args.face_size:
        given["face_size"] = args.face_size
    try:
        return cfg.preset_config(args.preset, stage, given)
    except ValueError as error:
        raise UsageError(str(error)) from error


def resume_config(args: argparse.Namespace) -> cfg.TrainConfig:
    run_dir = args.resume
    path = run_dir / "config.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        config = cfg.from_dict(cfg.TrainConfig, record["config"])
    except FileNotFoundError:
        raise UsageError(f"{run_dir}: not a run folder (no config.json)") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise FaceSRError(path, f"the run's config is unreadable ({brief(error)})") from error
    given = _given(args)
    changed = {k for k in given if k not in _RESUMABLE}
    if changed or args.arch_arg or args.disc_arg or args.input_size or args.face_size or args.run_dir or args.stage:
        raise UsageError("--resume continues a run with its own settings; only --steps, --workers, --val-every, "
                         "--log-every, --checkpoint-every, --device, --precision and --compile may change")
    try:
        return cfg.with_overrides(config, {k: v for k, v in given.items() if k in _RESUMABLE})
    except ValueError as error:
        raise UsageError(str(error)) from error


def run_dir_for(args: argparse.Namespace, config: cfg.TrainConfig) -> Path:
    if args.run_dir:
        return args.run_dir
    from core.paths import user_runs_dir

    root = args.runs_root or user_runs_dir()
    return root / f"{datetime.now():%Y%m%d-%H%M%S}-{config.preset}-{config.stage}"
