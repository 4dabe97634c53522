"""Atomic file output: write to a temporary file beside the target, then rename over it.

The temporary file gets the mode the target would get from open() (0666 minus the umask), or the mode of
the file it replaces, so a result, a checkpoint or a config keeps the permissions its user expects. Its
name is ".<stem>.<8 random characters>.tmp<suffix>", cut to fit a 255-byte file name, and it stays
locked (flock) while it is written: a later run can then tell the leftover of a kill -9 (unlocked) from
another process's write in progress (locked), and removes only the former (``remove_leftovers``).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which protects a write in progress
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

MAX_NAME_BYTES = 255  # the file name limit of ext4, XFS, Btrfs, APFS, NTFS (in UTF-16 units there)
_TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # tempfile.mkstemp's alphabet: old leftovers match too
_TOKEN_LENGTH = 8
_MAX_SUFFIX_BYTES = 16  # a longer "suffix" is not a file type; it is left out of the temporary name
# Exactly our temporary names, nothing a user would name a file: ".<stem>.<8 of _TOKEN_CHARS>.tmp[.<ext>]"
_LEFTOVER = re.compile(r"^\..*\.[a-z0-9_]{8}\.tmp(\.[^.]{1,15})?$", re.DOTALL)

_cleaned_folders: set[str] = set()
_cleaned_lock = threading.Lock()


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target in one rename.

    After the caller's writes the file is flushed to the disk (fsync), so an error that the disk reports
    late fails the write here rather than after the rename. On any error the temporary file is removed
    and the target is left as it was, so a crash, a full disk or a kill never leaves a half-written
    result under the real name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers_once(target.parent)
    handle, temporary = _create_temporary(target)
    try:
        yield temporary
        os.fsync(handle)  # the data of the inode, whichever descriptor wrote it
        if os.name == "nt":  # Windows cannot rename a file that is open
            os.close(handle)
            handle = -1
        os.replace(temporary, target)
        _sync_folder(target.parent)
    finally:
        if handle >= 0:
            os.close(handle)  # only now: the lock marks the file as in use until it has its real name
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """Like ``atomic_output``, but yield an open binary file and verify it before the rename.

    Verified means: every write raised its error (Python retries a short write, so a full disk raises
    ENOSPC), the buffers were flushed and synced, and the file on the disk is as long as the furthest
    byte written. A short file raises OSError(ENOSPC) and nothing is renamed.
    """
    with atomic_output(target) as temporary:
        with open(temporary, "wb") as raw:
            stream = _TrackedWriter(raw)
            yield stream  # type: ignore[misc]
            raw.flush()
        size = os.stat(temporary).st_size
        if size != stream.end:
            raise OSError(errno.ENOSPC, f"only {size} of {stream.end} bytes reached the disk", str(target))


class _TrackedWriter:
    """A binary file without ``fileno()`` that remembers the furthest byte handed to it.

    Without a file descriptor Pillow's encoders hand their output to ``write()``; with one, Pillow's C
    code writes to the descriptor itself and ignores a short write, which is how a full disk used to
    leave a cut-off JPEG that counted as done.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.end = 0

    def write(self, data: bytes) -> int:
        position = self._raw.tell()
        written = self._raw.write(data)
        self.end = max(self.end, position + len(data))  # what was handed over, whatever the layers below say
        return written

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def flush(self) -> None:
        self._raw.flush()

    def read(self, size: int = -1) -> bytes:  # TIFF reads back what it wrote when it rewrites offsets
        return self._raw.read(size)


def _create_temporary(target: Path) -> tuple[int, Path]:
    """Create, lock and return (descriptor, path) of a new temporary file for ``target``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _attempt in range(100):
        temporary = target.parent / temporary_name(target)
        try:
            handle = os.open(temporary, flags, 0o666)  # the umask applies, as for any new file
        except FileExistsError:
            continue
        _lock(handle)
        if os.fstat(handle).st_nlink == 0:  # another run removed it before the lock was ours: try again
            os.close(handle)
            continue
        _keep_mode(handle, target)
        return handle, temporary
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target))


def temporary_name(target: Path) -> str:
    """".<stem>.<random>.tmp<suffix>", the stem cut (at a character boundary) to stay within 255 bytes."""
    token = "".join(secrets.choice(_TOKEN_CHARS) for _ in range(_TOKEN_LENGTH))
    suffix = target.suffix if len(target.suffix.encode("utf-8", "surrogateescape")) <= _MAX_SUFFIX_BYTES else ""
    fixed = f"..{token}.tmp{suffix}"
    room = MAX_NAME_BYTES - len(fixed.encode("utf-8", "surrogateescape"))
    stem = target.stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return f".{stem}.{token}.tmp{suffix}"


def _lock(handle: int) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    except OSError as exc:  # a file system without locks: the file is then never taken for a leftover
        logger.debug("cannot lock a temporary file: %s", exc)


def _keep_mode(handle: int, target: Path) -> None:
    """A replaced file keeps its permissions (a new one has 0666 minus the umask already)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return
    if hasattr(os, "fchmod"):
        os.fchmod(handle, mode)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort (not possible on Windows or some network disks)."""
    if os.name == "nt":
        return
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def remove_leftovers_once(folder: Path) -> None:
    """``remove_leftovers`` the first time this process touches ``folder``."""
    key = os.path.abspath(folder)
    with _cleaned_lock:
        if key in _cleaned_folders:
            return
        _cleaned_folders.add(key)
    remove_leftovers(folder)


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files that a killed write left in ``folder``; return what was removed.

    Only names of exactly our pattern are considered, and of those only files that no live process
    holds locked; everything else in the folder is left alone.
    """
    try:
        with os.scandir(folder) as entries:
            candidates = [Path(e.path) for e in entries if _LEFTOVER.match(e.name) and e.is_file(follow_symlinks=False)]
    except OSError:
        return []
    removed = [path for path in candidates if _remove_if_abandoned(path)]
    if removed:
        logger.info("removed %d temporary file(s) left by an interrupted run in %s", len(removed), folder)
    return removed


def _remove_if_abandoned(path: Path) -> bool:
    if fcntl is None:  # Windows refuses to delete a file another process has open
        try:
            path.unlink()
        except OSError:
            return False
        return True
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.stat(path, follow_symlinks=False).st_ino != os.fstat(handle).st_ino:
            return False  # renamed into place meanwhile and the name taken again: not the file we locked
        path.unlink()
        return True
    except OSError:  # locked by a live writer, locks unsupported, or already gone
        return False
    finally:
        os.close(handle)


def is_temporary(path: Path) -> bool:
    """True for a leftover temporary file of ``atomic_output`` (".<stem>.<random>.tmp<suffix>").

    Folder scans use it so that a crashed run's half-written files are never taken as inputs.
    """
    name = path.name
    return name.startswith(".") and name[: len(name) - len(path.suffix)].endswith(".tmp")
