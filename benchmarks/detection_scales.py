"""YuNet with every scale of its plan on every photo against a single pass that adds scales only when needed.

    python benchmarks/detection_scales.py FOLDER [FOLDER ...] [--rounds 3]

For each photo: the faces kept by the default selection (DetectSettings()) and the YuNet passes, with
every scale and with the conditional plan, and the detection time of each, interleaved round by round
(every-scale, single-pass, every-scale, ...) so that a load on the machine slows both alike. The faces
found must be the same; the boxes are compared by IoU and the landmarks (what the alignment uses)
by their largest move in eye distances.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import DetectSettings
from core.detect import select_faces
from core.detect.base import iou
from core.detect.yunet import YuNetDetector
from core.io import read_image, scan_images
from core.types import FaceDetection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = DetectSettings()
    detectors = {"every scale": YuNetDetector(every_scale=True), "single pass": YuNetDetector()}
    totals = {name: 0.0 for name in detectors}
    for photo in [path for folder in args.folders for path in scan_images(folder)]:
        rgb = read_image(photo).rgb
        seconds: dict[str, list[float]] = {name: [] for name in detectors}
        faces, passes = {}, {}
        for _ in range(args.rounds):
            for name, detector in detectors.items():
                before = detector.passes
                start = time.perf_counter()
                faces[name] = select_faces(detector.detect(rgb), settings, rgb.shape[:2])
                seconds[name].append(time.perf_counter() - start)
                passes[name] = detector.passes - before
        old, new = faces["every scale"], faces["single pass"]
        overlap = min((max(iou(a.box, b.box) for b in new) for a in old), default=1.0) if new else 0.0
        line = "  ".join(f"{name}: {len(faces[name])} faces, {passes[name]} pass(es), "
                         f"{statistics.median(seconds[name]) * 1000:6.0f} ms "
                         f"({min(seconds[name]) * 1000:.0f}..{max(seconds[name]) * 1000:.0f})" for name in detectors)
        shift = max((_landmark_shift(a, new) for a in old), default=0.0)
        height, width = rgb.shape[:2]
        print(f"{photo.name:<20} {width}x{height}  {line}  worst IoU {overlap:.2f}, landmarks moved {shift:.2f}"
              f"{'' if len(old) == len(new) else '  COUNTS DIFFER'}")
        for name in detectors:
            totals[name] += statistics.median(seconds[name])
    print("total median ms: " + ", ".join(f"{name} {value * 1000:.0f}" for name, value in totals.items()))


def _landmark_shift(face: FaceDetection, others: list[FaceDetection]) -> float:
    """How far the landmarks of the best-overlapping face in ``others`` lie from ``face``'s, in eye distances."""
    if not others:
        return float("inf")
    match = max(others, key=lambda other: iou(face.box, other.box))
    eyes = float(np.hypot(*(face.landmarks[1] - face.landmarks[0]))) or 1.0
    return float(np.abs(match.landmarks - face.landmarks).max()) / eyes


if __name__ == "__main__":
    main()
