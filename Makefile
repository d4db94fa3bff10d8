# The course's set-up. README.md leads with the first two:
#   make lab     install the course into .venv and open it in JupyterLab
#   make test    install (only when pyproject.toml changed) and run every test
#   make course  run every lesson and solution notebook headless into build/course/,
#                timing each (LESSONS= and COURSE_OUT= run other folders, as the tests do)
#   make site    run the lessons, then render them with the exercises as a static
#                website in build/site/ (SITE_OUT= elsewhere, SOLUTIONS=1 adds the solutions)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mlcicd-installed
REPORTS ?= build/reports
PORT ?=
HOST ?= 127.0.0.1
PYTEST_ARGS ?=
LESSONS ?= notebooks solutions
COURSE_OUT ?= build/course
SITE_OUT ?= build/site
SOLUTIONS ?=
JOBS ?= 2
# Notebooks run JOBS at a time too; JOBS=0 (pytest on one worker, in its own
# process) runs them one at a time.
NOTEBOOK_JOBS = $(if $(filter 0,$(JOBS)),1,$(JOBS))
# The iac extra (AWS CDK, lesson 09) needs Node.js; without it the course
# installs without the extra, and the CDK tests and lesson 09 say so and skip.
NODE := $(shell command -v node 2>/dev/null)
EXTRAS ?= dev$(if $(NODE),$(COMMA)iac)
COMMA := ,
# jsii (the CDK's bridge to Node.js): no banner about the Node.js release, and
# its package cache (about 200 MB) under build/ instead of the user's home.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION ?= 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20
export JSII_RUNTIME_PACKAGE_CACHE_ROOT ?= $(CURDIR)/build/jsii-cache
# Compiled modules kept by source content (mlcicd.bytecode_store), beside uv's cache: the
# next venv installed from the same wheels (a fresh clone, the release and grading
# installs the tests make) writes its bytecode from there instead of compiling, 4 s
# against 16 s here. About 260 MB; rm -rf it to reclaim the space.
export MLCICD_BYTECODE_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mlcicd/bytecode

.PHONY: help lab test check course site check-python clean

help:
	@echo "make lab      install the course into $(VENV) and open it in JupyterLab (PORT=, HOST= to change)"
	@echo "make test     install if needed and run the whole test suite, offline"
	@echo "make course   run every lesson and solution headless into build/course/, timing each"
	@echo "make check    the inner loop: ruff, the unit tests and the notebooks touched since main, offline"
	@echo "make site     run the lessons and render the course as a website in build/site/ (SOLUTIONS=1 adds solutions)"
	@echo "make clean    remove build/ and $(VENV)"

check-python:
	@command -v "$(PYTHON)" >/dev/null 2>&1 || { \
	  echo "The course needs Python 3.11 or newer, and '$(PYTHON)' was not found: install Python 3.11+ and run make again, or point to one with 'make PYTHON=/path/to/python3.11 ...'."; exit 1; }
	@"$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "The course needs Python 3.11 or newer, and '$(PYTHON)' is $$("$(PYTHON)" --version 2>&1 || echo 'not a working Python'): install Python 3.11+ or point to one with 'make PYTHON=/path/to/python3.11 ...'."; exit 1; }

# Installs (or refreshes) the project and its dev extra; reruns only when
# pyproject.toml is newer than the stamp. A failed install leaves no stamp, so
# the next make tries again. uv does the install (pip puts uv, one 20 MB wheel, in
# the venv first): it keeps every package it unpacked in its cache (~/.cache/uv)
# and links them into the next venv, so a fresh clone installs in seconds where pip
# took 60 s. Where uv cannot be installed or cannot install (uv reads no pip.conf: a
# private index set there only), pip installs as before.
# Bytecode is compiled after the install (mlcicd.bytecode): a module never compiled is
# compiled again by every process that imports it when Python may not write it
# (PYTHONDONTWRITEBYTECODE, or a grading sandbox, where the venv is read-only), and the
# suite starts hundreds of kernels and Pythons. Measured: the imports of a course kernel
# took 9.3 s uncompiled against 3.5 s; grading one exercise 03 solution 22 s against
# 12 s. It leaves out what the course never imports (the packages' own tests, most of
# aws-cdk-lib): a learner's venv compiles in 13 s and 26 core-seconds on 2 cores,
# against 23 s and 45 for all of it.
$(STAMP): pyproject.toml | check-python
	@$(if $(NODE),,echo "Node.js is not installed: installing the course without the AWS CDK (lesson 09 needs Node.js 22 or 24).")
	@echo "Installing the course into $(VENV) (a few minutes the first time)..."
	@test -x "$(BIN)/python" || "$(PYTHON)" -m venv "$(VENV)" || { \
	  echo "Creating the virtual environment $(VENV) failed (see above). On Debian or Ubuntu, 'apt-get install python3-venv' provides the venv module."; exit 1; }
	@{ "$(BIN)/python" -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1 \
	  && "$(BIN)/python" -m uv pip install --quiet --python "$(BIN)/python" -e '.[$(EXTRAS)]'; } || { \
	  echo "uv could not install the course: installing with pip instead."; \
	  "$(BIN)/python" -m pip install --quiet --no-compile --disable-pip-version-check -e '.[$(EXTRAS)]'; } || { \
	  rm -f "$(STAMP)"; \
	  echo "Installing the course's Python packages into $(VENV) failed; pip's messages above say why. Most often pip cannot reach the package index: check your network connection (or set HTTPS_PROXY behind a proxy) and run make again."; exit 1; }
	@"$(BIN)/python" -m mlcicd.bytecode >/dev/null || echo "Compiling the installed modules failed (see above); the course works without it, only slower to start."
	@touch "$(STAMP)"

