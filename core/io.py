"""Reading and writing images for the engine: numpy HxWx3 uint8 RGB in, the same out.

Reading accepts what cameras, phones and scanners produce (EXIF rotation, 16-bit, grayscale, CMYK,
palette and alpha transparency, animations) and refuses everything else with a short message that
names the file and the cause. Writing is atomic and verified: the encoded bytes go to a temporary
file whose every write error counts, which is synced and checked for length, and only then renamed
over the target; a failed write (a full disk) never leaves a half-written file or damages an old one.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
import tempfile
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageFile, TiffImagePlugin, UnidentifiedImageError

from core.atomic import atomic_file, is_temporary
from core.config import DEFAULT_MAX_PIXELS
from core.errors import ImageReadError, ImageWriteError

logger = logging.getLogger(__name__)

# Our own size check (before any pixel is decoded) replaces Pillow's bomb guard, whose warning or
# error would otherwise escape with Pillow's wording and ignore the user's --max-pixels.
Image.MAX_IMAGE_PIXELS = None
# Never accept a truncated file: Pillow would fill the missing part with grey and say nothing.
ImageFile.LOAD_TRUNCATED_IMAGES = False

IMAGE_EXTENSIONS: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"})

# Only these decoders are tried: a file named .jpg must not reach e.g. the EPS plugin (Ghostscript).
_PIL_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF")
_FORMAT_NAMES = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "DIB": "bmp",
                 "TIFF": "tiff", "GIF": "gif"}
# File signatures: a file that starts like an image but does not open is damaged, not "not an image".
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
_GRAY_16_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
_GRAY_MODES = ("1", "L", "LA", "La")
_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")

_WRITE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".bmp": "BMP",
                  ".tif": "TIFF", ".tiff": "TIFF"}
_ALPHA_FORMATS = ("PNG", "WEBP", "TIFF")
_MAX_SIDE = {"JPEG": 65535, "WEBP": 16383}  # hard limits of the formats themselves

NOT_AN_IMAGE = "not an image file (or an unsupported format)"
DAMAGED = "the file is truncated or damaged"
ANIMATED = "animated image: only the first frame is used"
MULTI_PAGE = "the file holds several images: only the first is used"
SIXTEEN_BIT = "16-bit image converted to 8 bits"


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image, upright, with its alpha channel kept aside from the RGB work."""

    rgb: np.ndarray  # uint8 HxWx3 RGB, EXIF orientation applied
    alpha: np.ndarray | None  # uint8 HxW; None when the source has no alpha or is fully opaque
    is_gray: bool  # grayscale source (gray modes, or RGB whose three channels are equal)
    path: Path | None  # None when decoded from bytes with decode_image
    format: str  # "jpg", "png", "webp", "bmp", "tiff" or "gif": what the content is, whatever the name
    warnings: tuple[str, ...] = ()


