# The two quickstart commands (`make demo`, `make test`) set themselves up on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DURATION ?= 0
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-unit test-integration lint bench screenshots clean

setup: $(STAMP)

NATIVE_SOURCES := native/pyproject.toml native/Cargo.toml native/Cargo.lock $(wildcard native/src/*.rs)

# The compiled hot path (native/, Rust) is built wherever cargo is; without it the
# pure-Python path runs, same results, slower (README, "Native hot path").
$(STAMP): pyproject.toml $(NATIVE_SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	@if command -v cargo >/dev/null 2>&1; then \
		echo "building the native hot path (native/, cargo)"; \
		$(BIN)/pip install -q --force-reinstall --no-deps ./native; \
	else \
		echo "warning: cargo not found: running the pure-Python path (same results, slower)"; \
	fi
	touch $(STAMP)

demo: setup
	$(BIN)/distillwatch demo --duration $(DURATION)

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check detectors pipeline tests benchmarks dashboards
	$(BIN)/ruff format --check detectors pipeline tests benchmarks dashboards
	$(BIN)/mypy --explicit-package-bases detectors pipeline dashboards benchmarks tests
	@if command -v cargo >/dev/null 2>&1; then \
		cd native && cargo fmt --check && cargo clippy --release --quiet -- -D warnings; \
	fi

bench: setup
	$(BIN)/python -m benchmarks.run

# docs/images/triage-{key,campaign}.png from the deterministic sample (needs chromium and
# chromium-driver: scripts/ci/install-chromium.sh)
screenshots: setup
	$(BIN)/python -m pipeline.devtools.screenshots docs/images

clean:
	rm -rf $(VENV) build *.egg-info out native/target
