"""Own generators, their file format, and third-party models through spandrel (random weights only)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import torch

from core.errors import ModelError
from core.models.loading import default_model_path, load_model, resolve_model, set_default_model
from core.models.registry import build_generator
from core.models.store import read_metadata
from tests.conftest import make_model_file


@pytest.mark.parametrize("arch", ["srresnet", "rcan"])
@pytest.mark.parametrize("scale", [1, 2, 4, 8])
def test_generators_output_scale_times_input(arch: str, scale: int) -> None:
    unshuffle = 4 if scale == 1 else 1
    model = build_generator(arch, dict(scale=scale, unshuffle=unshuffle, channels=16,
                                       **({"num_blocks": 1} if arch == "srresnet" else {"num_groups": 1, "num_blocks": 1})))
    out = model(torch.rand(2, 3, 20, 28))  # not a multiple of the unshuffle factor: padded then cropped
    assert out.shape == (2, 3, 20 * scale, 28 * scale)


def test_bad_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="power of two"):
        build_generator("rcan", dict(scale=3))


def test_saved_model_reloads_with_same_outputs_and_metadata(tmp_path: Path) -> None:
    path = make_model_file(tmp_path / "m.safetensors", arch="srresnet", input_size=32, scale=4)
    loaded = load_model(path)
    assert (loaded.info.arch, loaded.info.scale, loaded.info.input_size, loaded.info.kind) == ("srresnet", 4, 32, "face")
    again = load_model(path)
    x = torch.rand(1, 3, 32, 32)
    with torch.inference_mode():
        assert torch.equal(loaded.forward(x, 0.5), again.forward(x, 0.5))
    assert read_metadata(path).input_size == 32


def test_identity_model_returns_its_input(identity_model: Path) -> None:
    x = torch.rand(1, 3, 64, 64)
    with torch.inference_mode():
        assert torch.allclose(load_model(identity_model).forward(x, 0.5), x, atol=1e-6)


def _assert_one_line_error_naming(path: Path, match: str) -> None:
    with pytest.raises(ModelError, match=match) as caught:
        load_model(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message and len(message) < 400


def test_corrupt_safetensors_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.safetensors"
    path.write_bytes(os.urandom(300))
    _assert_one_line_error_naming(path, "safetensors")


def test_text_file_named_pth_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.pth"
    path.write_text("these are not weights")
    _assert_one_line_error_naming(path, "corrupt")


class _Hostile:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


def test_hostile_pickle_is_refused_without_running_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    with open(path, "wb") as handle:
        pickle.dump({"weight": _Hostile(marker)}, handle)
    torch.save({"weight": _Hostile(marker)}, tmp_path / "evil2.pth")
    for candidate in (path, tmp_path / "evil2.pth"):
        with pytest.raises(ModelError):
            load_model(candidate)
    assert not marker.exists()


def test_unknown_architecture_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mystery.pth"
    torch.save({"foo.weight": torch.zeros(3, 3), "bar.bias": torch.zeros(3)}, path)
    _assert_one_line_error_naming(path, "unsupported model")


def test_models_are_found_by_name_and_default_can_be_set(tmp_path: Path) -> None:
    user = Path(os.environ["FACESR_MODELS_DIR"])
    make_model_file(user / "my-faces.safetensors")
    assert resolve_model("my-faces") == user / "my-faces.safetensors"
    with pytest.raises(ModelError, match="no such model"):
        resolve_model("nonexistent-model")
    set_default_model("my-faces")
    assert default_model_path() == user / "my-faces.safetensors"


def test_missing_default_model_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("core.models.loading.shipped_weights_dir", lambda: tmp_path / "empty")
    with pytest.raises(ModelError, match="python main.py train"):
        default_model_path()


@pytest.fixture(scope="module")
def third_party_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Full-size GFPGAN v1.x (clean) and CodeFormer state dicts with random weights (spandrel detects
    these architectures by their exact shapes, so they cannot be made smaller)."""
    from spandrel.architectures.GFPGAN.__arch.gfpganv1_clean_arch import GFPGANv1Clean
    from spandrel_extra_arches.architectures.CodeFormer.__arch.codeformer import CodeFormer

    folder = tmp_path_factory.mktemp("third-party")
    files = {"GFPGAN": folder / "GFPGANv1.4.pth", "CodeFormer": folder / "codeformer.pth"}
    torch.manual_seed(0)
    torch.save(GFPGANv1Clean().state_dict(), files["GFPGAN"])
    torch.save(CodeFormer(dim_embd=64, n_head=2, n_layers=1, codebook_size=64).state_dict(), files["CodeFormer"])
    return files


@pytest.mark.parametrize("arch, fidelity", [("GFPGAN", False), ("CodeFormer", True)])
def test_third_party_face_models_load_through_spandrel(third_party_files: dict[str, Path], arch: str,
                                                       fidelity: bool) -> None:
    from core.restorer import Restorer

    model = load_model(third_party_files[arch])
    assert (model.info.arch, model.info.kind, model.info.input_size) == (arch, "face", 512)
    assert model.info.supports_fidelity is fidelity
    assert model.info.license  # shown in the model list (CodeFormer: non-commercial)
    face = (torch.rand(512, 512, 3) * 255).byte().numpy()
    (restored,) = Restorer(model, device="cpu").restore_faces([face])
    assert restored.shape == (512, 512, 3) and restored.dtype.name == "uint8"


def test_codeformer_licence_warns_non_commercial(third_party_files: dict[str, Path]) -> None:
    assert "non-commercial" in load_model(third_party_files["CodeFormer"]).info.license


def test_install_model_copies_a_loadable_file_and_never_replaces_one(tmp_path: Path) -> None:
    from core.models.loading import install_model, resolve_model
    from core.paths import user_models_dir

    source = make_model_file(tmp_path / "mine.safetensors")
    installed = install_model(source, "portrait")
    assert installed == user_models_dir() / "portrait.safetensors"
    assert installed.read_bytes() == source.read_bytes()
    assert resolve_model("portrait") == installed
    with pytest.raises(ModelError, match="already installed"):
        install_model(source, "portrait")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelError) as caught:
        install_model(junk)
    assert caught.value.path == junk
    assert not (user_models_dir() / "junk.pth").exists()


def test_release_keeps_the_weights_and_replaces_the_run_facts(tmp_path: Path) -> None:
    from core.training.release import release

    source = make_model_file(tmp_path / "best_g_ema.safetensors")
    target = tmp_path / "weights" / "facesr-test.safetensors"
    release(source, target, "facesr-test", "a test model", "research only", {"steps": 12})
    meta = read_metadata(target)
    assert (meta.name, meta.description, meta.license, meta.training) == \
        ("facesr-test", "a test model", "research only", {"steps": 12})
    original, released = load_model(source).module, load_model(target).module
    for (key, a), (_, b) in zip(original.state_dict().items(), released.state_dict().items()):
        assert torch.equal(a, b), key
