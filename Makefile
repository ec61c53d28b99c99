# The two commands a newcomer needs: `make run` and `make test`. Both install what they use.
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
PIECE   := integrations/activepieces
PYTHON  ?= python3

.PHONY: run test test-python test-piece lint install piece-install system-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

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

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
