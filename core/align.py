"""Face alignment maths: the FFHQ 5-point template, warping a face onto it, and pasting a face back.

Pure functions on numpy arrays (no state, no Qt, no torch); the blend mask comes from the caller (a soft
square here, or core.parsing's face outline).

Coordinate convention, everywhere in this module: OpenCV's, where pixel (i, j) has its centre at the
point (i, j) and covers [i - 0.5, i + 0.5]. Resizing a picture by a factor f therefore maps a point p
to (p + 0.5) * f - 0.5, not p * f; ignoring the 0.5 shifts a pasted face by half an output pixel per
upscale step, which shows as a faint double edge around restored eyes.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.imaging import to_gray
from core.types import AlignedFace, FaceDetection

# Left eye, right eye, nose tip, left and right mouth corners (image left/right) of an FFHQ 512 crop.
FFHQ_TEMPLATE_512: np.ndarray = np.array(
    [
        [192.98138, 239.94708],
        [318.90277, 240.19360],
        [256.63416, 314.01935],
        [201.26117, 371.41043],
        [313.08905, 371.15118],
    ],
    dtype=np.float64,
)
FFHQ_TEMPLATE_512.setflags(write=False)

# Soft mask: transparent for the outer MASK_ERODE of the side, then a smooth ramp over MASK_FEATHER of it.
# Close to facexlib's paste-back (erode ~ side/20, blur ~ side/10) but analytic, so its edge is exactly 0.
MASK_ERODE = 0.04
MASK_FEATHER = 0.10

# Padding of crops that reach outside the photo, FFHQ style (see _pad_like_ffhq).
PAD_BLUR_SIGMA = 0.02  # of the crop side, as the FFHQ alignment script (blur = 0.02 * quad size)
PAD_BLUR_RAMP = 0.05  # blur fades in over this fraction of the side outside the photo edge
PAD_FADE = 0.25  # beyond the photo edge, fade to the median colour over this fraction of the side


def template_for(size: int) -> np.ndarray:
    """The FFHQ template for a ``size`` x ``size`` crop (float64 (5, 2)).

    Scaled about pixel edges, as ``cv2.resize`` of an FFHQ 512 crop would move the points, so crops
    made at 128 match the 512 training crops downscaled to 128.
    """
    if size <= 0:
        raise ValueError(f"crop size must be positive, got {size}")
    return (FFHQ_TEMPLATE_512 + 0.5) * (size / 512.0) - 0.5


def estimate_transform(landmarks: np.ndarray, size: int) -> np.ndarray:
    """The 2x3 similarity (float64) taking photo pixels to a ``size`` crop on the FFHQ template.

    LMEDS, like facexlib/GFPGAN: one badly placed landmark (a profile's far eye) does not drag the
    other four. Falls back to the least-squares similarity when LMEDS finds no model.
    """
    source = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    target = template_for(size)
    matrix, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.LMEDS)
    if matrix is None:
        matrix = _least_squares_similarity(source, target)
    return matrix.astype(np.float64)


def transform_scale(matrix: np.ndarray) -> float:
    """Scale factor of a similarity (target pixels per source pixel)."""
    return float(np.sqrt(abs(np.linalg.det(np.asarray(matrix, dtype=np.float64)[:2, :2]))))


def warp_face(image: np.ndarray, detection: FaceDetection, size: int) -> AlignedFace:
    """Warp the detected face onto the FFHQ template at ``size`` x ``size``.

    Where the crop reaches beyond the photo it is padded the way the FFHQ crops themselves were made
    (mirror, blurred, fading to the median colour): restoration models trained on FFHQ have seen that
    padding at every border, whereas a flat grey block would give them a hard edge never seen in
    training and a mirror alone a sharp duplicated half-face.
    """
    _check_rgb(image, "image")
    matrix = estimate_transform(detection.landmarks, size)
    scale = transform_scale(matrix)
    crop = _warp_to_crop(image, matrix, size, scale)
    crop = _pad_like_ffhq(crop, matrix, image.shape[:2])
    return AlignedFace(image=crop, matrix=matrix, warp_scale=scale, detection=detection)


def soft_mask(size: int) -> np.ndarray:
    """A float32 ``size`` x ``size`` blend mask: 0 on the border, 1 in the middle, a smooth ramp between.

    The ramp is a smoothstep, so the mask has no corner in its profile and its steepest slope is
    1.5 / (MASK_FEATHER * size) per pixel: no rectangle edge shows after paste-back at any size.
    """
    if size <= 0:
        raise ValueError(f"mask size must be positive, got {size}")
    centre_distance = np.minimum(np.arange(size), np.arange(size)[::-1]).astype(np.float32)
    ramp = np.clip((centre_distance - MASK_ERODE * size) / max(MASK_FEATHER * size, 1.0), 0.0, 1.0)
    ramp = ramp * ramp * (3.0 - 2.0 * ramp)
    return np.outer(ramp, ramp).astype(np.float32)


def paste_face(
    canvas: np.ndarray,
    face: np.ndarray,
    matrix: np.ndarray,
    scale: int,
    mask: np.ndarray,
    strength: float = 1.0,
    gray: bool = False,
    *,
    crop_size: int,
) -> None:
    """Blend ``face`` into ``canvas`` in place.

    canvas: uint8 HxWx3, the photo already upscaled by ``scale``.
    face: uint8 model output for the crop, any size (``crop_size`` * the model's own scale).
    matrix: photo -> model-input-crop similarity, as from ``warp_face``; ``crop_size`` is that crop's side.
    mask: float 0..1 blend weights in face pixels (resized to the face when its size differs).
    strength: 0 leaves the canvas untouched, 1 pastes the face fully where the mask is 1.
    gray: paste the face's luma (core.imaging.to_gray) in all channels, for gray photos.

    Only the face's bounding region of the canvas is read and written, so the cost is that of the
    face, not of the photo.
    """
    _check_rgb(canvas, "canvas")
    _check_rgb(face, "face")
    if strength <= 0.0:
        return
    face, weights = _prepare_face(face, mask, gray)
    canvas_to_face = _canvas_to_face(matrix, scale, crop_size, face.shape[:2])
    # Shrinking with a bilinear warp would alias: first resample face and mask to the footprint size.
    footprint = 1.0 / transform_scale(canvas_to_face)
    if footprint < 1.0:
        face, weights = _shrink(face, weights, footprint)
        canvas_to_face = _canvas_to_face(matrix, scale, crop_size, face.shape[:2])
    region = _face_region(canvas_to_face, face.shape[:2], canvas.shape[:2])
    if region is None:
        return
    x0, y0, x1, y1 = region
    to_region = canvas_to_face @ _translation(x0, y0)  # region pixel (0, 0) is canvas pixel (x0, y0)
    dsize = (x1 - x0, y1 - y0)
    interpolation = cv2.INTER_CUBIC if footprint > 1.0 else cv2.INTER_LINEAR
    warped = cv2.warpAffine(
        face, to_region[:2], dsize, flags=interpolation | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    alpha: np.ndarray = cv2.warpAffine(
        weights, to_region[:2], dsize, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT, borderValue=0.0,
    )
    alpha *= np.float32(min(strength, 1.0))
    target = canvas[y0:y1, x0:x1]
    base = target.astype(np.float32)
    blended = base + alpha[..., None] * (warped.astype(np.float32) - base)
    target[...] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)


def _check_rgb(array: np.ndarray, what: str) -> None:
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        got = f"{array.dtype} {array.shape}" if isinstance(array, np.ndarray) else type(array).__name__
        raise ValueError(f"{what} must be a uint8 HxWx3 RGB array, got {got}")


def _least_squares_similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Closed-form similarity (rotation, uniform scale, translation; no reflection) in the least-squares sense."""
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    s, t = source - source_mean, target - target_mean
    norm = float((s**2).sum())
    if norm < 1e-12:
        raise ValueError("landmarks are degenerate (all at one point): cannot align the face")
    a = float((s * t).sum()) / norm
    b = float((s[:, 0] * t[:, 1] - s[:, 1] * t[:, 0]).sum()) / norm
    linear = np.array([[a, -b], [b, a]])
    return np.hstack([linear, (target_mean - linear @ source_mean)[:, None]])


def _homogeneous(matrix: np.ndarray) -> np.ndarray:
    return np.vstack([np.asarray(matrix, dtype=np.float64)[:2], [0.0, 0.0, 1.0]])


def _translation(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _resize_map(factor_x: float, factor_y: float) -> np.ndarray:
    """Point mapping of a resize by (factor_x, factor_y) under the pixel-centre convention."""
    return np.array([[factor_x, 0.0, 0.5 * factor_x - 0.5], [0.0, factor_y, 0.5 * factor_y - 0.5], [0.0, 0.0, 1.0]])


def _warp_to_crop(image: np.ndarray, matrix: np.ndarray, size: int, scale: float) -> np.ndarray:
    if scale >= 1.0:
        # Enlarging (the usual case: a small face onto the model input): bicubic, like the resize
        # that makes the low-quality training inputs.
        flags = cv2.INTER_CUBIC if scale > 1.0 else cv2.INTER_LINEAR
        return cv2.warpAffine(image, matrix, (size, size), flags=flags, borderMode=cv2.BORDER_REFLECT_101)
    # Shrinking: a bilinear warp would alias, so area-resample only the face's region first.
    photo_to_crop = _homogeneous(matrix)
    corners = _map_points(np.linalg.inv(photo_to_crop), _corners(size, size))
    margin = 2.0 / scale
    height, width = image.shape[:2]
    x0, y0 = (max(0, int(np.floor(corners[:, i].min() - margin))) for i in (0, 1))
    x1 = min(width, int(np.ceil(corners[:, 0].max() + margin)) + 1)
    y1 = min(height, int(np.ceil(corners[:, 1].max() + margin)) + 1)
    if x1 - x0 < 2 or y1 - y0 < 2:  # the crop lies (almost) entirely off the photo
        return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    region = image[y0:y1, x0:x1]
    small_w, small_h = max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))
    small = cv2.resize(region, (small_w, small_h), interpolation=cv2.INTER_AREA)
    photo_to_small = _resize_map(small_w / (x1 - x0), small_h / (y1 - y0)) @ _translation(-x0, -y0)
    small_to_crop = photo_to_crop @ np.linalg.inv(photo_to_small)
    return cv2.warpAffine(
        small, small_to_crop[:2], (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )


def _pad_like_ffhq(crop: np.ndarray, matrix: np.ndarray, photo_shape: tuple[int, int]) -> np.ndarray:
    """Blur the mirrored padding and fade it to the median colour, as the FFHQ alignment script does.

    Unlike that script, the blur starts at the photo edge rather than a little inside it: pixels of the
    photo reach the model unchanged, so pasting back never blurs real content.
    """
    size = crop.shape[0]
    height, width = photo_shape
    crop_to_photo = np.linalg.inv(_homogeneous(matrix))
    outside = _outside_distance(_map_points(crop_to_photo, _corners(size, size)), width, height)
    if outside.max() <= 0.0:
        return crop
    # Signed distance to the photo edge for every crop pixel, in crop pixels (>0 outside the photo):
    # the photo coordinates are affine in the crop's, so each term is an outer sum over rows and columns.
    grid = np.arange(size, dtype=np.float32)
    (a, b, c), (d, e, f) = crop_to_photo[:2].astype(np.float32)
    photo_x = a * grid[None, :] + (b * grid[:, None] + c)
    photo_y = d * grid[None, :] + (e * grid[:, None] + f)
    distance = np.maximum.reduce([-0.5 - photo_x, photo_x - (width - 0.5), -0.5 - photo_y, photo_y - (height - 0.5)])
    distance *= np.float32(transform_scale(matrix))
    pixels = crop.astype(np.float32)
    blurred = cv2.GaussianBlur(pixels, (0, 0), max(PAD_BLUR_SIGMA * size, 0.5))
    blur_weight = np.clip(distance / (PAD_BLUR_RAMP * size), 0.0, 1.0)[..., None]
    pixels += (blurred - pixels) * blur_weight
    inside = distance < 0
    median = np.median(crop[inside], axis=0) if inside.any() else np.median(crop.reshape(-1, 3), axis=0)
    fade_weight = np.clip(distance / (PAD_FADE * size), 0.0, 1.0)[..., None]
    pixels += (median.astype(np.float32) - pixels) * fade_weight
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def _outside_distance(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """How far each photo point lies outside the photo's pixel area (negative: how far inside)."""
    x, y = points[:, 0], points[:, 1]
    return np.max(np.stack([-0.5 - x, x - (width - 0.5), -0.5 - y, y - (height - 0.5)]), axis=0)


def _corners(width: int, height: int) -> np.ndarray:
    return np.array([[-0.5, -0.5], [width - 0.5, -0.5], [-0.5, height - 0.5], [width - 0.5, height - 0.5]])


def _map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:2, :2].T + matrix[:2, 2]


def _prepare_face(face: np.ndarray, mask: np.ndarray, gray: bool) -> tuple[np.ndarray, np.ndarray]:
    height, width = face.shape[:2]
    weights: np.ndarray = np.asarray(mask, dtype=np.float32)
    if weights.ndim == 3:
        weights = weights[..., 0]
    if weights.shape != (height, width):
        weights = cv2.resize(weights, (width, height), interpolation=cv2.INTER_LINEAR)
    weights = np.clip(weights, 0.0, 1.0)
    if gray:
        face = to_gray(face)
    return face, weights


def _canvas_to_face(matrix: np.ndarray, scale: int, crop_size: int, face_shape: tuple[int, int]) -> np.ndarray:
    """3x3 map from canvas pixels to face pixels: canvas -> photo -> model-input crop -> model output."""
    if scale <= 0 or crop_size <= 0:
        raise ValueError(f"scale and crop size must be positive, got {scale} and {crop_size}")
    face_height, face_width = face_shape
    canvas_to_photo = _resize_map(1.0 / scale, 1.0 / scale)
    crop_to_face = _resize_map(face_width / crop_size, face_height / crop_size)
    return crop_to_face @ _homogeneous(matrix) @ canvas_to_photo


def _shrink(face: np.ndarray, weights: np.ndarray, factor: float) -> tuple[np.ndarray, np.ndarray]:
    height, width = face.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return (
        cv2.resize(face, size, interpolation=cv2.INTER_AREA),
        cv2.resize(weights, size, interpolation=cv2.INTER_AREA),
    )


def _face_region(
    canvas_to_face: np.ndarray, face_shape: tuple[int, int], canvas_shape: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """The canvas box (x0, y0, x1, y1; end-exclusive) covering the face, clamped to the canvas."""
    corners = _map_points(np.linalg.inv(canvas_to_face), _corners(face_shape[1], face_shape[0]))
    height, width = canvas_shape
    x0 = max(0, int(np.floor(corners[:, 0].min())))
    y0 = max(0, int(np.floor(corners[:, 1].min())))
    x1 = min(width, int(np.ceil(corners[:, 0].max())) + 1)
    y1 = min(height, int(np.ceil(corners[:, 1].max())) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1
