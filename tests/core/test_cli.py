"""`python main.py restore|models|demo`: exit codes, outputs, and every bad input with a clear message."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.cli import main
from tests.conftest import make_model_file

ROOT = Path(__file__).resolve().parents[2]


def _save(path: Path, array: np.ndarray, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **options)
    return path


def _folder_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def photo_folder(tmp_path: Path, astronaut: np.ndarray) -> Path:
    """Good photos of every kind plus broken files, all generated here."""
    folder = tmp_path / "in put"
    small = astronaut[::2, ::2]
    _save(folder / "astronaut.jpg", astronaut, quality=90)
    _save(folder / "фото с пробелом.png", small)
    _save(folder / "gray.png", small.mean(axis=2).astype(np.uint8))
    _save(folder / "rgba.png", np.dstack([small, np.full(small.shape[:2], 128, np.uint8)]))
    _save(folder / "cmyk.jpg", small).unlink()
    Image.fromarray(small).convert("CMYK").save(folder / "cmyk.jpg")
    Image.fromarray(small).convert("P").save(folder / "palette.gif")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("not an image at all")
    data = io.BytesIO()
    Image.fromarray(astronaut).save(data, format="JPEG")
    (folder / "truncated.jpg").write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    return folder


def test_folder_with_bad_files_exits_1_and_lists_each_cause(photo_folder: Path, tmp_path: Path,
                                                            tiny_model: Path, capsys) -> None:
    before = _folder_digest(photo_folder)
    out = tmp_path / "out"
    code = main(["restore", "-i", str(photo_folder), "-o", str(out), "--model", str(tiny_model), "--save-compare"])
    captured = capsys.readouterr()
    assert code == 1
    assert "empty.jpg: the file is empty" in captured.err
    assert "notes.jpg: not an image file" in captured.err
    assert "truncated.jpg: the file is truncated or damaged" in captured.err
    assert "Traceback" not in captured.err + captured.out
    written = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    assert written == ["astronaut.jpg", "cmyk.jpg", "gray.png", "palette.png", "rgba.png", "фото с пробелом.png"]
    assert np.asarray(Image.open(out / "rgba.png")).shape == (512, 512, 4)  # alpha kept, upscaled x2
    assert Image.open(out / "astronaut.jpg").size == (1024, 1024)
    assert (out / "compare" / "astronaut.jpg").is_file()
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]  # no half-written files
    assert _folder_digest(photo_folder) == before  # the originals are untouched
    assert "6 done, 0 skipped" in captured.out and "3 failed" in captured.out


def test_second_run_skips_finished_files_and_overwrite_redoes_them(tmp_path: Path, astronaut, tiny_model, capsys):
    source = _save(tmp_path / "in" / "a.png", astronaut[::2, ::2])
    out = tmp_path / "out"
    args = ["restore", "-i", str(source.parent), "-o", str(out), "--model", str(tiny_model), "-s", "1"]
    assert main(args) == 0
    first = (out / "a.png").stat().st_mtime_ns
    capsys.readouterr()
    assert main(args) == 0
    assert "0 done, 1 skipped" in capsys.readouterr().out
    assert (out / "a.png").stat().st_mtime_ns == first
    assert main(args + ["--overwrite"]) == 0
    assert "1 done, 0 skipped" in capsys.readouterr().out


def test_output_into_the_input_folder_never_replaces_an_original(tmp_path: Path, astronaut, tiny_model, capsys):
    source = _save(tmp_path / "photos" / "a.png", astronaut[::4, ::4])
    before = source.read_bytes()
    code = main(["restore", "-i", str(source.parent), "-o", str(source.parent), "--model", str(tiny_model),
                 "--overwrite"])
    assert code == 1 and "would overwrite the original" in capsys.readouterr().err
    assert source.read_bytes() == before
    assert main(["restore", "-i", str(source.parent), "-o", str(source.parent), "--model", str(tiny_model),
                 "--suffix", "_restored"]) == 0
    assert (source.parent / "a_restored.png").is_file() and source.read_bytes() == before


def test_one_photo_can_be_written_to_the_file_name_given(tmp_path: Path, astronaut, tiny_model, capsys) -> None:
    source = _save(tmp_path / "a.png", astronaut[::4, ::4])
    before = source.read_bytes()
    result = tmp_path / "new" / "restored.JPG"
    assert main(["restore", "-i", str(source), "-o", str(result), "--model", str(tiny_model)]) == 0
    with Image.open(result) as image:  # a file, not a folder named restored.JPG; its suffix picked the format
        assert image.format == "JPEG" and image.size == (256, 256)

    foreign = _save(tmp_path / "mine.png", astronaut[::8, ::8])
    kept = foreign.read_bytes()
    # refused before any work (2), or the file is skipped (0) or fails (1)
    for output, extra, cause, code in ((source, [], "is the input photo", 2), (foreign, [], "skipped (output exists)", 0),
                                       (foreign, ["--overwrite"], "did not write", 1),
                                       (tmp_path / "b.webp", ["--ext", "png"], "does not match", 2)):
        capsys.readouterr()
        assert main(["restore", "-i", str(source), "-o", str(output), "--model", str(tiny_model), *extra]) == code
        said = capsys.readouterr()
        assert cause in said.out + said.err
    assert source.read_bytes() == before and foreign.read_bytes() == kept and not (tmp_path / "b.webp").exists()


def test_recursive_mirrors_subfolders_and_ext_converts(tmp_path: Path, astronaut, tiny_model) -> None:
    _save(tmp_path / "in" / "top.png", astronaut[::4, ::4])
    _save(tmp_path / "in" / "sub" / "deep.png", astronaut[::4, ::4])
    out = tmp_path / "out"
    assert main(["restore", "-i", str(tmp_path / "in"), "-o", str(out), "--model", str(tiny_model),
                 "--recursive", "--ext", "webp", "--save-faces"]) == 0
    assert (out / "top.webp").is_file() and (out / "sub" / "deep.webp").is_file()


def test_aligned_mode_output_size(tmp_path: Path, tiny_model: Path) -> None:
    crop = _save(tmp_path / "in" / "face.png", np.random.default_rng(0).integers(0, 256, (32, 32, 3), np.uint8))
    assert main(["restore", "-i", str(crop), "-o", str(tmp_path / "out"), "--model", str(tiny_model),
                 "--aligned", "-s", "4"]) == 0
    assert Image.open(tmp_path / "out" / "face.png").size == (128, 128)


def test_decompression_bomb_limit_is_a_clear_failure(tmp_path: Path, tiny_model: Path, capsys) -> None:
    big = _save(tmp_path / "in" / "big.png", np.zeros((400, 400, 3), np.uint8))
    code = main(["restore", "-i", str(big), "-o", str(tmp_path / "out"), "--model", str(tiny_model),
                 "--max-pixels", "10000"])
    assert code == 1 and "--max-pixels" in capsys.readouterr().err
    assert not (tmp_path / "out" / "big.png").exists()


@pytest.mark.parametrize("problem", ["missing model", "corrupt model", "unwritable output", "missing input"])
def test_set_up_errors_exit_2_with_a_message_naming_the_file(problem: str, tmp_path: Path, astronaut, capsys):
    source = _save(tmp_path / "in" / "a.png", astronaut[::4, ::4])
    model, output = str(make_model_file(tmp_path / "ok.safetensors")), tmp_path / "out"
    named = ""
    if problem == "missing model":
        model = named = str(tmp_path / "nowhere.pth")
    elif problem == "corrupt model":
        (tmp_path / "bad.safetensors").write_bytes(b"\x00" * 64)
        model = named = str(tmp_path / "bad.safetensors")
    elif problem == "unwritable output":
        (tmp_path / "a-file").write_text("")
        output = tmp_path / "a-file" / "out"
        named = str(tmp_path / "a-file")
    else:
        source = tmp_path / "no-such-photo.jpg"
        named = str(source)
    code = main(["restore", "-i", str(source), "-o", str(output), "--model", model])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and named in err and "Traceback" not in err


def test_bad_flag_values_exit_2(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["restore", "-i", str(tmp_path), "-o", str(tmp_path), "-s", "3"])
    assert caught.value.code == 2
    assert main(["restore", "-i", str(tmp_path), "-o", str(tmp_path / "o"), "--blend", "1.5"]) == 2
    assert "blend must be between 0 and 1" in capsys.readouterr().err


def test_demo_without_a_default_model_explains_what_to_do(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr("core.models.loading.shipped_weights_dir", lambda: tmp_path / "no-weights")
    assert main(["demo", "-o", str(tmp_path / "demo")]) == 2
    err = capsys.readouterr().err
    assert "no default model is installed" in err and "python main.py train" in err and "Traceback" not in err


def test_demo_with_a_model_writes_result_and_comparison(tmp_path: Path, tiny_model: Path, capsys) -> None:
    assert main(["demo", "-o", str(tmp_path / "demo"), "--model", str(tiny_model)]) == 0
    compare = Image.open(tmp_path / "demo" / "astronaut_compare.png")
    restored = Image.open(tmp_path / "demo" / "astronaut_restored.png")
    assert restored.size == (512, 512) and compare.size[0] > 2 * restored.size[0]
    assert "1/1 faces restored" in capsys.readouterr().out


def test_faces_larger_than_the_model_are_explained_and_force_restores_them(tmp_path: Path, astronaut, capsys):
    small = make_model_file(tmp_path / "small.safetensors", input_size=64)
    photo = _save(tmp_path / "in" / "astronaut.png", astronaut)
    assert main(["restore", "-i", str(photo), "-o", str(tmp_path / "plain"), "--model", str(small)]) == 0
    out = capsys.readouterr().out
    assert "0/1 faces restored" in out and "larger than the 64-px model input" in out
    assert "--force" in out and "gfpgan-1.4" in out
    assert main(["restore", "-i", str(photo), "-o", str(tmp_path / "forced"), "--model", str(small), "--force"]) == 0
    out = capsys.readouterr().out
    assert "1/1 faces restored" in out and "--force" not in out


def test_the_demo_says_what_would_restore_a_face_it_left(tmp_path: Path, capsys) -> None:
    tiny_input = make_model_file(tmp_path / "tiny-input.safetensors", input_size=16)
    assert main(["demo", "-o", str(tmp_path / "demo"), "--model", str(tiny_input)]) == 0
    out = capsys.readouterr().out
    assert "0/1 faces restored" in out and "16-px input" in out and "--force" in out
    assert "main.py demo --model gfpgan-1.4" in out


def test_models_lists_installed_models_and_unusable_files(tmp_path: Path, capsys) -> None:
    import os

    user = Path(os.environ["FACESR_MODELS_DIR"])
    make_model_file(user / "mine.safetensors")
    (user / "broken.pth").write_bytes(b"garbage")
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "mine" in out and "rcan" in out and "unusable" in out and "broken.pth" in out


def test_real_process_exit_code_and_no_traceback(tmp_path: Path, tiny_model: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "zero.jpg").write_bytes(b"")
    result = subprocess.run([sys.executable, "main.py", "restore", "-i", str(tmp_path / "in"), "-o",
                             str(tmp_path / "out"), "--model", str(tiny_model)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "zero.jpg: the file is empty" in result.stderr and "Traceback" not in result.stderr


# --- issue 13 ------------------------------------------------------------------------------------


def test_restore_into_a_full_tmpfs_fails_and_a_rerun_with_room_does_the_file(tmp_path: Path, tiny_model: Path,
                                                                             capsys) -> None:
    """A real 256 KiB tmpfs (root only; tests/core/test_io.py and test_batch.py fake the full disk elsewhere)."""
    import os
    import shutil

    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; test_batch.py covers the full disk with a fake writer")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True,
                      timeout=30).returncode != 0:
        pytest.skip("cannot mount a tmpfs here; test_batch.py covers the full disk with a fake writer")
    try:
        rng = np.random.default_rng(0)
        photo = rng.integers(0, 256, (700, 700, 3), dtype=np.uint8)
        photo[:, :350] = 128
        source = _save(tmp_path / "in" / "example.jpg", photo, quality=95)  # its result is ~280 KB: does not fit
        args = ["restore", "-i", str(source), "-o", str(disk), "--model", str(tiny_model), "-s", "1"]
        assert main(args) == 1
        err = capsys.readouterr().err
        assert "example.jpg: the disk is full" in err and "Traceback" not in err
        assert [p.name for p in disk.iterdir() if not p.name.startswith(".facesr")] == []  # nothing cut off
        subprocess.run(["mount", "-o", "remount,size=2m", str(disk)], capture_output=True, timeout=30, check=True)
        assert main(args) == 0  # not skipped as "output exists"
        assert "1 done, 0 skipped" in capsys.readouterr().out
        with Image.open(disk / "example.jpg") as result:
            result.load()  # whole, to the last byte
            assert result.size == (700, 700)
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True, timeout=30)


def test_a_self_looping_symlink_fails_alone_and_the_rest_is_done(tmp_path: Path, astronaut, tiny_model, capsys):
    folder = tmp_path / "in"
    _save(folder / "a.png", astronaut[::4, ::4])
    (folder / "loop.jpg").symlink_to("loop.jpg")
    code = main(["restore", "-i", str(folder), "-o", str(tmp_path / "out"), "--model", str(tiny_model), "-s", "1"])
    captured = capsys.readouterr()
    assert code == 1 and "1 done, 0 skipped (output exists), 1 failed" in captured.out
    assert "loop.jpg: cannot read the file: a symbolic link that leads back to itself (a loop)" in captured.err
    assert (tmp_path / "out" / "a.png").is_file()


def test_a_result_over_the_output_limit_is_refused_with_a_scale_that_fits(tmp_path: Path, astronaut, tiny_model,
                                                                          capsys) -> None:
    source = _save(tmp_path / "in" / "big.png", astronaut)  # 512x512: x8 is 4096x4096
    code = main(["restore", "-i", str(source), "-o", str(tmp_path / "out"), "--model", str(tiny_model), "-s", "8",
                 "--max-output-pixels", "5000000"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert ("big.png: the result would be 4096x4096 (16,777,216 pixels), more than the limit of 5,000,000 output "
            "pixels: use a scale of 4 (-s 4), or raise the limit with --max-output-pixels") in err
    assert not (tmp_path / "out" / "big.png").exists()


def test_out_of_memory_outside_a_file_is_one_line(tmp_path: Path, astronaut, tiny_model, capsys, monkeypatch):
    import cv2

    from core import pipeline

    def no_memory(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise cv2.error("OpenCV(5.0.0) alloc.cpp:73: error: (-4:Insufficient memory) Failed to allocate 1 bytes")

    monkeypatch.setattr(pipeline.FacePipeline, "__init__", no_memory)  # e.g. while a model loads
    source = _save(tmp_path / "in" / "a.png", astronaut[::4, ::4])
    assert main(["restore", "-i", str(source), "-o", str(tmp_path / "out"), "--model", str(tiny_model)]) == 1
    assert capsys.readouterr().err.strip() == "error: out of memory: use a lower scale (-s), a smaller --tile, " \
                                              "or close other programs"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM cannot be caught on Windows")
def test_sigterm_stops_like_ctrl_c_with_exit_143_and_no_temporary_file(tmp_path: Path, astronaut, tiny_model):
    import signal
    import time

    folder, out = tmp_path / "in", tmp_path / "out"
    for index in range(40):
        _save(folder / f"p{index:02d}.png", np.roll(astronaut[::2, ::2], index, axis=1))
    process = subprocess.Popen([sys.executable, "main.py", "restore", "-i", str(folder), "-o", str(out), "--model",
                                str(tiny_model), "--device", "cpu"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not (out / "p00.png").exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=240)
    assert process.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr and "Traceback" not in stderr
    done = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert 1 <= len(done) < 40 and f"{len(done)} done" in stderr
    assert not [p for p in out.iterdir() if ".tmp" in p.name]
    for name in done:  # every result that is there is whole
        assert Image.open(out / name).size == (512, 512)
