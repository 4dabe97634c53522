"""ONNX Runtime on the CPU: export once, verify against PyTorch, cache the verdict, fall back to PyTorch."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core import onnx_backend
from core.cli import main
from core.config import RestoreSettings
from core.models.loading import LoadedModel, ModelInfo, load_model
from core.onnx_backend import TOLERANCE, OnnxRunner, cache_folder, prepare
from core.progress import Stage
from core.restorer import Restorer

needs_onnxruntime = pytest.mark.skipif(not onnx_backend.available(), reason="onnxruntime is not installed")


@pytest.fixture
def export_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the models exported during the test (the real export runs)."""
    calls: list[str] = []
    real_export = onnx_backend.export

    def counting(model: LoadedModel, exporter: str) -> bytes:
        calls.append(model.info.name)
        return real_export(model, exporter)

    monkeypatch.setattr(onnx_backend, "export", counting)
    return calls


def _faces(size: int, count: int = 2) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(count)]


def _largest_difference(first: list[np.ndarray], second: list[np.ndarray]) -> int:
    return max(int(np.abs(a.astype(int) - b.astype(int)).max()) for a, b in zip(first, second, strict=True))


@needs_onnxruntime
def test_export_is_verified_cached_and_reused_without_exporting_again(tiny_model: Path,
                                                                       export_calls: list[str]) -> None:
    stages: list[str] = []
    first = Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx",
                     progress=lambda done, total, message: stages.append(message))
    assert first.onnx is not None and export_calls == ["tiny"] and stages == [Stage.PREPARE_MODEL]
    assert len(list(cache_folder().glob("tiny-*.onnx"))) == 1

    stages.clear()
    second = Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx",
                      progress=lambda done, total, message: stages.append(message))
    assert second.onnx is not None and export_calls == ["tiny"] and stages == []  # from the cache

    faces = _faces(256)
    plain = Restorer(load_model(tiny_model), "cpu", cpu_backend="torch")
    assert plain.onnx is None
    assert _largest_difference(second.restore_faces(faces), plain.restore_faces(faces)) <= 1  # 1/255
    # ONNX Runtime has the weights: PyTorch's copy is given back (a third of a GB for GFPGAN)
    assert all(p.is_meta for p in second.model.module.parameters())
    assert not any(p.is_meta for p in plain.model.module.parameters())


