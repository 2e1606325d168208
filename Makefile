# Plain task runner. `make handout` and `make test` set everything up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --locked --no-sync
WAVE ?= 2019-02 2020-02
LANGS ?= da,en
# Quarto for the tests of the Quarto render path: installed from QUARTO_SOURCE (a Quarto
# build with its installer, see its README) into .tools/quarto when that folder is there
QUARTO_SOURCE ?= ../shared/tools/quarto
QUARTO_HOME := .tools/quarto

.PHONY: help setup quarto handout validate example test screenshots bench lab clean

help:  ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

setup: $(UV)  ## create .venv with the locked dependencies
	$(UV) sync --locked --quiet

handout: setup  ## set up, then render the example waves' handouts (HTML + PDF, Danish and English)
	@for wave in $(WAVE); do $(RUN) forum-network run $$wave --lang $(LANGS) || exit 1; done

validate: setup  ## check a wave's raw export: make validate WAVE=path/to/wave
	@for wave in $(WAVE); do $(RUN) forum-network validate $$wave || exit 1; done

example: setup  ## regenerate the synthetic example waves in data/example
	$(RUN) forum-network example

quarto:  ## install Quarto into .tools/quarto from QUARTO_SOURCE (default ../shared/tools/quarto) if there
	@if [ -x $(QUARTO_HOME)/bin/quarto ] && $(QUARTO_HOME)/bin/quarto --version >/dev/null 2>&1; then \
		echo "Quarto $$($(QUARTO_HOME)/bin/quarto --version) in $(QUARTO_HOME)"; \
	elif [ -x $(QUARTO_SOURCE)/install.sh ]; then \
		$(QUARTO_SOURCE)/install.sh $(QUARTO_HOME); \
	else \
		echo "No Quarto in $(QUARTO_SOURCE): the tests of the Quarto render path will be skipped"; \
	fi

test: setup quarto  ## set up, then run the whole test suite (installs Chromium and poppler for the browser test, and Quarto if QUARTO_SOURCE is there)
	.ci/install-test-deps
	PATH="$(CURDIR)/$(QUARTO_HOME)/bin:$$PATH" $(RUN) pytest

screenshots: handout  ## pictures of the handout's first pages for the README (docs/handout-page-*.png)
	$(RUN) python docs/make_screenshots.py

bench: $(UV)  ## benchmarks (print tables; not tests): core-periphery against cpnet, pipeline, scale
	$(UV) sync --locked --quiet --group bench
	$(UV) run --locked --no-sync python benchmarks/bench_coreperiphery.py --quick
	@for b in benchmarks/bench_pipeline.py benchmarks/bench_scale.py; do \
		if [ -f $$b ]; then FORUM_NETWORK_SECRET=benchmark $(UV) run --locked --no-sync python $$b; fi; done

lab: $(UV)  ## open JupyterLab on the notebooks (installs the optional lab extra)
	$(UV) sync --locked --quiet --extra lab
	$(UV) run --locked --no-sync --extra lab jupyter lab notebooks

clean:  ## remove build outputs (not the environment)
	rm -rf build
