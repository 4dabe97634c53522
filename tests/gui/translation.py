"""Checking that a widget's visible texts all change when the language switches to Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from gui import i18n


def visible_texts(widget: QWidget) -> dict[object, str]:
    """The texts of the labels and buttons in ``widget`` (texts without a letter, such as "100%", "0.50" or a
    bare ellipsis, left out: they read the same in every language)."""
    widgets = widget.findChildren(QLabel) + widget.findChildren(QAbstractButton)
    return {w: w.text() for w in widgets if any(character.isalpha() for character in w.text())}


@contextmanager
def in_chinese(qtbot, widget: QWidget, probe: QAbstractButton, probe_text: str) -> Iterator[None]:
    """Switch to Chinese, assert every visible text of ``widget`` changed (``probe`` reads ``probe_text``),
    run the body, then switch back and wait until ``probe`` shows its English text again."""
    english = visible_texts(widget)
    i18n.install_language("zh_CN")
    try:
        qtbot.waitUntil(lambda: probe.text() == probe_text)  # LanguageChange events are delivered by the event loop
        chinese = visible_texts(widget)
        untranslated = [text for item, text in chinese.items() if text == english.get(item)]
        assert not untranslated and chinese[probe] == probe_text
        yield
    finally:
        i18n.install_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: probe.text() == english[probe])  # and back
