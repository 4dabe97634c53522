"""`restore --shard K/N`: N processes split one folder with no overlap and no lost file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from core.batch import Job, parse_shard, plan_jobs, select_shard, shard_of
from core.cli import main
from core.config import OutputSettings
from core.io import write_image


def _jobs(names: list[str], out: Path) -> list[Job]:
    return [Job(Path("in") / name, out / name) for name in names]


NAMES = [f"{folder}/IMG_{index:04d}.jpg" for folder in ("2019", "2020/summer", "2021") for index in range(40)]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shares_are_disjoint_and_together_hold_every_file(count: int) -> None:
    jobs = _jobs(NAMES, Path("out"))
    shares = [select_shard(jobs, Path("out"), index, count) for index in range(1, count + 1)]
    assert sum(len(share) for share in shares) == len(jobs)
    assert set().union(*map(set, shares)) == set(jobs)
    for share in shares:
        assert share == [job for job in jobs if job in share]  # each keeps the sorted order
    if count > 1:
        assert all(share for share in shares)  # 120 files: every process gets work


def test_a_file_keeps_its_share_when_other_files_come_and_go() -> None:
    """Processes that list the folder at different moments still agree on every file they both see."""
    out = Path("out")
    everything = _jobs(NAMES, out)
    fewer = everything[::3]
    for index in range(1, 5):
        assert set(select_shard(fewer, out, index, 4)) == set(fewer) & set(select_shard(everything, out, index, 4))


def test_the_share_is_the_same_in_every_process() -> None:
    """A content hash of the relative output path, not Python's per-process randomised hash()."""
    out = Path("out")
    for name in ("a.jpg", "sub/c.png"):
        expected = 1 + int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % 1000
        assert shard_of(Job(Path("anywhere") / name, out / name), out, 1000) == expected


def test_inputs_writing_the_same_output_share_a_process(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.png", "a.bmp", "b.tif"):
        (folder / name).write_bytes(b"")
    jobs = plan_jobs(folder, tmp_path / "out", OutputSettings())
    same_target = [job for job in jobs if job.shared is not None and job.shared.name == "a.png"]
    assert len(same_target) == 2 and len({job.target for job in same_target}) == 2  # renamed apart
    assert len({shard_of(job, tmp_path / "out", 3) for job in same_target}) == 1
    # the share follows the shared name, so a process that saw only a.png puts it in the same share
    alone = plan_jobs(folder / "a.png", tmp_path / "out", OutputSettings())
    assert shard_of(alone[0], tmp_path / "out", 3) == shard_of(same_target[0], tmp_path / "out", 3)


@pytest.mark.parametrize("text", ["0/3", "4/3", "1", "1/0", "a/b", "1/2/3", "-1/2"])
def test_bad_shard_specs_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="K/N"):
        parse_shard(text)
    assert parse_shard("2/3") == (2, 3)


def test_shard_processes_fill_one_folder_together(tmp_path: Path, astronaut: np.ndarray, tiny_model: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    small = np.ascontiguousarray(astronaut[::4, ::4])
    names = [f"p{index}.png" for index in range(6)]
    for name in names:
        write_image(folder / name, small)
    common = ["restore", "-i", str(folder), "-o", str(out), "--model", str(tiny_model), "-s", "1", "--device", "cpu"]
    written: list[set[str]] = []
    for index in (1, 2, 3):
        before = set(p.name for p in out.iterdir()) if out.exists() else set()
        assert main([*common, "--shard", f"{index}/3"]) == 0
        written.append({p.name for p in out.iterdir() if not p.name.startswith(".")} - before)
        assert f"shard {index}/3: {len(written[-1])} of 6 files" in capsys.readouterr().out
    assert set().union(*written) == set(names)
    assert sum(map(len, written)) == len(names)
    assert main([*common, "--shard", "3/2"]) == 2
    assert "1 <= K <= N" in capsys.readouterr().err
