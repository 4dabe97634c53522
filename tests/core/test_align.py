"""core.align: template, transform, warp, mask and paste-back on synthetic photos (no models, no network)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core import align
from core.types import FaceDetection

CROP = 128


def textured_photo(height: int = 300, width: int = 400, seed: int = 0) -> np.ndarray:
    """Smooth random colour texture: detailed enough to show a misplaced paste, smooth enough to resample."""
    noise = np.random.default_rng(seed).normal(0.0, 1.0, (height, width, 3)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 2.0)
    noise = (noise - noise.mean()) / noise.std()
    return np.clip(128 + 45 * noise, 0, 255).astype(np.uint8)


def similarity(scale: float, degrees: float, shift: tuple[float, float]) -> np.ndarray:
    angle = np.deg2rad(degrees)
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return np.hstack([rotation, np.array(shift, dtype=np.float64)[:, None]])


def face_at(crop_to_photo: np.ndarray, size: int = CROP) -> FaceDetection:
    """A detection whose landmarks are the template of a ``size`` crop mapped into the photo."""
    points = align.template_for(size) @ crop_to_photo[:, :2].T + crop_to_photo[:, 2]
    return FaceDetection(box=(0.0, 0.0, 1.0, 1.0), score=0.99, landmarks=points.astype(np.float32))


def opaque_region(canvas_shape: tuple[int, int], matrix: np.ndarray, scale: int, mask: np.ndarray) -> np.ndarray:
    """Canvas pixels where the pasted mask is (nearly) 1, computed independently of paste_face."""
    probe = np.zeros((*canvas_shape, 3), np.uint8)
    white = np.full((mask.shape[0], mask.shape[1], 3), 255, np.uint8)
    align.paste_face(probe, white, matrix, scale, mask, crop_size=CROP)
    return probe[..., 0] >= 254


def test_template_scales_about_pixel_edges() -> None:
    assert np.allclose(align.template_for(512), align.FFHQ_TEMPLATE_512)
    resized = (align.FFHQ_TEMPLATE_512 + 0.5) / 4 - 0.5
    assert np.allclose(align.template_for(128), resized)
    with pytest.raises(ValueError):
        align.template_for(0)


def test_estimate_transform_recovers_a_known_similarity() -> None:
    crop_to_photo = similarity(1.7, 23.0, (140.0, 60.0))
    matrix = align.estimate_transform(face_at(crop_to_photo).landmarks, CROP)
    expected = np.linalg.inv(np.vstack([crop_to_photo, [0, 0, 1]]))[:2]
    assert matrix.shape == (2, 3)
    assert np.allclose(matrix, expected, atol=1e-4)
    assert align.transform_scale(matrix) == pytest.approx(1 / 1.7, rel=1e-5)


def test_estimate_transform_falls_back_for_collinear_landmarks() -> None:
    points = np.array([[10, 10], [20, 10], [30, 10], [40, 10], [50, 10]], np.float32)
    matrix = align.estimate_transform(points, CROP)
    assert np.isfinite(matrix).all() and align.transform_scale(matrix) > 0
    with pytest.raises(ValueError, match="degenerate"):
        align.estimate_transform(np.zeros((5, 2), np.float32), CROP)


def test_warp_face_puts_landmarks_on_the_template() -> None:
    photo = textured_photo()
    detection = face_at(similarity(0.8, -12.0, (150.0, 90.0)))
    face = align.warp_face(photo, detection, CROP)
    assert face.image.shape == (CROP, CROP, 3) and face.image.dtype == np.uint8
    assert face.warp_scale == pytest.approx(1.25, rel=1e-4)
    mapped = detection.landmarks @ face.matrix[:, :2].T + face.matrix[:, 2]
    assert np.allclose(mapped, align.template_for(CROP), atol=1e-3)
    # The crop samples the photo where the matrix says: compare with a direct warp.
    direct = cv2.warpAffine(photo, face.matrix, (CROP, CROP), flags=cv2.INTER_CUBIC)
    assert np.abs(face.image.astype(int) - direct.astype(int)).mean() < 1.0


def test_warp_face_shrinking_a_large_face_is_antialiased() -> None:
    stripes = np.zeros((1200, 1200, 3), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes: averaged to grey when shrunk properly, moire otherwise
    face = align.warp_face(stripes, face_at(similarity(5.0, 0.0, (300.0, 300.0))), CROP)
    assert face.warp_scale == pytest.approx(0.2, rel=1e-4)
    assert abs(float(face.image.mean()) - 127.5) < 4 and face.image.std() < 12


def test_warp_face_pads_outside_the_photo_smoothly() -> None:
    photo = textured_photo(200, 200)
    # The crop hangs 60 crop pixels off the photo's left edge.
    face = align.warp_face(photo, face_at(similarity(1.0, 0.0, (-60.0, 40.0))), CROP)
    padding = face.image[:, :40].astype(np.float32)
    inside = face.image[:, 80:].astype(np.float32)
    # Blurred and fading to the median colour: far less detail than the photo, and no hard edge at the border.
    assert padding.std() < 0.5 * inside.std()
    columns = face.image.astype(np.float32).mean(axis=(0, 2))
    assert np.abs(np.diff(columns[50:70])).max() < 10


def test_soft_mask_is_zero_at_the_border_one_inside_and_smooth() -> None:
    for size in (64, 128, 512, 1024):
        mask = align.soft_mask(size)
        assert mask.shape == (size, size) and mask.dtype == np.float32
        assert mask[0, :].max() == 0 and mask[-1, :].max() == 0 and mask[:, 0].max() == 0 and mask[:, -1].max() == 0
        assert mask[size // 2, size // 2] == 1.0
        assert (mask >= 0).all() and (mask <= 1).all()
        steepest = max(np.abs(np.diff(mask, axis=0)).max(), np.abs(np.diff(mask, axis=1)).max())
        assert steepest <= 1.6 / (align.MASK_FEATHER * size)  # the smoothstep's 1.5 / ramp, no hard step
        assert (mask == 1.0).mean() > 0.45  # most of the face is pasted fully


@pytest.mark.parametrize("scale", [1, 2])
def test_round_trip_with_an_identity_model_gives_the_photo_back(scale: int) -> None:
    photo = textured_photo()
    face = align.warp_face(photo, face_at(similarity(0.8, 10.0, (150.0, 90.0))), CROP)
    canvas = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    original = canvas.copy()
    mask = align.soft_mask(CROP)
    align.paste_face(canvas, face.image, face.matrix, scale, mask, crop_size=CROP)
    opaque = opaque_region(canvas.shape[:2], face.matrix, scale, mask)
    assert opaque.sum() > 2000
    difference = np.abs(canvas.astype(np.int16) - original.astype(np.int16))[opaque]
    assert difference.mean() < 3.0 and np.percentile(difference, 99) < 16
    # Sub-pixel registration: a half-pixel convention error would show as a 0.5 px shift at scale 2.
    ys, xs = np.nonzero(opaque)
    cy, cx, half = int(ys.mean()), int(xs.mean()), 24 * scale
    pasted = canvas[cy - half : cy + half, cx - half : cx + half].astype(np.float32).mean(axis=2)
    reference = original[cy - half : cy + half, cx - half : cx + half].astype(np.float32).mean(axis=2)
    (dx, dy), _ = cv2.phaseCorrelate(reference, pasted)
    assert abs(dx) < 0.2 and abs(dy) < 0.2


@pytest.mark.parametrize("model_scale", [2, 4])
def test_round_trip_with_an_upscaling_model(model_scale: int) -> None:
    photo = textured_photo()
    face = align.warp_face(photo, face_at(similarity(0.8, -5.0, (160.0, 80.0))), CROP)
    restored = cv2.resize(face.image, None, fx=model_scale, fy=model_scale, interpolation=cv2.INTER_CUBIC)
    canvas = cv2.resize(photo, None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR)
    original = canvas.copy()
    align.paste_face(canvas, restored, face.matrix, 2, align.soft_mask(restored.shape[0]), crop_size=CROP)
    opaque = opaque_region(canvas.shape[:2], face.matrix, 2, align.soft_mask(CROP))
    difference = np.abs(canvas.astype(np.int16) - original.astype(np.int16))[opaque]
    assert difference.mean() < 3.0


def test_strength_zero_leaves_the_canvas_unchanged() -> None:
    photo = textured_photo()
    face = align.warp_face(photo, face_at(similarity(0.8, 0.0, (150.0, 90.0))), CROP)
    canvas = np.full_like(photo, 40)
    before = canvas.copy()
    align.paste_face(canvas, face.image, face.matrix, 1, align.soft_mask(CROP), strength=0.0, crop_size=CROP)
    assert np.array_equal(canvas, before)


def test_strength_scales_the_blend() -> None:
    matrix = align.estimate_transform(face_at(similarity(1.0, 0.0, (50.0, 50.0))).landmarks, CROP)
    white = np.full((CROP, CROP, 3), 200, np.uint8)
    canvas = np.zeros((300, 300, 3), np.uint8)
    align.paste_face(canvas, white, matrix, 1, align.soft_mask(CROP), strength=0.5, crop_size=CROP)
    assert canvas[114, 114, 0] == 100  # the crop centre, fully inside the mask


def test_gray_pastes_equal_channels() -> None:
    photo = textured_photo()
    face = align.warp_face(photo, face_at(similarity(0.8, 0.0, (150.0, 90.0))), CROP)
    canvas = photo.copy()
    mask = align.soft_mask(CROP)
    align.paste_face(canvas, face.image, face.matrix, 1, mask, gray=True, crop_size=CROP)
    opaque = opaque_region(canvas.shape[:2], face.matrix, 1, mask)
    pasted = canvas[opaque].astype(int)
    assert np.abs(pasted[:, 0] - pasted[:, 1]).max() <= 1 and np.abs(pasted[:, 1] - pasted[:, 2]).max() <= 1
    assert not np.array_equal(photo[opaque][:, 0], photo[opaque][:, 1])  # the photo itself is in colour


def test_paste_changes_only_the_face_region() -> None:
    photo = textured_photo()
    face = align.warp_face(photo, face_at(similarity(0.5, 30.0, (200.0, 100.0))), CROP)
    canvas = np.full((600, 800, 3), 17, np.uint8)
    bright = np.full((CROP, CROP, 3), 250, np.uint8)
    align.paste_face(canvas, bright, face.matrix, 2, align.soft_mask(CROP), crop_size=CROP)
    changed = np.argwhere((canvas != 17).any(axis=2))
    assert len(changed) > 0
    # The crop square mapped to the canvas: every change lies inside it.
    crop_to_photo = np.linalg.inv(np.vstack([face.matrix, [0, 0, 1]]))
    corners = np.array([[-0.5, -0.5], [CROP - 0.5, -0.5], [-0.5, CROP - 0.5], [CROP - 0.5, CROP - 0.5]])
    canvas_corners = ((corners @ crop_to_photo[:2, :2].T + crop_to_photo[:2, 2]) + 0.5) * 2 - 0.5
    low, high = canvas_corners.min(axis=0) - 1, canvas_corners.max(axis=0) + 1
    assert (changed[:, ::-1] >= low).all() and (changed[:, ::-1] <= high).all()
    # And the whole canvas outside that box is untouched.
    assert (canvas[:, : int(canvas_corners[:, 0].min()) - 1] == 17).all()


@pytest.mark.parametrize("shift", [(-70.0, -50.0), (330.0, 230.0)])
def test_faces_partly_outside_the_canvas_are_clamped_and_still_line_up(shift: tuple[float, float]) -> None:
    photo = textured_photo()
    face = align.warp_face(photo, face_at(similarity(1.0, 15.0, shift)), CROP)
    assert face.image.shape == (CROP, CROP, 3)
    canvas = cv2.resize(photo, None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR)
    original = canvas.copy()
    mask = align.soft_mask(CROP)
    align.paste_face(canvas, face.image, face.matrix, 2, mask, crop_size=CROP)
    assert canvas.shape == (600, 800, 3)
    opaque = opaque_region(canvas.shape[:2], face.matrix, 2, mask)
    assert 1000 < opaque.sum() < (2 * CROP) ** 2 * 0.7  # a real part of the face, not all of it
    difference = np.abs(canvas.astype(np.int16) - original.astype(np.int16))[opaque]
    assert difference.mean() < 3.0


def test_a_face_wholly_outside_the_canvas_changes_nothing() -> None:
    photo = textured_photo()
    matrix = align.estimate_transform(face_at(similarity(1.0, 0.0, (-5000.0, 0.0))).landmarks, CROP)
    canvas = photo.copy()
    align.paste_face(canvas, np.full((CROP, CROP, 3), 255, np.uint8), matrix, 1, align.soft_mask(CROP), crop_size=CROP)
    assert np.array_equal(canvas, photo)


def test_mask_of_another_size_is_resized_and_inputs_are_checked() -> None:
    photo = textured_photo()
    face = align.warp_face(photo, face_at(similarity(0.8, 0.0, (150.0, 90.0))), CROP)
    canvas = photo.copy()
    align.paste_face(canvas, face.image, face.matrix, 1, align.soft_mask(512), crop_size=CROP)
    with pytest.raises(ValueError, match="uint8 HxWx3"):
        align.paste_face(canvas.astype(np.float32), face.image, face.matrix, 1, align.soft_mask(CROP), crop_size=CROP)