def read_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> LoadedImage:
    """Read an image file; raise ImageReadError naming the file and the cause if that is impossible."""
    path = Path(path)
    if path.is_dir():
        raise ImageReadError(path, "this is a folder, not an image file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageReadError(path, "the file does not exist") from None
    except OSError as exc:
        raise ImageReadError(path, f"cannot read the file: {_os_cause(exc)}") from None
    return replace(decode_image(data, str(path), max_pixels), path=path)


def decode_image(data: bytes, name: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> LoadedImage:
    """Decode image bytes; ``name`` only labels errors. Refuses images over ``max_pixels`` before decoding."""
    if not data:
        raise ImageReadError(name, "the file is empty")
    img = _open(data, name)
    _check_size(img, name, max_pixels)
    warnings: list[str] = []
    try:
        if getattr(img, "is_animated", False):  # inside the try: for a GIF this reads past frame 0
            warnings.append(ANIMATED if img.format in ("GIF", "WEBP", "PNG") else MULTI_PAGE)
        img.seek(0)
        fast = _decode_jpeg_with_opencv(img, data)
        if fast is not None:
            rgb, alpha, is_gray = fast, None, _channels_equal(fast)
        else:
            img.load()  # the full decode happens here, so truncation is caught here and not later
            rgb, alpha, is_gray = _to_arrays(img, data, warnings)
    except MemoryError:
        raise ImageReadError(name, f"not enough memory to decode a {img.width}x{img.height} image") from None
    except ImageReadError as exc:  # raised without a name below; give it the file's
        raise ImageReadError(name, exc.cause) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError) as exc:
        logger.debug("decoding %s failed: %r", name, exc)
        raise ImageReadError(name, DAMAGED) from None
    orientation = _orientation(img, warnings)
    rgb = _apply_orientation(rgb, orientation)
    alpha = None if alpha is None else _apply_orientation(alpha, orientation)
    fmt = _FORMAT_NAMES.get(img.format or "", (img.format or "unknown").lower())
    logger.debug("decoded %s: %s %dx%d mode %s", name, fmt, rgb.shape[1], rgb.shape[0], img.mode)
    return LoadedImage(rgb=rgb, alpha=alpha, is_gray=is_gray, path=None, format=fmt, warnings=tuple(warnings))


def _open(data: bytes, name: str) -> Image.Image:
    """Open lazily (header only); the two failure kinds get different messages."""
    try:
        return Image.open(io.BytesIO(data), formats=_PIL_FORMATS)
    except UnidentifiedImageError:
        looks_like_image = data.startswith(_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        raise ImageReadError(name, DAMAGED if looks_like_image else NOT_AN_IMAGE) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError) as exc:
        logger.debug("opening %s failed: %r", name, exc)
        raise ImageReadError(name, DAMAGED) from None


def _decode_jpeg_with_opencv(img: Image.Image, data: bytes) -> np.ndarray | None:
    """The RGB pixels of a plain colour JPEG decoded by OpenCV, or None to let Pillow decode it.

    The same libjpeg-turbo with the same defaults gives Pillow's pixels exactly (tested), in 60 % of
    the time: Pillow's own copy into its 4-byte pixels and out again is skipped. Anything unusual (an
    MPO, CMYK, grayscale, a file OpenCV refuses, as it refuses a cut-off one) goes to Pillow, whose
    messages and checks then apply. Orientation is left to ``_apply_orientation``, as for Pillow.
    """
    if img.format != "JPEG" or img.mode != "RGB":
        return None
    try:
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    except cv2.error as exc:  # OpenCV's own limits (a gigapixel): Pillow may still manage
        logger.debug("OpenCV cannot decode this JPEG: %s", exc)
        return None
    if bgr is None or bgr.shape[:2] != (img.height, img.width):
        return None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _check_size(img: Image.Image, name: str, max_pixels: int) -> None:
    pixels = img.width * img.height
    if pixels > max_pixels:
        raise ImageReadError(
            name,
            f"the image is {img.width}x{img.height} ({pixels:,} pixels), more than the limit of "
            f"{max_pixels:,} pixels; raise the limit with --max-pixels if you trust this file",
        )


def _to_arrays(img: Image.Image, data: bytes, warnings: list[str]) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """Pixels of the loaded first frame as (RGB, alpha or None, is_gray), all 8-bit."""
    if _pillow_drops_depth(img, data):
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if decoded is not None and decoded.dtype == np.uint16:
            warnings.append(SIXTEEN_BIT)
            return _from_cv2_16bit(decoded)
        # OpenCV could not do better: Pillow's 8 bits (the high byte) are off by at most one level.
        warnings.append(SIXTEEN_BIT)
    if img.mode in _GRAY_16_MODES:
        warnings.append(SIXTEEN_BIT)
        gray = _to_8bit(np.clip(np.asarray(img), 0, 65535))
        return _gray_to_rgb(gray), None, True
    if img.mode == "F":
        warnings.append("32-bit float image converted to 8 bits (values from 0 to 1 assumed)")
        gray = np.round(np.clip(np.asarray(img), 0.0, 1.0) * 255.0).astype(np.uint8)
        return _gray_to_rgb(gray), None, True
    if img.mode == "CMYK":
        warnings.append("CMYK image converted to RGB without its colour profile: colours may differ slightly")
    has_alpha = img.mode in _ALPHA_MODES or img.has_transparency_data
    if img.mode in _GRAY_MODES:
        pixels = np.array(_in_mode(img, "LA" if has_alpha else "L"))
        gray = pixels[..., 0] if has_alpha else pixels
        return _gray_to_rgb(gray), _alpha_or_none(pixels[..., 1]) if has_alpha else None, True
    try:
        pixels = np.array(_in_mode(img, "RGBA" if has_alpha else "RGB"))
    except ValueError:
        raise ImageReadError(None, f"unsupported colour mode {img.mode}") from None
    rgb = np.ascontiguousarray(pixels[..., :3]) if has_alpha else pixels
    return rgb, _alpha_or_none(pixels[..., 3]) if has_alpha else None, _channels_equal(rgb)


def _in_mode(img: Image.Image, mode: str) -> Image.Image:
    """``img`` in ``mode``: itself when it is in it already (Pillow's convert would copy every pixel, a
    second full-size copy before numpy's own; 60 ms of a 12 Mpx photo's 180)."""
    return img if img.mode == mode else img.convert(mode)


def _pillow_drops_depth(img: Image.Image, data: bytes) -> bool:
    """True when the source has 16 bits per sample but Pillow opened it as 8-bit (it truncates)."""
    if img.mode in _GRAY_16_MODES or img.mode == "F":
        return False
    if img.format == "PNG":
        return len(data) > 24 and data[24] == 16  # IHDR bit depth: signature 8 + length 4 + type 4 + w, h 8
    if isinstance(img, TiffImagePlugin.TiffImageFile):
        bits = img.tag_v2.get(258, (8,))
        return max(bits if isinstance(bits, tuple) else (bits,)) > 8
    return False


def _from_cv2_16bit(decoded: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """OpenCV's 16-bit gray/BGR/BGRA array as 8-bit (RGB, alpha, is_gray)."""
    if decoded.ndim == 2:
        return _gray_to_rgb(_to_8bit(decoded)), None, True
    channels = decoded.shape[2]
    if channels <= 2:  # gray, gray+alpha
        alpha = _alpha_or_none(_to_8bit(decoded[..., 1])) if channels == 2 else None
        return _gray_to_rgb(_to_8bit(decoded[..., 0])), alpha, True
    rgb = np.ascontiguousarray(_to_8bit(decoded[..., 2::-1]))
    alpha = _alpha_or_none(_to_8bit(decoded[..., 3])) if channels == 4 else None
    return rgb, alpha, _channels_equal(rgb)


def _to_8bit(values: np.ndarray) -> np.ndarray:
    """0..65535 to 0..255 as value/257 rounded (65535 -> 255, 32896 -> 128), in integers."""
    return ((values.astype(np.uint32) + 128) // 257).astype(np.uint8)


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[:, :, None], 3, axis=2)


def _alpha_or_none(alpha: np.ndarray) -> np.ndarray | None:
    """A fully opaque alpha carries nothing; dropping it lets the result be saved as JPEG."""
    return None if bool(np.all(alpha == 255)) else np.ascontiguousarray(alpha)


def _channels_equal(rgb: np.ndarray) -> bool:
    def equal(pixels: np.ndarray) -> bool:
        return bool(np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2]))

    # a colour photo differs in a sparse sample already: only gray-looking ones are compared in full
    return equal(rgb[::61, ::61]) and equal(rgb)


