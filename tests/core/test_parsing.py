"""core.parsing (ParseNet face masks) and its place in the pipeline: its device, its stage, its cancel checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import core.pipeline
from core import align, parsing
from core.config import RestoreSettings
from core.errors import ModelError
from core.io import LoadedImage
from core.parsing import FaceParser
from core.pipeline import FacePipeline
from core.progress import CancelToken, Cancelled
from core.session import PipelineCache
from tests.conftest import make_model_file
from tests.core.test_align import textured_photo

SKIN, HAIR = 1, 17  # CelebAMask-HQ labels: one ParseNet keeps, one it leaves out


class FakeParseNet(torch.nn.Module):
    """Labels the middle half of any face skin and the rest hair, and records where its input was."""

    def __init__(self) -> None:
        super().__init__()
        self.devices: list[torch.device] = []

    def forward(self, batch: torch.Tensor) -> tuple[torch.Tensor, None]:
        self.devices.append(batch.device)
        side = parsing.PARSE_SIZE
        logits = torch.zeros(1, parsing.PARSE_CLASSES, side, side)
        logits[:, HAIR] = 1.0
        logits[:, SKIN, side // 4:3 * side // 4, side // 4:3 * side // 4] = 2.0
        return logits, None


@pytest.fixture
def fake_parsenet(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeParseNet, list[torch.device]]:
    """Installs a weights file and makes loading it give a FakeParseNet; lists the devices it was loaded on."""
    from core.downloads import weights_path

    path = weights_path(parsing.WEIGHTS_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"stands for the weights")
    net, loaded_on = FakeParseNet(), []

    def load(at: Path, device: torch.device) -> torch.nn.Module:
        assert at == path
        loaded_on.append(device)
        return net

    monkeypatch.setattr(parsing, "load_parsenet", load)
    return net, loaded_on


def _loaded(rgb: np.ndarray) -> LoadedImage:
    return LoadedImage(rgb=rgb, alpha=None, is_gray=False, path=None, format="png", warnings=())


def test_mask_is_none_without_weights() -> None:
    assert FaceParser().mask(np.zeros((64, 64, 3), np.uint8)) is None


def test_mask_refuses_what_is_not_an_rgb_face() -> None:
    with pytest.raises(ValueError, match="uint8 HxWx3"):
        FaceParser().mask(np.zeros((64, 64), np.uint8))


@pytest.mark.slow
def test_mask_with_randomly_initialised_weights() -> None:
    from core.downloads import weights_path

    parsenet = pytest.importorskip("facexlib.parsing.parsenet")
    torch.manual_seed(0)
    network = parsenet.ParseNet(in_size=512, out_size=512, parsing_ch=19)
    path = weights_path(parsing.WEIGHTS_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(network.state_dict(), path)
    mask = FaceParser("cpu").mask(textured_photo(96, 96))
    assert mask is not None and mask.shape == (96, 96) and mask.dtype == np.float32
    assert 0.0 <= mask.min() and mask.max() <= 1.0
    assert mask[0].max() == 0.0  # the cleared border


def test_mask_reports_a_corrupt_file() -> None:
    from core.downloads import weights_path

    path = weights_path(parsing.WEIGHTS_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match=r"parsing_parsenet\.pth"):
        FaceParser().mask(np.zeros((64, 64, 3), np.uint8))


def test_the_parser_runs_its_input_on_its_own_device(fake_parsenet) -> None:
    net, loaded_on = fake_parsenet
    parser = FaceParser("meta")  # a device with no data: only where the input was sent can be checked
    mask = parser.mask(textured_photo(128, 128))
    assert loaded_on == [torch.device("meta")] and net.devices == [torch.device("meta")]
    assert mask is not None and mask.shape == (128, 128)
    # the skin in the middle is kept, the hair around it (inside the soft square's opaque part) is not
    assert mask[64, 64] > 0.99 and mask[16, 64] < 0.1 < align.soft_mask(128)[16, 64]
    parser.mask(textured_photo(128, 128))
    assert len(loaded_on) == 1  # loaded once, on first use


def test_the_pipeline_masks_faces_with_its_parser_on_its_device(tiny_model: Path, astronaut: np.ndarray,
                                                               fake_parsenet) -> None:
    net, loaded_on = fake_parsenet
    pipeline = FacePipeline(RestoreSettings(scale=2, model=str(tiny_model), device="cpu"))
    assert pipeline.parser.device == pipeline.restorer.device
    result = pipeline.restore(_loaded(astronaut))
    assert result.restored_count == 1 and "mask" in result.timings
    assert loaded_on == [pipeline.restorer.device] and net.devices == [pipeline.restorer.device]
    face = result.faces[0]
    assert face.restored is not None and face.mask is not None
    assert np.array_equal(face.mask, FaceParser().mask(face.restored))


def test_a_cancel_while_masking_stops_the_restore_before_the_paste(tiny_model: Path, astronaut: np.ndarray,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = FacePipeline(RestoreSettings(scale=2, model=str(tiny_model), device="cpu"))
    cancel = CancelToken()
    pasted: list[object] = []

    def cancelled_while_parsing(face: np.ndarray) -> None:
        cancel.cancel()  # the user presses Cancel while ParseNet runs

    monkeypatch.setattr(pipeline.parser, "mask", cancelled_while_parsing)
    monkeypatch.setattr(core.pipeline, "compose", lambda *args, **kwargs: pasted.append(args))
    with pytest.raises(Cancelled):
        pipeline.restore(_loaded(astronaut), cancel)
    assert not pasted


def test_a_cancel_during_the_last_restore_pass_skips_the_mask(tiny_model: Path, astronaut: np.ndarray,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = FacePipeline(RestoreSettings(scale=2, model=str(tiny_model), device="cpu"))
    cancel = CancelToken()
    restore_faces = pipeline.restorer.restore_faces

    def cancelled_during_the_pass(*args, **kwargs):  # type: ignore[no-untyped-def]
        outputs = restore_faces(*args, **kwargs)
        cancel.cancel()
        return outputs

    monkeypatch.setattr(pipeline.restorer, "restore_faces", cancelled_during_the_pass)
    monkeypatch.setattr(pipeline.parser, "mask", lambda face: pytest.fail("no mask after a cancel"))
    with pytest.raises(Cancelled):
        pipeline.restore(_loaded(astronaut), cancel)


def test_the_session_keeps_its_parser_while_the_device_stays(tmp_path: Path) -> None:
    first = str(make_model_file(tmp_path / "first.safetensors"))
    second = str(make_model_file(tmp_path / "second.safetensors", seed=1))
    cache = PipelineCache()
    parser = cache.get(RestoreSettings(model=first, scale=2, device="cpu")).parser
    assert cache.get(RestoreSettings(model=first, scale=4, device="cpu")).parser is parser
    changed = cache.get(RestoreSettings(model=second, scale=4, device="cpu"))  # a new model, the same device
    assert changed.parser is parser and changed.parser.device == changed.restorer.device
