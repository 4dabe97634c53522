"""The memory a restoration needs, the memory the machine can give, and one line when it runs out.

A result is ``scale``² times the photo: a 6000x4000 photo at x8 is a 48000x32000 result of 1.5 Gpx,
about 11 GB while it is composed and encoded. That is refused before any work, with a scale that
would fit, rather than failing after minutes with a library's "Insufficient memory" traceback.
"""

from __future__ import annotations

import errno
import logging
import os
from dataclasses import dataclass
from enum import Enum, auto
from pathlib import Path

from core.config import SCALES, RestoreSettings
from core.errors import FaceSRError

logger = logging.getLogger(__name__)

# Bytes per output pixel at the peak, from the arrays held at once: the result (uint8 RGB, 3) and
# Pillow's 4-byte copy of it while it is encoded (the encoded bytes stream to the disk). For an
# 8000x6000 photo at 2x this gives 1.5 GB; benchmarks/huge_photo.py measured a peak under 2 GiB.
_PER_PIXEL = 7
_PER_PIXEL_ALPHA = 12  # + upscaled alpha 1, the RGBA array 4, Pillow's RGBA copy 4 instead of 4
_PER_PIXEL_BACKGROUND = 3  # the upscaled background kept beside the composed result (GUI, comparisons)
_PER_PIXEL_COMPARE = 20  # background 3 + result 3 + the side-by-side image 6 + Pillow's copy of it 8
_FIXED = 256 * 2**20  # models' working memory (tiles, face batches), decoder buffers

# A face model's working memory per face of its input, in bytes per input pixel: the activations of
# one forward pass. Measured with random weights (peak RSS of a forward pass, batch 1 and 2): GFPGAN 1.4
# about 2,700 (640 MiB per 512-px face; batch 8 peaked at 6.7 GB), the default RCAN 700-1,100.
FACE_BYTES_PER_INPUT_PIXEL = 3000
FACE_MEMORY_SHARE = 0.5  # of the free memory, for a batch of faces: the photo, its result and others need the rest

OUT_OF_MEMORY = "out of memory: use a lower scale (-s), a smaller --tile, or close other programs"
_OOM_WORDS = ("out of memory", "insufficient memory", "cannot allocate memory", "can't allocate memory",
              "failed to allocate", "bad_alloc", "not enough memory")


class _Limit(Enum):
    """What a result is too large for; each has its own way out besides a lower scale."""

    PIXELS = auto()  # the output pixel setting (--max-output-pixels)
    SIDE = auto()  # the largest side the output file format holds
    MEMORY = auto()  # the free memory


_WAY_OUT = {
    _Limit.PIXELS: ", or raise the limit with --max-output-pixels if the memory is there",
    _Limit.SIDE: ", or write PNG (--ext png)",
    _Limit.MEMORY: "",
}


@dataclass(frozen=True)
class _TooLarge:
    """Why a result cannot be made at one scale: the limit it breaks and the sentence that says so."""

    limit: _Limit
    cause: str


def restore_bytes(width: int, height: int, scale: int, *, has_alpha: bool = False,
                  keep_background: bool = False, compare: bool = False) -> int:
    """About the most memory restoring a ``width`` x ``height`` photo at ``scale`` holds at once."""
    output = width * height * scale * scale
    if compare:
        per_pixel = _PER_PIXEL_COMPARE + (1 if has_alpha else 0)
    else:
        per_pixel = (_PER_PIXEL_ALPHA if has_alpha else _PER_PIXEL) + (_PER_PIXEL_BACKGROUND if keep_background else 0)
    return output * per_pixel + width * height * 3 + _FIXED


