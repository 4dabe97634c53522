"""Remaining-time estimates for long work (a batch of files, a training run), without Qt."""

from __future__ import annotations


def eta_seconds(done: float, total: float, elapsed: float) -> float | None:
    """Seconds left when ``done`` of ``total`` units took ``elapsed`` seconds at a steady rate.

    None while there is nothing to extrapolate from (no unit done yet, or no time measured).
    """
    if done <= 0 or elapsed <= 0 or total < done:
        return None
    return (total - done) * elapsed / done


def format_duration(seconds: float | None) -> str:
    """H:MM:SS (or M:SS under an hour); an em dash when unknown. Digits need no translation."""
    if seconds is None:
        return "\u2014"
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
