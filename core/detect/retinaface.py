"""RetinaFace (ResNet-50 or MobileNet-0.25) from facexlib, with weights from the user model folder.

facexlib is imported only here and only when such a detector is created: its package init pulls in
numba, filterpy and every facexlib model. We build its network class ourselves and load the weights
with ``torch.load(weights_only=True)`` instead of ``init_detection_model``, which downloads on its own
into site-packages and unpickles without restrictions.

facexlib's ``RetinaFace.detect_faces`` takes a BGR numpy image (it subtracts the BGR means 104, 117,
123) and returns rows ``x0 y0 x1 y1 score`` followed by 10 landmark values in the order image-left
eye, image-right eye, nose, image-left mouth corner, image-right mouth corner: the training set's
horizontal flip swaps points 0/1 and 3/4 (Pytorch_Retinaface's ``_mirror``), and facexlib's
FaceRestoreHelper feeds them straight to the FFHQ template.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.detect.base import check_image, resized, to_detection
from core.detect.vetting import vet
from core.downloads import fetch_weights, weights_info, weights_path
from core.errors import DetectorError
from core.progress import ProgressCallback
from core.types import FaceDetection

if TYPE_CHECKING:
    from facexlib.detection.retinaface import RetinaFace


NETWORKS = {"retinaface": "resnet50", "retinaface-mobile": "mobile0.25"}
SHORT_SIDE = 640  # detect at this shorter side, as CodeFormer does (resize=640) ...
MAX_LONG_SIDE = 1600  # ... keeping the longer side, and so the CPU time, bounded
MAX_UPSCALE = 4.0
NMS_IOU = 0.4


class RetinaFaceDetector:
    def __init__(self, name: str, network: RetinaFace, device: str, min_score: float) -> None:
        self.name = name
        self._network = network
        self._device = device
        self.min_score = min_score

    def detect(self, image: np.ndarray) -> list[FaceDetection]:
        import torch

        check_image(image)
        copy, factor_x, factor_y = resized(image[:, :, ::-1], detection_factor(image.shape[:2]))
        with torch.inference_mode():
            rows = self._network.detect_faces(
                np.ascontiguousarray(copy), conf_threshold=self.min_score, nms_threshold=NMS_IOU, use_origin_size=True
            )
        faces = [to_detection(row[:4], float(row[4]), row[5:15], factor_x, factor_y) for row in rows]
        # landmark layout only: a second look would cost a ResNet-50 pass per marginal candidate
        return sorted(vet(faces, image), key=lambda face: face.score, reverse=True)


def detection_factor(shape: tuple[int, int]) -> float:
    shorter, longer = min(shape[:2]), max(shape[:2])
    return min(SHORT_SIDE / shorter, MAX_LONG_SIDE / longer, MAX_UPSCALE)


def load_retinaface(
    name: str,
    *,
    download: bool = False,
    progress: ProgressCallback | None = None,
    device: str = "cpu",
    min_score: float = 0.3,
) -> RetinaFaceDetector:
    """A RetinaFace detector; its weights are fetched first when missing and ``download`` is true."""
    if name not in NETWORKS:
        raise ValueError(f"unknown RetinaFace variant {name!r}; choose from {', '.join(NETWORKS)}")
    path = weights_path(name)
    if not path.is_file():
        if not download:
            raise DetectorError(path, _missing_message(name, path))
        fetch_weights(name, progress)
    try:
        import torch
        from facexlib.detection.retinaface import RetinaFace
    except ImportError as exc:
        cause = f"the {name} detector needs facexlib ({exc}): pip install --no-deps facexlib==0.3.0"
        raise DetectorError(None, cause) from exc
    network = RetinaFace(network_name=NETWORKS[name], half=False, device=torch.device(device))
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        network.load_state_dict(_without_prefix(state), strict=True)
    except Exception as exc:  # truncated file, a pickle that wants to run code, the other variant's weights
        cause = f"cannot load the {name} weights ({exc}); delete the file and download it again"
        raise DetectorError(path, cause) from exc
    network.eval()
    return RetinaFaceDetector(name, network, device, min_score)


def _without_prefix(state: dict) -> OrderedDict:
    """The released checkpoints were saved from DataParallel: drop its "module." prefix."""
    return OrderedDict((key.removeprefix("module."), value) for key, value in state.items())


def _missing_message(name: str, path: Path) -> str:
    info = weights_info(name)
    return (
        f"the {name} detector's weights are missing. Fetch them with `python main.py models --download {name}` "
        f"(or allow downloads in the GUI), or download {info.url} by hand and save it as {path}"
    )
