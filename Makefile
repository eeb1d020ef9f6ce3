# Two entry points (see README):
#   make run   install into .venv, generate the default data, build the warehouse,
#              fit, score and test the segments, fit and score the value model,
#              write the reports, backtest stability and run the monitor
#   make test  install into .venv and run every check and test
# Set OLIST_INPUT_DIR to a folder with a real Kaggle download to build from it
# instead of the generated data.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

DEFAULT_INPUT_DIR := data/olist
OLIST_INPUT_DIR ?= $(DEFAULT_INPUT_DIR)
OLIST_WAREHOUSE ?= warehouse/olist.duckdb
export OLIST_INPUT_DIR OLIST_WAREHOUSE
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
# Python caches the bytecode of what it imports (pandas, scikit-learn, dbt)
# in the virtualenv, so each later process starts from it. An environment that
# sets PYTHONDONTWRITEBYTECODE (some sandboxes and CI images do) leaves the
# virtualenv without any, and every process compiles them from source again:
# importing the refresh job and dbt took 7 s instead of 3 on this machine.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: app run test install build segments value maintenance lint clean benchmark benchmark-quick benchmark-build benchmark-refresh benchmark-spark benchmark-contract benchmark-value benchmark-app browser

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# No byte-compiling of every installed file up front (about 20 s): Python
	# compiles the modules it imports, once, on first use.
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	touch $@

