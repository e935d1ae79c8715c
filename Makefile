# The two commands of the README: `make labs` (the main job: the lab notebooks in JupyterLab)
# and `make test` (every test); `make demo` is the headless tour, for terminals and CI.
# All create and reuse a local virtual environment in .venv; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: labs demo test lint format bench clean proto screenshots

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# JupyterLab on 127.0.0.1 at notebooks/00_welcome.ipynb; without a browser it prints the URL.
labs: $(STAMP)
	$(PY) -m teachflow labs

demo: $(STAMP)
	$(PY) -m teachflow.demo

test: $(STAMP)
	$(PY) -m ruff check teachflow tests bench
	$(PY) -m ruff format --check teachflow tests bench
	$(PY) -m pytest
	# The labs, top to bottom, each within its budget (see notebooks/README.md).
	$(PY) -m pytest --nbmake --nbmake-timeout=120 notebooks

lint: $(STAMP)
	$(PY) -m ruff check teachflow tests bench

format: $(STAMP)
	$(PY) -m ruff format teachflow tests bench
	$(PY) -m ruff check --fix teachflow tests bench

bench: $(STAMP)
	$(PY) bench/run.py

# The README's pictures (docs/images/), taken by the browser test in JupyterLab + Chromium.
screenshots: $(STAMP)
	TEACHFLOW_SCREENSHOTS_DIR=docs/images $(PY) -m pytest tests/e2e -k jupyterlab

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Regenerate the protocol's Python modules (checked in; tests/distributed checks they are current).
proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. teachflow/distributed/protocol/teachflow.proto
