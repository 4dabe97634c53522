"""Where the application's files live, in a source checkout and in a PyInstaller bundle alike."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "FaceSR-Studio"


def app_root() -> Path:
    """The folder holding weights/ and resources/: the bundle directory when frozen, else the checkout."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else Path(__file__).resolve().parent.parent


def shipped_weights_dir() -> Path:
    return app_root() / "weights"


def resources_dir() -> Path:
    return app_root() / "resources"


def user_models_dir() -> Path:
    """Per-user folder for downloaded and imported models (FACESR_MODELS_DIR overrides it, e.g. in tests)."""
    override = os.environ.get("FACESR_MODELS_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "models"


def user_runs_dir() -> Path:
    """Default parent folder of training runs (FACESR_RUNS_DIR overrides it)."""
    override = os.environ.get("FACESR_RUNS_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "runs"


def user_cache_dir() -> Path:
    """Per-user folder for files the app can make again, such as models exported for ONNX Runtime
    (FACESR_CACHE_DIR overrides it)."""
    override = os.environ.get("FACESR_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