# The default data is regenerated only when the generator changes.
$(DEFAULT_INPUT_DIR)/.generated: $(STAMP) $(wildcard clustering/synth/*.py)
	$(BIN)/clustering generate --out $(DEFAULT_INPUT_DIR) --scale 1 --seed 42
	touch $@

ifeq ($(OLIST_INPUT_DIR),$(DEFAULT_INPUT_DIR))
INPUT_PREREQ := $(DEFAULT_INPUT_DIR)/.generated
else
INPUT_PREREQ :=
endif

build: $(STAMP) $(INPUT_PREREQ)
	mkdir -p $(dir $(OLIST_WAREHOUSE)) warehouse/tmp
	# Selector `daily` (selectors.yml): seeds, models and every data test, without
	# unit tests (`make test` runs those) and without the segments layer, whose
	# tables the clustering job writes next.
	$(BIN)/dbt build --selector daily

# The segment job (`clustering segments`): fit (compare candidates, refit,
# carry names over from the previous model), score every customer, score them
# again in SQL from the model export and run every segment test (selector
# segment_job) in a copy of the warehouse, then publish tables, model and
# exports together, or nothing. Then draw the report.
# FIT_ARGS passes options on, e.g. FIT_ARGS='--family kmeans --segments 3' for
# a population too small to compare candidates on.
FIT_ARGS ?=
segments: build
	$(BIN)/clustering segments $(FIT_ARGS)
	$(BIN)/clustering report

# The value model: build the monthly snapshots (selector stability, left out
# of the daily build), score them with the current segment model (the app's
# trends and movements before the first scoring: `clustering backfill`), prove the value model on holdout periods against a
# no-model baseline, fit it and score every customer (`clustering value`, about
# 30 s at scale 1), then draw the report again with values and audiences.
value: segments
	$(BIN)/dbt build --selector stability
	$(BIN)/clustering backfill
	$(BIN)/clustering value
	$(BIN)/clustering report

# The maintenance contract: backtest the segmentation over the monthly
# snapshots (about a minute at scale 1) and run the refresh monitor once.
maintenance: value
	$(BIN)/clustering stability
	$(BIN)/clustering monitor

run: maintenance
	@echo "Segments ready in $(OLIST_WAREHOUSE) (schema segments); reports: $(dir $(OLIST_WAREHOUSE))reports/segments.html and stability.html"
	@echo "Try: $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(OLIST_WAREHOUSE)', read_only=True).sql('select segment_name, count(*) from segments.customer_segments group by 1 order by 2 desc'))\""

# The marketing app on the published warehouse (after `make run`): open
# http://127.0.0.1:8050/ in a browser. APP_ARGS passes options on, e.g.
# APP_ARGS='--port 8060'; binding beyond this machine (--host 0.0.0.0) needs
# OLIST_APP_PASSWORD set.
APP_ARGS ?=
app: $(STAMP)
	$(BIN)/clustering app --warehouse $(OLIST_WAREHOUSE) $(APP_ARGS)

# The benchmark suite writes benchmarks/REPORT.md: the full run builds scales
# 1 to 100 (about an hour, tens of GB under benchmarks/work); the quick run
# builds scales 1 and 3 (a few minutes).
benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/refresh.py
	$(BIN)/python benchmarks/spark.py
	$(BIN)/python benchmarks/contract.py
	$(BIN)/python benchmarks/value.py
	$(BIN)/python -m pip install --quiet --no-compile -e '.[benchmark]'
	$(BIN)/python benchmarks/app.py

# The marketing app with 20 concurrent users at scale 10 (Locust; prepares the
# warehouse once under benchmarks/work, about a quarter of an hour): APP.md.
benchmark-app: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-compile -e '.[benchmark]'
	$(BIN)/python benchmarks/app.py

# Refit agreement and the monitor's noise band on ten consecutive days of the
# default data, against the procedure they replaced (about half an hour):
# benchmarks/CONTRACT.md.
benchmark-contract: $(STAMP)
	$(BIN)/python benchmarks/contract.py

# The value model: its fit at scale 1 and scoring throughput at scale 10
# (builds both warehouses under benchmarks/work; about ten minutes): VALUE.md.
benchmark-value: $(STAMP)
	$(BIN)/python benchmarks/value.py

# The daily refresh against a full rebuild at scales 1 and 10 (about a quarter
# of an hour): benchmarks/REFRESH.md.
benchmark-refresh: $(STAMP)
	$(BIN)/python benchmarks/refresh.py

# The same build on local Spark against DuckDB at scales 1 and 10:
# benchmarks/SPARK.md.
benchmark-spark: $(STAMP)
	$(BIN)/python benchmarks/spark.py

benchmark-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick

# One scale's daily build against its floor (a bare text load of the same
# files), printed, no report: make benchmark-build SCALE=10
SCALE ?= 1
benchmark-build: $(STAMP)
	$(BIN)/python benchmarks/warehouse_build.py --scale $(SCALE)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# The package's layers (pyproject.toml, [tool.importlinter]): a module
	# importing from a layer above its own fails the build.
	$(BIN)/lint-imports
	# sqlfluff compiles the project through dbt, which opens the warehouse file.
	# The SQL scoring model reads its feature list from a model export when it
	# compiles: lint points it at the small one in tests/fixtures, so it needs no fit.
	mkdir -p $(dir $(OLIST_WAREHOUSE)) warehouse/tmp
	# Two processes lint the compiled files (about 40 s down to 23).
	OLIST_MODEL_EXPORT_DIR=tests/fixtures/segment_model_export $(BIN)/sqlfluff lint models data-tests analysis --processes 2

# Headless Chromium for the report tests: Debian's chromium and chromium-driver,
# installed only when missing (as root, through sudo, or with a message).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		exit 0; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "error: the report tests need chromium and chromedriver at /usr/bin; install them with your system's package manager" >&2; \
		exit 1; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && apt-get install -y chromium chromium-driver; \
	elif command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update && sudo apt-get install -y chromium chromium-driver; \
	else \
		echo "error: the report tests need chromium and chromium-driver; as root run: apt-get update && apt-get install -y chromium chromium-driver" >&2; \
		exit 1; \
	fi

test: $(STAMP) browser lint
	# Two workers (pytest-xdist): a test file's tests together on one worker,
	# the longest files first and the real-extract shapes one by one to the
	# free worker (tests/conftest.py).
	$(BIN)/pytest -q -n 2 --dist loadgroup --no-loadscope-reorder

clean:
	rm -rf target logs warehouse data .pytest_cache
