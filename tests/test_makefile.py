"""The Makefile does what the README and `make help` say: ARGS reaches every tracker command,
and the check before `make track` and `make send` is of the config they will read."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import ROOT, run

MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
RECIPES = dict(re.findall(r"^([a-z][a-z-]*):[^=\n]*\n((?:\t.*\n)+)", MAKEFILE, re.M))
TRACKER_TARGETS = sorted(t for t, recipe in RECIPES.items() if "$(TRACKER)" in recipe)


def planned(*args: str) -> list[str]:
    """The tracker commands `make -n ARGS...` would run (the venv set-up left out)."""
    out = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return [line.split(" -m tracker ", 1)[1] for line in out.stdout.splitlines() if " -m tracker " in line]


@pytest.mark.parametrize("target", TRACKER_TARGETS)
def test_every_make_target_passes_args_to_every_tracker_command_it_runs(target):
    commands = planned(target, "ARGS=--config ../elsewhere")
    assert commands, target
    for command in commands:
        assert command.endswith("--config ../elsewhere"), f"make {target} runs `tracker {command}` without ARGS"


def test_make_track_dry_run_stays_a_dry_run_and_validates_the_config_it_reads():
    assert planned("track", "ARGS=--dry-run --config ../scratch/c1") == [
        "validate --before track -- --dry-run --config ../scratch/c1",
        "track --dry-run --config ../scratch/c1",
    ]


def test_make_send_validates_the_config_and_trust_it_sends_from():
    assert planned("send", "ARGS=--trust north --config ../c2") == [
        "validate --before send -- --trust north --config ../c2",
        "send --trust north --config ../c2",
    ]


def test_the_check_before_track_reads_the_config_that_track_will_read(config_dir):
    (config_dir / "trust.yaml").write_text("name: [\n")
    result = run("validate", "--before", "track", "--", "--dry-run", "--json", "--config", config_dir)
    assert result.exit_code == 2
    assert f"{config_dir}/trust.yaml:" in result.output
    assert run("validate", "--before", "track", "--", "--dry-run").exit_code == 0  # the shipped config


def test_the_check_before_track_refuses_an_option_track_would_refuse_before_anything_runs():
    result = run("validate", "--before", "track", "--", "--dryrun")
    assert result.exit_code == 2
    assert "No such option '--dryrun'" in result.output and "tracker track" in result.output


def test_the_check_before_send_validates_only_the_trust_named(config_dir):
    result = run("validate", "--before", "send", "--", "--dry-run", "--trust", "nobody", "--config", config_dir)
    assert result.exit_code == 2
    assert "no trust named 'nobody'" in result.output


def test_validate_itself_takes_no_arguments():
    result = run("validate", "stray")
    assert result.exit_code == 2 and "validate takes no arguments" in result.output


def test_make_help_lists_every_target_with_a_recipe():
    out = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    listed = set(re.findall(r"^make ([a-z][a-z-]*)", out, re.M))
    assert set(RECIPES) - {"help", "$(STAMP)"} <= listed, sorted(set(RECIPES) - listed - {"help"})
