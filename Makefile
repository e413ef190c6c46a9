# Two set-up commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3
DEMO  := demo/seed_2018_business_report.txt

.PHONY: install system-deps run demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# PostgreSQL server binaries for the test session (root: apt; else say what is missing).
system-deps:
	@bash scripts/install-system-deps.sh

demo: install
	$(BIN)/followup import $(DEMO) --council 서울특별시의회
	@# Demo accounts for the local demo only (printed here; never in production).
	$(BIN)/followup users demo
	@# Staged once to show today: claims verified or returned, due dates around today.
	$(BIN)/followup demo

run: demo
	$(BIN)/followup serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two workers (one per core here), each with its own PostgreSQL server; a file's
# tests stay on one worker (they share its fixtures).
test: install system-deps lint
	$(BIN)/pytest -n 2 --dist loadfile

bench: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
