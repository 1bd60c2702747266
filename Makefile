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
BUILD := $(OUT)/.build
PKG := $(shell find src/analysis -name '*.py' -o -path '*/templates/*' -type f)
STEP_CODE := $(wildcard src/analysis/*/step.py src/analysis/readers/*.py)
STAMP := $(VENV)/.installed
PACKAGES := $(VENV)/.packages

# A work summary outside the project is read only when given here: make report PARAMS=... SUMMARY_PATH=/path/to.txt
ifdef SUMMARY_PATH
export AMR_SUMMARY_PATH := $(SUMMARY_PATH)
endif

# Both cores (every core) by default; `make -j1 ...` serialises. Each target's output is printed whole when it
# ends, so notebooks running side by side do not interleave their lines.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif
MAKEFLAGS += --output-sync=target

export PYTHONHASHSEED := 0
export SOURCE_DATE_EPOCH := 1640995200

.PHONY: help venv data report notebooks test validate lab lock clean distclean browser bench

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Options: PARAMS=params/<file>.yaml (default params/default.yaml) builds into reports/<file>/"

venv: $(STAMP) ## Create .venv with the pinned packages, the package (editable) and the Jupyter kernel

$(STAMP): $(PACKAGES)
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (amr-review)" >/dev/null
	@touch $@

$(PACKAGES): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# uv installs the lock in seconds, from the index pip is configured with (pip.conf, PIP_INDEX_URL:
	@# tools/uv_index.py passes a mirror on); plain pip (about a minute) whenever uv cannot be had or fails.
	if $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION) && \
	   $(VENV)/bin/uv pip install -q -p $(PY) $$($(PY) tools/uv_index.py) -r requirements.lock -e . --no-deps; then :; \
	else \
	  echo "uv could not install the lock: installing with pip instead (about a minute)" >&2; \
	  $(PY) -m pip install -q --disable-pip-version-check -r requirements.lock && \
	  $(PY) -m pip install -q --disable-pip-version-check --no-deps -e .; \
	fi
	@touch $@

# Python reads the parameters file (any dataset folder name, quoted YAML, typos reported with the valid
# keys) and writes $(BUILD)/plan.mk: NOTEBOOKS (the sections of notebooks:, absent = all), STEPS (the
# dataset steps they read), SUMMARY and each notebook's inputs. It also records the SHA-256 of
# every raw input, rewriting a record only when the content changed: rebuilds follow content, not dates.
ifneq ($(filter report data bench notebooks test,$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
ifeq ($(wildcard $(STAMP)),)
$(shell $(MAKE) --no-print-directory venv >&2)
endif
PLAN_OK := $(shell $(if $(SUMMARY_PATH),AMR_SUMMARY_PATH='$(SUMMARY_PATH)') $(PY) -m analysis plan --params '$(PARAMS)' >&2 && echo ok)
$(if $(PLAN_OK),,$(error $(PARAMS) cannot drive a build (the lines above say why)))
include $(BUILD)/plan.mk
endif

data: $(BUILD)/tables.stamp $(if $(SUMMARY),$(OUT)/indicators.csv) ## Validate raw tables and write data/processed/

# One process validates and writes every table the build needs (so `make -j` runs it once); a table whose
# content did not change keeps its file, and its recorded hash, so only notebooks reading a changed table re-run.
# A district's records (data/raw/<dataset>/records/, hashed in raw.sha256) are aggregated into its yearly
# tables and its register first.
$(BUILD)/tables.stamp: $(BUILD)/raw.sha256 $(STEP_CODE) $(wildcard src/analysis/records/*.py) $(STAMP)
	$(PY) -m analysis records --dataset $(DATASET) --if-present
	$(PY) -m analysis process --params '$(PARAMS)'
	@touch $@

$(STEPS:%=$(BUILD)/inputs/%.sha256): $(BUILD)/tables.stamp ;
$(BUILD)/inputs/%.processed.sha256: $(BUILD)/tables.stamp ;

# The work summary's figures, per build (two builds of one dataset may name different summaries).
$(OUT)/indicators.csv: $(SUMMARY_RECORD) src/analysis/summary/indicators.py \
                       src/analysis/readers/numbers.py src/analysis/readers/io.py $(STAMP)
	$(PY) -m analysis indicators $(SUMMARY) -o $@

# Every notebook's parameters checked against the data at once, before any kernel starts.
$(BUILD)/checked.stamp: $(BUILD)/params.stamp $(BUILD)/tables.stamp
	$(PY) -m analysis check --params '$(PARAMS)'
	@touch $@

# Incremental: a notebook re-runs only when the notebook, the package modules it imports ($(BUILD)/deps.mk),
# its inputs' hashes ($(BUILD)/plan.mk) or its own parameters ($(BUILD)/<name>.params.json) changed.
$(OUT)/notebooks/%.ipynb: notebooks/%.ipynb $(BUILD)/%.params.json $(STAMP) | $(BUILD)/checked.stamp
	$(PY) -m analysis run $* --params '$(PARAMS)'

$(BUILD)/params.stamp: $(PARAMS) $(STAMP)
	$(PY) -m analysis slice-params --params '$(PARAMS)'

$(BUILD)/%.params.json: $(BUILD)/params.stamp ;
ifneq ($(NOTEBOOKS),)  # an empty .SECONDARY: would make every target secondary
.SECONDARY: $(NOTEBOOKS:%=$(BUILD)/%.params.json) $(STEPS:%=$(BUILD)/inputs/%.sha256)
endif

$(BUILD)/deps.mk: $(PKG) $(wildcard notebooks/*.ipynb) $(STAMP)
	$(PY) -m analysis deps --params '$(PARAMS)' -o $@

ifneq ($(filter report bench,$(MAKECMDGOALS)),)
-include $(BUILD)/deps.mk
endif

# The report step checks that every section was produced by this build (parameters, input hashes, files)
# and re-runs a notebook whose section was not, e.g. after a notebook was run by hand into this folder.
$(OUT)/report.html: $(NOTEBOOKS:%=$(OUT)/notebooks/%.ipynb) $(if $(SUMMARY),$(OUT)/indicators.csv) $(PARAMS) \
                    src/analysis/build/report.py src/analysis/build/provenance.py \
                    src/analysis/build/templates/report.html.j2
	$(PY) -m analysis report --params '$(PARAMS)'

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

test: $(STAMP) $(VENV)/.spark data browser ## Unit tests, full-build checks (determinism, browser) and nbval of the notebooks
	@# Both cores, one test file per worker (a file's slow builds are shared by its tests); the slowest listed.
	$(PY) -m pytest tests notebooks --nbval --nbval-kernel-name $(KERNEL) \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -n 2 --dist loadfile --durations=8

bench: $(STAMP) ## Benchmark: full build vs plain scripts, no-op rebuild, -j2 vs -j1 (prints ratios)
	$(PY) tools/bench.py

validate: $(STAMP) ## Check the raw files of the build (or FILES=...) and print their problems
	$(PY) -m analysis validate $(or $(FILES),--params '$(PARAMS)')

# Optional extras: PySpark (the records' Spark engine, tests need a JDK 17+) and Polars (bench-records).
$(VENV)/.spark: requirements-spark.lock $(STAMP)
	$(VENV)/bin/uv pip install -q -p $(PY) $$($(PY) tools/uv_index.py) -r requirements-spark.lock || \
	  $(PY) -m pip install -q --disable-pip-version-check -r requirements-spark.lock
	@touch $@

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
