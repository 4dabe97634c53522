"""The packaged build without building it (a build takes far longer than the test suite may):
build.spec is run with stand-ins for PyInstaller's classes, which record what it asks for, and the
self-test entry point the bundle-test runs is run from source on a tiny model."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import main
from core.selftest import format_report, run_self_test
from tests.conftest import make_model_file

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "build.spec"
HAS_WEIGHTS = bool(glob.glob(str(ROOT / "weights" / "*.safetensors")))
needs_weights = pytest.mark.skipif(not HAS_WEIGHTS, reason="the default weights are not in weights/ yet")


@dataclass
class Recorded:
    """What the spec passed to PyInstaller's classes."""

    analysis: dict = field(default_factory=dict)
    executables: list[dict] = field(default_factory=list)
    collect: dict = field(default_factory=dict)


def run_spec(monkeypatch: pytest.MonkeyPatch, work: Path, spec_dir: Path = ROOT, platform: str = "linux",
             without_weights: bool = not HAS_WEIGHTS) -> Recorded:
    recorded = Recorded()

    class Analysis:
        def __init__(self, scripts: list[str], **options) -> None:
            recorded.analysis = {"scripts": scripts, **options}
            self.pure, self.scripts, self.binaries = ["pure"], ["scripts"], []
            self.datas = [(dest, source, "DATA") for source, dest in options["datas"]]
            self.datas.append(("torch/include/ATen/ATen.h", "/site-packages/torch/include/ATen/ATen.h", "DATA"))

    def exe(pyz, scripts, extra, **options):
        recorded.executables.append(options)
        return options["name"]

    def collect(*items, **options):
        recorded.collect = {"items": items, **options}

    if without_weights:
        monkeypatch.setenv("FACESR_BUNDLE_WITHOUT_WEIGHTS", "1")
    else:
        monkeypatch.delenv("FACESR_BUNDLE_WITHOUT_WEIGHTS", raising=False)
    monkeypatch.setattr(sys, "platform", platform)
    namespace = {"SPECPATH": str(spec_dir), "workpath": str(work), "DISTPATH": str(work / "dist"),
                 "Analysis": Analysis, "PYZ": lambda pure: "pyz", "EXE": exe, "COLLECT": collect}
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    recorded.analysis["result_datas"] = namespace["a"].datas
    return recorded


def test_every_file_the_spec_references_exists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    recorded = run_spec(monkeypatch, tmp_path, platform="win32")
    analysis = recorded.analysis
    referenced = [*analysis["scripts"], *(source for source, _ in analysis["datas"] + analysis["binaries"]),
                  *analysis["runtime_hooks"], *(options["icon"] for options in recorded.executables)]
    missing = [path for path in referenced if not Path(path).is_file()]
    assert referenced and not missing
    ours = {Path(source).relative_to(ROOT).as_posix(): dest for source, dest in analysis["datas"]
            if Path(source).is_relative_to(ROOT)}
    assert ours["resources/icons/app.png"] == "resources/icons"
    assert not [name for name in ours if name.endswith(".py")], "asset sources are not assets"
    shipped = {(Path(source).name, dest) for source, dest in analysis["datas"] + analysis["binaries"]}
    assert ("astronaut.png", "skimage/data") in shipped  # the demo's and the self-test's photo
    assert [name for name, dest in shipped if dest == "torchvision"], "torchvision's operators (NMS)"
    assert ("libfacedetection.so", "yuface") in shipped  # YuNet's GIL-free call loads it by this name


