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
    with pytest.raises(ModelError, match=r"python main\.py train"):
        default_model_path()


@pytest.fixture(scope="module")
def third_party_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Full-size GFPGAN v1.x (clean) and CodeFormer state dicts with random weights (spandrel detects
    these architectures by their exact shapes, so they cannot be made smaller)."""
    from spandrel.architectures.GFPGAN import GFPGAN as GFPGANv1Clean  # the packages' public exports
    from spandrel_extra_arches.architectures.CodeFormer import CodeFormer

    folder = tmp_path_factory.mktemp("third-party")
    files = {"GFPGAN": folder / "GFPGANv1.4.pth", "CodeFormer": folder / "codeformer.pth"}
    torch.manual_seed(0)
    torch.save(GFPGANv1Clean().state_dict(), files["GFPGAN"])
    torch.save(CodeFormer(dim_embd=64, n_head=2, n_layers=1, codebook_size=64).state_dict(), files["CodeFormer"])
    return files


@pytest.mark.slow
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
    for (key, a), (_, b) in zip(original.state_dict().items(), released.state_dict().items(), strict=True):
        assert torch.equal(a, b), key


# --- Hostile and broken model files: loading and listing never run a file's code nor let it allocate ---

class _EndlessSetState(torch.nn.Module):
    """Scripted into a TorchScript file whose loading never returns (its __setstate__ loops forever)."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def __getstate__(self) -> tuple[torch.Tensor, bool]:
        return (self.weight, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, bool]) -> None:
        self.weight = state[0]
        i = 0
        while i >= 0:
            i = i + 0


