"""Which results in an output folder this tool wrote: a small hidden record beside them.

A rerun must tell its own finished results from any other file that has a result's name: its own
are skipped, or replaced with --overwrite; anything else (a user's photo, an input, a result edited
since) is never replaced. Each line of RECORD_NAME holds the name, size and modification time of a
result just after it was renamed into place; a file counts as ours only while both still match.

Lines are appended with one write in O_APPEND mode, so processes filling one folder together
(--shard) never mix their lines. A line cut by a crash is ignored: that result then counts as not
recorded, which is the safe side.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

RECORD_NAME = ".facesr-written.jsonl"


@dataclass
class _FolderRecord:
    """What was read of one folder's record so far (appended lines are read on the next question)."""

    identity: tuple[int, int] = (0, 0)  # (device, inode) of the record file: a new file is read afresh
    offset: int = 0  # bytes read: the end of the last whole line
    entries: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (size, mtime_ns)


_records: dict[str, _FolderRecord] = {}
_lock = threading.Lock()


def record_written(path: Path) -> None:
    """Note that this tool has just written ``path`` (complete, in place). Failing to note it only
    means a later run treats the file as someone else's, so an error is logged, not raised."""
    try:
        info = path.stat()
        line = json.dumps({"name": path.name, "size": info.st_size, "mtime_ns": info.st_mtime_ns},
                          ensure_ascii=False) + "\n"
        data = line.encode("utf-8", "surrogateescape")
        handle = os.open(path.parent / RECORD_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            if os.write(handle, data) != len(data):
                logger.warning("%s: the record of written results is cut short (disk full?)", path.parent)
        finally:
            os.close(handle)
    except OSError as exc:
        logger.warning("cannot record %s as written: %s", path, exc)


def was_written_here(path: Path) -> bool:
    """True when ``path`` is a result this tool wrote and nobody changed since (size and time match)."""
    try:
        info = path.stat()
    except OSError:
        return False
    return _recorded(path.parent, path.name) == (info.st_size, info.st_mtime_ns)


def _recorded(folder: Path, name: str) -> tuple[int, int] | None:
    """(size, mtime_ns) recorded for ``name``, reading only the lines appended since the last question."""
    key = os.path.abspath(folder)
    with _lock:
        record = _records.setdefault(key, _FolderRecord())
        try:
            with open(os.path.join(key, RECORD_NAME), "rb") as handle:
                info = os.fstat(handle.fileno())
                identity = (info.st_dev, info.st_ino)
                if identity != record.identity or info.st_size < record.offset:
                    record.identity, record.offset, record.entries = identity, 0, {}
                handle.seek(record.offset)
                appended = handle.read()
        except OSError:
            record.identity, record.offset, record.entries = (0, 0), 0, {}
            return None
        whole = appended[: appended.rfind(b"\n") + 1]  # a line still being written is read next time
        record.offset += len(whole)
        for line in whole.splitlines():
            _add_line(record.entries, line)
        return record.entries.get(name)


def _add_line(entries: dict[str, tuple[int, int]], line: bytes) -> None:
    try:
        item = json.loads(line.decode("utf-8", "surrogateescape"))
        entries[str(item["name"])] = (int(item["size"]), int(item["mtime_ns"]))
    except (ValueError, KeyError, TypeError):
        logger.debug("ignored a damaged line of a results record: %r", line[:200])
