"""CurvesBuilder: fed record by record (as the Train tab's monitor follows a growing file) it gives the same
curves as summarising the whole file at once."""

from __future__ import annotations

import random

from core.training.runlog import CurvesBuilder, summarise


def _records() -> list[dict]:
    records: list[dict] = [{"type": "event", "event": "start", "step": 0, "steps": 40, "time": 100.0}]
    for step in range(1, 31):
        records.append({"type": "train", "step": step, "time": 100.0 + step, "loss_g": 1 / step, "loss_d": 0.5})
        if step % 10 == 0:
            records.append({"type": "val", "step": step, "psnr_y": 20 + step / 10, "bicubic_psnr_y": 21.0,
                            "sample": f"samples/{step}.png", "best_psnr_y": 20 + step / 10, "best_step": step})
    # a crash after step 25 was logged, then a resume from step 20 that logged 21..25 again with other values
    records.append({"type": "event", "event": "resume", "step": 20, "steps": 40, "time": 500.0})
    records += [{"type": "train", "step": step, "time": 500.0 + step, "loss_g": 2.0, "loss_d": 0.4}
                for step in range(21, 26)]
    return records


def test_records_added_in_pieces_give_the_curves_of_the_whole_file() -> None:
    records = _records()
    whole = summarise(records)
    cuts = sorted(random.Random(7).sample(range(1, len(records)), 6))
    builder = CurvesBuilder()
    for start, stop in zip([0, *cuts], [*cuts, len(records)], strict=True):
        builder.add(records[start:stop])
        partial = builder.curves()  # asked after every piece, as the monitor does
    assert partial == whole
    loss = whole.get("loss_g")
    assert loss.steps == tuple(range(1, 31))  # each step once, in order
    assert loss.values[20:25] == (2.0,) * 5 and loss.values[25] == 1 / 26  # a redone step keeps its last value
    assert whole.get("psnr_y").steps == (10, 20, 30) and whole.sample == "samples/30.png"


def test_a_step_arriving_out_of_order_is_drawn_in_its_place() -> None:
    builder = CurvesBuilder()
    builder.add([{"type": "train", "step": step, "loss_g": float(step)} for step in (1, 2, 5, 6)])
    assert builder.curves().get("loss_g").steps == (1, 2, 5, 6)
    builder.add([{"type": "train", "step": 3, "loss_g": 3.0}, {"type": "train", "step": 5, "loss_g": 50.0}])
    curve = builder.curves().get("loss_g")
    assert curve.steps == (1, 2, 3, 5, 6) and curve.values == (1.0, 2.0, 3.0, 50.0, 6.0)
