"""Fetching third-party weights once, into the user model folder, with a SHA-256 check.

Nothing in the engine downloads on its own: a download happens only when the user asks for it
(``python main.py models --download NAME``, a GUI button, or ``create_detector(..., download=True)``).
The bytes go to a hidden ``.NAME.part`` file beside the target, hashed as they arrive (the finished file
is not read again), and are renamed into place only once their size and SHA-256 are right, so an
interrupted or corrupt download never leaves a file under the real name. A connection that drops
mid-file is resumed with an HTTP Range request where the server answers 206 (and restarted where it
does not); a digest mismatch or a cancel deletes the data.

``CATALOGUE`` lists the established restoration models (GFPGAN, CodeFormer, Real-ESRGAN) the user can
fetch with one command or click; ``KNOWN_WEIGHTS`` the auxiliary weights (detectors, face parsing).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core.errors import ModelError, brief
from core.paths import user_models_dir
from core.progress import CancelToken, Cancelled, ProgressCallback

if TYPE_CHECKING:
    from tqdm import tqdm

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 18  # 256 KiB: a Cancel is noticed within one chunk
TIMEOUT_S = 60.0
ATTEMPTS = 4  # a connection that drops mid-file is resumed (or restarted) up to three times
RETRY_PAUSE_S = 2.0
PART_SUFFIX = ".part"
USER_AGENT = "FaceSR-Studio (weights download)"


class DownloadError(ModelError):
    """A weights file could not be fetched or failed its checksum. Nothing was left under the real name;
    ``discard`` says whether the partial data goes too (wrong data) or stays to be resumed (network)."""

    def __init__(self, path: str | Path | None, cause: str, *, discard: bool = True) -> None:
        super().__init__(path, cause)
        self.discard = discard


@dataclass(frozen=True)
class WeightsInfo:
    """One third-party weights file the application knows how to fetch."""

    name: str  # the name used on the command line: `python main.py models --download NAME`
    url: str
    filename: str  # file name inside the user model folder
    sha256: str | None  # None = unknown: the download is accepted and its digest logged
    size: int | None  # the exact byte count where publicly stated: checked after the download
    licence: str
    description: str
    approx_size: int | None = None  # bytes, for display and progress where the exact size is not known
    kind: Literal["aux", "face", "sr"] = "aux"  # face: a face restorer; sr: a background upscaler
    good_at: str = ""  # what the model is best used for (catalogue entries)

    @property
    def display_size(self) -> int | None:
        return self.size or self.approx_size


# Digests: taken from public lists that pin these exact release assets (Arch's facexlib PKGBUILD, several
# projects' model manifests); the same three digests and sizes recur across independent sources.
# The CodeFormer release re-hosts facexlib's ParseNet file unchanged (same size and SHA-256).
KNOWN_WEIGHTS: dict[str, WeightsInfo] = {
    info.name: info
    for info in (
        WeightsInfo(
            name="retinaface",
            url="https://github.com/xinntao/facexlib/releases/download/v0.1.0/detection_Resnet50_Final.pth",
            filename="detection_Resnet50_Final.pth",
            sha256="6d1de9c2944f2ccddca5f5e010ea5ae64a39845a86311af6fdf30841b0a5a16d",
            size=109_497_761,
            licence="MIT (facexlib; weights from biubug6/Pytorch_Retinaface, MIT)",
            description="RetinaFace ResNet-50 face detector (facexlib)",
        ),
        WeightsInfo(
            name="retinaface-mobile",
            url="https://github.com/xinntao/facexlib/releases/download/v0.1.0/detection_mobilenet0.25_Final.pth",
            filename="detection_mobilenet0.25_Final.pth",
            sha256="2979b33ffafda5d74b6948cd7a5b9a7a62f62b949cef24e95fd15d2883a65220",
            size=1_789_735,
            licence="MIT (facexlib; weights from biubug6/Pytorch_Retinaface, MIT)",
            description="RetinaFace MobileNet-0.25 face detector (facexlib), small and fast",
        ),
        WeightsInfo(
            name="parsenet",
            url="https://github.com/sczhou/CodeFormer/releases/download/v0.1.0/parsing_parsenet.pth",
            filename="parsing_parsenet.pth",
            sha256="3d558d8d0e42c20224f13cf5a29c79eba2d59913419f945545d8cf7b72920de2",
            size=85_331_193,
            licence="MIT (facexlib ParseNet, from PSFRGAN); re-hosted by CodeFormer",
            description="ParseNet face parsing, for masks that follow the face outline",
        ),
    )
}


# The official releases of the established restorers. Digests and exact sizes as given in issue 12, where each
# recurs in several independent public model manifests; "about" sizes (no exact count found stated publicly)
# are for display only and the digest alone is checked. Add an entry only with a digest from two sources.
CATALOGUE: dict[str, WeightsInfo] = {
    info.name: info
    for info in (
        WeightsInfo(
            name="gfpgan-1.4",
            url="https://github.com/TencentARC/GFPGAN/releases/download/v1.3.0/GFPGANv1.4.pth",
            filename="GFPGANv1.4.pth",
            sha256="e2cd4703ab14f4d01fd1383a8a8b266f9a5833dacee8e6a79d3bf21a1b6be5ad",
            size=None,
            approx_size=349_000_000,
            licence="Apache-2.0",
            description="GFPGAN 1.4 face restorer (512-px faces)",
            kind="face",
            good_at="natural, clean faces in ordinary photos; quick and robust",
        ),
        WeightsInfo(
            name="codeformer",
            url="https://github.com/sczhou/CodeFormer/releases/download/v0.1.0/codeformer.pth",
            filename="codeformer.pth",
            sha256="1009e537e0c2a07d4cabce6355f53cb66767cd4b4297ec7a4a64ca4b8a5684b7",
            size=376_637_898,
            licence="S-Lab License 1.0 (non-commercial use only)",
            description="CodeFormer face restorer (512-px faces) with a fidelity control",
            kind="face",
            good_at="heavily degraded faces; its fidelity weight trades quality (0) for faithfulness (1)",
        ),
        WeightsInfo(
            name="realesrgan-x4plus",
            url="https://github.com/xinntao/Real-ESRGAN/releases/download/v0.1.0/RealESRGAN_x4plus.pth",
            filename="RealESRGAN_x4plus.pth",
            sha256="4fa0d38905f75ac06eb49a7951b426670021be3018265fd191d2125df9d682f1",
            size=None,
            approx_size=67_000_000,
            licence="BSD-3-Clause",
            description="Real-ESRGAN x4plus background upscaler",
            kind="sr",
            good_at="the photo around the faces: sharp, clean upscaling of real photos (slow on a CPU)",
        ),
        WeightsInfo(
            name="realesr-general-x4v3",
            url="https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-general-x4v3.pth",
            filename="realesr-general-x4v3.pth",
            sha256="8dc7edb9ac80ccdc30c3a5dca6616509367f05fbc184ad95b731f05bece96292",
            size=4_885_111,
            licence="BSD-3-Clause",
            description="Real-ESRGAN general x4v3 background upscaler, small and fast",
            kind="sr",
            good_at="the background on a CPU: a small network, many times faster than x4plus",
        ),
    )
}


@dataclass(frozen=True)
class CatalogueEntry:
    """A catalogue model and where it is installed (None: not downloaded yet)."""

    info: WeightsInfo
    path: Path | None

    @property
    def installed(self) -> bool:
        return self.path is not None


def weights_info(name: str) -> WeightsInfo:
    """The catalogue model or auxiliary weights called ``name``."""
    found = CATALOGUE.get(name) or KNOWN_WEIGHTS.get(name)
    if found is None:
        raise ValueError(f"unknown weights {name!r}; known: {', '.join([*CATALOGUE, *KNOWN_WEIGHTS])}")
    return found


def weights_path(name: str) -> Path:
    """Where the weights called ``name`` live (or will live) in the user model folder."""
    return user_models_dir() / weights_info(name).filename


def catalogue_match(name: str) -> WeightsInfo | None:
    """The catalogue entry called ``name`` or stored under that file name or stem (case-insensitive)."""
    wanted = name.lower()
    for info in CATALOGUE.values():
        if wanted in (info.name.lower(), info.filename.lower(), Path(info.filename).stem.lower()):
            return info
    return None


def installed_path(info: WeightsInfo) -> Path | None:
    """The file of ``info`` in one of the model folders (the user's first), or None."""
    from core.models.loading import model_folders  # loading imports this module: imported when used

    for folder in reversed(model_folders()):
        if (folder / info.filename).is_file():
            return folder / info.filename
    return None


def catalogue_entries() -> list[CatalogueEntry]:
    """Every catalogue model with its installed file, in catalogue order (cheap: no file is read)."""
    return [CatalogueEntry(info, installed_path(info)) for info in CATALOGUE.values()]


def catalogue_entries_not_installed() -> list[CatalogueEntry]:
    return [entry for entry in catalogue_entries() if not entry.installed]


def fetch_weights(name: str, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> Path:
    """Download the catalogue model or weights ``name`` into the user model folder (again, if already there)."""
    info = weights_info(name)
    return fetch_file(info.url, weights_path(name), info.sha256, progress, expected_size=info.size,
                      approx_size=info.approx_size, cancel=cancel)


def _sha256_of_part(part: Path, size: int) -> hashlib._Hash:
    """The running SHA-256 of the first ``size`` bytes of ``part``, which a resumed download continues."""
    digest = hashlib.sha256()
    with part.open("rb") as handle:
        while size > 0 and (chunk := handle.read(min(CHUNK_BYTES, size))):
            digest.update(chunk)
            size -= len(chunk)
    return digest


def partial_path(target: Path) -> Path:
    """Where the bytes of ``target`` collect while downloading (hidden, so never listed as a model)."""
    return target.with_name(f".{target.name}{PART_SUFFIX}")


def fetch_file(
    url: str,
    target: Path,
    sha256: str | None,
    progress: ProgressCallback | None = None,
    *,
    expected_size: int | None = None,
    approx_size: int | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """Stream ``url`` into ``target`` and return ``target``.

    The bytes collect in ``partial_path(target)``; only a complete file whose size (``expected_size``,
    when given) and SHA-256 match is renamed onto ``target``. A connection dropped mid-file is resumed
    with a Range request (restarted where the server ignores it); when it cannot be resumed now, the
    part is kept for the next call, which resumes it. A wrong digest or size, a cancel (``cancel`` or a
    ``Cancelled`` raised by ``progress``) or a local write error deletes the part. Without a known digest
    the file is accepted and the computed digest logged. Progress goes to ``progress`` (bytes done,
    bytes total or 0 when unknown, message) or, without a callback, to a tqdm bar.
    """
    target = Path(target)
    part = partial_path(target)
    log.info("downloading %s to %s", url, target)
    with _claimed(target):
        try:
            digest = _download_with_resume(url, part, target, progress, expected_size or approx_size, cancel)
            _check_size(target, part, expected_size)
            _check_digest(target, sha256, digest)
            os.replace(part, target)
        except _Interrupted as interrupted:  # the part stays for the next attempt
            raise DownloadError(target, _by_hand(url, target, interrupted.cause, part), discard=False) \
                from interrupted
        except DownloadError as error:
            if error.discard:
                part.unlink(missing_ok=True)
            raise
        except (Cancelled, KeyboardInterrupt):
            part.unlink(missing_ok=True)
            raise
        except OSError as exc:  # the network errors are handled in _transfer: this is the local disk
            part.unlink(missing_ok=True)
            raise DownloadError(target, f"cannot write the downloaded file: {exc}") from exc
    log.info("downloaded %s", target)
    return target


class _Interrupted(Exception):
    """The connection broke after some bytes arrived: the part can be resumed later."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


_ACTIVE: set[Path] = set()
_ACTIVE_LOCK = threading.Lock()


@contextlib.contextmanager
def _claimed(target: Path) -> Iterator[None]:
    """Refuse a second simultaneous download of the same file in this process (they would share the part)."""
    key = target.resolve()
    with _ACTIVE_LOCK:
        if key in _ACTIVE:
            raise DownloadError(target, "this file is already being downloaded", discard=False)
        _ACTIVE.add(key)
    try:
        yield
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(key)


def _download_with_resume(url: str, part: Path, target: Path, progress: ProgressCallback | None,
                          size_hint: int | None, cancel: CancelToken | None) -> str:
    """Fill ``part`` with the whole file, resuming after dropped connections, and return its SHA-256; raises
    _Interrupted when the last attempt also broke mid-file, DownloadError when the server cannot be reached
    or refuses."""
    for attempt in range(1, ATTEMPTS):
        try:
            return _transfer(url, part, target, progress, size_hint, cancel)
        except _Interrupted as interrupted:
            log.warning("%s: %s; resuming (attempt %d of %d)", target.name, interrupted.cause, attempt + 1, ATTEMPTS)
            _pause(RETRY_PAUSE_S * attempt, cancel)
    return _transfer(url, part, target, progress, size_hint, cancel)  # interrupted again: the part stays


def _transfer(url: str, part: Path, target: Path, progress: ProgressCallback | None, size_hint: int | None,
              cancel: CancelToken | None) -> str:
    """One request: append to ``part`` from its current size where the server honours Range, else restart.
    Returns the SHA-256 of the whole part: of the bytes already there (read once), then of those streamed."""
    offset = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # the part is no prefix the server knows: start again
            part.unlink()
            raise _Interrupted("the server refused to resume the partial file") from exc
        _remove_if_empty(part)
        raise DownloadError(target, _by_hand(url, target, f"HTTP {exc.code} {exc.reason}", part),
                            discard=False) from exc
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        _remove_if_empty(part)
        cause = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise DownloadError(target, _by_hand(url, target, brief(Exception(str(cause))), part),
                            discard=False) from exc
    with response:
        resumed = bool(offset) and _resumes_at(response, offset)
        if offset and not resumed:
            log.info("%s: the server does not resume downloads; starting again", target.name)
            offset = 0
        length = int(response.headers.get("Content-Length") or 0)
        total = offset + length if length else (size_hint or 0)
        digest = _sha256_of_part(part, offset) if resumed else hashlib.sha256()
        _copy(response, part, "ab" if resumed else "wb", offset, total, length, target, progress, cancel, digest)
    return digest.hexdigest()


def _resumes_at(response: object, offset: int) -> bool:
    """True when the server answered a Range request with 206 and the bytes from ``offset`` on."""
    status = getattr(response, "status", None)
    content_range = response.headers.get("Content-Range", "")  # type: ignore[attr-defined]
    return status == 206 and content_range.replace("bytes ", "").startswith(f"{offset}-")


def _copy(response: object, part: Path, mode: str, offset: int, total: int, length: int, target: Path,
          progress: ProgressCallback | None, cancel: CancelToken | None, digest: hashlib._Hash) -> None:
    """Write the response's bytes to ``part`` (opened with ``mode``), feeding ``digest`` each chunk written."""
    received = 0
    message = f"downloading {target.name}"
    part.parent.mkdir(parents=True, exist_ok=True)  # only once the server answered: no network, no folder
    bar = _make_bar(target, total, offset) if progress is None else None
    try:
        with part.open(mode) as out:
            while True:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                try:
                    chunk = response.read(CHUNK_BYTES)  # type: ignore[attr-defined]
                except (http.client.HTTPException, OSError) as exc:  # reset, timeout, incomplete read
                    raise _Interrupted(f"the connection broke after {offset + received} bytes ({brief(exc)})") \
                        from exc
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(offset + received, total, message)
                elif bar is not None:
                    bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    if length and received != length:  # a dropped connection can look like a clean end of stream
        raise _Interrupted(f"the connection ended after {offset + received} of {offset + length} bytes")


def _pause(seconds: float, cancel: CancelToken | None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cancel is not None:
            cancel.raise_if_cancelled()
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size == 0:
            path.unlink()


def _check_size(target: Path, part: Path, expected: int | None) -> None:
    actual = part.stat().st_size
    if expected is not None and actual != expected:
        raise DownloadError(target, f"size mismatch: expected {expected:,} bytes, got {actual:,}; "
                            "the download was discarded")


def _check_digest(target: Path, expected: str | None, actual: str) -> None:
    if expected is None:
        log.warning("no known SHA-256 for %s; accepted it unchecked, its SHA-256 is %s", target.name, actual)
    elif actual.lower() != expected.lower():
        raise DownloadError(
            target,
            f"checksum mismatch: expected SHA-256 {expected}, got {actual}; the download was discarded",
        )


def _by_hand(url: str, target: Path, cause: object, part: Path | None = None) -> str:
    kept = f"; the {part.stat().st_size:,} bytes received are kept in {part}, the same download resumes " \
           "from there" if part is not None and part.is_file() else ""
    return f"could not download {url} ({cause}){kept}. Download that file by hand and save it as {target}"


class TransferRate:
    """Download speed over the last few seconds and the time left, for progress displays."""

    def __init__(self, window_s: float = 5.0) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def update(self, done: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.window_s:
            self._samples.popleft()

    @property
    def bytes_per_second(self) -> float | None:
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 and d1 >= d0 else None

    def seconds_left(self, total: int) -> float | None:
        rate = self.bytes_per_second
        if not rate or not total:
            return None
        return max(0.0, (total - self._samples[-1][1]) / rate)


def format_bytes(count: float) -> str:
    """1,234,567 -> "1.2 MB" (decimal units, as download sizes are usually given)."""
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= factor:
            return f"{count / factor:.1f} {unit}" if count < 100 * factor else f"{count / factor:.0f} {unit}"
    return f"{int(count)} B"


def _make_bar(target: Path, total: int, initial: int = 0) -> tqdm:
    from tqdm import tqdm  # only the command line sees this bar; the GUI passes a callback

    return tqdm(total=total or None, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=target.name, leave=False)