def test_spec_ships_translations_and_sources_torchscript_needs(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    analysis = run_spec(monkeypatch, tmp_path).analysis
    translations = sorted((ROOT / "resources" / "translations").rglob("*.ts"))
    assert translations, "the GUI's translations are in resources/translations/<locale>/"
    for translation in translations:
        assert (str(translation), translation.parent.relative_to(ROOT).as_posix()) in analysis["datas"]
    assert analysis["module_collection_mode"] == {"spandrel": "pyz+py", "spandrel_extra_arches": "pyz+py",
                                                  "onnxscript": "pyz+py"}
    # imported lazily (core/onnx_backend.py), so named for the analysis
    assert {"onnxruntime", "onnx", "onnxscript"} <= set(analysis["hiddenimports"])
    assert {"tkinter", "matplotlib", "IPython", "pytest", "numba", "triton"} <= set(analysis["excludes"])
    assert not [dest for dest, _, _ in analysis["result_datas"] if dest.startswith("torch/include/")]


def test_windows_gets_a_windowed_app_and_a_console_cli_in_one_folder(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    recorded = run_spec(monkeypatch, tmp_path, platform="win32")
    consoles = {options["name"]: options["console"] for options in recorded.executables}
    assert consoles == {"FaceSR-Studio": False, "FaceSR-Studio-cli": True}
    assert all(options["icon"].endswith("app.ico") for options in recorded.executables)
    assert recorded.collect["items"][:2] == ("FaceSR-Studio", "FaceSR-Studio-cli")
    assert recorded.collect["name"] == "FaceSR-Studio"


def test_linux_gets_one_executable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    recorded = run_spec(monkeypatch, tmp_path, platform="linux")
    assert [(options["name"], options["console"]) for options in recorded.executables] == [("FaceSR-Studio", True)]


@needs_weights
def test_spec_ships_the_default_weights_and_their_card(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    datas = run_spec(monkeypatch, tmp_path, without_weights=False).analysis["datas"]
    shipped = {Path(source).name for source, dest in datas if dest == "weights"}
    assert "MODEL_CARD.md" in shipped
    assert "facesr-faithful.safetensors" in shipped
    training = {Path(source).name for source, dest in datas if dest == "weights/training"}
    assert training == {Path(path).name for path in glob.glob(str(ROOT / "weights" / "training" / "*.safetensors"))}
    assert "facesr-face-features.safetensors" in training  # --perceptual-net face works from the bundle


def test_spec_refuses_to_build_without_weights_or_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "checkout"
    empty.mkdir()
    with pytest.raises(SystemExit) as stopped:
        run_spec(monkeypatch, tmp_path / "work", spec_dir=empty, without_weights=False)
    message = str(stopped.value)
    for name in ("main.py", "resources/icons/app.ico", "weights/*.safetensors", "weights/MODEL_CARD.md"):
        assert name in message


def test_facexlib_stub_lets_retinaface_import_without_numba(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """In a fresh interpreter where numba, llvmlite and filterpy cannot be imported, as in the bundle."""
    hook = run_spec(monkeypatch, tmp_path).analysis["runtime_hooks"][0]
    code = (
        "import runpy, sys\n"
        "for name in ('numba', 'llvmlite', 'filterpy'): sys.modules[name] = None\n"
        f"runpy.run_path({hook!r})\n"
        "from facexlib.detection.retinaface import RetinaFace\n"
        "from facexlib.parsing.parsenet import ParseNet\n"
        "print('imported')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "imported" in done.stdout


def test_self_test_entry_point_passes_with_a_tiny_default_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`main.py --self-test` as the bundle-test runs it, with a tiny model as the default."""
    make_model_file(tmp_path / "user-models" / "facesr-faithful.safetensors")  # the isolated user folder (conftest)
    monkeypatch.setattr("core.models.loading.shipped_weights_dir", lambda: tmp_path / "no-shipped-weights")
    code = main.main(["--self-test", "--device", "cpu"])
    output = capsys.readouterr().out
    assert code == 0, output
    assert [line.split()[1] for line in output.splitlines()[:-1]] == ["photo", "model", "restore", "output",
                                                                     "third-party", "yunet", "retinaface"]
    assert "facesr-faithful" in output and output.splitlines()[-1].startswith("self-test passed")


def test_self_test_entry_point_fails_clearly_without_the_model(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = main.main(["--self-test", "--device", "cpu", "--model", str(tmp_path / "nope.safetensors")])
    output = capsys.readouterr().out
    assert code == 1
    assert "nope.safetensors: no such model file" in output
    assert output.splitlines()[-1].startswith("self-test FAILED")


def test_self_test_reports_each_check_that_could_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.models.loading.shipped_weights_dir", lambda: tmp_path / "no-shipped-weights")
    report = run_self_test(device="cpu")
    assert not report.ok
    assert {check.name for check in report.checks if not check.ok} == {"model", "restore", "output"}
    assert "no default model is installed" in format_report(report)


def test_gui_smoke_test_opens_the_main_window_and_quits(tmp_path: Path) -> None:
    """`main.py --gui-smoke-test` as the bundle-test runs it, from source, without a display."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "main.py", "--gui-smoke-test"], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "main window 'FaceSR Studio' shown" in done.stdout
