# Two entry points, each doing its own set-up on a fresh machine:
#   make quick   -- install, then run the workflow's quick configuration (every table and figure, tiny budgets)
#   make test    -- install, then run the test suite (what .ci/run calls)
#   make check-quick -- after make quick: every table, figure and the report are there, the report holds no error
#   make lint    -- install, then snakemake --lint (the workflow's own checks; .ci/run calls it first)
#   make compare -- install, then train your own methods on the published masks and splits and put them beside
#                   the paper's and the published rows, under compare/ (README, "Adding a method"):
#                   make compare PLUGIN=my_methods.py METHODS=my_trees TABLE=table1 DATASETS=breast,wine
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 2

# The shared data folder of this project's machines, when it is there; elsewhere the loaders use
# their cache directory and download with a checksum.
ifneq ($(wildcard ../shared/data),)
export HEXAGAN_DATA ?= $(abspath ../shared/data)
endif

# make compare: a plugin file (or module) registering methods, a comma list of them (or of config labels),
# one published table (table1: imputers; table2, table3: classifiers), a comma list of datasets (empty: all
# the table publishes); REPEATS and FOLDS (comma lists) restrict the splits, for a quick check only.
PLUGIN ?=
METHODS ?=
TABLE ?= table1
DATASETS ?=
REPEATS ?=
FOLDS ?=

.PHONY: quick check-quick test lint full install compare

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

quick: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/quick.yaml --profile profiles/default

check-quick: install
	$(BIN)/python .ci/check_quick.py

lint: install
	$(BIN)/snakemake --lint

test: install
	$(BIN)/python -m pytest -n $(CORES) -q

full: install
	$(BIN)/snakemake --cores $(CORES) --profile profiles/default

compare: install
	$(BIN)/python -m hexagan.suite.compare --plugin '$(PLUGIN)' --methods '$(METHODS)' --table '$(TABLE)' --datasets '$(DATASETS)' --repeats '$(REPEATS)' --folds '$(FOLDS)' --cores $(CORES)
