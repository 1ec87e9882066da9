# The two quickstart commands (`make demo`, `make test`) set themselves up on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DURATION ?= 0
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-unit test-integration lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/distillwatch demo --duration $(DURATION)

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check detectors pipeline tests benchmarks dashboards
	$(BIN)/ruff format --check detectors pipeline tests benchmarks dashboards
	$(BIN)/mypy --explicit-package-bases detectors pipeline dashboards benchmarks tests

bench: setup
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build *.egg-info out
