"""core.memory.check_output_fits: which limit a result breaks decides the advice that follows the cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import memory
from core.config import RestoreSettings
from core.errors import FaceSRError

BIG = 10**12  # pixels or bytes: a limit that is never reached


def _refusal(monkeypatch: pytest.MonkeyPatch, *, scale: int, free: int | None = None, max_pixels: int = BIG,
             max_side: int | None = None, size: int = 10_000) -> str:
    monkeypatch.setattr(memory, "available_bytes", lambda: free)
    settings = RestoreSettings(scale=scale, max_output_pixels=max_pixels)
    with pytest.raises(FaceSRError) as caught:
        memory.check_output_fits(Path("photo.jpg"), size, size, settings, max_side=max_side)
    assert caught.value.path == Path("photo.jpg")
    return caught.value.cause


def test_too_wide_for_the_format_advises_a_lower_scale_or_png(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _refusal(monkeypatch, scale=8, max_side=65_500) == (
        "the result would be 80000x80000, more than its format holds (65500 pixels a side): "
        "use a scale of 4 (-s 4), or write PNG (--ext png)")


def test_over_the_pixel_limit_advises_raising_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _refusal(monkeypatch, scale=2, max_pixels=50_000_000) == (
        "the result would be 20000x20000 (400,000,000 pixels), more than the limit of 50,000,000 output pixels: "
        "use a smaller photo, or raise the limit with --max-output-pixels if the memory is there")


def test_short_of_memory_advises_only_a_lower_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1000x1000 at x4 needs about 365 MB, at x2 about 285 MB: 300 MB free fits x2 only
    cause = _refusal(monkeypatch, scale=4, free=300 * 2**20, size=1_000)
    assert cause == ("the result would be 4000x4000 and needs about 365 MB of memory, but only about 300 MB is free: "
                     "use a scale of 2 (-s 2)")


def test_a_result_within_every_limit_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: BIG)
    memory.check_output_fits(Path("photo.jpg"), 1_000, 1_000, RestoreSettings(scale=8), max_side=65_500)