def face_batch_limit(input_size: int, free: int | None) -> int | None:
    """The most faces of ``input_size`` px one forward pass may take in ``free`` bytes (at least 1);
    None when the free memory is unknown."""
    if free is None:
        return None
    per_face = FACE_BYTES_PER_INPUT_PIXEL * input_size * input_size
    return max(1, int(free * FACE_MEMORY_SHARE) // per_face)


def available_bytes() -> int | None:
    """Memory this process can still take: the least of free RAM, its cgroup's room and its address-space
    limit (ulimit -v); None when none of them can be read."""
    limits = [value for value in (_free_ram(), _cgroup_room(), _address_space_room()) if value is not None]
    return min(limits) if limits else None


def check_output_fits(name: str | Path | None, width: int, height: int, settings: RestoreSettings, *,
                      has_alpha: bool = False, keep_background: bool = False, compare: bool = False,
                      max_side: int | None = None) -> None:
    """Raise FaceSRError naming ``name`` when the result cannot be made: more pixels than the setting
    allows, wider or taller than the output format holds (``max_side``), or more memory than is free.
    The message is one line and says which scale would fit."""
    scale = settings.scale
    free = available_bytes()

    def problem(at: int) -> _TooLarge | None:
        out_w, out_h = width * at, height * at
        if out_w * out_h > settings.max_output_pixels:
            return _TooLarge(_Limit.PIXELS, f"the result would be {out_w}x{out_h} ({out_w * out_h:,} pixels), more "
                                           f"than the limit of {settings.max_output_pixels:,} output pixels")
        if max_side is not None and max(out_w, out_h) > max_side:
            return _TooLarge(_Limit.SIDE, f"the result would be {out_w}x{out_h}, more than its format holds "
                                         f"({max_side} pixels a side)")
        needed = restore_bytes(width, height, at, has_alpha=has_alpha, keep_background=keep_background,
                               compare=compare)
        if free is not None and needed > free:
            return _TooLarge(_Limit.MEMORY, f"the result would be {out_w}x{out_h} and needs about {_gb(needed)} of "
                                           f"memory, but only about {_gb(free)} is free")
        return None

    too_large = problem(scale)
    if too_large is None:
        return
    fitting = [at for at in SCALES if at < scale and problem(at) is None]
    advice = f"use a scale of {fitting[-1]} (-s {fitting[-1]})" if fitting else "use a smaller photo"
    raise FaceSRError(name, f"{too_large.cause}: {advice}{_WAY_OUT[too_large.limit]}")


def is_out_of_memory(error: BaseException) -> bool:
    """True for the ways libraries say they ran out of memory (MemoryError, ENOMEM, OpenCV's
    "Insufficient memory", torch's "DefaultCPUAllocator: can't allocate memory", CUDA OOM)."""
    if isinstance(error, MemoryError):
        return True
    if isinstance(error, OSError) and error.errno == errno.ENOMEM:
        return True
    if isinstance(error, (RuntimeError, OSError)) or type(error).__module__.split(".")[0] in ("cv2", "torch"):
        text = str(error).lower()
        return any(words in text for words in _OOM_WORDS)
    return False


def _gb(size: int) -> str:
    return f"{size / 2**30:.1f} GB" if size >= 2**30 else f"{size // 2**20} MB"


def _free_ram() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception as exc:  # noqa: BLE001 - psutil missing or unsupported here: no figure, no refusal
        logger.debug("free memory unknown: %r", exc)
        return None


def _cgroup_room() -> int | None:
    """cgroup v2 room: memory.max - memory.current + reclaimable page cache (a container's limit)."""
    folder = _cgroup_folder()
    if folder is None:
        return None
    try:
        limit = (folder / "memory.max").read_text().strip()
        if limit == "max":
            return None
        current = int((folder / "memory.current").read_text())
        stat = dict(line.split() for line in (folder / "memory.stat").read_text().splitlines() if line.count(" ") == 1)
        reclaimable = int(stat.get("inactive_file", 0))
        return max(0, int(limit) - current + reclaimable)
    except (OSError, ValueError) as exc:
        logger.debug("cgroup memory unknown: %r", exc)
        return None


def _cgroup_folder() -> Path | None:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):
            for folder in (Path("/sys/fs/cgroup") / line[3:].lstrip("/"), Path("/sys/fs/cgroup")):
                if (folder / "memory.max").is_file():
                    return folder
    return None


def _address_space_room() -> int | None:
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        if limit == resource.RLIM_INFINITY:
            return None
        import psutil

        return max(0, limit - int(psutil.Process(os.getpid()).memory_info().vms))
    except Exception as exc:  # noqa: BLE001 - not on this platform: no figure, no refusal
        logger.debug("address-space limit unknown: %r", exc)
        return None
