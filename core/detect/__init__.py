"""Face detectors behind one small interface.

    detector = create_detector(settings.detect)          # YuNet: offline, no weights to fetch
    faces = select_faces(detector.detect(rgb), settings.detect, rgb.shape[:2])

``detect`` returns every candidate scoring at least min(0.3, the settings' threshold), best first, less
those core.detect.vetting rejects (landmarks not laid out as a face's; marginal scores a second look
does not confirm);
``select_faces`` applies the user's threshold, minimum size and centre-face choice, so changing those
needs no second detection. Landmarks are always in FFHQ template order (see core.types.FaceDetection).
"""

from __future__ import annotations

from core.config import DetectSettings
from core.detect.base import CANDIDATE_FLOOR, Detector, ffhq_order, select_faces
from core.progress import ProgressCallback

__all__ = ["Detector", "create_detector", "ffhq_order", "select_faces"]


def create_detector(
    settings: DetectSettings,
    download: bool = False,
    progress: ProgressCallback | None = None,
    *,
    device: str = "cpu",
) -> Detector:
    """The detector named by ``settings.detector``.

    RetinaFace variants load their weights from the user model folder; when they are missing this
    raises DetectorError naming the file, unless ``download`` is true, in which case they are fetched
    (with checksum) and ``progress`` hears about it. ``device`` applies to RetinaFace only. Create a
    detector once per batch: RetinaFace takes a few seconds to set up.
    """
    floor = min(CANDIDATE_FLOOR, settings.score_threshold)
    if settings.detector == "yunet":
        from core.detect.yunet import YuNetDetector

        return YuNetDetector(min_score=floor)
    from core.detect.retinaface import load_retinaface

    return load_retinaface(settings.detector, download=download, progress=progress, device=device, min_score=floor)
