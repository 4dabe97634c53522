"""Fetching third-party weights once, into the user model folder, with a SHA-256 check.

Nothing in the engine downloads on its own: a download happens only when the user asks for it
(``python main.py models --download NAME``, a GUI button, or ``create_detector(..., download=True)``).
Every file lands through ``core.atomic.atomic_output``, so an interrupted or corrupt download never
leaves a file under the real name.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.atomic import atomic_output
from core.errors import ModelError
from core.paths import user_models_dir
from core.progress import ProgressCallback

if TYPE_CHECKING:
    from tqdm import tqdm

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
TIMEOUT_S = 60.0
USER_AGENT = "FaceSR-Studio (weights download)"


class DownloadError(ModelError):
    """A weights file could not be fetched or failed its checksum; nothing was left behind."""


@dataclass(frozen=True)
class WeightsInfo:
    """One third-party weights file the application knows how to fetch."""

    name: str  # the name used on the command line: `python main.py models --download NAME`
    url: str
    filename: str  # file name inside the user model folder
    sha256: str | None  # None = unknown: the download is accepted and its digest logged
    size: int | None  # bytes, when known (a fallback progress total when the server sends none)
    licence: str
    description: str


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


def weights_info(name: str) -> WeightsInfo:
    try:
        return KNOWN_WEIGHTS[name]
    except KeyError:
        raise ValueError(f"unknown weights {name!r}; known: {', '.join(KNOWN_WEIGHTS)}") from None


def weights_path(name: str) -> Path:
    """Where the weights called ``name`` live (or will live) in the user model folder."""
    return user_models_dir() / weights_info(name).filename


def fetch_weights(name: str, progress: ProgressCallback | None = None) -> Path:
    """Download the known weights ``name`` into the user model folder (again, if already there)."""
    info = weights_info(name)
    return fetch_file(info.url, weights_path(name), info.sha256, progress, expected_size=info.size)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_file(
    url: str,
    target: Path,
    sha256: str | None,
    progress: ProgressCallback | None = None,
    *,
    expected_size: int | None = None,
) -> Path:
    """Stream ``url`` into ``target`` and return ``target``.

    The bytes go to a temporary file beside the target and are hashed on the way; only a complete
    download whose SHA-256 matches ``sha256`` is renamed into place. Without a known digest the file is
    accepted and the computed digest logged, so it can be pinned. Progress goes to ``progress``
    (bytes done, bytes total or 0 when unknown, message) or, without a callback, to a tqdm bar.
    """
    target = Path(target)
    log.info("downloading %s to %s", url, target)
    try:
        with atomic_output(target) as temporary:
            digest = _stream(url, temporary, target, progress, expected_size)
            _check_digest(target, sha256, digest)
    except DownloadError:
        raise
    except OSError as exc:  # the network errors are handled in _stream: this is the local disk
        raise DownloadError(target, f"cannot write the downloaded file: {exc}") from exc
    return target


def _stream(
    url: str, temporary: Path, target: Path, progress: ProgressCallback | None, expected_size: int | None
) -> str:
    """Copy the response into ``temporary``; return its SHA-256. Network failures become DownloadError."""
    digest = hashlib.sha256()
    done = sent_length = 0
    bar = None
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, temporary.open("wb") as out:
            sent_length = int(response.headers.get("Content-Length") or 0)
            total = sent_length or expected_size or 0
            bar = _make_bar(target, total) if progress is None else None
            message = f"downloading {target.name}"
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total, message)
                else:
                    bar.update(len(chunk))
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as exc:
        raise DownloadError(target, _by_hand(url, target, exc)) from exc
    finally:
        if bar is not None:
            bar.close()
    if sent_length and done != sent_length:  # a dropped connection can look like a clean end of stream
        raise DownloadError(target, _by_hand(url, target, f"incomplete download: {done} of {sent_length} bytes"))
    return digest.hexdigest()


def _check_digest(target: Path, expected: str | None, actual: str) -> None:
    if expected is None:
        log.warning("no known SHA-256 for %s; accepted it unchecked, its SHA-256 is %s", target.name, actual)
    elif actual.lower() != expected.lower():
        raise DownloadError(
            target,
            f"checksum mismatch: expected SHA-256 {expected}, got {actual}; the download was discarded",
        )


def _by_hand(url: str, target: Path, cause: object) -> str:
    return f"could not download {url} ({cause}). Download that file by hand and save it as {target}"


def _make_bar(target: Path, total: int) -> tqdm:
    from tqdm import tqdm  # only the command line sees this bar; the GUI passes a callback

    return tqdm(total=total or None, unit="B", unit_scale=True, unit_divisor=1024, desc=target.name, leave=False)
