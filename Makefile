# amr-review: `make report` builds the report, `make test` runs every check. Both set up .venv first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
KERNEL := amr-review

# One parameters file drives a build; the default build goes to reports/, any other to reports/<stem>/.
PARAMS ?= params/default.yaml
OUT := $(if $(filter params/default.yaml,$(PARAMS)),reports,reports/$(basename $(notdir $(PARAMS))))
DATASET := $(shell sed -n 's/^dataset: *\([A-Za-z0-9_-]*\).*/\1/p' $(PARAMS) 2>/dev/null)
DATASET := $(if $(DATASET),$(DATASET),public)
RAW := $(if $(filter public,$(DATASET)),data/raw,data/raw/$(DATASET))
PROC := $(if $(filter public,$(DATASET)),data/processed,data/processed/$(DATASET))
# The work summary of the build: its summary_path in $(PARAMS), else the shipped 2021 summary.
SUMMARY := $(shell sed -n 's/^ *summary_path: *"\{0,1\}\([^" #]*\).*/\1/p' $(PARAMS) 2>/dev/null)
SUMMARY := $(if $(SUMMARY),$(SUMMARY),data/raw/2021_work_summary.txt)

NOTEBOOKS := sampling patents market_entities summary
STEP_TABLES := sampling patents market_entities
TABLES := $(STEP_TABLES) indicators
PKG := $(shell find src/analysis -name '*.py' -o -path '*/templates/*' -type f)
STAMP := $(VENV)/.installed

export PYTHONHASHSEED := 0
export SOURCE_DATE_EPOCH := 1640995200

.PHONY: help venv data report notebooks test validate lab lock clean distclean browser bench

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Options: PARAMS=params/<file>.yaml (default params/default.yaml) builds into reports/<file>/"

venv: $(STAMP) ## Create .venv with the pinned packages, the package (editable) and the Jupyter kernel

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# uv installs the lock in seconds; plain pip (about a minute) is the fallback if uv cannot be had.
	if $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION); then \
	  $(VENV)/bin/uv pip install -q -p $(PY) -r requirements.lock -e . --no-deps; \
	else \
	  $(PY) -m pip install -q --disable-pip-version-check -r requirements.lock && \
	  $(PY) -m pip install -q --disable-pip-version-check --no-deps -e .; \
	fi
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (amr-review)" >/dev/null
	@touch $@

data: $(TABLES:%=$(PROC)/%.csv) ## Validate raw tables and write data/processed/

