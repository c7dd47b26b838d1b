# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install dev lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

run: install
	$(BIN)/tracker init-db
	$(BIN)/tracker seed
	$(BIN)/tracker serve --host $(HOST) --port $(PORT)

test: dev
	$(BIN)/python -m pytest -q -n auto

lint: dev
	$(BIN)/ruff check tracker maps tests bench
	$(BIN)/mypy

bench: dev
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance .pytest_cache
