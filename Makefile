# Interview Coordinator — `make run` for a working demo, `make test` for the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in mail point at the server `make run` starts, unless a base URL is configured.
COORDINATOR_BASE_URL ?= http://$(HOST):$(PORT)
# Parallel test workers (2 cores here); override with `make test WORKERS=1`.
WORKERS ?= 2

.PHONY: install run serve db-upgrade seed test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

db-upgrade: install
	$(BIN)/flask db upgrade

seed: db-upgrade
	$(BIN)/flask seed-demo

run: export COORDINATOR_BASE_URL := $(COORDINATOR_BASE_URL)
run: seed
	$(BIN)/flask deliver-mail --once
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -n $(WORKERS) --cov=coordinator --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format coordinator tests bench

bench: install
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov test-output