# One process validates and writes every table of the dataset steps; a table whose content did not
# change keeps its file and time, so only the notebooks that read a changed table re-run.
$(PROC)/.tables.stamp: $(wildcard $(RAW)/*.csv $(RAW)/*.xlsx) $(STAMP) \
                       $(STEP_TABLES:%=src/analysis/%/step.py) $(wildcard src/analysis/readers/*.py)
	$(PY) -m analysis records --dataset $(DATASET) --if-present
	$(PY) -m analysis process --dataset $(DATASET)
	@touch $@
# A district's records (data/raw/<dataset>/records/) are aggregated into its yearly tables first.
$(PROC)/.tables.stamp: $(wildcard $(RAW)/records/*) $(wildcard src/analysis/records/*.py)

$(STEP_TABLES:%=$(PROC)/%.csv): $(PROC)/.tables.stamp
	@test -f $@ || $(PY) -m analysis process --dataset $(DATASET)

$(PROC)/indicators.csv: $(SUMMARY) src/analysis/summary/indicators.py src/analysis/readers/numbers.py src/analysis/readers/io.py $(STAMP)
	$(PY) -m analysis indicators $(SUMMARY) -o $@

$(OUT)/notebooks/sampling.ipynb: $(PROC)/sampling.csv
$(OUT)/notebooks/patents.ipynb: $(PROC)/patents.csv
$(OUT)/notebooks/market_entities.ipynb: $(PROC)/market_entities.csv
$(OUT)/notebooks/summary.ipynb: $(PROC)/indicators.csv $(PROC)/patents.csv $(PROC)/market_entities.csv $(PROC)/sampling.csv

# Incremental: a notebook re-runs only when the notebook, the package modules it imports ($(OUT)/.build/deps.mk),
# its processed tables (lines above) or its own parameters ($(OUT)/.build/<name>.params.json) changed.
$(OUT)/notebooks/%.ipynb: notebooks/%.ipynb $(OUT)/.build/%.params.json $(STAMP)
	$(PY) -m analysis run $* --params $(PARAMS)

$(OUT)/.build/params.stamp: $(PARAMS) $(STAMP)
	$(PY) -m analysis slice-params --params $(PARAMS)

$(OUT)/.build/%.params.json: $(OUT)/.build/params.stamp ;
.SECONDARY: $(NOTEBOOKS:%=$(OUT)/.build/%.params.json)

$(OUT)/.build/deps.mk: $(PKG) $(wildcard notebooks/*.ipynb) $(STAMP)
	$(PY) -m analysis deps --params $(PARAMS) -o $@

ifneq ($(filter report bench,$(MAKECMDGOALS)),)
-include $(OUT)/.build/deps.mk
endif

$(OUT)/report.html: $(NOTEBOOKS:%=$(OUT)/notebooks/%.ipynb) $(PARAMS) src/analysis/build/report.py \
                    src/analysis/build/provenance.py src/analysis/build/templates/report.html.j2
	$(PY) -m analysis report --params $(PARAMS)

report: $(OUT)/report.html ## Build the report (reports/report.html) from the data and the notebooks

notebooks: $(STAMP) data ## Re-execute the committed notebooks with their defaults (then review the diff)
	$(PY) -m analysis refresh $(NOTEBOOKS)

browser: ## Install headless Chromium and its driver (Debian packages, needs root) for the browser test
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromium-driver (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium chromium-driver >/dev/null; \
	else echo "note: no chromium/chromedriver and not root: the browser test will be skipped"; fi

test: $(STAMP) $(VENV)/.spark data browser ## Unit tests, full-build checks (determinism, browser) and nbval of the notebooks
	$(PY) -m pytest tests notebooks --nbval --nbval-kernel-name $(KERNEL) \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

bench: $(STAMP) ## Benchmark: full build vs plain scripts, no-op rebuild, -j2 vs -j1 (prints ratios)
	$(PY) tools/bench.py

validate: $(STAMP) ## Check the raw files (FILES=... to choose) and print their problems
	$(PY) -m analysis validate $(or $(FILES),$(wildcard $(RAW)/*.csv $(RAW)/*.xlsx))

# Optional extras: PySpark (the records' Spark engine, tests need a JDK 17+) and Polars (bench-records).
$(VENV)/.spark: requirements-spark.lock $(STAMP)
	$(VENV)/bin/uv pip install -q -p $(PY) -r requirements-spark.lock
	@touch $@

.PHONY: bench-records
bench-records: $(STAMP) $(VENV)/.spark ## Records -> tables vs hand-written DuckDB SQL, pandas, Polars, Spark (ROWS=1000000)
	$(PY) tools/bench_records.py $(if $(ROWS),--rows $(ROWS))

.PHONY: example-district
example-district: $(STAMP) ## Regenerate the SYNTHETIC example district in data/raw/example_district/ (SEED=...)
	$(PY) -m analysis example-district $(if $(SEED),--seed $(SEED))

lab: $(STAMP) ## Start JupyterLab on the project kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

lock: ## Re-pin requirements.lock from requirements.in and regenerate environment.yml
	$(VENV)/bin/uv pip compile requirements.in -p 3.11 -o requirements.lock -q --no-header
	$(PY) tools/sync_environment.py

clean: ## Remove generated data, reports and caches (keeps .venv)
	rm -rf data/processed/* reports/* .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv
	rm -rf $(VENV)
