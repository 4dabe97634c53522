"""Translations from .ts files: the parser, and switching the running application to Chinese and back."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QLabel

from gui import i18n
from gui import settings as stored
from gui.main_window import MainWindow
from gui.settings import SettingsDialog

WAIT_MS = 120_000
SAME_IN_BOTH = {"100%", "FaceSR Studio", "CPU"}  # texts that read the same in Chinese

TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context><name>Ctx</name>
  <message><source>Open</source><translation>打开</translation></message>
  <message><source>Draft</source><translation type="unfinished">草稿</translation></message>
  <message><source>Gone</source><translation type="vanished">旧</translation></message>
  <message><source>Empty</source><translation></translation></message>
  <message><source>Bank</source><comment>river</comment><translation>河岸</translation></message>
  <message numerus="yes"><source>%n file(s)</source><translation><numerusform>%n 个文件</numerusform></translation></message>
</context>
</TS>
"""


def test_only_finished_translations_are_used(tmp_path: Path) -> None:
    path = tmp_path / "t.ts"
    path.write_text(TS, encoding="utf-8")
    messages = i18n.parse_ts(path)
    assert set(messages) == {("Ctx", "Open", ""), ("Ctx", "Bank", "river"), ("Ctx", "%n file(s)", "")}


def test_a_ts_translator_answers_qt_including_plurals(qapp, tmp_path: Path) -> None:
    folder = tmp_path / "translations"
    (folder / "zh_CN").mkdir(parents=True)
    (folder / "zh_CN" / "t.ts").write_text(TS, encoding="utf-8")
    assert i18n.install_language("zh_CN", folder) == "zh_CN"
    try:
        assert QCoreApplication.translate("Ctx", "Open") == "打开"
        assert QCoreApplication.translate("Ctx", "Draft") == "Draft"  # unfinished: the English source
        assert QCoreApplication.translate("Ctx", "Bank", "river") == "河岸"
        assert QCoreApplication.translate("Ctx", "%n file(s)", None, 3) == "3 个文件"
    finally:
        i18n.install_language(i18n.ENGLISH)
    assert QCoreApplication.translate("Ctx", "Open") == "Open"


def test_the_shipped_translation_is_complete_and_keeps_placeholders() -> None:
    messages = i18n.parse_ts(i18n.translations_dir() / "zh_CN" / "main.ts")
    assert len(messages) > 150
    for (context, source, _), (translation,) in messages.items():
        assert sorted(re.findall(r"%\d", source)) == sorted(re.findall(r"%\d", translation)), (context, source)
        assert source.count("&") - source.count("&&") <= 1 and (("&" in source) <= ("&" in translation)), source


def test_translated_texts_use_one_placeholder_style() -> None:
    """Qt's %1 (filled with i18n.fill), never str.format's {name}: a translator sees one style everywhere."""
    braces = re.compile(r"\{\w*(:[^}]*)?\}")
    found = []
    for source in sorted((Path(i18n.__file__).parent).glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and braces.search(node.args[0].value)):
                found.append(f"{source.name}:{node.lineno}")
    ts_files = sorted((i18n.translations_dir() / "zh_CN").glob("*.ts"))
    assert len(ts_files) >= 2  # main.ts and batch_train.ts at least
    for ts_file in ts_files:
        for (context, source, _), (translation,) in i18n.parse_ts(ts_file).items():
            if braces.search(source + translation):
                found.append(f"{ts_file.name} {context}: {source}")
            # translators may reorder the placeholders, never drop or add one
            assert sorted(re.findall(r"%\d", source)) == sorted(re.findall(r"%\d", translation)), (context, source)
    assert not found


def test_fill_replaces_numbered_placeholders_once() -> None:
    assert i18n.fill("%2：%1 个文件", 3, "相册") == "相册：3 个文件"  # a translation may reorder them
    assert i18n.fill("%1: %2", "C:/100%2", "damaged") == "C:/100%2: damaged"  # a value is not filled again
    assert i18n.fill("%1×%1 px, 100%", 512) == "512×512 px, 100%"


def test_unknown_language_falls_back_to_english(qapp) -> None:
    assert i18n.install_language("xx_XX") == i18n.ENGLISH


def _visible_texts(window: MainWindow) -> dict[object, str]:
    tab = window.restore_tab
    widgets = tab.findChildren(QLabel) + tab.findChildren(QAbstractButton)
    texts = {w: w.text() for w in widgets if w.isVisibleTo(window) and re.search("[A-Za-z]", w.text())}
    menus = (window.file_menu, window.restore_menu, window.view_menu, window.tools_menu, window.help_menu)
    texts.update({a: a.text() for menu in menus for a in menu.actions() if a.text()})
    texts.update({("tab", i): window.tabs.tabText(i) for i in range(window.tabs.count())})
    texts.update({m: m.title() for m in menus})
    return {key: text for key, text in texts.items() if text not in SAME_IN_BOTH and text != "tiny"}


@pytest.fixture
def window(qtbot) -> MainWindow:
    made = MainWindow()
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: not made.restore_tab.is_busy(), timeout=WAIT_MS)
    yield made
    i18n.install_language(i18n.ENGLISH)
    made.close()


def test_switching_to_chinese_in_settings_changes_the_visible_texts(qtbot, window: MainWindow) -> None:
    english = _visible_texts(window)
    assert window.tabs.tabText(0) == "Restore"
    dialog = window.show_settings()
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("zh_CN"))
    dialog.accept()
    assert stored.language() == "zh_CN"
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "修复", timeout=5000)  # LanguageChange is an event
    chinese = _visible_texts(window)
    untranslated = sorted(text for key, text in chinese.items() if text == english.get(key))
    assert not untranslated
    assert window.restore_tab.restore_button.text() == "修复(&E)"
    assert window.restore_tab.compare.canvas.labels == ("修复前", "修复后")
    assert window.restore_tab.options.detector_combo.itemText(0) == "YuNet（内置）"
    i18n.install_language(i18n.ENGLISH)
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "Restore", timeout=5000)
    assert _visible_texts(window) == english


def test_the_settings_dialog_shows_the_stored_language(qtbot) -> None:
    stored.set_language("zh_CN")
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert dialog.chosen_language() == "zh_CN"
    with pytest.raises(ValueError):
        stored.set_language("klingon")
