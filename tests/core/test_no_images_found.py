"""A folder without input images: the CLI and the benchmark refuse it with core's one message, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.bench import BenchSettings, run_bench
from core.cli import EXIT_USAGE, main
from core.errors import ImageReadError
from core.io import NO_IMAGES_FOUND


@pytest.fixture
def folder_without_images(tmp_path: Path) -> Path:
    folder = tmp_path / "album"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a photo", encoding="utf-8")
    return folder


def test_restore_refuses_it_with_the_message(folder_without_images: Path, tmp_path: Path, capsys) -> None:
    code = main(["restore", "-i", str(folder_without_images), "-o", str(tmp_path / "out")])
    assert code == EXIT_USAGE  # a refusal of what was asked, as for any FaceSRError
    assert capsys.readouterr().err.strip() == f"error: {folder_without_images}: {NO_IMAGES_FOUND}"


def test_the_benchmark_refuses_it_with_the_same_message(folder_without_images: Path) -> None:
    with pytest.raises(ImageReadError) as refused:
        run_bench(BenchSettings(photos=folder_without_images, repeats=1))
    assert refused.value.path == folder_without_images and refused.value.cause == NO_IMAGES_FOUND
