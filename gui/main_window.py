"""The main window: Restore, Batch and Train tabs, the menus, a toolbar and the status bar.

Drops anywhere on the window go to the right tab: image files to Restore, a folder to Batch.
Closing the window cancels all work and waits for every worker thread and training process
(each tab's ``shutdown``), so nothing keeps running or writing after the window is gone.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QProgressDialog, QTabWidget, QToolBar, QWidget

from gui import settings as stored
from gui.batch_tab import BatchTab
from gui.model_list import ModelList
from gui.models_dialog import ModelsDialog
from gui.restore_tab import RestoreTab, is_image_file
from gui.settings import SettingsDialog
from gui.train_tab import TrainTab
from gui.tab_support import fit_title, set_action_texts

log = logging.getLogger(__name__)

RESTORE, BATCH, TRAIN = range(3)
STOP_WAIT_MS = 60_000  # closing during training: how long the run may take to checkpoint before it is ended
STATUS_TIMEOUT_MS = 0  # status texts stay until the next one: per-stage times are read at leisure


def dropped_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main-window")
        self._last_restore_message = ""
        self.models = ModelList(self)  # one listing of the installed models for every list that shows them
        self.restore_tab = RestoreTab(models=self.models)
        self.batch_tab = BatchTab(models=self.models)
        self.train_tab = TrainTab()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for tab in (self.restore_tab, self.batch_tab, self.train_tab):
            self.tabs.addTab(tab, "")
        self.setCentralWidget(self.tabs)
        self.busy_label = QLabel()
        self.statusBar().addPermanentWidget(self.busy_label)
        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self._connect()
        self.setAcceptDrops(True)
        self._restore_window()
        self.retranslate()
        self._closing = False
        self._training_stopped_for_close = False  # the user agreed and the run has checkpointed: close now
        self.close_question: QMessageBox | None = None
        self.stopping_dialog: QProgressDialog | None = None
        self.train_tab.run_ended.connect(self._close_when_stopping)
        stored.apply_cpu_threads()  # the CPU threads chosen in Settings, for restoring in this process

    # --- construction ----------------------------------------------------------------------------

    def _make_actions(self) -> None:
        def action(shortcut: QKeySequence | QKeySequence.StandardKey | str | None, slot) -> QAction:  # noqa: ANN001
            made = QAction(self)
            if shortcut is not None:
                made.setShortcut(QKeySequence(shortcut))
            made.triggered.connect(slot)
            return made

        self.models_action = action("Ctrl+M", self.show_models)
        self.settings_action = action(QKeySequence.StandardKey.Preferences
                                      if not QKeySequence(QKeySequence.StandardKey.Preferences).isEmpty()
                                      else "Ctrl+,", self.show_settings)
        self.quit_action = action(QKeySequence.StandardKey.Quit
                                  if not QKeySequence(QKeySequence.StandardKey.Quit).isEmpty() else "Ctrl+Q",
                                  self.close)
        self.about_action = action(None, self.show_about)
        self.tab_actions = [action(f"Alt+{number}", lambda _=False, i=index: self.tabs.setCurrentIndex(i))
                            for index, number in enumerate((1, 2, 3))]
        self.addActions(self.tab_actions)

    def _make_menus(self) -> None:
        tab = self.restore_tab
        self.file_menu = self.menuBar().addMenu("")
        for item in (tab.open_action, tab.paste_action, None, tab.save_action, tab.save_as_action, None,
                     self.quit_action):
            self.file_menu.addSeparator() if item is None else self.file_menu.addAction(item)
        self.restore_menu = self.menuBar().addMenu("")
        for item in (tab.restore_action, tab.cancel_action, None, tab.previous_action, tab.next_action):
            self.restore_menu.addSeparator() if item is None else self.restore_menu.addAction(item)
        self.view_menu = self.menuBar().addMenu("")
        for item in tab.compare.actions_in_order():
            self.view_menu.addAction(item)
        self.view_menu.addSeparator()
        for item in self.tab_actions:
            self.view_menu.addAction(item)
        self.tools_menu = self.menuBar().addMenu("")
        self.tools_menu.addAction(self.models_action)
        self.tools_menu.addAction(self.settings_action)
        self.help_menu = self.menuBar().addMenu("")
        self.help_menu.addAction(self.about_action)

    def _make_toolbar(self) -> None:
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("main-toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setIconSize(QSize(20, 20))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tab = self.restore_tab
        self.toolbar.addAction(tab.open_action)
        self.toolbar.addAction(tab.save_action)
        # the Restore tab's own actions and the separator before them are hidden on the other tabs
        self._restore_only = [tab.save_action, self.toolbar.addSeparator(), tab.restore_action, tab.cancel_action]
        self.toolbar.addAction(tab.restore_action)
        self.toolbar.addAction(tab.cancel_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.models_action)
        self.addToolBar(self.toolbar)

    def _connect(self) -> None:
        self.restore_tab.message.connect(self._restore_message)
        self.restore_tab.opened.connect(lambda: self.tabs.setCurrentIndex(RESTORE))
        self.restore_tab.manage_models.connect(self.show_models)
        self.restore_tab.options.download_requested.connect(self.offer_download)
        self.batch_tab.download_requested.connect(self.offer_download)
        self.batch_tab.manage_models.connect(self.show_models)
        self.batch_tab.result_activated.connect(self.restore_tab.show_batch_result)  # it shows the Restore tab
        self.restore_tab.state_changed.connect(self._update_busy)
        self.train_tab.model_added.connect(self._model_added)
        self.tabs.currentChanged.connect(self._tab_changed)

    def _restore_window(self) -> None:
        geometry, state = stored.window_geometry(), stored.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        if state is not None:
            self.restoreState(state)
        self.tabs.setCurrentIndex(stored.window_tab())

    # --- reactions -------------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def _restore_message(self, text: str) -> None:
        self._last_restore_message = text
        if self.tabs.currentIndex() == RESTORE:
            self.show_message(text)

    def _tab_changed(self, index: int) -> None:
        # the Restore tab's actions and status line mean nothing on the other tabs
        for item in self._restore_only:
            item.setVisible(index == RESTORE)
        if index == RESTORE:
            self.show_message(self._last_restore_message)
        else:
            self.statusBar().clearMessage()

    def _update_busy(self) -> None:
        busy = [name for name, tab in self._named_tabs() if tab.is_busy()]
        self.busy_label.setText(", ".join(busy))

    def _named_tabs(self) -> list[tuple[str, RestoreTab | BatchTab | TrainTab]]:
        return [(self.tr("Restore"), self.restore_tab), (self.tr("Batch"), self.batch_tab),
                (self.tr("Train"), self.train_tab)]

    def _model_added(self, path: str, switch: bool) -> None:
        """A model made in the Train tab joins the lists; the Restore tab takes it only when the user chose so."""
        self.restore_tab.refresh_models(select=path if switch else None)
        self.batch_tab.refresh_models()
        self.show_message(self.tr("The new model is in the model lists; the Restore tab uses it now.") if switch
                          else self.tr("The new model is in the model lists."))

    def show_models(self) -> ModelsDialog:
        dialog = ModelsDialog(self, models=self.models)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.models_changed.connect(self._models_changed)
        dialog.open()
        self.models_dialog = dialog
        return dialog

    def offer_download(self, name: str) -> None:
        """A catalogue model not downloaded yet was chosen in a list: the Models dialog asks (showing the
        licence) and downloads it with its progress and Cancel; when it lands it is in every list."""
        dialog = self.models_dialog if self._models_dialog_open() else self.show_models()
        dialog.start_download(name)

    def _models_dialog_open(self) -> bool:
        dialog = getattr(self, "models_dialog", None)
        return dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible()

    def _models_changed(self, path: str) -> None:
        self.restore_tab.refresh_models(select=path)
        self.batch_tab.refresh_models()

    def show_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.settings_dialog = dialog
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(self, self.tr("About FaceSR Studio"), self.tr(
            "<h3>FaceSR Studio</h3><p>Restores faces in photos with GAN-trained generators and trains those "
            "generators.</p><p>Drop a photo to restore it, a folder to restore all its photos.</p>"))

    # --- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        paths = dropped_paths(event)
        if any(path.is_dir() or is_image_file(path) for path in paths):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        self.open_paths(dropped_paths(event))
        event.acceptProposedAction()

    def open_paths(self, paths: list[Path]) -> None:
        """A folder goes to the Batch tab, image files to the Restore tab."""
        folders = [path for path in paths if path.is_dir()]
        if folders:
            self.batch_tab.set_input_folder(folders[0])
            self.tabs.setCurrentIndex(BATCH)
            return
        images = [path for path in paths if is_image_file(path)]
        if images:
            self.tabs.setCurrentIndex(RESTORE)
            self.restore_tab.open_files(images)

    # --- closing ---------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop all work (a training run checkpoints first) and wait for it, then remember the window."""
        if self.train_tab.is_busy() and not self._training_stopped_for_close:
            event.ignore()  # ask first; the window closes when the run has saved its checkpoint
            if self.stopping_dialog is None:
                self._ask_to_stop_training()
            return
        self._closing = True
        busy = [name for name, tab in self._named_tabs() if tab.is_busy()]
        if busy:
            self.show_message(self.tr("Stopping the work in progress…"))
            log.info("closing: stopping %s", ", ".join(busy))
        for _, tab in self._named_tabs():
            tab.shutdown()
        if self._models_dialog_open():
            self.models_dialog.reject()  # cancels a download and waits for its thread
        self.models.shutdown()  # after the lists that use it: a listing in progress is waited for
        stored.save_window(self.saveGeometry(), self.saveState(), self.tabs.currentIndex())
        event.accept()

    def _ask_to_stop_training(self) -> None:
        if self.close_question is None:  # one question box, kept: asking again reuses it
            box = QMessageBox(QMessageBox.Icon.Question, "", "", QMessageBox.StandardButton.Cancel, self)
            self._stop_button = box.addButton("", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.buttonClicked.connect(
                lambda button: self._stop_training_to_close() if button is self._stop_button else None)
            self.close_question = box
        box = self.close_question
        if box.isVisible():
            return
        box.setWindowTitle(self.tr("Close FaceSR Studio"))
        box.setText(self.tr("A training run is in progress. Stop it and close the window?"))
        box.setInformativeText(self.tr("The run saves a checkpoint first (a few seconds); Resume in the Train tab "
                                       "continues it later."))
        self._stop_button.setText(self.tr("Stop and close"))
        fit_title(box)
        box.open()  # not exec(): the run's output and curves go on while the question is shown

    def _stop_training_to_close(self) -> None:
        """Say what happens while the run writes its checkpoint; closing follows when its process ends."""
        self.tabs.setCurrentIndex(TRAIN)  # its status and output say the same, with the run's last lines
        text = self.tr("Stopping: saving a checkpoint\u2026")
        self.show_message(text)
        dialog = QProgressDialog(text, "", 0, 0, self)
        dialog.setWindowTitle(self.tr("Closing FaceSR Studio"))
        dialog.setCancelButton(None)  # the STOP file is written: the run stops whatever happens now
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        fit_title(dialog)
        dialog.show()
        self.stopping_dialog = dialog
        self.train_tab.stop_training()
        # a run that does not stop by itself is terminated by TrainTab.shutdown when the window closes
        QTimer.singleShot(STOP_WAIT_MS, self, self._close_when_stopping)

    def _close_when_stopping(self) -> None:
        if self.stopping_dialog is None or self._training_stopped_for_close:
            return
        self._training_stopped_for_close = True
        self.stopping_dialog.close()
        self.close()

    # --- texts -----------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("FaceSR Studio"))
        for index, (name, _) in enumerate(self._named_tabs()):
            self.tabs.setTabText(index, name)
        tips = (self.tr("Restore one photo at a time and compare before and after (Alt+1)"),
                self.tr("Restore every photo in a folder (Alt+2)"),
                self.tr("Train your own face restoration model (Alt+3)"))
        for index, tip in enumerate(tips):
            self.tabs.setTabToolTip(index, tip)
        self.file_menu.setTitle(self.tr("&File"))
        self.restore_menu.setTitle(self.tr("&Restore"))
        self.view_menu.setTitle(self.tr("&View"))
        self.tools_menu.setTitle(self.tr("&Tools"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.toolbar.setWindowTitle(self.tr("Toolbar"))
        texts = {
            self.models_action: (self.tr("&Models…"), self.tr("Installed models: import, details, default")),
            self.settings_action: (self.tr("&Settings…"), self.tr("Language and other preferences")),
            self.quit_action: (self.tr("&Quit"), self.tr("Stop all work and close the application")),
            self.about_action: (self.tr("&About"), self.tr("About FaceSR Studio")),
        }
        for index, (name, _) in enumerate(self._named_tabs()):
            texts[self.tab_actions[index]] = (name, "")
        set_action_texts(texts)
        # B's tabs re-set their own texts on LanguageChange too; calling again is harmless
        self.batch_tab.retranslate()
        self.train_tab.retranslate()
        self._update_busy()
