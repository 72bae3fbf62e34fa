"""The README's tables stay true: commands against `tracker --help` and the Makefile,
schedules against prefect.yaml, and the SMTP settings against the code that reads them.

(sqlite-utils' docs tests are the model: the documentation is checked, not trusted.)
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, run
from tracker.cli import cli
from tracker.core.files import load_yaml

README = (ROOT / "README.md").read_text(encoding="utf-8")
DAYS = {"1-5": "weekdays", "*": "daily", "0-6": "daily", "6,0": "weekends", "0,6": "weekends"}


def table(first_header: str) -> list[list[str]]:
    """The rows of the README table whose first header cell is `first_header`, as plain cell text."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^\| {re.escape(first_header)} \|", line))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_the_command_table_lists_exactly_the_commands_tracker_help_lists():
    documented = {name for row in table("command") for name in re.findall(r"`tracker ([a-z][a-z-]*)", row[0])}
    help_text = run("--help").output
    assert documented == set(cli.list_commands(None))  # type: ignore[arg-type]
    assert all(name in help_text for name in documented)


def test_every_make_target_in_the_command_table_runs_the_command_beside_it():
    makefile = (ROOT / "Makefile").read_text()
    for first, second, _ in table("command"):
        commands = re.findall(r"`tracker ([a-z][a-z-]*)", first)
        targets = re.findall(r"`make ([a-z][a-z-]*)`", second)
        assert not targets or len(targets) == len(commands), first
        for command, target in zip(commands, targets, strict=False):  # paired in order: serve / stop
            recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M)
            assert recipe, f"make {target} is in the README but not in the Makefile"
            assert f"$(TRACKER) {command}" in recipe.group(1), f"make {target} does not run tracker {command}"


def words_for(cron: str, timezone: str) -> str:
    minute, hour, _, _, days = cron.split()
    return f"{DAYS[days]} {int(hour):02d}:{int(minute):02d} {timezone}"


def test_the_schedule_table_says_what_prefect_yaml_schedules():
    deployments = {d["name"]: d for d in load_yaml(ROOT / "prefect.yaml")["deployments"]}
    rows = {row[0].strip("`"): row[1] for row in table("deployment")}
    assert set(rows) == set(deployments)
    for name, said in rows.items():
        schedules = deployments[name].get("schedules") or []
        if not schedules:
            assert said.startswith("none"), f"{name} has no schedule in prefect.yaml but the README says {said!r}"
            continue
        (schedule,) = schedules
        assert said == words_for(schedule["cron"], schedule["timezone"]), name


@pytest.mark.parametrize("variable", sorted(set(re.findall(r"`(TRACKER_SMTP_[A-Z]+)`", README))))
def test_every_smtp_setting_the_readme_names_is_read_by_the_code(variable):
    code = (ROOT / "tracker" / "distribution" / "transport.py").read_text()
    assert f'"{variable}"' in code


def test_the_reading_time_the_readme_quotes_is_the_shipped_examples(tmp_path):
    import datetime as dt

    from tests.conftest import CONFIG, workspace
    from tracker.config.loading import load_config
    from tracker.pack.build import build_pack
    from tracker.pack.reading import reading_text

    ws = workspace(CONFIG, tmp_path, dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC))
    words = build_pack(load_config(ws), ws).manifest.words
    quoted = re.findall(r"\(\"(About \d+ minutes?: [\d,]+ words in the main body[^\"]*)\"\)", " ".join(README.split()))
    assert quoted == [reading_text(words)]


NAMED = sorted(
    {
        name
        for doc in ("README.md", "ARCHITECTURE.md", "templates/build_template.py")
        for name in re.findall(r"\btracker(?:\.[a-z_]+)+(?:\.[A-Z_][A-Za-z_]*)?\b", (ROOT / doc).read_text("utf-8"))
    }
)


@pytest.mark.parametrize("name", NAMED)
def test_every_module_and_name_the_docs_point_to_exists(name):
    import importlib

    module, _, attr = name.rpartition(".") if name.rsplit(".", 1)[-1][:1].isupper() else (name, "", "")
    assert hasattr(importlib.import_module(module), attr) if attr else importlib.import_module(module)


def test_the_readme_match_example_is_what_the_command_prints_for_that_feed():
    block = re.search(r"```text\n\$ \.venv/bin/tracker (match [^\n]+)\n(.*?)```", README, re.S)
    assert block, "the README's `tracker match --explain` example is missing"
    args = block.group(1).split()
    assert (ROOT / args[-1]).is_file(), f"{args[-1]} does not exist"
    result = run(*args[:-1], ROOT / args[-1])
    assert result.exit_code == 0, result.output
    assert result.stdout == block.group(2)


@pytest.mark.parametrize("number", range(len(re.findall(r"^```python\n", README, re.M))))
def test_every_python_snippet_in_the_readme_runs_as_written(number, config_dir, monkeypatch):
    snippet = re.findall(r"^```python\n(.*?)^```", README, re.M | re.S)[number]
    monkeypatch.chdir(config_dir.parent)  # a copy of config/ and templates/, so outputs/ goes there too
    exec(compile(snippet, f"README.md python snippet {number + 1}", "exec"), {})
