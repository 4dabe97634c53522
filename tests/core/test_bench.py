"""`main.py bench`: the report has every figure the issue asks for (a tiny model and one small photo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import bench
from core.cli import main
from core.io import read_image
from core.models.loading import default_model_path, load_model


def test_bench_prints_a_table_and_writes_every_figure(tmp_path: Path, tiny_model: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    report_path = tmp_path / "bench.json"
    code = main(["bench", "--count", "1", "--repeats", "1", "--model", str(tiny_model), "--device", "cpu",
                 "--cpu-backend", "torch", "--json", str(report_path)])
    assert code == 0
    report = json.loads(report_path.read_text(encoding="utf-8"))  # BenchReport's fields
    assert (report["photo_source"], report["photo_count"]) == ("generated, small (0.5 Mpx)", 1)
    assert report["settings"]["model"] == str(tiny_model) and report["settings"]["photos"] is None
    assert report["settings"]["cpu_backend"] == "torch" and report["models"][0]["dtype"] == "float32"
    (model,) = report["models"]
    assert set(model["stages"]["mean"]) == set(bench.STAGES)
    assert model["stages"]["mean"]["restore"] > 0 and model["stages"]["faces_per_photo"] == 1
    (photo,) = model["stages"]["per_photo"]
    assert photo["faces"] == 1 and set(photo["seconds"]) == set(bench.STAGES)
    generator = model["generator"]
    assert 1 <= generator["largest_batch"] <= bench.LARGEST_BATCH
    assert generator["batch1"] > 0 and generator["largest"] > 0
    assert 50 < model["peak_rss_mb"] <= report["peak_rss_mb"] + 1  # sampled while this model ran
    assert [run["io_threads"] for run in model["batches"]] == [0, 2]
    assert all(run["photos"] == 1 and run["photos_per_s"] > 0 and len(run["rounds"]) == 1
               for run in model["batches"])
    assert model["non_network_overhead"] == model["batches"][1]["non_network_overhead"]  # the overlapped run's
    assert model["network_s_per_photo"] > 0 and isinstance(model["non_network_overhead"], float)
    assert model["precision"] == []  # no GPU: no half-precision figures
    assert report["peak_rss_mb"] > 50
    table = capsys.readouterr().out
    for label in ("decode (ms/photo)", f"generator batch{generator['largest_batch']} (faces/s)",
                  "batch, io threads 2 (photos/s)", "non-network overhead", "peak resident memory (MiB)",
                  "peak resident memory:"):
        assert label in table


def test_generated_photos_hold_faces_of_several_sizes(tmp_path: Path) -> None:
    from core.config import DetectSettings
    from core.detect import create_detector, select_faces

    photos = bench.synthetic_photos(tmp_path, 3)
    detector = create_detector(DetectSettings())
    shapes, faces = [], []
    for photo in photos:
        rgb = read_image(photo).rgb
        shapes.append(rgb.shape[:2])
        faces.append(len(select_faces(detector.detect(rgb), DetectSettings(), rgb.shape[:2])))
    assert shapes == [(h, w) for w, h, _ in bench.SYNTHETIC_SIZES]
    assert faces == [tiles for _, _, tiles in bench.SYNTHETIC_SIZES]


def test_real_size_photos_are_1_to_12_megapixels_with_faces_a_model_input_takes(tmp_path: Path) -> None:
    from core.config import DetectSettings
    from core.detect import create_detector, select_faces

    photos = bench.synthetic_photos(tmp_path, 3, "real")
    detector = create_detector(DetectSettings())
    for photo, (width, height, tiles) in zip(photos, bench.REAL_SIZES, strict=True):
        rgb = read_image(photo).rgb
        assert rgb.shape[:2] == (height, width) and 1e6 <= width * height <= 12e6
        faces = select_faces(detector.detect(rgb), DetectSettings(), rgb.shape[:2])
        assert len(faces) == tiles
        assert all(60 <= max(face.width, face.height) <= bench.DEFAULT_INPUT_SIZE for face in faces)


def test_network_alone_times_detection_and_every_face_it_restores(tiny_model: Path, astronaut,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from core.config import RestoreSettings
    from core.pipeline import FacePipeline

    pipeline = FacePipeline(RestoreSettings(model=str(tiny_model), device="cpu"))
    faces: list[int] = []
    real = pipeline.restorer.restore_faces
    monkeypatch.setattr(pipeline.restorer, "restore_faces", lambda batch: faces.append(len(batch)) or real(batch))
    assert bench.network_alone(pipeline, [astronaut, astronaut]) > 0
    assert faces == [1, 1]


def test_peak_memory_sees_an_allocation_made_and_freed_inside_the_block() -> None:
    import numpy as np

    with bench.PeakMemory(interval=0.005) as before:
        pass
    with bench.PeakMemory(interval=0.005) as memory:
        block = np.ones(300 * 2**20, np.uint8)  # 300 MiB, touched
        import time
        time.sleep(0.05)
        del block
    assert memory.peak_mb > before.peak_mb + 250


def test_bench_settings_refuse_unknown_kinds_and_comparisons() -> None:
    with pytest.raises(ValueError, match="--kind"):
        bench.BenchSettings(kind="huge")
    with pytest.raises(ValueError, match="--compare"):
        bench.BenchSettings(compare="esrgan")
    with pytest.raises(ValueError, match="cpu-backend"):
        bench.BenchSettings(cpu_backend="fastest")


def test_without_a_default_model_a_random_one_of_its_shape_is_timed_and_said_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = load_model(default_model_path()).info
    monkeypatch.setattr("core.models.loading.shipped_weights_dir", lambda: tmp_path / "no-weights")
    model, note = bench.choose_model(None, tmp_path)
    assert "random-weight RCAN" in note
    info = load_model(model).info
    assert (info.arch, info.input_size, info.scale) == ("rcan", bench.DEFAULT_INPUT_SIZE, 1)
    assert (info.arch, info.input_size, info.parameters) == (shipped.arch, shipped.input_size, shipped.parameters)


@pytest.mark.slow
@pytest.mark.parametrize("name, arch", [("gfpgan", "GFPGAN"), ("codeformer", "CodeFormer"),
                                        ("restoreformer", "RestoreFormer")])
def test_the_comparison_models_load_as_512_px_face_models(tmp_path: Path, name: str, arch: str) -> None:
    info = load_model(bench.random_face_model(name, tmp_path)).info
    assert (info.arch, info.kind, info.input_size) == (arch, "face", 512)


def _model_bench(name: str, speed: float, precision: tuple[bench.PrecisionRate, ...]) -> bench.ModelBench:
    """A measured model whose every time is 1/speed and every rate speed times a base."""
    seconds = {stage: 0.01 / speed for stage in bench.STAGES}
    stages = bench.StageTimes((bench.PhotoStages("a.jpg", 2, seconds),), seconds, 2.0)
    runs = tuple(bench.BatchRate(threads, 1, 1 / speed, speed, (1 / speed,), 0.25 * threads) for threads in (0, 2))
    return bench.ModelBench(name, "rcan", 1.0, 256, "cuda:0", "float32", stages, bench.GeneratorRates(speed, 4 * speed, 8),
                            runs, 100.0 * speed, 0.005 / speed, 0.5, precision)


def test_the_table_reads_the_typed_report_with_a_ratio_column_for_two_models() -> None:
    settings = bench.BenchSettings(compare="gfpgan")
    fast = _model_bench("fast", 4.0, (bench.PrecisionRate("float16", 40.0, 0.5),
                                      bench.PrecisionRate("bfloat16", error="not supported")))
    slow = _model_bench("slow", 1.0, (bench.PrecisionRate("float16", 10.0, 0.7),))
    machine = bench.Machine("3.11", "2.5", 16, 16, 0.5, "H200")
    report = bench.BenchReport(settings, "generated", 1, "model fast", machine, (fast, slow), 500.0)
    rows = {line.split("  ")[0].strip(): line.split() for line in bench.format_table(report).splitlines()}
    assert rows["decode (ms/photo)"][-3:] == ["2.5", "10.0", "4.0x"]  # times: 4x less
    assert rows["generator batch8 (faces/s)"][-3:] == ["16.0", "4.0", "4.0x"]  # rates: 4x more
    assert rows["batch, io threads 2 (photos/s)"][-3:] == ["4.0", "1.0", "4.0x"]
    assert rows["non-network overhead, io threads 2 (%)"][-3:] == ["50.0", "50.0", "-"]
    assert rows["float16 batch8 (faces/s)"][-3:] == ["40.0", "10.0", "4.0x"]
    assert rows["bfloat16 batch8 (faces/s)"][-3:] == ["-", "-", "-"]  # failed in one, absent in the other
    assert "peak resident memory: 500 MiB" in bench.format_table(report)


def test_the_ratio_column_says_how_many_times_faster_the_first_model_is() -> None:
    assert bench._ratio([10.0, 40.0], "time") == "4.0x"  # stage times: 4x less time
    assert bench._ratio([8.0, 2.0], "rate") == "4.0x"  # rates: 4x more faces per second
    assert bench._ratio([None, 2.0], "rate") == "-"
