# The two commands a newcomer needs: `make run` and `make test`. Both install what they use,
# exactly the versions locked in uv.lock (`make lock` updates it; docs/development.md).
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
TOOLS   := .venv-tools
UV      := $(TOOLS)/bin/uv
PIECE   := integrations/activepieces
PYTHON  ?= python3

# uv installs into .venv with this machine's python3 and never downloads an interpreter.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: run test test-python test-piece lint install lock piece-install system-deps bench bench-api chaos soak clean

# uv itself, pinned by hash (tools/requirements.txt), in a venv of its own.
$(UV): tools/requirements.txt
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --require-hashes --no-deps --only-binary :all: \
	  -r tools/requirements.txt
	touch $@

# Re-synced whenever the lock (or the project's own metadata) changes. --locked refuses a
# uv.lock that no longer matches pyproject.toml instead of installing something else.
$(STAMP): uv.lock pyproject.toml $(UV)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(UV) sync --locked --extra dev || { \
	  echo "make: not installed; if uv.lock is out of date, run: make lock" >&2; exit 1; }
	touch $@

install: $(STAMP)

# After editing dependencies in pyproject.toml; LOCK_ARGS=--upgrade (or
# --upgrade-package NAME) moves locked versions forward.
lock: $(UV)
	$(UV) lock $(LOCK_ARGS)

# Debian packages the tests drive for real: Chromium for the portal.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the portal's browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

piece-install:
	@if [ -f $(PIECE)/package.json ]; then cd $(PIECE) && npm ci --no-audit --no-fund --loglevel=error; fi

run: install
	$(BIN)/recruitiq db upgrade
	$(BIN)/recruitiq bootstrap
	$(BIN)/recruitiq serve --host 127.0.0.1 --port 8000

test: install system-deps piece-install lint test-python test-piece

test-python: install
	$(BIN)/pytest

test-piece: install piece-install
	@if [ -f $(PIECE)/package.json ]; then cd $(PIECE) && npm run build && RECRUITIQ_PYTHON=$(CURDIR)/$(BIN)/python npm test; fi

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/delivery.py

bench-api: install
	$(BIN)/python bench/api.py

# Reliability suites (docs/reliability.md): workers killed with SIGKILL against a flaky
# receiver; a long run at >= 1,000 deliveries/s with API traffic. On PostgreSQL
# (RECRUITIQ_BENCH_PG; soak also takes --database sqlite); options in CHAOS_ARGS / SOAK_ARGS.
SOAK_MINUTES ?= 5
chaos: install
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

soak: install
	$(BIN)/python bench/soak.py --minutes $(SOAK_MINUTES) $(SOAK_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) data .pytest_cache .mypy_cache .ruff_cache
