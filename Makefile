# Two entry points (see README):
#   make run   install into .venv, generate the default data, build the warehouse
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

.PHONY: run test install build lint clean benchmark

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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
	# Unit tests check SQL logic on fixed inputs, not the data: `make test` runs
	# them; the daily build runs seeds, models and every data test.
	$(BIN)/dbt build --exclude test_type:unit

run: build
	@echo "Warehouse ready: $(OLIST_WAREHOUSE) (try: $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(OLIST_WAREHOUSE)', read_only=True).sql('select rfm_group, count(*) from marts.fct_customer_rfm group by 1 order by 2 desc'))\")"

benchmark: $(STAMP)
	$(BIN)/python benchmarks/warehouse_build.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# sqlfluff compiles the project through dbt, which opens the warehouse file.
	mkdir -p $(dir $(OLIST_WAREHOUSE)) warehouse/tmp
	$(BIN)/sqlfluff lint models data-tests analysis

test: $(STAMP) lint
	$(BIN)/pytest -q

clean:
	rm -rf target logs warehouse data .pytest_cache
