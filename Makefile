# Two commands do everything on a fresh machine with Python 3.11:
#   make demo   restore a degraded demo photo with the default model (result + side-by-side comparison)
#   make test   run the whole test suite
# Both create .venv and install the pinned requirements on first use.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-output

.PHONY: setup demo test clean

setup: $(STAMP)

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install --no-deps facexlib==0.3.0
	touch $(STAMP)

demo: $(STAMP)
	$(PY) main.py demo -o $(DEMO_DIR)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
