"""`python main.py restore|models|demo|train|eval ...`: the engine from the command line.

Exit codes: 0 all files succeeded (skipped ones included), 1 some files failed (each listed with its
cause), 2 usage or set-up errors (bad flags, missing input, missing or corrupt model, unwritable output),
130 / 143 stopped by Ctrl-C (SIGINT) / SIGTERM after finishing or dropping the file in work.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import CPU_BACKENDS, DETECTORS, DEVICES, OUTPUT_EXTENSIONS, SCALES, DEFAULT_MAX_OUTPUT_PIXELS, \
    DEFAULT_MAX_PIXELS, DetectSettings, OutputSettings, RestoreSettings
from core.errors import FaceSRError
from core.progress import CancelToken

if TYPE_CHECKING:
    from core.batch import BatchSummary, Job

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="FaceSR Studio: restore faces in photos.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_restore(commands)
    _add_models(commands)
    _add_demo(commands)
    _add_bench(commands)
    from core.training.commands import register_commands

    train, evaluate = register_commands(commands)
    train.set_defaults(func=run_train)
    evaluate.set_defaults(func=run_eval)
    from core.training.commands import add_train_features

    add_train_features(commands).set_defaults(func=run_train_features)
    return parser


def _add_restore(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("restore", help="restore the faces in a photo or a folder of photos")
    p.add_argument("-i", "--input", required=True, type=Path, help="image file or folder")
    p.add_argument("-o", "--output", required=True, type=Path,
                   help="output folder, or the result's file name (.png, .jpg, .webp) when the input is one photo")
    p.add_argument("-s", "--scale", type=int, default=2, choices=SCALES, help="upscale factor of the photo")
    p.add_argument("--model", help="face model name or file (default: the default model)")
    p.add_argument("--detector", default="yunet", choices=DETECTORS)
    p.add_argument("--download", action="store_true", help="fetch the selected detector's weights if missing")
    p.add_argument("--aligned", action="store_true",
                   help="inputs are aligned face crops: no detection, output = input size x scale")
    p.add_argument("--only-center-face", action="store_true", help="restore only the face nearest the centre")
    p.add_argument("--min-face", type=int, default=16, metavar="PX", help="ignore faces smaller than PX")
    p.add_argument("--score-threshold", type=float, default=0.6, help="detector confidence threshold")
    p.add_argument("--blend", type=float, default=1.0, help="0 = original face .. 1 = restored face")
    p.add_argument("--fidelity", type=float, default=0.5, help="fidelity weight of models that have one")
    p.add_argument("--force", action="store_true", help="restore faces even where the model input would shrink them")
    p.add_argument("--bg-model", help="super-resolution model for the background (default: plain bicubic)")
    p.add_argument("--tile", type=int, default=400, help="background model tile size (0 = whole image)")
    p.add_argument("--ext", default="auto", choices=OUTPUT_EXTENSIONS)
    p.add_argument("--suffix", default="", help="text appended to output file names")
    p.add_argument("--save-faces", action="store_true", help="also write each restored face crop")
    p.add_argument("--save-compare", action="store_true", help="also write a before|after comparison")
    p.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICES)} or cuda:N")
    p.add_argument("--cpu-backend", default="auto", choices=CPU_BACKENDS,
                   help="how face models run on the CPU: auto = ONNX Runtime for GFPGAN, CodeFormer and "
                   "RestoreFormer when it is installed and matches PyTorch (exported once, on first use), "
                   "bfloat16 for the default model on CPUs with bfloat16 instructions; torch = always PyTorch "
                   "in float32; onnx = try ONNX Runtime for any face model")
    p.add_argument("--recursive", action="store_true", help="include sub-folders")
    p.add_argument("--overwrite", action="store_true", help="redo files whose result an earlier run wrote "
                   "(a file this tool did not write, or an input, is never replaced)")
    p.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS, help="refuse larger images")
    p.add_argument("--max-output-pixels", type=int, default=DEFAULT_MAX_OUTPUT_PIXELS,
                   help="refuse results larger than this (width x height after scaling) before any work")
    p.add_argument("--shard", metavar="K/N", help="take only share K of N (1 <= K <= N) of the files, so N "
                   "processes (GPUs, a Slurm array) can fill one output folder together")
    p.set_defaults(func=run_restore)


def _add_models(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("models", help="list installed models, fetch optional weights, set the default")
    p.add_argument("--download", metavar="NAME", help="fetch a catalogue model (gfpgan-1.4, codeformer, "
                   "realesrgan-x4plus, realesr-general-x4v3; see --available) or optional weights (retinaface, "
                   "retinaface-mobile, parsenet) into the user model folder; VGG19 comes with `train --download-vgg`")
    p.add_argument("--available", action="store_true",
                   help="list the catalogue of official models and say which are installed")
    p.add_argument("--set-default", metavar="NAME_OR_PATH", help="make this model the default")
    p.set_defaults(func=run_models)


def _add_demo(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("demo", help="restore a degraded demo photo and write a comparison")
    p.add_argument("-o", "--output", type=Path, default=Path("demo-output"))
    p.add_argument("--model", help="model name or file (default: the default model)")
    p.set_defaults(func=run_demo)


def _add_bench(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("bench", help="time every stage, the generator and whole batches; peak memory")
    p.add_argument("--photos", type=Path, help="folder of photos (default: generate photos with faces)")
    p.add_argument("--count", type=int, default=3, help="how many photos to generate")
    p.add_argument("--kind", choices=("small", "real"), default="small",
                   help="generated photos: small (0.5-3 Mpx) or real (1.2-12 Mpx, as from a phone or a camera)")
    p.add_argument("--model", help="face model name or file (default: the default model, else a random "
                   "one of its shape)")
    p.add_argument("-s", "--scale", type=int, default=2, choices=SCALES)
    p.add_argument("--repeats", type=int, default=3, help="timed repeats after a warm-up (medians are shown)")
    p.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICES)} or cuda:N")
    p.add_argument("--compare", choices=("gfpgan", "codeformer", "restoreformer"),
                   help="also run a random-weight network of this 512-px face architecture on the same photos")
    p.add_argument("--io-threads", type=int, default=2, help="decode/encode threads of the overlapped batch")
    p.add_argument("--cpu-backend", default="auto", choices=CPU_BACKENDS,
                   help="as for restore: auto = the fastest path measured for each model, torch = PyTorch float32")
    p.add_argument("--json", type=Path, default=Path("bench.json"), help="where to write the figures")
    p.set_defaults(func=run_bench)


def settings_from_args(args: argparse.Namespace) -> tuple[RestoreSettings, OutputSettings]:
    try:
        detect = DetectSettings(args.detector, args.score_threshold, args.min_face, args.only_center_face)
        restore = RestoreSettings(
            scale=args.scale, model=args.model, detect=detect, aligned=args.aligned, blend=args.blend,
            fidelity=args.fidelity, force_small_model=args.force, bg_model=args.bg_model, tile=args.tile,
            device=args.device, cpu_backend=args.cpu_backend, max_pixels=args.max_pixels,
            max_output_pixels=args.max_output_pixels,
        )
        output = OutputSettings(ext=args.ext, suffix=args.suffix, save_faces=args.save_faces,
                                save_compare=args.save_compare, overwrite=args.overwrite, recursive=args.recursive)
    except ValueError as error:  # rejected by the settings' validation
        raise FaceSRError(None, str(error)) from error
    return restore, output


def run_restore(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from core.batch import names_an_image, plan_file_job, plan_jobs, run_batch
    from core.detect import create_detector
    from core.io import ensure_writable_folder, no_images_found
    from core.pipeline import FacePipeline

    restore, output = settings_from_args(args)
    if not args.input.exists():
        raise FaceSRError(args.input, "no such file or folder")
    to_file = args.input.is_file() and names_an_image(args.output)
    output_dir = ensure_writable_folder(args.output.parent if to_file else args.output)
    jobs = [plan_file_job(args.input, args.output, output)] if to_file else plan_jobs(args.input, output_dir, output)
    if not jobs:
        raise no_images_found(args.input)
    if args.shard:
        jobs = _shard(jobs, output_dir, args.shard)
        if not jobs:
            return EXIT_OK
    for job in jobs:
        if job.note:  # said before any work: e.g. two inputs that would have written one file
            print(f"note     {job.source.name}: {job.note}")
    token = CancelToken()
    # SIGTERM (a scheduler, `kill`) stops like Ctrl-C: the file in work is finished or dropped, no
    # temporary file stays, and the exit code says which signal it was
    with graceful_stop(token, "stopping: finishing the file in work (Ctrl-C again to abort at once)") as signals:
        detector = None if restore.aligned else create_detector(restore.detect, download=args.download)
        pipeline = FacePipeline(restore, detector=detector)
        with tqdm(total=len(jobs), unit="file", disable=len(jobs) == 1) as bar:
            summary = run_batch(pipeline, jobs, output, lambda done, total, name: bar.update(1), cancel=token)
    print_summary(summary)
    if signals:
        name = signal.Signals(signals[0]).name
        print(f"stopped by {name}: {summary.count('done')} done, {summary.count('cancelled')} not started; "
              "no partial file was left; run the same command again to do the rest", file=sys.stderr)
        return 128 + signals[0]
    return EXIT_FAILED if summary.failed else EXIT_OK


def _shard(jobs: list[Job], output_dir: Path, spec: str) -> list[Job]:
    from core.batch import parse_shard, select_shard

    try:
        index, count = parse_shard(spec)
    except ValueError as error:
        raise FaceSRError(None, str(error)) from error
    mine = select_shard(jobs, output_dir, index, count)
    print(f"shard {index}/{count}: {len(mine)} of {len(jobs)} files")
    return mine


def run_bench(args: argparse.Namespace) -> int:
    from core.bench import BenchSettings, format_table, run_bench as bench, write_report

    try:
        settings = BenchSettings(photos=args.photos, count=args.count, kind=args.kind, model=args.model,
                                 scale=args.scale, repeats=args.repeats, device=args.device, compare=args.compare,
                                 io_threads=args.io_threads, cpu_backend=args.cpu_backend)
    except ValueError as error:
        raise FaceSRError(None, str(error)) from error
    report = bench(settings, progress=lambda message: print(message, file=sys.stderr))
    print(format_table(report))
    print(f"wrote {write_report(report, args.json)}")
    return EXIT_OK


def print_summary(summary: BatchSummary) -> None:
    from core.pipeline import left_faces_advice

    for outcome in summary.outcomes:
        if outcome.status == "done":
            notes = "; ".join(outcome.warnings + ((left_faces_advice(outcome.left),) if outcome.left else ()))
            print(f"done     {outcome.source.name}: {outcome.faces_restored}/{outcome.faces_found} faces restored"
                  f" -> {outcome.target}" + (f" ({notes})" if notes else ""))
    print(f"{summary.count('done')} done, {summary.count('skipped')} skipped (output exists), "
          f"{summary.count('failed')} failed; {summary.faces_found} faces found, {summary.faces_restored} restored, "
          f"{summary.files_without_face} files without a face; {summary.seconds:.1f} s")
    for outcome in summary.failed:
        print(f"FAILED   {outcome.source}: {outcome.reason}", file=sys.stderr)


def run_models(args: argparse.Namespace) -> int:
    from core.models.loading import describe_models, set_default_model
    from core.paths import shipped_weights_dir, user_models_dir

    if args.download:
        return download_weights(args.download)
    if args.available:
        print_catalogue()
        return EXIT_OK
    if args.set_default:
        print(f"default model: {set_default_model(args.set_default)}")
        return EXIT_OK
    print(f"model folders: {shipped_weights_dir()} (shipped), {user_models_dir()} (yours)")
    for entry in describe_models():
        if isinstance(entry, FaceSRError):
            print(f"  unusable  {entry}")
            continue
        size = f"{entry.input_size}px face" if entry.input_size else "any size"
        licence = f"  [{entry.license}]" if entry.license else ""
        print(f"  {entry.name:<24} {entry.arch:<14} {entry.kind:<4} x{entry.scale}  {size:<10} "
              f"{entry.parameters / 1e6:6.2f}M params{licence}")
    return EXIT_OK


def download_weights(name: str) -> int:
    """`models --download NAME`: the licence first, then the download with a tqdm bar; exit 1 when it fails."""
    from core.downloads import CATALOGUE, KNOWN_WEIGHTS, DownloadError, fetch_weights, format_bytes, weights_info, \
        weights_path

    if name not in CATALOGUE and name not in KNOWN_WEIGHTS:
        raise FaceSRError(None, f"unknown model {name!r}; choose from {', '.join([*CATALOGUE, *KNOWN_WEIGHTS])}")
    info, target = weights_info(name), weights_path(name)
    if target.is_file():
        print(f"{name} is already installed: {target} (delete that file to download it again)")
        return EXIT_OK
    size = format_bytes(info.display_size) if info.display_size else "size unknown"
    print(f"{name}: {info.description}, {'' if info.size else 'about '}{size}\n"
          f"licence: {info.licence}\nfrom {info.url}\nto   {target}")
    try:
        print(f"downloaded {fetch_weights(name)} (SHA-256 checked)")
    except DownloadError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def print_catalogue() -> None:
    """`models --available`: the official models, whether each is installed, and how to get it."""
    from core.downloads import catalogue_entries, format_bytes

    print("official models (download with `python main.py models --download NAME`):")
    for entry in catalogue_entries():
        info = entry.info
        size = ("" if info.size else "~") + format_bytes(info.display_size or 0)
        state = f"installed: {entry.path}" if entry.installed else "not downloaded"
        kind = "face" if info.kind == "face" else "background"
        print(f"  {info.name:<22} {kind:<10} {size:>8}  {state}\n"
              f"  {'':<22} {info.description}; good for {info.good_at}\n"
              f"  {'':<22} licence: {info.licence}")


def run_demo(args: argparse.Namespace) -> int:
    from core.demo import run

    print(run(args.output, args.model))
    return EXIT_OK


@contextlib.contextmanager
def graceful_stop(token: CancelToken,
                  message: str = "stopping: writing a checkpoint (Ctrl-C again to abort without one)",
                  ) -> Iterator[list[int]]:
    """SIGINT/SIGTERM ask the run to stop cleanly (``message`` says how); a second Ctrl-C interrupts at
    once. Yields the list of signals received, for the exit code (128 + the first)."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: object) -> None:
        if token.cancelled and signum == signal.SIGINT:
            raise KeyboardInterrupt
        received.append(signum)
        print(f"\n{message}", file=sys.stderr)
        token.cancel()

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_train(args: argparse.Namespace) -> int:
    """Exit 0 when done or stopped gracefully (resumable), 1 on a training error, 2 on bad flags."""
    from core.training.commands import UsageError, config_from_args, resume_config, run_dir_for

    try:
        if args.resume:
            config, run_dir = resume_config(args), args.resume
        else:
            if args.data is None:
                raise UsageError("--data DIR is required (or --resume RUN_DIR)")
            config = config_from_args(args)
            run_dir = run_dir_for(args, config)
            if (run_dir / "state.pt").exists() and not args.preview_degradations:
                raise UsageError(f"{run_dir} already holds a run: continue it with --resume {run_dir} "
                                 "or choose another --run-dir")
        if args.preview_degradations:
            from core.training.data import preview_degradations

            print(preview_degradations(config, args.out or run_dir, args.preview_count))
            return EXIT_OK
        from core.training.trainer import train

        token = CancelToken()
        with graceful_stop(token):
            result = train(config, run_dir, resume=bool(args.resume), cancel=token, show_bar=not args.no_progress)
    except UsageError as error:
        print(f"main.py train: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except FaceSRError as error:  # TrainingError and the errors of the files it reads
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    best = f"; best PSNR-Y {result.best_psnr_y:.2f} dB at step {result.best_step}" if result.best_psnr_y else ""
    if result.stopped:
        print(f"stopped at step {result.step} with a checkpoint in {result.run_dir}{best}\n"
              f"continue with: python main.py train --resume {result.run_dir}")
    else:
        print(f"finished {result.step} steps in {result.run_dir}{best}")
    return EXIT_OK


def run_train_features(args: argparse.Namespace) -> int:
    """Exit 0 with the network written, 1 on a training error, 2 on bad flags."""
    from core.training.commands import UsageError, feature_config_from_args
    from core.training.features import train_features

    try:
        config = feature_config_from_args(args)
        token = CancelToken()
        with graceful_stop(token):
            result = train_features(config, cancel=token)
    except UsageError as error:
        print(f"main.py train-features: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except FaceSRError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {result.path}: {result.steps} steps in {result.seconds / 60:.1f} min on {result.train_faces} "
          f"faces; held-out ({result.val_faces} faces): gender {result.gender_accuracy:.1%}, "
          f"race {result.race_accuracy:.1%}, age error {result.age_mae_years:.1f} years")
    return EXIT_OK


def run_eval(args: argparse.Namespace) -> int:
    """Exit 0 with the table written, 1 on an evaluation error, 2 on bad flags or an unusable model."""
    from core.errors import ModelError
    from core.training.evaluate import evaluate, format_table, write_report

    if args.crop_border < 0:
        print("main.py eval: error: --crop-border must be >= 0", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = evaluate(args.model, args.hr, args.scale, args.degradation, args.seed, args.device,
                          args.crop_border)
        out = args.out or Path(f"eval-{Path(report.model).stem}-x{args.scale}-{args.degradation}")
        csv_path, json_path = write_report(report, out)
    except ModelError as error:  # a missing or unusable model is a set-up error, as in `restore`
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except FaceSRError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(format_table(report))
    print(f"wrote {csv_path} and {json_path}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except FaceSRError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # out of memory anywhere (a model load, a huge photo): one line, no traceback
        from core.memory import OUT_OF_MEMORY, is_out_of_memory

        if not is_out_of_memory(error):
            raise
        print(f"error: {OUT_OF_MEMORY}", file=sys.stderr)
        return EXIT_FAILED