@needs_onnxruntime
def test_output_that_differs_from_pytorch_falls_back_and_the_verdict_is_cached(
        tiny_model: Path, export_calls: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    real_call = OnnxRunner.__call__
    monkeypatch.setattr(OnnxRunner, "__call__",
                        lambda self, batch, fidelity: real_call(self, batch, fidelity) + 0.01)
    restorer = Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx")
    assert restorer.onnx is None and export_calls == ["tiny", "tiny"]  # both exporters tried
    (note,) = cache_folder().glob("tiny-*.rejected.txt")
    assert "differs from PyTorch" in note.read_text(encoding="utf-8")
    assert not list(cache_folder().glob("*.onnx"))

    again = Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx")
    assert again.onnx is None and export_calls == ["tiny", "tiny"]  # not exported again


@needs_onnxruntime
def test_a_corrupt_cache_file_is_exported_again(tiny_model: Path, export_calls: list[str]) -> None:
    Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx")
    (cached,) = cache_folder().glob("tiny-*.onnx")
    cached.write_bytes(b"not an onnx file")
    restorer = Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx")
    assert restorer.onnx is not None and export_calls == ["tiny", "tiny"]
    assert cached.stat().st_size > 1000


@needs_onnxruntime
def test_the_cache_keeps_the_recently_used_exports_within_its_budget(tiny_model: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = cache_folder()
    folder.mkdir(parents=True)
    stale, used = folder / "stale-GFPGAN-512px-0.onnx", folder / "used-GFPGAN-512px-1.onnx"
    for age, path in enumerate((used, stale)):
        path.write_bytes(bytes(4000))
        os.utime(path, ns=(10**18 - age, 10**18 - age))  # stale is the older
    note = folder / "other.rejected.txt"
    note.write_text("a verdict", encoding="utf-8")
    exported_size = len(onnx_backend.export(load_model(tiny_model), onnx_backend.TORCHSCRIPT_EXPORTER))
    monkeypatch.setattr(onnx_backend, "CACHE_BUDGET", exported_size + 4000 + 100)  # room for one old file
    Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx")
    assert used.is_file() and not stale.is_file() and note.is_file()
    (export,) = folder.glob("tiny-*.onnx")
    os.utime(export, ns=(1, 1))
    Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx")  # from the cache: now the most recently used
    assert export.stat().st_mtime_ns > used.stat().st_mtime_ns

    monkeypatch.setattr(onnx_backend, "CACHE_BUDGET", 1)  # smaller than any export: the one in use stays
    os.utime(tiny_model, ns=(1, 1))  # replaced weights: exported again, and the old export is stale
    Restorer(load_model(tiny_model), "cpu", cpu_backend="onnx")
    assert [path.name.startswith("tiny-") for path in folder.glob("*.onnx")] == [True]


def test_replaced_weights_get_another_cache_entry(tiny_model: Path) -> None:
    before = onnx_backend.cache_stem(load_model(tiny_model).info)
    os.utime(tiny_model, ns=(1, 1))  # the same name and size, another modification time: replaced weights
    assert onnx_backend.cache_stem(load_model(tiny_model).info) != before


def test_installing_an_exporter_package_gets_another_cache_entry(tiny_model: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A rejection noted while onnxscript was missing must not outlive its installation."""
    info = load_model(tiny_model).info
    real_version = onnx_backend._version
    monkeypatch.setattr(onnx_backend, "_version", lambda package: "none" if package == "onnxscript" else
                        real_version(package))
    without = onnx_backend.cache_stem(info)
    monkeypatch.setattr(onnx_backend, "_version", lambda package: "0.7.2" if package == "onnxscript" else
                        real_version(package))
    assert onnx_backend.cache_stem(info) != without


class _Blend(torch.nn.Module):
    """A toy with CodeFormer's fidelity pattern: ``if weight > 0`` in Python, then ``weight * residual``."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, batch: torch.Tensor, weight: float) -> torch.Tensor:
        out = torch.sigmoid(self.conv(batch))
        if weight > 0:
            out = out + weight * (batch - out)
        return out


@needs_onnxruntime
def test_fidelity_is_an_input_of_the_exported_graph(tmp_path: Path) -> None:
    module = _Blend().eval()
    weights = tmp_path / "blend.pth"
    torch.save(module.state_dict(), weights)
    info = ModelInfo(name="blend", path=weights, arch="Blend", kind="face", scale=1, input_size=32,
                     parameters=84, supports_fidelity=True)
    model = LoadedModel(info, module, lambda batch, fidelity: module(batch, fidelity))
    runner = prepare(model, folder=tmp_path / "cache")
    assert runner is not None
    face = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    outputs = []
    for fidelity in (0.0, 0.3, 1.0):  # none of them the value the exporter traced with
        with torch.inference_mode():
            expected = model.forward(face, fidelity)
        outputs.append(runner(face, fidelity))
        assert float((outputs[-1] - expected).abs().max()) <= TOLERANCE
    assert float((outputs[0] - outputs[2]).abs().max()) > 0.05  # the fidelity really changes the output


def test_cpu_backend_torch_never_imports_the_onnx_backend(tiny_model: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "core.onnx_backend", None)  # importing it now raises ImportError
    monkeypatch.setattr("core.restorer.CPU_ONNX_ARCHS", frozenset({"rcan"}))  # as if the tiny model were GFPGAN
    crop = tmp_path / "in" / "face.png"
    crop.parent.mkdir()
    Image.fromarray(_faces(32, 1)[0]).save(crop)
    assert main(["restore", "-i", str(crop), "-o", str(tmp_path / "out"), "--model", str(tiny_model),
                 "--aligned", "--cpu-backend", "torch", "--device", "cpu"]) == 0
    assert (tmp_path / "out" / "face.png").is_file()
    with pytest.raises(ImportError):  # guards the test: auto would import it for this architecture
        Restorer(load_model(tiny_model), "cpu", cpu_backend="auto")


def test_cpu_backend_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="CPU backend"):
        RestoreSettings(cpu_backend="gpu")


@pytest.mark.slow
@needs_onnxruntime
@pytest.mark.parametrize("name", ["gfpgan", "codeformer", "restoreformer"])
def test_real_512_px_architectures_run_through_onnx_runtime(name: str, tmp_path: Path) -> None:
    from core.bench import random_face_model

    path = random_face_model(name, tmp_path)
    fast = Restorer(load_model(path), "cpu", fidelity=0.3, cpu_backend="auto")
    assert fast.onnx is not None, f"{name} did not export or verify (see the log)"
    plain = Restorer(load_model(path), "cpu", fidelity=0.3, cpu_backend="torch")
    faces = _faces(512, 1)
    assert _largest_difference(fast.restore_faces(faces), plain.restore_faces(faces)) <= 1
