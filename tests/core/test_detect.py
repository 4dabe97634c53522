"""core.detect: YuNet on skimage's astronaut, face selection, RetinaFace loading (no network, no downloads)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from skimage import data

from core.config import DetectSettings
from core.detect import Detector, create_detector, ffhq_order, select_faces
from core.detect.yunet import YuNetDetector, detection_factors, needs_more_scales
from core.errors import DetectorError
from core.types import FaceDetection

# Eileen Collins's face in skimage.data.astronaut() (512 x 512), read off an 8x enlargement of the photo:
# pupil on the image's left, pupil on the image's right, nose tip, mouth corners left and right.
# YuNet's points land within 5 px of these (its own idea of the mouth corners sits a little inward).
ASTRONAUT_LANDMARKS = np.array([[203, 101], [246, 103], [223, 127], [203, 141], [244, 141]], np.float32)
ASTRONAUT_BOX = (178, 63, 267, 175)  # YuNet's box at the native size
LANDMARK_TOLERANCE = 5.5


@pytest.fixture(scope="module")
def yunet() -> Detector:
    return create_detector(DetectSettings())


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return data.astronaut()


def face(box: tuple[float, float, float, float], score: float = 0.9) -> FaceDetection:
    x0, y0, x1, y1 = box
    points = np.array([[x0, y0], [x1, y0], [(x0 + x1) / 2, (y0 + y1) / 2], [x0, y1], [x1, y1]], np.float32)
    return FaceDetection(box=box, score=score, landmarks=points)


def assert_plausible_face(found: FaceDetection, tolerance: float, factor: float = 1.0) -> None:
    points = found.landmarks / factor
    left_eye, right_eye, nose, mouth_left, mouth_right = points
    assert left_eye[0] < right_eye[0] and mouth_left[0] < mouth_right[0]
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])
    x0, y0, x1, y1 = (v / factor for v in found.box)
    assert (points[:, 0] > x0).all() and (points[:, 0] < x1).all()
    assert (points[:, 1] > y0).all() and (points[:, 1] < y1).all()
    assert np.abs(points - ASTRONAUT_LANDMARKS).max() <= tolerance
    assert np.abs(np.array([x0, y0, x1, y1]) - ASTRONAUT_BOX).max() <= 2 * tolerance


def test_yunet_finds_the_astronaut(yunet: Detector, astronaut: np.ndarray) -> None:
    assert isinstance(yunet, Detector) and yunet.name == "yunet"
    faces = select_faces(yunet.detect(astronaut), DetectSettings(), astronaut.shape[:2])
    assert len(faces) == 1
    found = faces[0]
    assert 0.8 < found.score <= 1.0
    assert found.landmarks.shape == (5, 2) and found.landmarks.dtype == np.float32
    assert_plausible_face(found, tolerance=LANDMARK_TOLERANCE)


def test_yunet_expects_rgb_and_converts_to_bgr_itself(yunet: Detector, astronaut: np.ndarray) -> None:
    # Fed the channels swapped, the same face scores lower: evidence the conversion happens once, inside.
    right = yunet.detect(astronaut)[0].score
    swapped = yunet.detect(np.ascontiguousarray(astronaut[:, :, ::-1]))[0].score
    assert right > swapped


def test_yunet_on_a_large_copy_uses_the_downscaled_path(yunet: Detector, astronaut: np.ndarray) -> None:
    large = cv2.resize(astronaut, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    assert detection_factors(large.shape[:2])[0] < 1.0
    faces = select_faces(yunet.detect(large), DetectSettings(), large.shape[:2])
    assert len(faces) == 1
    assert_plausible_face(faces[0], tolerance=LANDMARK_TOLERANCE, factor=3.0)


def test_yunet_on_a_small_copy_uses_the_upscaled_path(yunet: Detector, astronaut: np.ndarray) -> None:
    small = cv2.resize(astronaut, (96, 96), interpolation=cv2.INTER_AREA)  # the face is about 17 px
    assert detection_factors(small.shape[:2])[0] > 1.0
    faces = select_faces(yunet.detect(small), DetectSettings(min_face=8), small.shape[:2])
    assert len(faces) == 1
    assert_plausible_face(faces[0], tolerance=2.0 * 512 / 96, factor=96 / 512)  # 2 px of the small copy


def test_yunet_finds_a_face_that_fills_a_large_photo(yunet: Detector, astronaut: np.ndarray) -> None:
    # Over ~450 px in the detection copy YuNet's boxes shrink; the coarse second pass finds it whole.
    crop = astronaut[60:175, 165:275]
    portrait = cv2.resize(crop, None, fx=1400 / 115, fy=1400 / 115, interpolation=cv2.INTER_CUBIC)
    faces = select_faces(yunet.detect(portrait), DetectSettings(), portrait.shape[:2])
    assert len(faces) == 1
    assert faces[0].score > 0.85 and faces[0].width > 0.7 * portrait.shape[1]


def test_yunet_runs_one_pass_when_it_finds_faces_below_the_size_limit(astronaut: np.ndarray) -> None:
    large = cv2.resize(astronaut, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)  # 1536 px: a plan of 2
    assert len(detection_factors(large.shape[:2])) == 2
    single, every = YuNetDetector(), YuNetDetector(every_scale=True)
    found = select_faces(single.detect(large), DetectSettings(), large.shape[:2])
    assert (single.passes, every.detect(large) and every.passes) == (1, 2)
    assert len(found) == 1
    assert_plausible_face(found[0], tolerance=LANDMARK_TOLERANCE, factor=3.0)


def test_yunet_adds_the_coarse_pass_for_a_face_at_the_size_limit(astronaut: np.ndarray) -> None:
    crop = astronaut[60:175, 165:275]
    portrait = cv2.resize(crop, None, fx=1400 / 115, fy=1400 / 115, interpolation=cv2.INTER_CUBIC)
    detector = YuNetDetector()
    faces = select_faces(detector.detect(portrait), DetectSettings(), portrait.shape[:2])
    assert detector.passes == 2 and len(faces) == 1


def test_yunet_adds_the_other_scales_when_the_first_finds_nothing() -> None:
    detector = YuNetDetector()
    assert detector.detect(np.full((1200, 1600, 3), 128, np.uint8)) == []
    assert detector.passes == 2


def test_needs_more_scales() -> None:
    assert needs_more_scales([], 0.5)
    assert not needs_more_scales([face((0, 0, 200, 200))], 1.0)  # 200 px in the detection copy
    assert needs_more_scales([face((0, 0, 100, 100)), face((0, 0, 400, 400))], 0.8)  # 320 px there


@pytest.mark.parametrize("kind", ["grey", "noise", "tiny"])
def test_yunet_finds_nothing_without_a_face(yunet: Detector, kind: str) -> None:
    rng = np.random.default_rng(0)
    image = {
        "grey": np.full((480, 640, 3), 128, np.uint8),
        "noise": rng.integers(0, 256, (480, 640, 3), dtype=np.uint8),
        "tiny": np.full((3, 2, 3), 90, np.uint8),
    }[kind]
    assert select_faces(yunet.detect(image), DetectSettings(), image.shape[:2]) == []


def test_detect_rejects_what_is_not_rgb(yunet: Detector) -> None:
    with pytest.raises(ValueError, match="uint8 HxWx3"):
        yunet.detect(np.zeros((64, 64), np.uint8))
    with pytest.raises(ValueError, match="uint8 HxWx3"):
        yunet.detect(np.zeros((64, 64, 4), np.uint8))


def test_select_faces_threshold_size_and_order() -> None:
    faces = [face((0, 0, 40, 40), 0.7), face((100, 100, 110, 130), 0.95), face((200, 0, 260, 60), 0.5)]
    kept = select_faces(faces, DetectSettings(score_threshold=0.6, min_face=16), (300, 300))
    assert [f.score for f in kept] == [0.7]  # 0.95 is 10 px wide, 0.5 is below the threshold
    kept = select_faces(faces, DetectSettings(score_threshold=0.4, min_face=0), (300, 300))
    assert [f.score for f in kept] == [0.95, 0.7, 0.5]


def test_select_faces_only_center_face() -> None:
    faces = [face((0, 0, 50, 50), 0.99), face((120, 130, 170, 180), 0.8), face((230, 230, 280, 280), 0.9)]
    kept = select_faces(faces, DetectSettings(only_center_face=True), (300, 300))
    assert [f.box for f in kept] == [(120, 130, 170, 180)]
    assert select_faces([], DetectSettings(only_center_face=True), (300, 300)) == []
    # The centre face must still pass the other filters first.
    kept = select_faces(faces, DetectSettings(only_center_face=True, score_threshold=0.85), (300, 300))
    assert [f.score for f in kept] == [0.9]


def test_ffhq_order_fixes_a_mirrored_order_at_any_rotation() -> None:
    upright = ASTRONAUT_LANDMARKS.astype(np.float64)
    mirrored = upright[[1, 0, 2, 4, 3]]
    for degrees in (0, 45, 100, 180, 270):
        angle = np.deg2rad(degrees)
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        assert np.allclose(ffhq_order(upright @ rotation.T), upright @ rotation.T)
        assert np.allclose(ffhq_order(mirrored @ rotation.T), upright @ rotation.T)


def test_retinaface_without_weights_names_the_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path))
    expected = {"retinaface": "detection_Resnet50_Final.pth", "retinaface-mobile": "detection_mobilenet0.25_Final.pth"}
    for name, filename in expected.items():
        with pytest.raises(DetectorError) as caught:
            create_detector(DetectSettings(detector=name))
        message = str(caught.value)
        assert str(tmp_path / filename) in message
        assert f"python main.py models --download {name}" in message
        assert "https://github.com/xinntao/facexlib/releases/download/v0.1.0/" + filename in message
    assert list(tmp_path.iterdir()) == []  # nothing fetched, nothing written


def test_retinaface_download_failure_leaves_nothing(tmp_path, monkeypatch) -> None:
    from core import downloads
    from core.downloads import DownloadError

    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path))
    missing = (tmp_path / "nowhere.pth").as_uri()
    info = downloads.KNOWN_WEIGHTS["retinaface-mobile"]
    fake = dataclasses.replace(info, url=missing)
    monkeypatch.setitem(downloads.KNOWN_WEIGHTS, "retinaface-mobile", fake)
    with pytest.raises(DownloadError, match="by hand"):
        create_detector(DetectSettings(detector="retinaface-mobile"), download=True, progress=lambda *a: None)
    assert list(tmp_path.iterdir()) == []


def test_retinaface_loads_weights_from_the_model_folder(tmp_path, monkeypatch) -> None:
    torch = pytest.importorskip("torch")
    retinaface = pytest.importorskip("facexlib.detection.retinaface")
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path))
    torch.manual_seed(0)
    network = retinaface.RetinaFace(network_name="mobile0.25", half=False, device=torch.device("cpu"))
    # As released: saved from DataParallel, with the "module." prefix.
    state = {f"module.{key}": value for key, value in network.state_dict().items()}
    torch.save(state, tmp_path / "detection_mobilenet0.25_Final.pth")
    detector = create_detector(DetectSettings(detector="retinaface-mobile"))
    assert detector.name == "retinaface-mobile"
    faces = detector.detect(np.full((64, 80, 3), 100, np.uint8))  # random weights: any answer, right types
    assert all(f.landmarks.shape == (5, 2) and f.landmarks.dtype == np.float32 for f in faces)
    assert [f.score for f in faces] == sorted((f.score for f in faces), reverse=True)


def test_retinaface_reports_a_corrupt_weights_file(tmp_path, monkeypatch) -> None:
    pytest.importorskip("facexlib")
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path))
    (tmp_path / "detection_mobilenet0.25_Final.pth").write_bytes(b"\x00" * 100)
    with pytest.raises(DetectorError, match=r"detection_mobilenet0\.25_Final\.pth"):
        create_detector(DetectSettings(detector="retinaface-mobile"))


def test_retinaface_reports_the_other_variants_weights(tmp_path, monkeypatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("FACESR_MODELS_DIR", str(tmp_path))
    torch.save({"module.some.layer": torch.zeros(3)}, tmp_path / "detection_mobilenet0.25_Final.pth")
    with pytest.raises(DetectorError, match="retinaface-mobile weights"):
        create_detector(DetectSettings(detector="retinaface-mobile"))


def test_yunet_through_ctypes_gives_yuface_results(astronaut: np.ndarray) -> None:
    """The GIL-releasing call of libfacedetection returns what yuface's extension returns."""
    import sys

    import yuface

    from core.detect.yunet import native_detect

    detect = native_detect()
    if not sys.platform.startswith("linux"):
        assert detect is None
        return
    assert detect is not None
    for image in (astronaut, np.ascontiguousarray(np.concatenate([astronaut, astronaut[::-1]], 1)[:, :900])):
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        ours, theirs = detect(bgr, 0.3), yuface.detect(bgr, 0.3)
        assert len(ours) == len(theirs) == 3  # scores, boxes, landmarks
        for mine, reference in zip(ours, theirs, strict=True):
            assert mine.dtype == reference.dtype and np.array_equal(mine, reference)
        assert len(ours[0]) >= 1
