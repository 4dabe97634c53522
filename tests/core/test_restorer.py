"""The restorer: seamless tiles, memory-bounded batches."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from core.errors import FaceSRError
from core.models.loading import load_model
from core.memory import FACE_BYTES_PER_INPUT_PIXEL, face_batch_limit
from core.progress import CancelToken, Cancelled
from core.restorer import Restorer, batch_for_memory, restore_aligned, to_channels_last, uses_channels_last
from tests.conftest import make_model_file


def _sr_model(tmp_path: Path) -> Restorer:
    # SRResNet has no global operation, so tiles with enough context must equal the whole-image result
    path = make_model_file(tmp_path / "sr.safetensors", arch="srresnet", scale=2, input_size=32, seed=3)
    return Restorer(load_model(path), device="cpu")


def test_tiled_upscale_has_no_seams(tmp_path: Path) -> None:
    restorer = _sr_model(tmp_path)
    image = np.random.default_rng(0).integers(0, 256, (70, 90, 3), dtype=np.uint8)
    whole = restorer.upscale(image, tile=0)
    tiled = restorer.upscale(image, tile=24, pad=16)
    assert tiled.shape == (140, 180, 3)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1


def test_tiles_without_context_would_show_seams(tmp_path: Path) -> None:
    """Guards the test above: with no padding the tiles really differ, so equality is not trivial."""
    restorer = _sr_model(tmp_path)
    image = np.random.default_rng(0).integers(0, 256, (70, 90, 3), dtype=np.uint8)
    assert np.abs(restorer.upscale(image, tile=0).astype(int) - restorer.upscale(image, tile=24, pad=0)).max() > 1


def test_out_of_memory_halves_the_batch_and_still_restores_all(identity_model: Path, monkeypatch) -> None:
    restorer = Restorer(load_model(identity_model), device="cpu")
    restorer.max_batch = 4  # as on a device that batches (the CPU takes one face per pass)
    real_run = restorer.run

    def run_small_batches_only(batch: torch.Tensor) -> torch.Tensor:
        if batch.shape[0] > 1:
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 TB")
        return real_run(batch)

    monkeypatch.setattr(restorer, "run", run_small_batches_only)
    faces = [np.full((256, 256, 3), value, dtype=np.uint8) for value in (10, 120, 240)]
    restored = restorer.restore_faces(faces)
    assert len(restored) == 3 and restorer.max_batch == 1
    assert [int(face.mean()) for face in restored] == [10, 120, 240]  # every face, in order


def test_the_batch_is_bounded_by_the_free_memory(identity_model: Path) -> None:
    info = load_model(identity_model).info  # 256-px faces: 3000 B/px * 65536 px = 197 MB of work per face
    per_face = FACE_BYTES_PER_INPUT_PIXEL * info.input_size ** 2
    assert batch_for_memory(info, 16, free=int(6.5 * per_face)) == 3  # half of the free memory
    assert batch_for_memory(info, 16, free=per_face // 10) == 1  # always one face
    assert batch_for_memory(info, 2, free=100 * per_face) == 2
    assert face_batch_limit(512, 8 * 2**30) == 5  # GFPGAN: 786 MB a face, 4 GB of 8 free
    assert face_batch_limit(512, None) is None


def test_the_cpu_restores_one_face_per_pass(identity_model: Path, monkeypatch) -> None:
    restorer = Restorer(load_model(identity_model), device="cpu")
    sizes: list[int] = []
    real_run = restorer.run
    monkeypatch.setattr(restorer, "run", lambda batch: sizes.append(batch.shape[0]) or real_run(batch))
    faces = [np.full((256, 256, 3), value, dtype=np.uint8) for value in (10, 120, 240)]
    assert [int(face.mean()) for face in restorer.restore_faces(faces)] == [10, 120, 240]
    assert sizes == [1, 1, 1]


def test_channels_last_where_it_runs_and_was_measured_faster(identity_model: Path) -> None:
    info = load_model(identity_model).info
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    assert not uses_channels_last(dataclasses.replace(info, arch="GFPGAN"), gpu)  # its .view() breaks in NHWC
    assert uses_channels_last(dataclasses.replace(info, arch="CodeFormer"), gpu)
    assert uses_channels_last(dataclasses.replace(info, arch="RestoreFormer"), cpu)
    assert not uses_channels_last(dataclasses.replace(info, arch="GFPGAN"), cpu)
    assert not uses_channels_last(info, cpu)  # the default architecture was not faster in NHWC on the CPU


def test_a_channels_last_model_restores_as_the_plain_one(tiny_model: Path, monkeypatch) -> None:
    faces = [np.random.default_rng(1).integers(0, 256, (256, 256, 3), dtype=np.uint8)]
    plain = Restorer(load_model(tiny_model), device="cpu", cpu_backend="torch")
    monkeypatch.setattr("core.restorer.CPU_CHANNELS_LAST", frozenset({plain.info.arch}))
    nhwc = Restorer(load_model(tiny_model), device="cpu", cpu_backend="torch")
    weights = [p for p in nhwc.model.module.parameters() if p.dim() == 4]
    assert nhwc.channels_last and not plain.channels_last and weights
    assert all(p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    assert any(not p.is_contiguous() for p in weights)  # the layout really changed
    difference = np.abs(plain.restore_faces(faces)[0].astype(int) - nhwc.restore_faces(faces)[0].astype(int))
    assert difference.max() <= 1


@pytest.mark.parametrize("native", [True, False])
def test_the_default_architecture_runs_in_bfloat16_only_where_the_cpu_computes_it(
        tmp_path: Path, tiny_model: Path, monkeypatch, native: bool) -> None:
    monkeypatch.setattr("core.restorer.cpu_has_bfloat16", lambda: native)  # emulated elsewhere: runs anyway
    faces = [np.random.default_rng(2).integers(0, 256, (256, 256, 3), dtype=np.uint8)]
    auto = Restorer(load_model(tiny_model), device="cpu")
    exact = Restorer(load_model(tiny_model), device="cpu", cpu_backend="torch")
    assert (auto.cpu_bfloat16, auto.channels_last) == (native, native) and not exact.cpu_bfloat16
    assert auto.precision == ("bfloat16 autocast" if native else "float32") and exact.precision == "float32"
    difference = np.abs(auto.restore_faces(faces)[0].astype(int) - exact.restore_faces(faces)[0].astype(int))
    assert difference.max() <= 2 and (difference.any() if native else not difference.any())
    other = make_model_file(tmp_path / "srres.safetensors", arch="srresnet", input_size=32, scale=4)
    assert not Restorer(load_model(other), device="cpu").cpu_bfloat16  # not measured faster: float32


def test_weights_of_five_dimensions_stay_as_they_are() -> None:
    module = torch.nn.Module()
    module.conv = torch.nn.Conv2d(3, 8, 3)
    module.modulated = torch.nn.Parameter(torch.rand(1, 8, 3, 3, 3))  # GFPGAN's shape of weight
    to_channels_last(module)
    assert module.conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert module.modulated.dim() == 5 and module.modulated.is_contiguous()


def test_cancel_stops_between_chunks(tiny_model: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        Restorer(load_model(tiny_model), device="cpu").restore_faces([np.zeros((256, 256, 3), np.uint8)], token)


def test_cuda_request_without_gpu_is_a_clear_error(tiny_model: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(FaceSRError, match="no CUDA GPU"):
        Restorer(load_model(tiny_model), device="cuda")


def test_restore_aligned_gives_the_crop_times_the_scale_and_leaves_larger_crops_unless_forced(
        tiny_model: Path) -> None:
    from core.imaging import resize_to

    restorer = Restorer(load_model(tiny_model), device="cpu")  # a face model with a 256-px input
    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    assert restore_aligned(small, 2, restorer).shape == (128, 160, 3)
    large = rng.integers(0, 256, (300, 300, 3), dtype=np.uint8)  # shrinking it would lose detail
    plain = restore_aligned(large, 2, restorer)
    assert np.array_equal(plain, resize_to(large, 600, 600))
    forced = restore_aligned(large, 2, restorer, force=True)
    assert forced.shape == (600, 600, 3) and not np.array_equal(forced, plain)


def test_training_never_imports_the_photo_pipeline() -> None:
    import ast

    training = Path(__file__).resolve().parents[2] / "core" / "training"
    importers = []
    for source in sorted(training.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if any(name == "core.pipeline" or name.startswith("core.pipeline.") for name in names):
                importers.append(source.name)
    assert sorted(training.glob("*.py")) and importers == []
