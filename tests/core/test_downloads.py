"""core.downloads through file:// URLs and a loopback HTTP server on 127.0.0.1: the internet is never touched."""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import logging
import re
from pathlib import Path

import pytest

from core import downloads
from core.downloads import DownloadError, fetch_file, partial_path, weights_path
from core.errors import ModelError
from core.progress import CancelToken, Cancelled
from tests.loopback import Loopback, refused_url, serving

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
        assert info.sha256 is not None and re.fullmatch(r"[0-9a-f]{64}", info.sha256), name  # hashlib's hexdigest
        assert info.licence
        assert weights_path(name) == tmp_path / info.filename
    with pytest.raises(ValueError, match="retinaface"):
        weights_path("nonsense")


def test_fetch_weights_uses_the_table(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path / "models"))
    info = downloads.KNOWN_WEIGHTS["parsenet"]
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    patched = dataclasses.replace(info, url=source.as_uri(), sha256=digest, size=len(PAYLOAD))
    monkeypatch.setitem(downloads.KNOWN_WEIGHTS, "parsenet", patched)
    path = downloads.fetch_weights("parsenet", lambda *call: None)
    assert path == tmp_path / "models" / "parsing_parsenet.pth" and path.read_bytes() == PAYLOAD


# --- over HTTP, from a loopback server --------------------------------------------------------------

DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture(autouse=True)
def no_pause_between_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(downloads, "RETRY_PAUSE_S", 0.0)


def _left_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_http_download_reports_bytes_and_lands_atomically(tmp_path: Path) -> None:
    target = tmp_path / "models" / "weights.pth"
    calls: list[tuple[int, int, str]] = []
    with serving(Loopback({"weights.pth": PAYLOAD})) as server:
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: calls.append(call),
                   expected_size=len(PAYLOAD))
    assert target.read_bytes() == PAYLOAD and _left_in(target.parent) == ["weights.pth"]
    assert [call[0] for call in calls] == sorted({call[0] for call in calls}) and calls[-1][0] == len(PAYLOAD)
    assert {call[1] for call in calls} == {len(PAYLOAD)} and len(calls) >= 3
    assert server.requests == [("/weights.pth", None)]  # one request, no Range: nothing to resume


def test_http_digest_mismatch_deletes_the_data_and_names_file_and_cause(tmp_path: Path) -> None:
    target = tmp_path / "models" / "weights.pth"
    with serving(Loopback({"weights.pth": PAYLOAD[:-1] + b"x"})) as server, \
            pytest.raises(DownloadError) as caught:
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: None)
    assert str(target) in str(caught.value) and "checksum mismatch" in str(caught.value)
    assert _left_in(target.parent) == []  # neither the file nor its part


def test_a_wrong_exact_size_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "weights.pth"
    with serving(Loopback({"weights.pth": PAYLOAD})) as server, pytest.raises(DownloadError, match="size mismatch"):
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: None, expected_size=len(PAYLOAD) + 1)
    assert _left_in(tmp_path) == []


def test_a_connection_closed_mid_file_is_resumed_with_range(tmp_path: Path) -> None:
    target = tmp_path / "weights.pth"
    calls: list[tuple[int, int, str]] = []
    state = Loopback({"weights.pth": PAYLOAD}, drop_after=1_000_000, drops=1)
    with serving(state) as server:
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: calls.append(call))
    assert target.read_bytes() == PAYLOAD and _left_in(tmp_path) == ["weights.pth"]
    assert server.requests == [("/weights.pth", None), ("/weights.pth", "bytes=1000000-")]
    assert calls[-1][:2] == (len(PAYLOAD), len(PAYLOAD))  # the resumed part counts from the offset


def test_a_server_that_ignores_range_gets_a_full_restart(tmp_path: Path) -> None:
    target = tmp_path / "weights.pth"
    state = Loopback({"weights.pth": PAYLOAD}, ranges=False, drop_after=1_000_000, drops=1)
    with serving(state) as server:
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: None)
    assert target.read_bytes() == PAYLOAD  # not the first megabyte twice
    assert [header for _, header in server.requests] == [None, "bytes=1000000-"]


def test_a_part_left_by_a_broken_download_is_resumed_by_the_next_call(tmp_path: Path) -> None:
    target = tmp_path / "weights.pth"
    state = Loopback({"weights.pth": PAYLOAD}, drop_after=700_000, drops=downloads.ATTEMPTS)
    with serving(state) as server:
        with pytest.raises(DownloadError) as caught:
            fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: None)
        part = partial_path(target)
        assert not target.exists() and part.is_file() and part.stat().st_size == 700_000 * downloads.ATTEMPTS
        assert str(part) in str(caught.value) and "resumes" in str(caught.value)
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: None)
    assert target.read_bytes() == PAYLOAD and _left_in(tmp_path) == ["weights.pth"]
    assert server.requests[-1] == ("/weights.pth", f"bytes={700_000 * downloads.ATTEMPTS}-")


def test_http_404_names_the_url_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "models" / "weights.pth"
    with serving(Loopback({})) as server, pytest.raises(DownloadError) as caught:
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: None)
    message = str(caught.value)
    assert "HTTP 404" in message and server.url("weights.pth") in message and "\n" not in message
    assert _left_in(target.parent) == []


def test_connection_refused_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "models" / "weights.pth"
    url = refused_url()
    with pytest.raises(DownloadError) as caught:
        fetch_file(url, target, DIGEST, lambda *call: None)
    message = str(caught.value)
    assert url in message and str(target) in message and "refused" in message.lower() and "\n" not in message
    assert _left_in(target.parent) == []


