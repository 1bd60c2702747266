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

NOTEBOOKS := sampling
TABLES := sampling
PKG := $(wildcard src/analysis/*.py) $(wildcard src/analysis/templates/*)
STAMP := $(VENV)/.installed

export PYTHONHASHSEED := 0
export SOURCE_DATE_EPOCH := 1640995200

.PHONY: help venv data report notebooks test validate lab lock clean distclean

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

$(PROC)/%.csv: $(RAW)/%.csv src/analysis/%.py src/analysis/schema.py src/analysis/numbers.py src/analysis/io.py $(STAMP)
	$(PY) -m analysis process $* --dataset $(DATASET)

$(OUT)/notebooks/sampling.ipynb: $(PROC)/sampling.csv

$(OUT)/notebooks/%.ipynb: notebooks/%.ipynb $(PARAMS) $(PKG) $(STAMP)
	$(PY) -m analysis run $* --params $(PARAMS)

$(OUT)/report.html: $(NOTEBOOKS:%=$(OUT)/notebooks/%.ipynb)
	$(PY) -m analysis report --params $(PARAMS)

report: $(OUT)/report.html ## Build the report (reports/report.html) from the data and the notebooks

notebooks: $(STAMP) data ## Re-execute the committed notebooks with their defaults (then review the diff)
	$(PY) -m analysis refresh $(NOTEBOOKS)

test: $(STAMP) data ## Unit tests and nbval regression checks of the committed notebooks
	$(PY) -m pytest tests notebooks --nbval --nbval-kernel-name $(KERNEL) \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

validate: $(STAMP) ## Check the raw files (FILES=... to choose) and print their problems
	$(PY) -m analysis validate $(or $(FILES),$(wildcard $(RAW)/*.csv $(RAW)/*.xlsx))

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