@pytest.fixture(scope="module")
def endless_torchscript(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("torchscript") / "endless.pt"
    torch.jit.save(torch.jit.script(_EndlessSetState()), str(path))
    return path.read_bytes()


@pytest.fixture
def no_code_loading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every door into TorchScript raises instead of running the file (so a regression fails, not hangs)."""
    calls: list[str] = []

    def refuse(name: str):
        def door(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise AssertionError(f"{name} was called: the file's code would have run")
        return door

    monkeypatch.setattr(torch.jit, "load", refuse("torch.jit.load"))
    monkeypatch.setattr(torch._C, "import_ir_module", refuse("torch._C.import_ir_module"))
    monkeypatch.setattr(torch._C, "import_ir_module_from_buffer", refuse("torch._C.import_ir_module_from_buffer"))
    return calls


@pytest.mark.parametrize("name", ["endless.pt", "renamed.pth", "renamed.ckpt"])
def test_torchscript_is_refused_without_running_its_code(endless_torchscript: bytes, no_code_loading: list[str],
                                                         tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(endless_torchscript)
    _assert_one_line_error_naming(path, "TorchScript")
    assert no_code_loading == []


def test_listing_models_never_runs_a_torchscript_file(endless_torchscript: bytes, no_code_loading: list[str],
                                                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import main
    from core.models.loading import describe_models

    monkeypatch.setattr("core.models.loading.shipped_weights_dir", lambda: tmp_path / "no-shipped")
    user = Path(os.environ["FACESR_MODELS_DIR"])
    user.mkdir(parents=True, exist_ok=True)
    (user / "endless.pt").write_bytes(endless_torchscript)
    make_model_file(user / "fine.safetensors")
    listed = {getattr(entry, "name", None) or entry.path.name: entry for entry in describe_models()}
    assert isinstance(listed["endless.pt"], ModelError) and "TorchScript" in str(listed["endless.pt"])
    assert listed["fine"].arch == "rcan"
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "unusable" in out and "endless.pt" in out and "fine" in out
    assert no_code_loading == []


def _metadata_bomb(path: Path, arch: str, **arch_args: object) -> Path:
    """A few hundred bytes whose metadata claims a big network: one tiny tensor and FaceSR metadata."""
    from safetensors.torch import save_file

    from core.models.store import METADATA_KEY, ModelMetadata

    meta = ModelMetadata(arch=arch, arch_args={"scale": 4, **arch_args}, scale=4, input_size=64)
    save_file({"head.0.weight": torch.zeros(1)}, str(path), metadata={METADATA_KEY: meta.to_json()})
    return path


@pytest.fixture
def build_spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the device each own generator is built on, and refuses to build one for real from a bomb
    (the old code did, taking gigabytes and minutes)."""
    from core.models import registry

    built: list[str] = []
    for arch, cls in list(registry.GENERATORS.items()):
        def build(*args: object, _cls: type = cls, **kwargs: object) -> torch.nn.Module:
            device = torch.empty(0).device.type  # "meta" inside torch.device("meta"), else where it allocates
            built.append(device)
            if device != "meta" and (kwargs.get("channels", 0) > 256 or kwargs.get("num_groups", 0) > 64):
                raise AssertionError(f"built a {kwargs} network for real before checking the file")
            return _cls(*args, **kwargs)
        monkeypatch.setitem(registry.GENERATORS, arch, build)
    return built


@pytest.mark.parametrize("arch, claim", [("srresnet", {"channels": 2000}), ("rcan", {"num_groups": 20000}),
                                         ("rcan", {"channels": 2000, "num_groups": 2})])
def test_metadata_claiming_a_huge_network_is_refused_before_building_it(
        tmp_path: Path, build_spy: list[str], monkeypatch: pytest.MonkeyPatch, arch: str,
        claim: dict[str, int]) -> None:
    from core.models import rcan

    groups_built = []
    original_group = rcan.ResidualGroup.__init__
    monkeypatch.setattr(rcan.ResidualGroup, "__init__",
                        lambda self, *a, **k: (groups_built.append(1), original_group(self, *a, **k))[1])
    path = _metadata_bomb(tmp_path / "bomb.safetensors", arch, **claim)
    assert path.stat().st_size < 400
    _assert_one_line_error_naming(path, "larger than the weights|do not fit")
    assert set(build_spy) <= {"meta"}  # only ever built without memory
    assert len(groups_built) <= 1  # the budget stops a 20000-group build in its first group


@pytest.mark.parametrize("field, value", [("input_size", 10**9), ("input_size", 0), ("scale", 3),
                                          ("input_size", "256")])
def test_metadata_sizes_outside_their_range_are_refused(tmp_path: Path, field: str, value: object) -> None:
    """The pipeline allocates face crops by input_size: 10**9 would ask for exabytes later on."""
    import json

    from safetensors.torch import save_file

    from core.models.store import METADATA_KEY

    good = make_model_file(tmp_path / "good.safetensors")
    meta = json.loads(read_metadata(good).to_json())
    meta[field] = value
    from safetensors.torch import load_file

    path = tmp_path / "odd.safetensors"
    save_file(load_file(str(good)), str(path), metadata={METADATA_KEY: json.dumps(meta)})
    _assert_one_line_error_naming(path, field.replace("_", " ") if field == "scale" else "input size")


def _deflated_torch_zip(path: Path, inflated_bytes: int) -> Path:
    """A torch.save archive whose data entry is deflated zeros: tiny on disk, ``inflated_bytes`` in memory."""
    import zipfile

    plain = path.with_suffix(".plain")
    torch.save({"weight": torch.zeros(1)}, plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            if entry.filename.endswith("/data/0"):
                deflated = zipfile.ZipInfo(entry.filename)
                deflated.compress_type = zipfile.ZIP_DEFLATED
                with target.open(deflated, "w", force_zip64=True) as out:
                    chunk = bytes(1 << 20)
                    for _ in range(inflated_bytes >> 20):
                        out.write(chunk)
            else:
                target.writestr(entry, source.read(entry))
    plain.unlink()
    return path


def test_zip_bomb_is_refused_from_its_directory_before_inflating(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = _deflated_torch_zip(tmp_path / "bomb.pth", inflated_bytes=64 << 20)
    assert path.stat().st_size < 1 << 20
    unpickled: list[Path] = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda f, *a, **k: (unpickled.append(f), real_load(f, *a, **k))[1])
    _assert_one_line_error_naming(path, "zip bomb")
    assert unpickled == []  # refused from the central directory; nothing was inflated


def test_stride_trick_claiming_billions_of_weights_is_refused(tmp_path: Path) -> None:
    """A 4-byte storage viewed with stride 0 as a 40000x40000x3x3 tensor: a tiny file, 14.4 G elements."""
    path = tmp_path / "strided.pth"
    torch.save({"conv_first.weight": torch.zeros(1).expand(40000, 40000, 3, 3)}, path)
    assert path.stat().st_size < 4096
    _assert_one_line_error_naming(path, "more than the .* allowed")


@pytest.mark.parametrize("name", ["photo.pth", "photo.jpg"])
def test_set_default_refuses_a_file_that_does_not_load(tmp_path: Path, name: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import main
    from core.models.loading import DEFAULT_CHOICE_FILE
    from core.paths import user_models_dir

    set_default_model(make_model_file(tmp_path / "good.safetensors"))
    choice = user_models_dir() / DEFAULT_CHOICE_FILE
    before = choice.read_bytes()
    photo = tmp_path / name
    photo.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300))  # a JPEG's first bytes
    with pytest.raises(ModelError) as caught:
        set_default_model(photo)
    assert caught.value.path == photo
    assert main(["models", "--set-default", str(photo)]) != 0
    err = capsys.readouterr().err
    assert str(photo) in err and "Traceback" not in err
    assert choice.read_bytes() == before  # the working default is kept


def test_key_index_claiming_thousands_of_blocks_is_refused_while_building(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """spandrel sizes a network by the highest block index among the keys: one stray key named block 3000
    in a 1-block ESRGAN made the old code build 3000 blocks (GBs) before the weights failed to load."""
    import importlib

    from spandrel.architectures.ESRGAN import ESRGAN as RRDBNet  # the package's public export

    state = RRDBNet(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=4).state_dict()
    state["model.1.sub.3000.RDB1.conv1.0.weight"] = torch.zeros(1)
    path = tmp_path / "deep.pth"
    torch.save(state, path)
    # the per-block class has no public path: spandrel exports only whole architectures, and counting the
    # blocks built needs the class RRDBNet instantiates, so this one test reaches into the private helper
    block = importlib.import_module("spandrel.architectures.__arch_helpers.block")
    built: list[int] = []
    original = block.RRDB.__init__

    def counting_init(self: torch.nn.Module, *args: object, **kwargs: object) -> None:
        built.append(1)
        if len(built) > 50:
            raise AssertionError("kept building blocks the file has no weights for")
        original(self, *args, **kwargs)

    monkeypatch.setattr(block.RRDB, "__init__", counting_init)
    _assert_one_line_error_naming(path, "larger than the weights")
    assert len(built) < 50  # stopped by the budget, not after 3000 blocks


def test_other_doors_refuse_the_same_files(endless_torchscript: bytes, no_code_loading: list[str],
                                           tmp_path: Path, build_spy: list[str]) -> None:
    """Import (GUI and CLI), --init-from and a training state.pt go through the same checks."""
    from core.errors import TrainingError
    from core.models.loading import install_model
    from core.paths import user_models_dir
    from core.training import checkpoint
    from core.training.config import LossConfig
    from core.training.losses import GeneratorLoss

    script = tmp_path / "endless.pth"
    script.write_bytes(endless_torchscript)
    with pytest.raises(ModelError, match="TorchScript"):
        install_model(script)
    assert not (user_models_dir() / "endless.pth").exists()
    with pytest.raises(TrainingError, match="TorchScript"):
        checkpoint.load_state(script)
    with pytest.raises(TrainingError, match="zip bomb"):
        checkpoint.load_state(_deflated_torch_zip(tmp_path / "state.pt", inflated_bytes=64 << 20))
    with pytest.raises(TrainingError, match="larger than the weights"):
        checkpoint.load_init(_metadata_bomb(tmp_path / "bomb.safetensors", "srresnet", channels=2000))
    with pytest.raises(TrainingError, match="TorchScript"):  # --vgg-weights FILE
        GeneratorLoss(LossConfig(perceptual_weight=1.0, vgg_weights=str(script)))
    assert no_code_loading == [] and set(build_spy) <= {"meta"}


def test_state_dict_pickled_as_typing_ordered_dict_still_reads(tmp_path: Path) -> None:
    """spandrel's allow-list took typing.OrderedDict (some checkpoints name it); torch's weights-only one does not."""
    from collections import OrderedDict

    from core.models.vetting import read_tensors

    plain = tmp_path / "plain.pth"
    torch.save(OrderedDict(weight=torch.arange(3.0)), plain, _use_new_zipfile_serialization=False)
    aliased = tmp_path / "aliased.pth"
    aliased.write_bytes(plain.read_bytes().replace(b"ccollections\nOrderedDict\n", b"ctyping\nOrderedDict\n"))
    assert aliased.read_bytes() != plain.read_bytes()
    assert torch.equal(read_tensors(aliased)["weight"], torch.arange(3.0))


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_saved_model_files_are_readable_as_any_new_file_and_a_replaced_one_keeps_its_mode(tmp_path: Path) -> None:
    """safetensors' own save_file makes files of mode 0600: an exported model would be private."""
    previous = os.umask(0o022)
    try:
        path = make_model_file(tmp_path / "mine.safetensors")
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o664)
        make_model_file(path, seed=1)
        assert path.stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(previous)
    assert read_metadata(path).name == "mine" and load_model(path).info.arch == "rcan"
