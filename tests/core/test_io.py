"""core.io: every bad input is built here in tmp_path; no network, no shared data."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
import pytest
from PIL import ExifTags, Image, ImageFile, ImageOps

from core import atomic
from core.errors import ImageReadError, ImageWriteError
from core.io import (
    IMAGE_EXTENSIONS,
    LoadedImage,
    decode_image,
    ensure_writable_folder,
    is_complete_image,
    read_image,
    scan_images,
    write_image,
)

ROOT = Path(__file__).resolve().parents[2]

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def _noise(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def _save(path: Path, array: np.ndarray, **options: object) -> Path:
    Image.fromarray(array).save(path, **options)
    return path


def _write_cv2(path: Path, array: np.ndarray) -> Path:
    """Encode with OpenCV (the only way here to make 16-bit colour files); arrays are BGR(A)."""
    ok, buffer = cv2.imencode(path.suffix, array)
    assert ok
    path.write_bytes(buffer.tobytes())
    return path


def _read_error(path: Path, **options: object) -> ImageReadError:
    with pytest.raises(ImageReadError) as info:
        read_image(path, **options)
    message = str(info.value)
    assert "BytesIO" not in message and "Traceback" not in message and "\n" not in message
    assert info.value.path == path
    return info.value


# --- bad inputs -----------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert _read_error(tmp_path / "nothing.jpg").cause == "the file does not exist"


def test_folder_given_as_file(tmp_path: Path) -> None:
    folder = tmp_path / "photos.jpg"
    folder.mkdir()
    assert "folder" in _read_error(folder).cause


def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert _read_error(empty).cause == "the file is empty"


def test_text_file_named_jpg(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("these are not pixels\n" * 20)
    assert _read_error(text).cause == "not an image file (or an unsupported format)"


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_truncated_file_is_refused_not_half_grey(tmp_path: Path, suffix: str) -> None:
    whole = _save(tmp_path / f"whole{suffix}", _noise(128, 128))
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert _read_error(cut).cause == "the file is truncated or damaged"


def test_header_only_image_is_damaged_not_unknown(tmp_path: Path) -> None:
    whole = _save(tmp_path / "whole.png", _noise(16, 16))
    stub = tmp_path / "stub.png"
    stub.write_bytes(whole.read_bytes()[:12])  # the PNG signature survives, the header does not
    assert _read_error(stub).cause == "the file is truncated or damaged"


def test_oversized_image_refused_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("L", (5000, 5000)).save(bomb, compress_level=1)

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded before the size check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's DecompressionBombWarning must not escape either
        cause = _read_error(bomb, max_pixels=1_000_000).cause
    assert "5000x5000" in cause and "1,000,000" in cause and "--max-pixels" in cause
    assert Image.MAX_IMAGE_PIXELS is None  # our limit replaces Pillow's fixed one


def test_image_at_the_limit_is_accepted(tmp_path: Path) -> None:
    path = _save(tmp_path / "ok.png", _noise(10, 10))
    assert read_image(path, max_pixels=100).rgb.shape == (10, 10, 3)
    with pytest.raises(ImageReadError):
        read_image(path, max_pixels=99)


def test_decode_image_names_the_source_in_errors() -> None:
    with pytest.raises(ImageReadError) as info:
        decode_image(b"GIF89a", "upload.gif")
    assert info.value.path == Path("upload.gif")
    assert str(info.value) == "upload.gif: the file is truncated or damaged"


# --- formats and modes ----------------------------------------------------------------------------


def test_rgb_png_read_exactly(tmp_path: Path) -> None:
    pixels = _noise(17, 23)
    loaded = read_image(_save(tmp_path / "rgb.png", pixels))
    assert isinstance(loaded, LoadedImage)
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.flags.writeable
    np.testing.assert_array_equal(loaded.rgb, pixels)
    assert loaded.alpha is None and not loaded.is_gray
    assert (loaded.format, loaded.path, loaded.warnings) == ("png", tmp_path / "rgb.png", ())


def test_content_decides_the_format_not_the_name(tmp_path: Path) -> None:
    path = tmp_path / "actually_png.jpg"
    Image.fromarray(_noise(8, 8)).save(path, format="PNG")
    assert read_image(path).format == "png"


def test_16_bit_gray_png_scaled_with_rounding(tmp_path: Path) -> None:
    values = np.array([[0, 257, 32896, 65535, 32767, 500]], dtype=np.uint16)
    path = _save(tmp_path / "gray16.png", values)
    assert Image.open(path).mode == "I;16"
    loaded = read_image(path)
    assert loaded.is_gray and "16-bit image converted to 8 bits" in loaded.warnings
    for channel in range(3):
        np.testing.assert_array_equal(loaded.rgb[..., channel], [[0, 1, 128, 255, 127, 2]])  # 32767/257 = 127.498


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16_bit_colour_scaled_with_rounding_not_truncated(tmp_path: Path, suffix: str) -> None:
    rgb16 = np.array([[[65535, 32896, 0], [500, 1000, 257]]], dtype=np.uint16)
    path = _write_cv2(tmp_path / f"rgb16{suffix}", rgb16[..., ::-1].copy())
    loaded = read_image(path)
    # Pillow alone would give 1 and 3 for 500 and 1000 (it keeps the high byte)
    np.testing.assert_array_equal(loaded.rgb, [[[255, 128, 0], [2, 4, 1]]])
    assert loaded.alpha is None and not loaded.is_gray
    assert "16-bit image converted to 8 bits" in loaded.warnings


def test_16_bit_rgba_png_keeps_scaled_alpha(tmp_path: Path) -> None:
    bgra16 = np.zeros((2, 2, 4), dtype=np.uint16)
    bgra16[..., 2] = 65535  # red
    bgra16[..., 3] = [[0, 32896], [65535, 65535]]
    loaded = read_image(_write_cv2(tmp_path / "rgba16.png", bgra16))
    assert (loaded.rgb[..., 0] == 255).all() and (loaded.rgb[..., 1:] == 0).all()
    assert loaded.alpha is not None
    np.testing.assert_array_equal(loaded.alpha, [[0, 128], [255, 255]])


def test_grayscale_jpeg(tmp_path: Path) -> None:
    gray = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (16, 1))
    loaded = read_image(_save(tmp_path / "gray.jpg", gray, quality=95))
    assert loaded.is_gray and loaded.format == "jpg" and loaded.rgb.shape == (16, 64, 3)
    assert (loaded.rgb[..., 0] == loaded.rgb[..., 1]).all() and (loaded.rgb[..., 1] == loaded.rgb[..., 2]).all()


def test_rgb_with_equal_channels_is_gray_and_colour_is_not(tmp_path: Path) -> None:
    gray = np.repeat(_noise(8, 8, 1), 3, axis=2)
    assert read_image(_save(tmp_path / "g.png", gray)).is_gray
    gray[3, 3, 1] ^= 1
    assert not read_image(_save(tmp_path / "c.png", gray)).is_gray


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(path, quality=95)  # no black, full magenta + yellow = red
    loaded = read_image(path)
    assert loaded.rgb.shape == (16, 16, 3) and loaded.format == "jpg" and not loaded.is_gray
    assert np.abs(loaded.rgb.astype(int) - RED).max() <= 3
    assert any("CMYK" in warning for warning in loaded.warnings)


def _palette_image() -> Image.Image:
    img = Image.new("P", (3, 2))
    img.putpalette([*RED, *GREEN, *BLUE])
    img.putdata([0, 1, 2, 2, 1, 0])
    return img


def test_palette_png_without_transparency(tmp_path: Path) -> None:
    path = tmp_path / "palette.png"
    _palette_image().save(path)
    loaded = read_image(path)
    assert loaded.alpha is None
    np.testing.assert_array_equal(loaded.rgb, [[RED, GREEN, BLUE], [BLUE, GREEN, RED]])


def test_palette_png_with_transparency(tmp_path: Path) -> None:
    path = tmp_path / "palette_t.png"
    _palette_image().save(path, transparency=1)  # green is transparent
    loaded = read_image(path)
    assert loaded.alpha is not None
    np.testing.assert_array_equal(loaded.alpha, [[255, 0, 255], [255, 0, 255]])
    np.testing.assert_array_equal(loaded.rgb[0, 0], RED)


def test_gray_alpha_png_keeps_alpha(tmp_path: Path) -> None:
    la = _noise(5, 6, 2, seed=3)
    loaded = read_image(_save(tmp_path / "la.png", la))
    assert loaded.is_gray and loaded.alpha is not None
    np.testing.assert_array_equal(loaded.alpha, la[..., 1])
    np.testing.assert_array_equal(loaded.rgb[..., 2], la[..., 0])


def test_fully_opaque_alpha_is_dropped(tmp_path: Path) -> None:
    rgba = np.dstack([_noise(4, 4), np.full((4, 4), 255, np.uint8)])
    loaded = read_image(_save(tmp_path / "opaque.png", rgba))
    assert loaded.alpha is None
    np.testing.assert_array_equal(loaded.rgb, rgba[..., :3])


@pytest.mark.parametrize("suffix", [".png", ".tiff"])
def test_rgba_round_trip_keeps_alpha_exactly(tmp_path: Path, suffix: str) -> None:
    rgb, alpha = _noise(19, 11, seed=1), _noise(19, 11, 1, seed=2)[..., 0]
    written = write_image(tmp_path / f"out{suffix}", rgb, alpha)
    loaded = read_image(written)
    assert loaded.alpha is not None
    np.testing.assert_array_equal(loaded.alpha, alpha)
    np.testing.assert_array_equal(loaded.rgb, rgb)


def test_webp_keeps_alpha(tmp_path: Path) -> None:
    rgb = np.full((16, 16, 3), 128, np.uint8)
    alpha = np.zeros((16, 16), np.uint8)
    alpha[:, 8:] = 255
    loaded = read_image(write_image(tmp_path / "out.webp", rgb, alpha, quality=90))
    assert loaded.format == "webp" and loaded.alpha is not None
    assert np.abs(loaded.alpha.astype(int) - alpha).max() <= 8


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_animated_image_first_frame_and_warning(tmp_path: Path, suffix: str) -> None:
    frames = [Image.new("RGB", (8, 8), colour) for colour in (RED, BLUE, GREEN)]
    path = tmp_path / f"anim{suffix}"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0, lossless=True)
    loaded = read_image(path)
    assert (loaded.rgb == RED).all()
    assert "animated image: only the first frame is used" in loaded.warnings


def test_exif_rotated_jpeg_is_upright(tmp_path: Path) -> None:
    stored = np.zeros((32, 64, 3), np.uint8)  # 64 wide, 32 high as stored
    stored[:16, :16] = RED  # marker in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90 clockwise to display"
    path = _save(tmp_path / "rotated.jpg", stored, exif=exif.tobytes(), quality=95)
    loaded = read_image(path)
    assert loaded.rgb.shape == (64, 32, 3)
    assert np.abs(loaded.rgb[4, 27].astype(int) - RED).max() < 40  # top-left went to the top-right
    assert loaded.rgb[60, 4].max() < 40


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(tmp_path: Path, orientation: int) -> None:
    pixels = _noise(5, 7, 4, seed=orientation)
    pixels[..., 3] |= 1  # never fully opaque, so alpha is kept and turned too
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    path = _save(tmp_path / "o.png", pixels, exif=exif.tobytes())
    expected = np.array(ImageOps.exif_transpose(Image.open(path)))
    loaded = read_image(path)
    assert loaded.alpha is not None
    np.testing.assert_array_equal(loaded.rgb, expected[..., :3])
    np.testing.assert_array_equal(loaded.alpha, expected[..., 3])
    assert loaded.rgb.flags.c_contiguous


def test_unicode_and_space_paths(tmp_path: Path) -> None:
    folder = tmp_path / "фото с пробелом"
    target = folder / " 照片.png"
    pixels = _noise(6, 9)
    assert write_image(target, pixels) == target  # creates the folder too
    np.testing.assert_array_equal(read_image(target).rgb, pixels)
    assert scan_images(folder) == [target]


# --- writing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "expected"), [(".jpg", "JPEG"), (".JPEG", "JPEG"), (".webp", "WEBP"),
                                                   (".bmp", "BMP"), (".tif", "TIFF"), (".png", "PNG")])
def test_format_follows_the_suffix(tmp_path: Path, suffix: str, expected: str) -> None:
    path = write_image(tmp_path / f"out{suffix}", _noise(8, 8))
    with Image.open(path) as img:
        assert img.format == expected


def test_jpeg_quality_is_used(tmp_path: Path) -> None:
    pixels = _noise(64, 64)
    low = write_image(tmp_path / "low.jpg", pixels, quality=20).stat().st_size
    high = write_image(tmp_path / "high.jpg", pixels, quality=95).stat().st_size
    assert low < high / 2


def test_alpha_to_jpeg_is_dropped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="core.io"):
        path = write_image(tmp_path / "out.jpg", _noise(8, 8), np.zeros((8, 8), np.uint8))
    assert read_image(path).alpha is None
    assert any("alpha" in record.getMessage() for record in caplog.records)


def test_unsupported_suffix(tmp_path: Path) -> None:
    with pytest.raises(ImageWriteError) as info:
        write_image(tmp_path / "out.xyz", _noise(4, 4))
    assert "'.xyz'" in info.value.cause and ".png" in info.value.cause
    assert not list(tmp_path.iterdir())


def test_wrong_arrays_are_programming_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_image(tmp_path / "a.png", np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError):
        write_image(tmp_path / "a.png", _noise(4, 4), np.zeros((4, 5), np.uint8))
    with pytest.raises(ValueError):
        write_image(tmp_path / "a.jpg", _noise(4, 4), quality=0)


def test_parent_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"x")
    for target in (blocker / "out.png", blocker / "deeper" / "out.png"):
        with pytest.raises(ImageWriteError) as info:
            write_image(target, _noise(4, 4))
        assert info.value.path == target and "folder" in info.value.cause
    assert blocker.read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_target_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "out.png").mkdir()
    with pytest.raises(ImageWriteError) as info:
        write_image(tmp_path / "out.png", _noise(4, 4))
    assert info.value.cause == "it is a folder, not a file"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root (and Windows) ignore the mode bits")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ImageWriteError) as info:
            write_image(folder / "out.png", _noise(4, 4))
        assert info.value.path == folder / "out.png" and info.value.cause == "permission denied"
        with pytest.raises(ImageWriteError) as info:
            ensure_writable_folder(folder)
        assert "not writable" in info.value.cause
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def _failing_save(error: BaseException):  # type: ignore[no-untyped-def]
    def save(self: Image.Image, fp: BinaryIO, *args: object, **kwargs: object) -> None:
        fp.write(b"half an image")  # something reached the disk before the failure
        raise error

    return save


def test_failed_encoding_leaves_existing_target_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "result.webp"  # a format Pillow encodes (OpenCV does JPEG and PNG: next test)
    original = write_image(target, _noise(8, 8)).read_bytes()
    monkeypatch.setattr(Image.Image, "save", _failing_save(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(ImageWriteError) as info:
        write_image(target, _noise(8, 8, seed=5))
    assert info.value.path == target and info.value.cause == "the disk is full"
    assert target.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["result.webp"]  # no temporary file left


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_opencv_refusing_to_encode_names_the_file_and_keeps_the_old_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    target = tmp_path / f"result{suffix}"
    original = write_image(target, _noise(8, 8)).read_bytes()

    def refuse(*args: object) -> tuple[bool, None]:
        raise cv2.error("imencode: out of memory")

    monkeypatch.setattr(cv2, "imencode", refuse)
    with pytest.raises(ImageWriteError) as info:
        write_image(target, _noise(8, 8, seed=5))
    assert info.value.path == target and "encoder refused the image" in info.value.cause
    assert target.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_unexpected_encoder_error_propagates_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image.Image, "save", _failing_save(RuntimeError("encoder bug")))
    with pytest.raises(RuntimeError):
        write_image(tmp_path / "new.webp", _noise(8, 8))
    assert list(tmp_path.iterdir()) == []


def test_ensure_writable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    assert ensure_writable_folder(folder) == folder
    assert folder.is_dir() and list(folder.iterdir()) == []  # the probe file is gone
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    for bad in (blocker, blocker / "sub"):
        with pytest.raises(ImageWriteError) as info:
            ensure_writable_folder(bad)
        assert info.value.path == bad and "folder" in info.value.cause


# --- scanning -------------------------------------------------------------------------------------


def test_scan_images(tmp_path: Path) -> None:
    for name in ("b.jpg", "A.PNG", "c.Tiff", "notes.txt", "noext", ".hidden.jpg", ".b.x1y2z3.tmp.png",
                 "sub/d.webp", "sub/deeper/e.gif", "sub/readme.md", ".cache/f.jpg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "folder.jpg").mkdir()  # a folder with an image name is not an image
    flat = scan_images(tmp_path)
    assert flat == sorted([tmp_path / "A.PNG", tmp_path / "b.jpg", tmp_path / "c.Tiff"])
    deep = scan_images(tmp_path, recursive=True)
    assert deep == sorted(flat + [tmp_path / "sub" / "d.webp", tmp_path / "sub" / "deeper" / "e.gif"])


def test_scan_bad_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageReadError) as info:
        scan_images(tmp_path / "missing")
    assert info.value.cause == "the folder does not exist"
    (tmp_path / "file.png").write_bytes(b"")
    with pytest.raises(ImageReadError):
        scan_images(tmp_path / "file.png")


def test_image_extensions() -> None:
    assert {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"} == IMAGE_EXTENSIONS


# --- issue 13: verified writes, modes, names, leftovers ---------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real 256 KiB tmpfs (as root where mounting is allowed); skipped elsewhere, where the fake
    writers below cover the same checks."""
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; the fake full-disk writers cover this case")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
                          capture_output=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True, timeout=30)


