"""Shared fixtures: copies of the shipped config, and the CLI run in-process."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFIG = ROOT / "config"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped config/ (and templates/) that a test may change."""
    shutil.copytree(CONFIG, tmp_path / "config", ignore=shutil.ignore_patterns("governors.yaml", ".*.lock"))
    if (ROOT / "templates").exists():
        shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path / "config"


def add_trust(
    config_dir: Path,
    name: str,
    *,
    system: str | None = None,
    questions: bool = True,
    governors: int | None = 2,
) -> Path:
    """One trust of a multi-trust deployment, in config/trusts/, made from the shipped files:
    its profile (short name = file name, its own secretary), its own questions whose first
    position names it, and (unless `governors` is None) its own governors list of that many
    people at @<name>.example.org. Returns config/trusts/."""
    trusts = config_dir / "trusts"
    trusts.mkdir(exist_ok=True)
    text = (config_dir / "trust.yaml").read_text()
    text = text.replace("name: Fernbrook NHS Foundation Trust (fictional example)", f"name: {name.title()} NHS Trust")
    text = text.replace("short_name: fernbrook", f"short_name: {name}").replace("../templates/", "../../templates/")
    text = text.replace("Alex Morgan (fictional)", f"{name.title()} Secretary")
    text = text.replace("company.secretary@example.org", f"secretary@{name}.example.org")
    if system:
        text = text.replace("system: frimley", f"system: {system}")
    (trusts / f"{name}.yaml").write_text(text)
    if questions:
        q = (config_dir / "questions.yaml").read_text()
        q = q.replace("We are part of the Frimley integrated care system", f"{name.title()}'s own position:")
        (trusts / f"{name}.questions.yaml").write_text(q)
    if governors is not None:
        people = "".join(
            f"  - {{name: {name.title()} Governor {i}, email: governor{i}@{name}.example.org, type: public}}\n"
            for i in range(1, governors + 1)
        )
        (trusts / f"{name}.governors.yaml").write_text(f"trust: {name}\ngovernors:\n{people}")
    return trusts


@pytest.fixture
def small_register(tmp_path: Path) -> Path:
    path = tmp_path / "register.yaml"
    shutil.copy(FIXTURES / "register-small.yaml", path)
    return path


def workspace(
    config: Path, outputs: Path, now: dt.datetime, env: dict[str, str] | None = None, **paths: Path
) -> Workspace:
    """The Workspace a command would build, with the clock stopped at `now`."""
    return Workspace(Path(config), Path(outputs), env=env or {}, clock=FixedClock(now)).with_overrides(**paths)


def run(*args: str) -> Result:
    """Run `tracker ARGS...` in-process, as a user would type it."""
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="tracker")


# -- policy tracking -------------------------------------------------------------

FEEDS = FIXTURES / "feeds"


@pytest.fixture
def feed_server():
    """A real HTTP server on 127.0.0.1 (tests/feedserver.py); add routes, then fetch from it."""
    from tests.feedserver import FeedServer

    with FeedServer() as server:
        yield server


def write_sources(path: Path, sources: dict[str, str], period_days: int = 7) -> Path:
    """A sources.yaml naming each url, for `tracker track --sources`."""
    lines = ["sources:"]
    for name, url in sources.items():
        lines += [f"  - name: {name}", f"    url: {url}", "    publisher: Test", f"    period_days: {period_days}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- distribution: a real SMTP server on 127.0.0.1 and a small built pack ----------


@pytest.fixture
def smtp_server():
    """An aiosmtpd server that stores every message; tell its handler to answer 451 or 550."""
    from tests.mailhelpers import Handler, start_server

    handler = Handler()
    controller = start_server(handler)
    controller.handler_obj = handler
    yield controller
    controller.stop()


@pytest.fixture
def pack_outputs(tmp_path: Path) -> Path:
    """An outputs/ folder holding a FINAL pack (.docx and .pdf) for the meeting on 10 December 2026."""
    from tests.mailhelpers import make_pack

    make_pack(tmp_path / "outputs" / "packs", with_pdf=True)
    return tmp_path / "outputs"


@pytest.fixture(scope="session")
def prefect_api():
    """One temporary Prefect server for the whole session (it costs ~11 s to start).

    Flow tests that submit tasks need a real API; `.fn()` alone cannot run them.
    """
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# -- figures a test measures, shown at the end of every run ---------------------

_REPORTS: list[str] = []


def report(line: str) -> None:
    """Show a measured figure (e.g. precision and recall) in the run's closing summary."""
    _REPORTS.append(line)


def pytest_terminal_summary(terminalreporter) -> None:
    if _REPORTS:
        terminalreporter.section("measured")
        for line in _REPORTS:
            terminalreporter.write_line(line)