def _orientation(img: Image.Image, warnings: list[str]) -> int:
    """The EXIF orientation tag (1..8); read after load() because a PNG may keep EXIF after its pixels."""
    try:
        value = int(img.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception as exc:  # noqa: BLE001 - EXIF parsers fail in many ways; the pixels are still good
        logger.debug("EXIF of %s unreadable: %r", img, exc)
        warnings.append("the EXIF orientation could not be read; the image is used as stored")
        return 1
    return value if 1 <= value <= 8 else 1


def _apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Make the image upright, as PIL.ImageOps.exif_transpose does, on arrays of any bit depth.

    Done on arrays rather than with exif_transpose so that the OpenCV 16-bit path is turned too.
    """
    if orientation == 1:
        return pixels
    transposed = orientation in (5, 6, 7, 8)
    if transposed:
        pixels = np.swapaxes(pixels, 0, 1)
    # after the transpose every case is a flip: 5 none, 6 left-right, 7 both, 8 top-bottom
    flip_lr = orientation in (2, 3, 6, 7)
    flip_tb = orientation in (3, 4, 7, 8)
    if flip_lr:
        pixels = pixels[:, ::-1]
    if flip_tb:
        pixels = pixels[::-1]
    return np.ascontiguousarray(pixels)


def write_image(path: str | Path, rgb: np.ndarray, alpha: np.ndarray | None = None, quality: int = 95) -> Path:
    """Write uint8 HxWx3 RGB (and HxW alpha) atomically; the format follows the suffix.

    Alpha is written to PNG, WebP and TIFF; for JPEG and BMP it is dropped with a logged warning
    (callers that must keep it choose PNG). ``quality`` (1..100) applies to JPEG and WebP.
    Raises ImageWriteError naming the path when the file cannot be written.
    """
    path = Path(path)
    _check_pixels(rgb, alpha)
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be 1..100, got {quality}")
    fmt = _WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        choices = ", ".join(sorted(_WRITE_FORMATS))
        raise ImageWriteError(path, f"unsupported output format {path.suffix or '(no extension)'!r}; use {choices}")
    if max(rgb.shape[:2]) > _MAX_SIDE.get(fmt, 2**31):
        raise ImageWriteError(path, f"{fmt} cannot hold an image of {rgb.shape[1]}x{rgb.shape[0]}; choose PNG")
    if alpha is not None and fmt not in _ALPHA_FORMATS:
        logger.warning("%s: %s cannot hold transparency; the alpha channel is dropped", path, fmt)
        alpha = None
    _make_folder(path.parent, report_as=path)
    try:
        encoded = _encode_with_opencv(fmt, rgb, alpha, quality)
        with atomic_file(path) as stream:  # verified (errors, fsync, size) before it is renamed into place
            if encoded is not None:
                stream.write(encoded)
            else:
                img = Image.fromarray(np.ascontiguousarray(rgb if alpha is None else np.dstack([rgb, alpha])))
                img.save(stream, format=fmt, **_save_options(fmt, quality))
    except OSError as exc:
        raise ImageWriteError(path, _os_cause(exc)) from None
    logger.debug("wrote %s", path)
    return path


def is_complete_image(path: str | Path) -> bool:
    """True when ``path`` holds a whole image in a format we read: decodable to its last byte.

    For telling a finished result from one cut off by a full disk or a crash. Cheaper than a full
    read: a PNG has its chunks' checksums checked up to the end marker without inflating the pixels,
    and a JPEG is decoded at 1/8 scale (which still reads every byte of it).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about what it then fails on anyway (cut EXIF)
            with Image.open(path, formats=_PIL_FORMATS) as img:
                if img.format == "PNG":
                    img.verify()
                    if not _ends_with(path, _PNG_END):  # verify() forgives a cut in the end marker's checksum
                        return False
                else:
                    if img.format == "JPEG":
                        img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
                    img.load()
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, MemoryError) as exc:
        logger.debug("%s is not a complete image: %r", path, exc)
        return False
    return True


