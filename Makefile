# corridor: the two commands a fresh machine (Python 3.11 + pip) needs.
#   make demo   install corridor and run the main job (India→Japan aluminium, sample data)
#   make test   install test tools and run ruff + the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,spark]"

demo: install
	$(BIN)/corridor demo

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

test: lint
	$(BIN)/pytest -q

bench: install-dev
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_analytics.py
	$(BIN)/python benchmarks/bench_brief.py
	$(BIN)/python benchmarks/bench_fetch.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_forecast.py
	$(BIN)/python benchmarks/bench_scale.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
