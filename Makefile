# Two entry points, each doing its own set-up on a fresh machine:
#   make quick   -- install, then run the workflow's quick configuration (every table and figure, tiny budgets)
#   make test    -- install, then run the test suite (what .ci/run calls)
#   make lint    -- install, then snakemake --lint (the workflow's own checks; .ci/run calls it first)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 2

# The shared data folder of this project's machines, when it is there; elsewhere the loaders use
# their cache directory and download with a checksum.
ifneq ($(wildcard ../shared/data),)
export HEXAGAN_DATA ?= $(abspath ../shared/data)
endif

.PHONY: quick test lint full install

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

quick: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/quick.yaml --profile profiles/default

lint: install
	$(BIN)/snakemake --lint

test: install
	$(BIN)/python -m pytest -n $(CORES) -q

full: install
	$(BIN)/snakemake --cores $(CORES) --profile profiles/default
