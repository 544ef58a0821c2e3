# The two everyday commands: `make run` and `make test`. Each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format bench bench-smoke bench-cpu bench-instructions bench-workers bench-workers-smoke reliability reliability-smoke venv dev-venv migrate seed clean

run: $(VENV)/.app-installed  ## Migrate the local SQLite database, add demo data, serve on http://127.0.0.1:5000
	APP_ENV=$${APP_ENV:-development} $(BIN)/flask --app webapp db upgrade
	APP_ENV=$${APP_ENV:-development} $(BIN)/flask --app webapp seed-demo
	APP_ENV=$${APP_ENV:-development} $(BIN)/flask --app webapp run --debug --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed  ## Run the whole test suite (SQLite, PostgreSQL when reachable, browser when Chromium is installed)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed  ## ruff: lint rules and formatting (settings in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed  ## Apply ruff's fixes and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev-installed  ## Seed 100,000 projects (ROWS=1000000 for scale) on SQLite and PostgreSQL, measure with wrk, write bench/RESULTS.md
	@command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }
	$(BIN)/python -m bench.run --rows $${ROWS:-100000} $(BENCH_ARGS)

bench-smoke: $(VENV)/.dev-installed  ## The benchmark on 1,000 rows for a few seconds: proves it runs, measures nothing
	@command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }
	$(BIN)/python -m bench.run --smoke --output bench/work/RESULTS-smoke.md $(BENCH_ARGS)

bench-cpu: $(VENV)/.dev-installed  ## CPU per request of the projects page and the same list through the API (in-process, 10,000 rows)
	$(BIN)/python -m bench.cpu $(BENCH_ARGS)

bench-instructions: $(VENV)/.dev-installed  ## Instructions per request under callgrind: make bench-instructions BENCH_ARGS="/projects/ --as admin [--against /tmp/before]"
	$(BIN)/python -m bench.instructions $(BENCH_ARGS)

bench-workers: $(VENV)/.dev-installed  ## gunicorn worker class and threads under pages, sign-ins and uploads (PostgreSQL, ~12 min); docs/performance.md
	@command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }
	$(BIN)/python -m bench.workers $(BENCH_ARGS)

bench-workers-smoke: $(VENV)/.dev-installed  ## The worker benchmark on 1,000 rows, 2 s per configuration: proves it runs, measures nothing
	@command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }
	$(BIN)/python -m bench.workers --smoke $(BENCH_ARGS)

reliability: $(VENV)/.dev-installed  ## Faults under load on throwaway PostgreSQL/Redis/SMTP (127.0.0.1, ~6 min); prints figures (docs/operations.md)
	$(BIN)/python -m scripts.reliability $(RELIABILITY_ARGS)

reliability-smoke: $(VENV)/.dev-installed  ## Every reliability scenario, shorter and lighter (~2 min): proves the suite and the promises hold
	$(BIN)/python -m scripts.reliability --smoke $(RELIABILITY_ARGS)

venv: $(VENV)/.app-installed
dev-venv: $(VENV)/.dev-installed

$(VENV)/.app-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.app-installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