lab: $(STAMP)
	@"$(BIN)/mlcicd" lab --host "$(HOST)" $(if $(PORT),--port "$(PORT)")

# The suite runs with no network (scripts/offline); scripts/wheelhouse first
# downloads the wheels the install-as-shipped tests install from, offline. pytest's exit code is kept;
# 5 (no test collected) is turned into a failure. The per-layer figures are
# read from the JUnit report, as the lessons read them.
# JOBS workers (pytest-xdist), a file each so a module's fixtures run once, in the
# order tests/conftest.py gives (test_release.py, the longest chain, first;
# --no-loadscope-reorder keeps it: xdist would otherwise start the files with most
# tests first). Measured on 2 shared cores, fresh clones: pytest took 446-524 s (379-462 s
# on a faster day), against about 1000 s on one worker. JOBS=0 runs on one worker, in this process. Three
# workers gain nothing: 640 s against 632 s for two, the cores busy either way.
test: $(STAMP)
	@mkdir -p "$(REPORTS)"
	@scripts/wheelhouse "$(BIN)/python"
	@rc=0; scripts/offline "$(BIN)/python" -m pytest -n "$(JOBS)" --dist loadfile --no-loadscope-reorder \
	  --junitxml="$(REPORTS)/junit.xml" $(PYTEST_ARGS) || rc=$$?; \
	if [ -f "$(REPORTS)/junit.xml" ]; then "$(BIN)/python" -m mlcicd.testing.layers "$(REPORTS)/junit.xml"; fi; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests, which counts as a failure."; exit 1; fi; \
	exit $$rc

# The inner loop while changing the toolkit or a lesson; make test stays the whole
# truth. ruff, the unit tests on JOBS workers, a file per worker so module fixtures run
# once (measured 103 s against 170 s for tests spread one by one; test_style.py runs ruff again: left
# out), then the notebooks touched since main, checked as the notebook layer checks
# them (mlcicd.testing.check). Its report is check.xml: junit.xml stays the last
# make test's, which lesson 01 reads.
check: $(STAMP)
	@mkdir -p "$(REPORTS)"
	@"$(BIN)/ruff" check --no-cache src tests benchmarks scripts
	@"$(BIN)/ruff" format --check --no-cache src tests benchmarks scripts
	@rc=0; scripts/offline "$(BIN)/python" -m pytest tests/unit -q -n "$(JOBS)" --dist loadfile \
	  --ignore=tests/unit/test_style.py --junitxml="$(REPORTS)/check.xml" || rc=$$?; \
	if [ -f "$(REPORTS)/check.xml" ]; then "$(BIN)/python" -m mlcicd.testing.layers "$(REPORTS)/check.xml"; fi; \
	exit $$rc
	@scripts/offline "$(BIN)/python" -m mlcicd.testing.check --out build/check --jobs "$(NOTEBOOK_JOBS)"

# Every notebook runs headless with papermill, offline (no network, fake AWS
# credentials), JOBS at a time; the summary gives each one's time.
course: $(STAMP)
	@scripts/offline "$(BIN)/mlcicd" course run $(LESSONS) --out "$(COURSE_OUT)" --jobs "$(NOTEBOOK_JOBS)"

# The lessons run as in `make course` (lessons only), then the executed copies
# and the exercises are rendered to HTML; open $(SITE_OUT)/index.html.
site: $(STAMP)
	@scripts/offline "$(BIN)/mlcicd" course run notebooks --out "$(COURSE_OUT)" --jobs "$(NOTEBOOK_JOBS)"
	@scripts/offline "$(BIN)/mlcicd" course site --executed "$(COURSE_OUT)/notebooks" --out "$(SITE_OUT)" $(if $(SOLUTIONS),--solutions)

clean:
	rm -rf build "$(VENV)"
