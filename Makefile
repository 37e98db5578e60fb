# The front door: `make run` sets up and serves the cockpit on the embedded default (web server, Celery worker and
# beat, from the Procfile); `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs on PYTEST_WORKERS xdist processes (one per core here), each on its own test database and Redis
# database (tests/conftest.py); tests sharing a session fixture or a process-wide resource share an xdist_group.
# PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2

.PHONY: install run test lint migrate seed demo bench bench-data clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# uv installs the dependencies (measured here on a fresh venv: 62 s with a cold cache where pip took 992 s, 18 s
# with a warm one); pip itself only fetches uv, one wheel. Should uv fail, pip does the whole install.
# uv does not read pip's configuration: a local wheel folder set in PIP_FIND_LINKS is passed on.
UV_FLAGS := $(if $(PIP_FIND_LINKS),--find-links $(PIP_FIND_LINKS))
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q 'uv>=0.13,<0.14' && $(BIN)/uv pip install -q --python $(BIN)/python $(UV_FLAGS) -e ".[dev]" \
		|| $(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo --if-empty --force  # --force: also with DEBUG off; --if-empty keeps any data

# Everything computed in the foreground, before any server starts (scripts, benchmarks). `make run` does not wait
# for this: it serves at once and lets the worker compute (queue_fill).
demo: seed
	$(MANAGE) compute_snapshots --missing
	$(MANAGE) churn_backtest --save --if-missing
	$(MANAGE) compute_pulse

# honcho runs web (gunicorn, 1 process x 8 threads: SQLite wants one writer process), worker and beat; each log
# line starts with its name ("worker.1 | ... Task ... succeeded"). Ctrl-C stops all three. The pages are served
# first: run_prepare migrates and seeds, then queue_fill hands the demo's 24 months, then the churn model, to the
# worker as background jobs (the pages show "N of 24" meanwhile); on a computed database it queues nothing.
run: install
	$(MANAGE) run_prepare  # migrate, seed_demo --if-empty --force, seed_demo_campaign, queue_fill, in one process
	@echo ""
	@echo "  Demo logins (password: demo): manager, sales1, admin"
	@echo "  Open http://127.0.0.1:$(PORT)/   (web, worker and beat below; Ctrl-C stops all)"
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} \
		COCKPIT_PORT=$(PORT) $(BIN)/honcho start

test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

# The targets of BENCHMARKS.md at the reference scale (50k customers x 24 months) on PostgreSQL, in database cockpit_bench
# (BENCH_DB); bench-data builds it once. Prints one table; see BENCHMARKS.md.
bench-data: install
	$(BIN)/python bench/run.py data

bench: install
	$(BIN)/python bench/run.py all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3* var staticfiles .pytest_cache .mypy_cache