def test_cancel_stops_the_download_and_deletes_the_part(tmp_path: Path) -> None:
    target = tmp_path / "weights.pth"
    token = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        if done >= 500_000:
            token.cancel()

    with serving(Loopback({"weights.pth": PAYLOAD})) as server, pytest.raises(Cancelled):
        fetch_file(server.url("weights.pth"), target, DIGEST, progress, cancel=token)
    assert _left_in(tmp_path) == []


def test_the_catalogue_holds_exactly_the_four_official_models() -> None:
    expected = {
        "gfpgan-1.4": ("https://github.com/TencentARC/GFPGAN/releases/download/v1.3.0/GFPGANv1.4.pth",
                       "e2cd4703ab14f4d01fd1383a8a8b266f9a5833dacee8e6a79d3bf21a1b6be5ad", None, "face"),
        "codeformer": ("https://github.com/sczhou/CodeFormer/releases/download/v0.1.0/codeformer.pth",
                       "1009e537e0c2a07d4cabce6355f53cb66767cd4b4297ec7a4a64ca4b8a5684b7", 376_637_898, "face"),
        "realesrgan-x4plus": ("https://github.com/xinntao/Real-ESRGAN/releases/download/v0.1.0/RealESRGAN_x4plus.pth",
                              "4fa0d38905f75ac06eb49a7951b426670021be3018265fd191d2125df9d682f1", None, "sr"),
        "realesr-general-x4v3": (
            "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-general-x4v3.pth",
            "8dc7edb9ac80ccdc30c3a5dca6616509367f05fbc184ad95b731f05bece96292", 4_885_111, "sr"),
    }
    assert {name: (i.url, i.sha256, i.size, i.kind) for name, i in downloads.CATALOGUE.items()} == expected
    for info in downloads.CATALOGUE.values():
        assert info.url.endswith("/" + info.filename) and info.licence and info.good_at and info.display_size
    assert "non-commercial" in downloads.CATALOGUE["codeformer"].licence


def test_catalogue_entries_say_which_are_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path))
    (tmp_path / "codeformer.pth").write_bytes(b"weights")
    installed = {entry.info.name: entry.path for entry in downloads.catalogue_entries()}
    assert installed == {"gfpgan-1.4": None, "codeformer": tmp_path / "codeformer.pth",
                         "realesrgan-x4plus": None, "realesr-general-x4v3": None}
    assert [e.info.name for e in downloads.catalogue_entries_not_installed()] == \
        ["gfpgan-1.4", "realesrgan-x4plus", "realesr-general-x4v3"]
    assert downloads.catalogue_match("GFPGANv1.4").name == "gfpgan-1.4"
    assert downloads.catalogue_match("nonsense") is None


def test_transfer_rate_and_time_left() -> None:
    rate = downloads.TransferRate(window_s=5.0)
    for second in range(8):
        rate.update(second * 2_000_000, now=100.0 + second)
    assert rate.bytes_per_second == pytest.approx(2_000_000)
    assert rate.seconds_left(20_000_000) == pytest.approx(3.0)
    assert downloads.format_bytes(376_637_898) == "377 MB" and downloads.format_bytes(4_885_111) == "4.9 MB"


# --- the digest is computed while the bytes stream in -------------------------------------------------

def _record_reads(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files under ``folder`` opened for reading from now on (Path.open, read_bytes and open())."""
    reads: list[str] = []
    path_open, builtin_open = Path.open, builtins.open

    def note(file: object, mode: str) -> None:
        if isinstance(file, (str, Path)) and "r" in mode and Path(file).is_relative_to(folder):
            reads.append(Path(file).name)

    def recording_path_open(self: Path, mode: str = "r", *args, **kwargs):  # type: ignore[no-untyped-def]
        note(self, mode)
        return path_open(self, mode, *args, **kwargs)

    def recording_open(file, mode: str = "r", *args, **kwargs):  # type: ignore[no-untyped-def]
        note(file, mode)
        return builtin_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", recording_path_open)
    monkeypatch.setattr(builtins, "open", recording_open)
    return reads


def test_a_downloaded_file_is_not_read_back_to_be_hashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "models" / "weights.pth"
    reads = _record_reads(tmp_path, monkeypatch)
    with serving(Loopback({"weights.pth": PAYLOAD})) as server:
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: None, expected_size=len(PAYLOAD))
        with pytest.raises(DownloadError, match="checksum mismatch"):
            fetch_file(server.url("weights.pth"), target, "0" * 64, lambda *call: None)
    assert target.read_bytes() == PAYLOAD
    assert reads == ["weights.pth"]  # only the read just above: neither the part nor the landed file before


def test_a_resume_hashes_the_bytes_already_there_once_then_the_streamed_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "weights.pth"
    part = partial_path(target)
    part.write_bytes(PAYLOAD[:1_000_000])  # left by an earlier call
    reads = _record_reads(tmp_path, monkeypatch)
    read_at_each_chunk: list[list[str]] = []
    with serving(Loopback({"weights.pth": PAYLOAD})) as server:
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: read_at_each_chunk.append(list(reads)))
        assert server.requests == [("/weights.pth", "bytes=1000000-")]
    assert read_at_each_chunk[0] == [part.name]  # the part's first megabyte, before the first streamed chunk
    assert reads == [part.name] and target.read_bytes() == PAYLOAD  # and nothing after


def test_a_resumed_part_with_wrong_bytes_fails_its_digest_and_is_deleted(tmp_path: Path) -> None:
    target = tmp_path / "weights.pth"
    partial_path(target).write_bytes(b"x" * 1_000_000)  # not the server's first megabyte
    with serving(Loopback({"weights.pth": PAYLOAD})) as server, \
            pytest.raises(DownloadError, match="checksum mismatch"):
        fetch_file(server.url("weights.pth"), target, DIGEST, lambda *call: None)
    assert server.requests == [("/weights.pth", "bytes=1000000-")] and _left_in(tmp_path) == []
