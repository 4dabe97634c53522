"""`models --download/--available` and catalogue names on the command line; served from a loopback server."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core import downloads
from core.cli import main
from core.models.loading import resolve_model
from tests.loopback import Loopback, refused_url, serving

PAYLOAD = os.urandom(300_000)


def _user_folder() -> Path:
    return Path(os.environ["FACESR_MODELS_DIR"])


def _point_at(monkeypatch: pytest.MonkeyPatch, name: str, url: str, payload: bytes) -> None:
    info = dataclasses.replace(downloads.CATALOGUE[name], url=url, sha256=hashlib.sha256(payload).hexdigest(),
                               size=len(payload))
    monkeypatch.setitem(downloads.CATALOGUE, name, info)


def test_download_prints_the_licence_first_and_installs_the_file(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    with serving(Loopback({"realesr-general-x4v3.pth": PAYLOAD})) as server:
        _point_at(monkeypatch, "realesr-general-x4v3", server.url("realesr-general-x4v3.pth"), PAYLOAD)
        assert main(["models", "--download", "realesr-general-x4v3"]) == 0
    out = capsys.readouterr().out
    assert out.index("licence: BSD-3-Clause") < out.index("downloaded")
    target = _user_folder() / "realesr-general-x4v3.pth"
    assert target.read_bytes() == PAYLOAD and sorted(p.name for p in target.parent.iterdir()) == [target.name]
    assert main(["models", "--download", "realesr-general-x4v3"]) == 0  # a second time: nothing fetched
    assert "already installed" in capsys.readouterr().out and len(server.requests) == 1


def test_no_network_is_one_clear_line_exit_1_and_nothing_left(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _point_at(monkeypatch, "codeformer", refused_url("codeformer.pth"), PAYLOAD)
    assert main(["models", "--download", "codeformer"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "codeformer.pth" in err and "could not download" in err
    assert not _user_folder().exists()  # not even the model folder was made


def test_a_wrong_digest_exits_1_and_names_the_file(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    with serving(Loopback({"codeformer.pth": PAYLOAD})) as server:
        _point_at(monkeypatch, "codeformer", server.url("codeformer.pth"), PAYLOAD + b"!")
        monkeypatch.setitem(downloads.CATALOGUE, "codeformer",
                            dataclasses.replace(downloads.CATALOGUE["codeformer"], size=None))
        assert main(["models", "--download", "codeformer"]) == 1
    err = capsys.readouterr().err
    assert "codeformer.pth" in err and "checksum mismatch" in err
    assert list(_user_folder().iterdir()) == []


def test_available_lists_the_catalogue_and_what_is_installed(capsys) -> None:
    _user_folder().mkdir(parents=True)
    (_user_folder() / "codeformer.pth").write_bytes(b"weights")
    assert main(["models", "--available"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and line.split()}
    assert set(downloads.CATALOGUE) <= set(lines)
    assert "installed" in lines["codeformer"] and "not downloaded" not in lines["codeformer"]
    for name in ("gfpgan-1.4", "realesrgan-x4plus", "realesr-general-x4v3"):
        assert "not downloaded" in lines[name]
    assert "non-commercial" in out and "Apache-2.0" in out


def test_restore_with_a_missing_catalogue_model_says_how_to_get_it_and_never_downloads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, astronaut: np.ndarray) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("restore tried to download")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    photo = tmp_path / "in.png"
    Image.fromarray(astronaut[::4, ::4]).save(photo)
    assert main(["restore", "-i", str(photo), "-o", str(tmp_path / "out"), "--model", "codeformer"]) == 2
    err = capsys.readouterr().err
    assert "codeformer is not downloaded yet" in err and "python main.py models --download codeformer" in err
    assert not (tmp_path / "out" / "in.png").exists()


def test_catalogue_names_resolve_to_the_downloaded_file() -> None:
    _user_folder().mkdir(parents=True)
    (_user_folder() / "GFPGANv1.4.pth").write_bytes(b"weights")
    assert resolve_model("gfpgan-1.4") == _user_folder() / "GFPGANv1.4.pth"
    assert resolve_model("GFPGANv1.4") == _user_folder() / "GFPGANv1.4.pth"
