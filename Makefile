# Two commands do everything on a fresh machine with Python 3.11:
#   make demo   restore a degraded demo photo with the default model (result + side-by-side comparison)
#   make test   lint (ruff, mypy) then run the whole test suite (make test-fast: the tests not marked slow)
# Both create .venv and install the pinned requirements on first use.
# The packaged executable (see the README's "Packaged executable"):
#   make bundle        build dist/FaceSR-Studio/ with PyInstaller (installs requirements-build.txt)
#   make bundle-test   run the built executable headless: --self-test, --gui-smoke-test, a CLI command
# make screenshots: a PNG of each tab of the desktop application in a realistic state (offscreen);
#   SCREENSHOT_ARGS="--model FILE --run RUN_DIR --language zh_CN" picks what they show.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-output
SCREENSHOT_DIR ?= $(DEMO_DIR)/screenshots
SCREENSHOT_ARGS ?=
BUILD_STAMP := $(VENV)/.build-installed
BUNDLE_EXE := dist/FaceSR-Studio/FaceSR-Studio

.PHONY: setup demo test test-fast lint screenshots bundle bundle-test clean

setup: $(STAMP)

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install --no-deps facexlib==0.3.0
	touch $(STAMP)

demo: $(STAMP)
	$(PY) main.py demo -o $(DEMO_DIR)

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests

# For quick local runs: everything but the tests marked slow (training runs, large third-party models).
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow" tests

# ruff (bug-finding lint rules) and mypy, both configured in pyproject.toml.
lint: $(STAMP)
	$(PY) -m ruff check --quiet .
	$(PY) -m mypy

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m gui.screenshots $(SCREENSHOT_DIR) $(SCREENSHOT_ARGS)

$(BUILD_STAMP): $(STAMP) requirements-build.txt
	$(PY) -m pip install -r requirements-build.txt
	touch $(BUILD_STAMP)

bundle: $(BUILD_STAMP)
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build build.spec
	@du -sh dist/FaceSR-Studio

# Headless and isolated: an empty user model folder (so the shipped default model is the one tested)
# and throw-away settings folders (the GUI start writes its window state).
bundle-test:
	@test -x $(BUNDLE_EXE) || { echo "no $(BUNDLE_EXE): run make bundle first"; exit 2; }
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	export QT_QPA_PLATFORM=offscreen FACESR_MODELS_DIR="$$scratch/models" FACESR_RUNS_DIR="$$scratch/runs" \
		XDG_CONFIG_HOME="$$scratch/config" XDG_DATA_HOME="$$scratch/data" XDG_CACHE_HOME="$$scratch/cache" && \
	start=$$(date +%s%N) && $(BUNDLE_EXE) --self-test && \
	echo "self-test process: $$(( ($$(date +%s%N) - start) / 1000000 )) ms" && \
	start=$$(date +%s%N) && $(BUNDLE_EXE) --gui-smoke-test && \
	echo "GUI smoke test process: $$(( ($$(date +%s%N) - start) / 1000000 )) ms" && \
	$(BUNDLE_EXE) models && $(BUNDLE_EXE) restore --help > /dev/null && \
	echo "bundle-test passed"

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache build dist
