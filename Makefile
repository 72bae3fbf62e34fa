# `make pack` and `make test` are all a fresh machine needs: both create .venv
# and install the pinned dependencies on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TRACKER := $(BIN)/python -m tracker

.PHONY: help venv validate pack pdf test test-fast lint format system-packages clean serve stop send status digest

help:
	@echo "make pack      build the briefing pack for the next council of governors meeting"
	@echo "make pdf       the same, with a PDF copy beside it (needs LibreOffice)"
	@echo "make test      run the test suite (installs LibreOffice, poppler and PostgreSQL if missing)"
	@echo "make test-fast the fast tier: no LibreOffice, Prefect server, or kill and race tests"
	@echo "make validate  check every file in config/"
	@echo "make lint      ruff check, format check and mypy"
	@echo "make track     read the policy feeds and update config/register.yaml"
	@echo "make serve     start a local Prefect server and worker, deploy the schedules"
	@echo "make stop      stop what make serve started"
	@echo "make send      email the approved pack to the governors (dry run until SMTP is set up)"
	@echo "make status    is the next meeting's pack built, approved, sent? to whom?"

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

venv: $(STAMP)

validate: $(STAMP)
	$(TRACKER) validate

# The briefing pack: `tracker pack` checks every config file (as `make validate` does)
# before it builds, so one process does both and stays well under 2 s.
# With several trusts: make pack ARGS="--trust NAME" or ARGS="--all-trusts".
pack: $(STAMP)
	$(TRACKER) pack $(ARGS)

pdf: $(STAMP)
	$(TRACKER) pack --pdf $(ARGS)

system-packages:
	@sh tests/system-packages.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) system-packages lint
	$(BIN)/python -m pytest

# The fast tier, for the edit-test loop: everything but the tests marked slow.
test-fast: $(STAMP) lint
	$(BIN)/python -m pytest -m "not slow"

# Orchestration: a local Prefect server (SQLite) and process worker on 127.0.0.1.
serve: $(STAMP)
	$(TRACKER) serve

stop: $(STAMP)
	$(TRACKER) stop

# Policy tracking: read the feeds in config/sources.yaml and update config/register.yaml.
.PHONY: track bench-track
track: validate
	$(TRACKER) track

bench-track: $(STAMP)
	$(BIN)/python bench/track.py

# Distribution: email the approved pack (a dry run into outputs/outbox/ until SMTP is set up).
# ARGS passes options through, e.g. make send ARGS="--dry-run --only someone@example.org".
send: validate
	$(TRACKER) send $(ARGS)

status: $(STAMP)
	$(TRACKER) status $(ARGS)

digest: $(STAMP)
	$(TRACKER) digest $(ARGS)

clean:
	rm -rf $(VENV) outputs/packs outputs/state outputs/outbox .pytest_cache
