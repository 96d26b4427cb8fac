# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
RANKS := $(BIN)/ranks
export DJANGO_SETTINGS_MODULE := ranks.settings
PG_URL ?= postgres://postgres@127.0.0.1:5432/ranks_test_$(shell echo $$$$)
DEMO_ARGS ?=

.PHONY: demo test install install-test messages serve worker lint bench clean icons

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed messages

install-test: $(VENV)/.installed-test messages

# Compiles the translation catalogue (.po → .mo) with Django's own command (GNU gettext).
messages: | $(BIN)/python
	@command -v msgfmt >/dev/null 2>&1 || { echo "msgfmt not found: install GNU gettext (apt-get install gettext)"; exit 1; }
	cd src/ranks && ../../$(RANKS) compilemessages -v 0

# The home-screen icons under src/ranks/web/static/ranks/icons/, drawn by ranks.web.icons (Pillow,
# which WeasyPrint brings). They are committed; run this after changing the drawing.
icons: install
	$(BIN)/python -m ranks.web.icons

# The development server, and beside it a worker for the jobs (imports from the web page), stopped
# with the server (Ctrl+C ends both).
demo: install
	mkdir -p var
	$(RANKS) migrate --no-input -v 0
	$(RANKS) demo $(DEMO_ARGS)
	$(RANKS) worker -v 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(RANKS) runserver 127.0.0.1:8000

# The production server (gunicorn; RANKS_BIND, RANKS_WEB_WORKERS, RANKS_WEB_THREADS), on the
# database of DATABASE_URL, migrated first (docs/deploy.md).
serve: install
	mkdir -p var
	$(RANKS) migrate --no-input -v 0
	$(RANKS) serve

# A worker for the jobs (imports from the web page and the API) on the database of DATABASE_URL;
# start as many as you like (docs/deploy.md, "Jobs").
worker: install
	mkdir -p var
	$(RANKS) migrate --no-input -v 0
	$(RANKS) worker

# Every test on SQLite and every database test again on PostgreSQL (throwaway databases that the
# test runs create and drop), side by side on two cores; each run's output is printed whole when
# it ends. The PostgreSQL tests are several runs (groups of test folders, then the browser's), so
# that make hands the next one to whichever core is free and both stay busy to the end: the
# longest runs first. The last group is every folder the others do not name, so no test is left
# out. Under CI=true, a PostgreSQL that cannot be reached fails.
PG_GROUP_1 := tests/interchange/test_bulk_*.py
PG_GROUP_2 := tests/interchange tests/demo tests/core tests/access
PG_GROUP_3 := tests/pipeline tests/api tests/restated tests/restructure tests/org tests/targets
PG_NAMED := $(PG_GROUP_1) $(PG_GROUP_2) $(PG_GROUP_3)
PG_MAIN := not pure and not browser

test: install-test
	$(BIN)/ranks makemigrations --check --dry-run -v 0
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-pg-1 lint \
		test-postgresql-browser test-pg-2 test-pg-3 test-pg-rest

.PHONY: test-sqlite test-postgresql test-postgresql-main test-postgresql-browser
.PHONY: test-pg-1 test-pg-2 test-pg-3 test-pg-rest
test-sqlite: install-test
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest

# $(1): the tests to run (a pytest -m expression); $(2): the folders (all when empty).
define pg_tests
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('postgres://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "$(1)" $(2); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at 127.0.0.1:5432 cannot be reached, and CI=true forbids skipping its tests"; exit 1; \
	else \
		echo "PostgreSQL at 127.0.0.1:5432 cannot be reached: its test run is skipped (CI=true would fail)"; \
	fi
endef

test-postgresql: install-test
	$(call pg_tests,not pure)

test-postgresql-main: install-test
	$(call pg_tests,$(PG_MAIN))

test-pg-1: install-test
	$(call pg_tests,$(PG_MAIN),$(PG_GROUP_1))
test-pg-2: install-test
	$(call pg_tests,$(PG_MAIN),$(PG_GROUP_2) --ignore-glob='$(PG_GROUP_1)')
test-pg-3: install-test
	$(call pg_tests,$(PG_MAIN),$(PG_GROUP_3))
test-pg-rest: install-test
	$(call pg_tests,$(PG_MAIN),tests $(addprefix --ignore=,$(PG_GROUP_2) $(PG_GROUP_3)))

test-postgresql-browser: install-test
	$(call pg_tests,browser and not pure)

# Name search over 100,000 generated people, on the database of DATABASE_URL (see docs/benchmarks.md).
bench: install
	$(BIN)/python benchmarks/search.py

# 50 readers and 10 writers at once on the demo province served by `ranks serve` on PostgreSQL
# (Locust, headless): p50, p95 and errors per page beside /healthz's p95 (docs/benchmarks.md,
# "Load"). It drops and creates the scratch database ranks_bench_load. LOAD_ARGS=--reuse keeps it.
.PHONY: bench-load
bench-load: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/load.py $(LOAD_ARGS)

# Progress, composition, the admission ratio, the dashboard and the reports over a province of
# 100,000 members, on the database of DATABASE_URL (docs/benchmarks.md). It refuses a database
# that holds data: BENCH_ARGS=--reset empties it first, BENCH_ARGS=--reuse times an earlier build.
.PHONY: bench-progress
bench-progress: install
	$(RANKS) migrate --no-input -v 0
	$(RANKS) bench progress $(BENCH_ARGS)

# The national data set (`ranks national --scale SCALE`) through the ordinary import on PostgreSQL,
# each kind side by side with COPY of the same file; then name search and a commune's pages
# against a database of that commune's province alone (docs/benchmarks.md). It drops and creates
# the scratch databases ranks_bench_national and ranks_bench_national_province.
SCALE ?= 0.1
.PHONY: bench-national
bench-national: install
	$(BIN)/python benchmarks/national.py --scale $(SCALE) --files var/national-$(SCALE) $(BENCH_ARGS)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/counters.py --files var/national-$(SCALE)

# Lint, formatting, the import contracts (pyproject's [tool.importlinter]) and the types (mypy with
# django-stubs, strict on the pure modules, services and selectors).
lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy src/ranks

clean:
	rm -rf $(VENV) var
