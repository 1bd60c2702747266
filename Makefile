# amr-review: `make report` builds the report, `make test` runs every check. Both set up .venv first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The venv is made without pip: the pip fallbacks below install it first.
ENSURE_PIP := { $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip >/dev/null; }
UV_VERSION := 0.13.9
KERNEL := amr-review

# One parameters file drives a build; the default build goes to reports/, any other to reports/<stem>/.
PARAMS ?= params/default.yaml
OUT := $(if $(filter params/default.yaml,$(PARAMS)),reports,reports/$(basename $(notdir $(PARAMS))))
BUILD := $(OUT)/.build
PKG := $(shell find src/analysis -name '*.py' -o -path '*/templates/*' -type f)
STAMP := $(VENV)/.installed
PACKAGES := $(VENV)/.packages

# A work summary outside the project is read only when given here: make report PARAMS=... SUMMARY_PATH=/path/to.txt
ifdef SUMMARY_PATH
export AMR_SUMMARY_PATH := $(SUMMARY_PATH)
endif

# Every core by default (the report's kernels, one per job; `make test`'s set-up steps side by side);
# `make -j1 ...` uses one. The report is one process that prints one whole line per step and notebook as it
# ends, so its output is not held back by make (no --output-sync): a long build shows its progress.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

export PYTHONHASHSEED := 0
# Python caches compiled modules (.pyc) for the next process; where the environment says not to
# (PYTHONDONTWRITEBYTECODE, set on some machines and images), every process would compile pandas, scipy and
# statsmodels again from source, about 3 s each (issue 17).
unexport PYTHONDONTWRITEBYTECODE
export SOURCE_DATE_EPOCH := 1640995200

.PHONY: help venv data report notebooks test validate lab lock clean distclean browser bench

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Options: PARAMS=params/<file>.yaml (default params/default.yaml) builds into reports/<file>/"

venv: $(STAMP) ## Create .venv with the pinned packages, the package (editable) and the Jupyter kernel

$(STAMP): $(PACKAGES)
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (amr-review)" >/dev/null
	@touch $@

# Everything a build imports, imported once (`analysis compile`: a kernel's modules and the analysis stack side
# by side), so that Python caches the compiled modules before the test processes start, rather than each of
# them compiling the same modules at once. (A first `make report` needs no such step: its second kernel starts
# once the first has imported everything.)
COMPILED := $(VENV)/.compiled
$(COMPILED): $(STAMP)
	$(PY) -m analysis compile
	@touch $@

$(PACKAGES): requirements.lock pyproject.toml
	@# A venv without pip (ensurepip alone takes seconds); uv put into it by the system's pip (`--python`, pip
	@# 22.3+; else by the venv's own pip). uv installs the lock in seconds, from the index pip is configured
	@# with (pip.conf, PIP_INDEX_URL: tools/uv_index.py passes a mirror on); plain pip (about a minute) whenever
	@# uv cannot be had or fails.
	$(PYTHON) -m venv --without-pip $(VENV)
	if { $(PYTHON) -m pip --python $(PY) install -q --disable-pip-version-check uv==$(UV_VERSION) 2>/dev/null || \
	     { $(PY) -m ensurepip >/dev/null && $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION); }; } && \
	   $(VENV)/bin/uv pip install -q -p $(PY) $$($(PY) tools/uv_index.py) -r requirements.lock -e . --no-deps; then :; \
	else \
	  echo "uv could not install the lock: installing with pip instead (about a minute)" >&2; \
	  $(ENSURE_PIP) && \
	  $(PY) -m pip install -q --disable-pip-version-check -r requirements.lock && \
	  $(PY) -m pip install -q --disable-pip-version-check --no-deps -e .; \
	fi
	@touch $@