def _half_noise(side: int) -> np.ndarray:
    """A photo-like mix of flat and noisy halves: its JPEG is ~280 KB at 700 px, more than the tmpfs holds."""
    pixels = _noise(side, side)
    pixels[:, : side // 2] = 128
    return pixels


def test_full_tmpfs_fails_the_write_and_leaves_nothing(small_tmpfs: Path) -> None:
    """Pillow's C encoder ignored the short write at the end of the disk: a cut-off JPEG counted as written."""
    with pytest.raises(ImageWriteError) as info:
        write_image(small_tmpfs / "x.jpg", _half_noise(700))
    assert info.value.cause == "the disk is full"
    assert os.listdir(small_tmpfs) == []  # neither a cut-off result nor a temporary file
    assert read_image(write_image(small_tmpfs / "fits.jpg", _noise(64, 64))).rgb.shape == (64, 64, 3)


class _FullDisk:
    """A fake file whose disk holds ``room`` bytes: beyond them it drops data without a word (as a
    short write that nobody checks) or raises ENOSPC (as Python does on the next write)."""

    def __init__(self, path: object, room: int, silent: bool) -> None:
        self._file = open(path, "wb")  # noqa: SIM115 - closed by __exit__
        self._room, self._silent = room, silent

    def write(self, data: bytes) -> int:
        fits = max(0, self._room - self._file.tell())
        if len(data) > fits and not self._silent:
            self._file.write(data[:fits])
            raise OSError(errno.ENOSPC, "No space left on device")
        self._file.write(data[:fits])
        return len(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self._file, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


@pytest.mark.parametrize("silent", [True, False], ids=["short-write", "ENOSPC"])
@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif"])
def test_fake_full_disk_fails_the_write_and_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               silent: bool, suffix: str) -> None:
    target = write_image(tmp_path / f"result{suffix}", _noise(8, 8))
    before = target.read_bytes()
    monkeypatch.setattr(atomic, "open", lambda path, mode: _FullDisk(path, 1000, silent), raising=False)
    with pytest.raises(ImageWriteError) as info:
        write_image(target, _noise(64, 64, seed=3))
    assert info.value.cause == "the disk is full"
    assert target.read_bytes() == before and os.listdir(tmp_path) == [target.name]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_get_0666_minus_the_umask_and_replaced_ones_keep_their_mode(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        image = write_image(tmp_path / "new.png", _noise(4, 4))
        with atomic.atomic_output(tmp_path / "config.json") as temporary:  # checkpoints and configs
            temporary.write_text("{}")
        assert stat.S_IMODE(image.stat().st_mode) == 0o666 & ~umask
        assert stat.S_IMODE((tmp_path / "config.json").stat().st_mode) == 0o666 & ~umask
        image.chmod(0o640)
        write_image(image, _noise(4, 4, seed=1))
        assert stat.S_IMODE(image.stat().st_mode) == 0o640
    finally:
        os.umask(old)


@pytest.mark.parametrize("stem", ["x" * 245, "é" * 122 + "x"])  # 249 bytes with ".jpg", ASCII and 2-byte UTF-8
def test_a_249_byte_name_is_written(tmp_path: Path, stem: str) -> None:
    target = tmp_path / f"{stem}.jpg"
    assert len(target.name.encode()) == 249
    assert len(atomic.temporary_name(target).encode()) <= 255
    assert atomic.temporary_name(target).endswith(".tmp.jpg")
    assert read_image(write_image(target, _noise(8, 8))).rgb.shape == (8, 8, 3)
    assert os.listdir(tmp_path) == [target.name]


_HOLD_A_WRITE = """
import sys, time
from pathlib import Path
from core.atomic import atomic_output
with atomic_output(Path(sys.argv[1])) as temporary:
    temporary.write_bytes(b"half")
    print(temporary.name, flush=True)
    time.sleep(600)
"""


def _start_write(target: Path) -> tuple[subprocess.Popen[str], Path]:
    """A process in the middle of an atomic write of ``target``; returns it and its temporary file."""
    process = subprocess.Popen([sys.executable, "-c", _HOLD_A_WRITE, str(target)], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE)
    assert process.stdout is not None
    return process, target.parent / process.stdout.readline().strip()


@pytest.mark.skipif(os.name == "nt", reason="kill -9 and flock are POSIX")
def test_leftovers_of_a_killed_write_are_removed_and_nothing_else(tmp_path: Path) -> None:
    running, in_progress = _start_write(tmp_path / "other.png")
    killed, leftover = _start_write(tmp_path / "photo.jpg")  # its own clean-up must keep the live write
    killed.kill()  # SIGKILL: no finally, no cleanup
    killed.wait(timeout=30)
    try:
        keep = ["photo.jpg", ".notes.tmp.txt", "photo.tmp.jpg", ".photo.jpg", ".photo.1234.tmp.jpg", "a.tmp"]
        for name in keep:
            (tmp_path / name).write_bytes(b"user data")
        assert leftover.is_file() and in_progress.is_file()
        assert atomic.remove_leftovers(tmp_path) == [leftover]
        assert sorted(os.listdir(tmp_path)) == sorted(keep + [in_progress.name])  # the live write is kept
    finally:
        running.kill()
        running.wait(timeout=30)


def test_is_complete_image_tells_cut_off_files(tmp_path: Path) -> None:
    for suffix in (".jpg", ".png", ".webp", ".bmp", ".tif"):
        whole = write_image(tmp_path / f"whole{suffix}", _noise(40, 40))
        data = whole.read_bytes()
        assert is_complete_image(whole)
        for cut in (1, 12, len(data) // 2):
            (tmp_path / f"cut{suffix}").write_bytes(data[:-cut])
            assert not is_complete_image(tmp_path / f"cut{suffix}"), (suffix, cut)
    (tmp_path / "text.png").write_text("not an image")
    assert not is_complete_image(tmp_path / "text.png")


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_a_self_looping_link_is_listed_and_fails_alone(tmp_path: Path) -> None:
    """Following the link raised ELOOP inside the listing: the whole folder was 'cannot list'."""
    (tmp_path / "loop.jpg").symlink_to("loop.jpg")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop.png").symlink_to("loop.png")
    good = write_image(tmp_path / "good.png", _noise(4, 4))
    assert scan_images(tmp_path) == [good, tmp_path / "loop.jpg"]
    assert scan_images(tmp_path, recursive=True) == [good, tmp_path / "loop.jpg", tmp_path / "sub" / "loop.png"]
    error = _read_error(tmp_path / "loop.jpg")
    assert error.cause == "cannot read the file: a symbolic link that leads back to itself (a loop)"


def test_one_coloured_pixel_off_the_sampled_grid_still_makes_the_photo_colour(tmp_path: Path) -> None:
    gray = np.repeat(_noise(130, 130, 1), 3, axis=2)
    gray[100, 70, 2] ^= 1  # not on the sparse grid that rules out most colour photos at once
    assert not read_image(_save(tmp_path / "c.png", gray)).is_gray


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA"])
def test_decoded_pixels_are_a_writable_array_of_their_own(tmp_path: Path, mode: str) -> None:
    """Pixels already in the wanted mode skip Pillow's convert; they must still be numpy's own writable
    copy (a batch at scale 1 pastes faces into the photo itself)."""
    pixels = _noise(24, 16, 4)
    pixels[..., 3] = 128
    path = tmp_path / "p.png"
    Image.fromarray(pixels).convert(mode).save(path)
    loaded = read_image(path)
    assert np.array_equal(loaded.rgb, np.asarray(Image.open(path).convert("RGB")))
    loaded.rgb[0, 0] = 7  # raises on a read-only view of Pillow's bytes
    assert (loaded.alpha is not None) == (mode in ("RGBA", "LA"))


def test_png_results_are_lossless_and_smaller_than_with_zlibs_default_strategy(tmp_path: Path, astronaut) -> None:
    enlarged = cv2.resize(astronaut, (1024, 1024), interpolation=cv2.INTER_LANCZOS4)  # what a result looks like
    path = write_image(tmp_path / "result.png", enlarged)
    np.testing.assert_array_equal(read_image(path).rgb, enlarged)
    default = tmp_path / "default.png"
    Image.fromarray(enlarged).save(default, compress_level=3)
    assert path.stat().st_size < default.stat().st_size  # zlib's run-length strategy, made for such rows


@pytest.mark.parametrize("quality", [95, 70])
def test_jpeg_bytes_are_exactly_pillows(tmp_path: Path, astronaut, quality: int) -> None:
    """OpenCV encodes our JPEGs (faster: no copy into Pillow's pixels); the file must be what Pillow writes."""
    path = write_image(tmp_path / "result.jpg", astronaut, quality=quality)
    reference = tmp_path / "pillow.jpg"
    Image.fromarray(astronaut).save(reference, quality=quality)
    assert path.read_bytes() == reference.read_bytes()


@pytest.mark.parametrize("options", [{}, {"progressive": True}, {"subsampling": 0}, {"subsampling": 1}],
                         ids=["baseline-420", "progressive", "444", "422"])
def test_colour_jpegs_decode_to_pillows_pixels(tmp_path: Path, astronaut, options: dict[str, object]) -> None:
    """OpenCV decodes plain colour JPEGs (the same libjpeg-turbo, faster); the pixels must be Pillow's."""
    path = _save(tmp_path / "photo.jpg", astronaut, quality=85, **options)
    loaded = read_image(path)
    with Image.open(path) as img:
        np.testing.assert_array_equal(loaded.rgb, np.asarray(img.convert("RGB")))
    assert loaded.format == "jpg" and not loaded.is_gray and loaded.alpha is None



def test_a_jpeg_opencv_cannot_decode_is_left_to_pillow(tmp_path: Path, astronaut,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = _save(tmp_path / "photo.jpg", astronaut, quality=85)
    expected = read_image(path).rgb

    def over_its_limit(*args: object) -> None:
        raise cv2.error("imdecode: image size is too large")

    monkeypatch.setattr(cv2, "imdecode", over_its_limit)
    np.testing.assert_array_equal(read_image(path).rgb, expected)