_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the empty IEND chunk and its CRC


def _ends_with(path: str | Path, tail: bytes) -> bool:
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() < len(tail):
            return False
        handle.seek(-len(tail), os.SEEK_END)
        return handle.read() == tail


def max_side(suffix: str) -> int | None:
    """The largest width or height that the format of ``suffix`` can hold, or None when it has no limit."""
    return _MAX_SIDE.get(_WRITE_FORMATS.get(suffix.lower(), ""))


def _check_pixels(rgb: np.ndarray, alpha: np.ndarray | None) -> None:
    """The input contract: wrong arrays are a programming error, not a user's."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected uint8 HxWx3 RGB, got {rgb.dtype} {rgb.shape}")
    if alpha is not None and (alpha.dtype != np.uint8 or alpha.shape != rgb.shape[:2]):
        raise ValueError(f"expected uint8 alpha of shape {rgb.shape[:2]}, got {alpha.dtype} {alpha.shape}")


def _encode_with_opencv(fmt: str, rgb: np.ndarray, alpha: np.ndarray | None, quality: int) -> bytes | None:
    """JPEG and PNG bytes from OpenCV, or None for the other formats (Pillow encodes those).

    OpenCV takes the array as it is, where Pillow first copies it into its own 4-byte pixels: for a
    48-Mpx result that copy was 120 of a JPEG's 250 ms. Both call libjpeg-turbo with the same defaults
    (4:2:0, no optimisation), so the JPEG bytes are Pillow's own (tested); a 12-Mpx PNG took 580 ms
    instead of Pillow's 835 with the same zlib settings.
    """
    if fmt == "JPEG":
        params = [cv2.IMWRITE_JPEG_QUALITY, quality]
    elif fmt == "PNG":
        # level 3: fast; level 9 is several times slower for a few percent. zlib's run-length strategy
        # (made for PNG's filtered rows) took 40 % less time than its default on upscaled photos, in files
        # 2-9 % smaller; both are lossless
        params = [cv2.IMWRITE_PNG_COMPRESSION, 3, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    else:
        return None
    if alpha is None:
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    else:
        bgr = cv2.cvtColor(np.dstack([rgb, alpha]), cv2.COLOR_RGBA2BGRA)
    try:
        done, encoded = cv2.imencode("." + fmt.lower(), bgr, params)
    except cv2.error as exc:
        done = False
        logger.debug("OpenCV's %s encoder failed: %s", fmt, exc)
    if not done:
        raise OSError(errno.EINVAL, f"the {fmt} encoder refused the image")
    return encoded.tobytes()


def _save_options(fmt: str, quality: int) -> dict[str, object]:
    """Pillow's options for the formats OpenCV does not encode for us."""
    if fmt == "WEBP":
        return {"quality": quality, "exact": True}  # exact: keep RGB under transparent pixels
    if fmt == "TIFF":
        return {"compression": "tiff_lzw"}  # lossless, read everywhere
    return {}