# Python reads the parameters file (any dataset folder name, quoted YAML, typos reported with the valid
# keys) and records the SHA-256 of every input of the build (raw tables, records, sheets chosen, work
# summaries) in $(BUILD)/inputs.sha256, rewritten only when a content changed: rebuilds follow content, not dates.
ifneq ($(filter report data bench notebooks test,$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
ifeq ($(wildcard $(STAMP)),)
$(shell $(MAKE) --no-print-directory venv >&2)
endif
# When nothing the last plan read has changed (inode, size, dates; src/analysis/build/plan_state.py), the plan
# stands and this takes milliseconds.
PLAN_ENV := $(if $(SUMMARY_PATH),AMR_SUMMARY_PATH='$(SUMMARY_PATH)')
PLAN_OK := $(shell { $(PLAN_ENV) $(PY) -m analysis.build.plan_state '$(PARAMS)' || \
                     $(PLAN_ENV) $(PY) -m analysis plan --params '$(PARAMS)' >&2; } && echo ok)
$(if $(PLAN_OK),,$(error $(PARAMS) cannot drive a build (the lines above say why)))
endif

data: $(BUILD)/tables.stamp ## Validate raw tables and write data/processed/

# One process aggregates a district's records (data/raw/<dataset>/records/) into its yearly tables, validates
# and writes every table the build needs (a table whose content did not change keeps its file) and extracts
# the work summary's figures into the build's indicators.csv.
$(BUILD)/tables.stamp: $(BUILD)/inputs.sha256 $(PKG) $(STAMP)
	$(PY) -m analysis data --params '$(PARAMS)'
	@touch $@

# The report: one process brings the build up to date (src/analysis/build/orchestrate.py). Kernels start, one
# per make job (-j; every core by default), and import pandas, statsmodels and matplotlib once while the data
# are prepared as above; every notebook's parameters are checked against the data; then only the notebooks
# whose parameters, input tables, code (the notebook and the package modules it imports) or section files
# changed run, each from a fresh namespace on a warm kernel; then the report is assembled.
KERNELS = $(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS)))
$(OUT)/report.html: $(BUILD)/inputs.sha256 $(PARAMS) $(PKG) $(wildcard notebooks/*.ipynb) $(STAMP)
	$(PY) -m analysis build --params '$(PARAMS)' $(if $(KERNELS),--kernels $(KERNELS))

report: $(OUT)/report.html ## Build the report (reports/report.html) from the data and the notebooks

notebooks: $(STAMP) data ## Re-execute the committed notebooks with their defaults (then review the diff)
	$(PY) -m analysis refresh $(basename $(notdir $(wildcard notebooks/*.ipynb)))

browser: ## Install headless Chromium and its driver (Debian packages, needs root) for the browser test
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromium-driver (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium chromium-driver >/dev/null; \
	else echo "note: no chromium/chromedriver and not root: the browser test will be skipped"; fi

test: $(COMPILED) $(VENV)/.spark data browser ## Unit tests, full-build checks (determinism, browser) and nbval of the notebooks
	@# Both cores, one test file per worker (a file's slow builds are shared by its tests); the slowest listed.
	$(PY) -m pytest tests notebooks --nbval --nbval-kernel-name $(KERNEL) \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -n 2 --dist loadfile --durations=8

bench: $(STAMP) ## Benchmark: full build vs plain scripts, no-op rebuild, -j2 vs -j1 (prints ratios)
	$(PY) tools/bench.py

validate: $(STAMP) ## Check the raw files of the build (or FILES=...) and print their problems
	$(PY) -m analysis validate $(or $(FILES),--params '$(PARAMS)')

# Optional extras: PySpark (the records' Spark engine, tests need a JDK 17+) and Polars (bench-records).
# PySpark is a source archive that uv builds afresh on every install and would keep (2.3 GB a time) in
# its cache: --no-cache builds it in a temporary cache, removed afterwards.
$(VENV)/.spark: requirements-spark.lock $(STAMP)
	$(VENV)/bin/uv pip install -q --no-cache -p $(PY) $$($(PY) tools/uv_index.py) -r requirements-spark.lock || \
	  { $(ENSURE_PIP) && \
	    $(PY) -m pip install -q --disable-pip-version-check --no-cache-dir -r requirements-spark.lock; }
	@touch $@

.PHONY: bench-validate
bench-validate: $(STAMP) ## Validation time and memory on SYNTHETIC tables (ROWS=1000000, XLSX_ROWS=100000)
	$(PY) tools/bench_validate.py $(if $(ROWS),--rows $(ROWS)) $(if $(XLSX_ROWS),--xlsx-rows $(XLSX_ROWS))

.PHONY: bench-records
bench-records: $(STAMP) $(VENV)/.spark ## Records -> tables vs hand-written DuckDB SQL, pandas, Polars, Spark (ROWS=1000000)
	$(PY) tools/bench_records.py $(if $(ROWS),--rows $(ROWS))

.PHONY: example-district
example-district: $(STAMP) ## Regenerate the SYNTHETIC example district in data/raw/example_district/ (SEED=...)
	$(PY) -m analysis example-district $(if $(SEED),--seed $(SEED))

lab: $(STAMP) ## Start JupyterLab on the project kernel, at the project root (notebooks write to reports/_scratch/)
	$(VENV)/bin/jupyter lab --notebook-dir=. $$([ "$$(id -u)" = 0 ] && echo --allow-root)

lock: ## Re-pin requirements.lock (and requirements-spark.lock, within it) from the .in files; regenerate environment.yml
	$(VENV)/bin/uv pip compile requirements.in -p 3.11 -o requirements.lock -q --no-header
	$(VENV)/bin/uv pip compile requirements-spark.in -c requirements.lock -p 3.11 -o requirements-spark.lock -q --no-header
	$(PY) tools/sync_environment.py

clean: ## Remove generated data, reports and caches (keeps .venv and the tracked files in those folders)
	find data/processed reports -mindepth 1 -maxdepth 1 -not -name .gitkeep -not -name README.md -exec rm -rf {} +
	rm -rf .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv
	rm -rf $(VENV)
