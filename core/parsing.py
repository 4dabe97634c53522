"""Face parsing with ParseNet: a blend mask that follows the face outline instead of the crop square.

Kept out of core.align (pure maths) because it loads and runs a network: the pipeline builds one
``FaceParser`` on its own device, beside its detector, and asks it for each restored face's mask.
Hair, hats and background around a face then keep the background's look.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import torch

from core.errors import ModelError

log = logging.getLogger(__name__)

WEIGHTS_NAME = "parsenet"  # core.downloads' name for the weights
# ParseNet (19 CelebAMask-HQ classes): everything but background (0) and classes 14, 16, 17, 18
# (neck, cloth, hair, hat), as facexlib's MASK_COLORMAP.
PARSE_SIZE = 512
PARSE_CLASSES = 19
PARSE_FACE_LABELS = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15])
# facexlib's smoothing of the label mask (twice), and the border it clears, in pixels of the 512 mask
MASK_BLUR_KERNEL = 101
MASK_BLUR_SIGMA = 11
MASK_BORDER = 10


class FaceParser:
    """ParseNet on one device, loaded on first use (and again when its weights file changes).

    Never downloads: without the weights (``python main.py models --download parsenet``) ``mask``
    answers None and the caller blends with its soft rectangle instead.
    """

    def __init__(self, device: torch.device | str = "cpu") -> None:
        self.device = torch.device(device)
        self._loaded: tuple[tuple[Path, int], torch.nn.Module] | None = None  # (path, mtime_ns) -> net

    def mask(self, face: np.ndarray) -> np.ndarray | None:
        """A float32 0..1 mask at ``face``'s size (uint8 HxWx3 RGB), or None when the weights are absent."""
        if not isinstance(face, np.ndarray) or face.dtype != np.uint8 or face.ndim != 3 or face.shape[2] != 3:
            got = f"{face.dtype} {face.shape}" if isinstance(face, np.ndarray) else type(face).__name__
            raise ValueError(f"face must be a uint8 HxWx3 RGB array, got {got}")
        net = self._network()
        if net is None:
            return None
        side = PARSE_SIZE
        pixels = cv2.resize(face, (side, side), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 127.5 - 1.0
        batch = torch.from_numpy(pixels.transpose(2, 0, 1)).unsqueeze(0).to(self.device)
        with torch.inference_mode():
            labels = net(batch)[0].argmax(dim=1)[0].cpu().numpy()
        keep: np.ndarray = np.isin(labels, PARSE_FACE_LABELS).astype(np.float32)
        # Blur and clear the border as facexlib does, then scale the 512 mask to the face.
        blur = (MASK_BLUR_KERNEL, MASK_BLUR_KERNEL)
        keep = cv2.GaussianBlur(cv2.GaussianBlur(keep, blur, MASK_BLUR_SIGMA), blur, MASK_BLUR_SIGMA)
        keep[:MASK_BORDER, :] = keep[-MASK_BORDER:, :] = 0.0
        keep[:, :MASK_BORDER] = keep[:, -MASK_BORDER:] = 0.0
        height, width = face.shape[:2]
        return np.clip(cv2.resize(keep, (width, height), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)

    def _network(self) -> torch.nn.Module | None:
        from core.downloads import weights_path

        path = weights_path(WEIGHTS_NAME)
        if not path.is_file():
            return None
        key = (path, path.stat().st_mtime_ns)  # a file downloaded again is loaded again
        if self._loaded is None or self._loaded[0] != key:
            self._loaded = None  # the old network is freed before the new one loads
            self._loaded = (key, load_parsenet(path, self.device))
        return self._loaded[1]


def load_parsenet(path: Path, device: torch.device) -> torch.nn.Module:
    """ParseNet's weights from ``path`` (tensors only, never pickled code) on ``device``, in eval mode."""
    from facexlib.parsing.parsenet import ParseNet  # facexlib's package init is slow: import on first use

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        net = ParseNet(in_size=PARSE_SIZE, out_size=PARSE_SIZE, parsing_ch=PARSE_CLASSES)
        net.load_state_dict(state, strict=True)
    except Exception as exc:  # a truncated file, a pickle with code, other weights under this name
        cause = f"cannot load the ParseNet face-parsing weights ({exc}); delete the file and download it again"
        raise ModelError(path, cause) from exc
    log.info("loaded ParseNet from %s on %s", path, device)
    return net.eval().to(device)
