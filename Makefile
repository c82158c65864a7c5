# corridor: the two commands a fresh machine (Python 3.11 + pip) needs.
#   make demo   install corridor and run the main job (India→Japan aluminium, sample data)
#   make test   install test tools and run ruff + the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev assets lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

WEB_ASSETS := src/corridor/web/assets

install: $(BIN)/python assets
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python assets
	$(BIN)/pip install --quiet -e ".[dev,spark,postgres]"

# the dashboard's front-end (htmx, vega, vega-lite, vega-embed, swagger-ui), pinned by the lock file
# (without npm the rest works; `corridor serve` then says how to install them)
assets:
	@if command -v npm >/dev/null; then \
	  npm ci --prefix $(WEB_ASSETS) --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else echo "note: npm not found: the dashboard's assets are not installed (make assets)"; fi

demo: install
	$(BIN)/corridor demo

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

test: lint
	$(BIN)/pytest -q -n 2 --dist loadgroup

bench: install-dev
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_analytics.py
	$(BIN)/python benchmarks/bench_brief.py
	$(BIN)/python benchmarks/bench_fetch.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_forecast.py
	$(BIN)/python benchmarks/bench_web.py
	$(BIN)/python benchmarks/bench_scale.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache $(WEB_ASSETS)/node_modules
