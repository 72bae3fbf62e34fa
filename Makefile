# `make pack` and `make test` are all a fresh machine needs: both create .venv
# and install the pinned dependencies on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TRACKER := $(BIN)/python -m tracker

# Every target that runs a tracker command passes ARGS to it: make track ARGS="--dry-run".
.PHONY: help venv validate pack pdf test test-fast lint format system-packages clean serve stop send status digest

help:
	@echo "make pack        build the briefing pack for the next council of governors meeting"
	@echo "make pdf         the same, with a PDF copy beside it (needs LibreOffice)"
	@echo "make test        run the test suite (installs LibreOffice, poppler and PostgreSQL if missing)"
	@echo "make test-fast   the fast tier: no LibreOffice, Prefect server, or kill and race tests"
	@echo "make validate    check every file in config/"
	@echo "make lint        ruff check, format check and mypy"
	@echo "make format      reformat the code and apply ruff's safe fixes"
	@echo "make track       read the policy feeds and update config/register.yaml"
	@echo "make bench-track time a tracking run over 200 local feeds (bench/track.py)"
	@echo "make serve       start a local Prefect server and worker, deploy the schedules"
	@echo "make stop        stop what make serve started"
	@echo "make send        email the approved pack to the governors (dry run until SMTP is set up)"
	@echo "make status      is the next meeting's pack built, approved, sent? to whom?"
	@echo "make digest      email the company secretary what the tracker found since the last digest"
	@echo "make venv        create .venv and install the pinned dependencies (the other targets do it too)"
	@echo "make system-packages  install LibreOffice, poppler and PostgreSQL if missing (make test does it)"
	@echo "make clean       remove .venv and the generated outputs"
	@echo "ARGS passes options to the tracker command, e.g. make track ARGS=\"--dry-run --config ../other\""

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

venv: $(STAMP)

validate: $(STAMP)
	$(TRACKER) validate $(ARGS)

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
	$(TRACKER) serve $(ARGS)

stop: $(STAMP)
	$(TRACKER) stop $(ARGS)

# Policy tracking: read the feeds in config/sources.yaml and update config/register.yaml.
.PHONY: track bench-track
# `validate --before track -- ARGS` checks the config that `track ARGS` will read (its
# --config, --outputs, ...) and refuses any option track would refuse, before a real run.
track: $(STAMP)
	$(TRACKER) validate --before track -- $(ARGS)
	$(TRACKER) track $(ARGS)

bench-track: $(STAMP)
	$(BIN)/python bench/track.py $(ARGS)

# Distribution: email the approved pack (a dry run into outputs/outbox/ until SMTP is set up).
# ARGS passes options through, e.g. make send ARGS="--dry-run --only someone@example.org".
send: $(STAMP)
	$(TRACKER) validate --before send -- $(ARGS)
	$(TRACKER) send $(ARGS)

status: $(STAMP)
	$(TRACKER) status $(ARGS)

digest: $(STAMP)
	$(TRACKER) digest $(ARGS)

clean:
	rm -rf $(VENV) outputs/packs outputs/state outputs/outbox .pytest_cache
