"""Translations loaded straight from Qt Linguist .ts files, so no compiled .qm is kept in the repository.

Every ``resources/translations/<locale>/*.ts`` file of the chosen language is parsed into a
``TsTranslator`` (a QTranslator whose ``translate`` looks strings up in a dict); Qt's own compiled
translations of its standard dialogs, shipped inside PySide6, are loaded beside them when present.
Installing or removing translators makes Qt send QEvent.LanguageChange to every widget, which
re-sets its texts in its ``retranslate`` method.

After changing texts, update a .ts file (new strings arrive unfinished; translate them in Qt Linguist,
``pyside6-linguist``, or by hand), e.g. for the main window and the Restore tab:
    .venv/bin/pyside6-lupdate gui/app.py gui/main_window.py gui/restore_tab.py gui/restore_options.py \
        gui/compare_view.py gui/face_strip.py gui/models_dialog.py gui/settings.py \
        -locations none -no-obsolete -target-language zh_CN -ts resources/translations/zh_CN/main.ts
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from core.paths import resources_dir

log = logging.getLogger(__name__)

ENGLISH = "en"
# locale code -> the language's own name (shown untranslated, so a user can always find their language)
LANGUAGES: dict[str, str] = {ENGLISH: "English", "zh_CN": "简体中文"}

# (context, source text, disambiguation) -> translated forms (one per plural form; one without %n)
Messages = dict[tuple[str, str, str], tuple[str, ...]]


def translations_dir() -> Path:
    return resources_dir() / "translations"


def parse_ts(path: Path) -> Messages:
    """The finished translations of one .ts file; unfinished, obsolete and empty ones are left out."""
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError) as error:
        log.warning("translation file %s is unreadable: %s", path, error)
        return {}
    messages: Messages = {}
    for context in root.iter("context"):
        context_name = context.findtext("name", default="")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
                continue
            forms = tuple(form.text or "" for form in translation.iter("numerusform")) \
                if message.get("numerus") == "yes" else (translation.text or "",)
            if any(forms):
                key = (context_name, message.findtext("source", default=""), message.findtext("comment", default=""))
                messages[key] = forms
    return messages


class TsTranslator(QTranslator):
    """A QTranslator answering from parsed .ts messages (Chinese has a single plural form)."""

    def __init__(self, messages: Messages, parent: QCoreApplication | None = None) -> None:
        super().__init__(parent)
        self._messages = messages

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        forms = self._messages.get((context, source, disambiguation or ""))
        # None tells Qt "not translated here": it asks the next translator, then uses the source text
        return forms[0] if forms else None

    def isEmpty(self) -> bool:
        return not self._messages

    def __len__(self) -> int:
        return len(self._messages)


@dataclass
class _Installed:
    translators: list[QTranslator]
    language: str = ENGLISH


_installed = _Installed(translators=[])


def system_language() -> str:
    """The shipped language closest to the system's: Chinese (any script/region) -> zh_CN, else English."""
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else ENGLISH


def current_language() -> str:
    return _installed.language


def load_translators(language: str, folder: Path | None = None) -> list[QTranslator]:
    """Translators for ``language``: every .ts under ``folder/<language>/`` plus Qt's own, if shipped."""
    if language == ENGLISH:
        return []
    folder = (folder or translations_dir()) / language
    translators: list[QTranslator] = []
    for ts_file in sorted(folder.glob("*.ts")):
        messages = parse_ts(ts_file)
        if messages:
            translators.append(TsTranslator(messages))
    if not translators:
        log.warning("no translations found for %s in %s", language, folder)
    qt_own = QTranslator()
    if qt_own.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        translators.append(qt_own)  # standard dialogs' buttons (Yes, No, Cancel, file dialogs)
    return translators


def install_language(language: str, folder: Path | None = None) -> str:
    """Switch the running application to ``language`` (English when unknown); return the one installed."""
    if language not in LANGUAGES:
        log.warning("unknown language %r; using English", language)
        language = ENGLISH
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before installing a language")
    for translator in _installed.translators:
        QCoreApplication.removeTranslator(translator)
    # keep Python references: Qt does not own installed translators
    _installed.translators = load_translators(language, folder)
    for translator in _installed.translators:
        QCoreApplication.installTranslator(translator)
    _installed.language = language
    log.info("language: %s (%d translators)", language, len(_installed.translators))
    return language


_PLACEHOLDER = re.compile(r"%(\d+)")


def fill(text: str, *values: object) -> str:
    """Qt's QString.arg for Python strings, the GUI's one placeholder style: %1, %2, ... replaced by ``values``
    (translators may reorder them). One pass, so a value that itself holds "%2" (a path) is left as it is."""
    def value(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return str(values[number - 1]) if 1 <= number <= len(values) else match.group(0)

    return _PLACEHOLDER.sub(value, text)
