"""The command line as a user meets it: help, examples, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, run


def test_help_lists_every_command_with_an_example():
    result = run("--help")
    assert result.exit_code == 0
    commands = result.output.split("Commands:")[1].split("Examples:")[0]
    examples = result.output.split("Examples:")[1]
    names = [line.split()[0] for line in commands.strip("\n").splitlines() if line.startswith("  ") and line.split()]
    assert "validate" in names
    for name in names:
        assert f"tracker {name}" in examples, f"no example for {name}"


def test_python_dash_m_tracker_works_and_errors_are_one_line_with_status_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "validate", "--config", str(tmp_path / "missing")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout.strip().splitlines() == [
        f"{tmp_path}/missing/matching.yaml: file not found: `.venv/bin/tracker track` reads how to recognise policy news from it",
        f"{tmp_path}/missing/questions.yaml: file not found",
        f"{tmp_path}/missing/register.yaml: file not found",
        f"{tmp_path}/missing/sources.yaml: file not found: `.venv/bin/tracker track` reads the feeds from it",
        f"{tmp_path}/missing/trust.yaml: file not found",
    ]
    assert proc.stderr.strip() == "Error: 5 problems in 5 files"


def test_the_tracker_console_script_is_installed():
    exe = ROOT / ".venv" / "bin" / "tracker"
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "version" in proc.stdout


def test_the_old_per_file_options_still_work_for_one_release_with_a_warning(config_dir, tmp_path):
    result = run(
        "pack", "--register", config_dir / "register.yaml", "--trust", config_dir / "trust.yaml",
        "--out", tmp_path / "old-packs", "--state-dir", tmp_path / "old-state", "--meeting", "2026-12-10",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "--out is deprecated" in result.stderr and "use --outputs" in result.stderr
    assert (tmp_path / "old-packs" / "2026-12-10" / "manifest.json").is_file()
    assert "--register" not in run("pack", "--help").output  # hidden: new users see only --config and --outputs


def test_every_command_takes_config_and_outputs():
    import click

    from tracker.cli import cli

    for name in cli.list_commands(None):  # type: ignore[arg-type]
        options = run(name, "--help").output
        assert "--config" in options and "--outputs" in options, name
        group = cli.commands[name]
        for sub in group.commands if isinstance(group, click.Group) else ():  # after the subcommand too
            options = run(name, sub, "--help").output
            assert "--config" in options and "--outputs" in options, f"{name} {sub}"