# The one wording of "this folder holds no input image" (CLI, benchmark, Batch tab); the GUI translates this text.
NO_IMAGES_FOUND = "no images found (supported: jpg, png, webp, bmp, tiff, gif)"


def no_images_found(folder: str | Path) -> ImageReadError:
    """The error for a folder in which scan_images (or planning a batch) found nothing to work on."""
    return ImageReadError(folder, NO_IMAGES_FOUND)


def scan_images(folder: str | Path, recursive: bool = False) -> list[Path]:
    """Image files in ``folder`` (and below it if ``recursive``), sorted.

    Only IMAGE_EXTENSIONS (any case); hidden files and folders and our own temporary files are skipped.
    """
    folder = Path(folder)
    if not folder.is_dir():
        cause = "this is a file, not a folder" if folder.exists() else "the folder does not exist"
        raise ImageReadError(folder, cause)
    try:
        if not recursive:
            with os.scandir(folder) as entries:
                return sorted(Path(e.path) for e in entries if _is_listed_file(e) and _is_input_image(e))
        found: list[Path] = []
        for root, dirs, _files in os.walk(folder, onerror=_log_walk_error):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            with os.scandir(root) as entries:
                found.extend(Path(e.path) for e in entries if _is_listed_file(e) and _is_input_image(e))
        return sorted(found)
    except OSError as exc:
        raise ImageReadError(folder, f"cannot list the folder: {_os_cause(exc)}") from None


def _is_listed_file(entry: os.DirEntry[str]) -> bool:
    """A file, or a symbolic link that leads to no file or folder (a loop, a missing target).

    Such a link named like an image is listed so that it fails as one file with its cause; following
    it must not raise here, where an error would stop the listing of the whole folder.
    """
    try:
        return entry.is_file() or (entry.is_symlink() and not entry.is_dir())
    except OSError:  # ELOOP, EACCES: the link cannot be followed
        return True


def _is_input_image(entry: os.DirEntry[str]) -> bool:
    path = Path(entry.name)
    if path.suffix.lower() not in IMAGE_EXTENSIONS or entry.name.startswith(".") or is_temporary(path):
        return False
    if os.name == "nt":  # Windows marks hidden files with an attribute rather than a leading dot
        try:
            attributes = getattr(entry.stat(), "st_file_attributes", 0)
        except OSError:
            return True  # cannot be read: listed, so that it fails with its cause
        return not attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0)
    return True


def _log_walk_error(exc: OSError) -> None:
    logger.warning("skipped %s: %s", exc.filename, _os_cause(exc))


def ensure_writable_folder(folder: str | Path) -> Path:
    """Create ``folder`` if needed and prove it writable with a temporary file; else ImageWriteError."""
    folder = Path(folder)
    _make_folder(folder, report_as=folder)
    try:
        handle, name = tempfile.mkstemp(prefix=".facesr-write-test.", dir=folder)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        raise ImageWriteError(folder, f"the folder is not writable: {_os_cause(exc)}") from None
    return folder


def _make_folder(folder: Path, report_as: Path) -> None:
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ImageWriteError(report_as, f"cannot create the folder {folder}: a file has that name") from None
    except OSError as exc:
        raise ImageWriteError(report_as, f"cannot create the folder {folder}: {_os_cause(exc)}") from None


_ERRNO_CAUSES = {
    errno.ENOENT: "the file or folder does not exist",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the disk is read-only",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "a symbolic link that leads back to itself (a loop)",
}


def _os_cause(exc: OSError) -> str:
    """A one-line, human reason for an operating-system error (no paths, no errno numbers)."""
    if exc.errno in _ERRNO_CAUSES:
        return _ERRNO_CAUSES[exc.errno]
    return (exc.strerror or str(exc) or type(exc).__name__).rstrip(".").lower()
