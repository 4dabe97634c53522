"""core.downloads through file:// URLs: no network is touched."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import pytest

from core import downloads
from core.downloads import DownloadError, fetch_file, weights_path
from core.errors import ModelError

PAYLOAD = bytes(range(256)) * 12_000  # ~3 MB: several chunks


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    path = tmp_path / "server" / "weights.pth"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path


def test_fetch_with_the_right_checksum(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "models" / "weights.pth"
    calls: list[tuple[int, int, str]] = []
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    assert fetch_file(source.as_uri(), target, digest, lambda *call: calls.append(call)) == target
    assert target.read_bytes() == PAYLOAD
    assert list(target.parent.iterdir()) == [target]  # no temporary file left beside it
    done = [call[0] for call in calls]
    assert len(calls) >= 3 and done == sorted(done) and len(set(done)) == len(done)
    assert done[-1] == len(PAYLOAD) and all(call[1] == len(PAYLOAD) for call in calls)
    assert "weights.pth" in calls[-1][2]


def test_checksum_mismatch_leaves_nothing(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "models" / "weights.pth"
    wrong = "0" * 64
    with pytest.raises(DownloadError) as caught:
        fetch_file(source.as_uri(), target, wrong, lambda *call: None)
    message = str(caught.value)
    assert str(target) in message and wrong in message and hashlib.sha256(PAYLOAD).hexdigest() in message
    assert isinstance(caught.value, ModelError)
    assert list(target.parent.iterdir()) == []


def test_mismatch_keeps_an_existing_file(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "weights.pth"
    target.write_bytes(b"old")
    with pytest.raises(DownloadError):
        fetch_file(source.as_uri(), target, "1" * 64, lambda *call: None)
    assert target.read_bytes() == b"old"


def test_unknown_digest_is_logged(source: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    target = tmp_path / "weights.pth"
    with caplog.at_level(logging.WARNING, logger="core.downloads"):
        fetch_file(source.as_uri(), target, None, lambda *call: None)
    assert target.read_bytes() == PAYLOAD
    assert hashlib.sha256(PAYLOAD).hexdigest() in caplog.text


def test_without_a_callback_a_tqdm_bar_is_used(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "weights.pth"
    fetch_file(source.as_uri(), target, hashlib.sha256(PAYLOAD).hexdigest())
    assert target.read_bytes() == PAYLOAD


def test_unreachable_source_says_what_to_do_by_hand(tmp_path: Path) -> None:
    target = tmp_path / "models" / "weights.pth"
    url = (tmp_path / "missing.pth").as_uri()
    with pytest.raises(DownloadError) as caught:
        fetch_file(url, target, None, lambda *call: None)
    message = str(caught.value)
    assert url in message and str(target) in message and "by hand" in message
    assert not target.exists()


def test_known_weights_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path))
    assert set(downloads.KNOWN_WEIGHTS) == {"retinaface", "retinaface-mobile", "parsenet"}
    for name, info in downloads.KNOWN_WEIGHTS.items():
        assert info.name == name and info.url.startswith("https://") and info.url.endswith(info.filename)
        assert info.sha256 is None or (len(info.sha256) == 64 and int(info.sha256, 16) >= 0)
        assert info.licence
        assert weights_path(name) == tmp_path / info.filename
    with pytest.raises(ValueError, match="retinaface"):
        weights_path("nonsense")


def test_fetch_weights_uses_the_table(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path / "models"))
    info = downloads.KNOWN_WEIGHTS["parsenet"]
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    patched = dataclasses.replace(info, url=source.as_uri(), sha256=digest)
    monkeypatch.setitem(downloads.KNOWN_WEIGHTS, "parsenet", patched)
    path = downloads.fetch_weights("parsenet", lambda *call: None)
    assert path == tmp_path / "models" / "parsing_parsenet.pth" and path.read_bytes() == PAYLOAD
