"""The scheduled pipeline on a real `prefect server`: deploy, run, schedule, stop.

Starts `prefect server start` on 127.0.0.1 at a free port with a process worker,
deploys prefect.yaml, runs track-policy and build-pack against feeds served
locally, and checks that the cron schedules really create scheduled runs (with
SQLAlchemy 2.1 they silently do not). Everything it starts is stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.feedserver import Route
from tracker.orchestration.local import TRUSTS_QUEUE, LocalPrefect, free_port
from tracker.register.parse import load_register

pytestmark = pytest.mark.slow
FEEDS = FIXTURES / "feeds"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def prefect(tmp_path_factory):
    local = LocalPrefect(
        home=tmp_path_factory.mktemp("prefect-home"),
        port=free_port(),
        extra_env={"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_UI_ENABLED": "false"},
    )
    try:
        local.start_server(ui=False)
        local.create_pool()
        local.deploy(ROOT)
        local.start_worker(ROOT)
        yield local
    finally:
        stopped = local.stop()
        assert set(stopped) == {"server", "worker"}
        assert not local.healthy()


def run_and_wait(local: LocalPrefect, name: str, parameters: dict) -> dict:
    return local.run_deployment(name, parameters, timeout=240)


def scheduled_runs(local: LocalPrefect, name: str, wait: float = 60) -> list[dt.datetime]:
    """Expected start times in London of the runs the scheduler created (it runs every few seconds)."""
    deadline = time.monotonic() + wait
    while not (runs := local.scheduled_runs(name)) and time.monotonic() < deadline:
        time.sleep(1)
    return [dt.datetime.fromisoformat(r["expected_start_time"]).astimezone(LONDON) for r in runs]


def test_the_cron_schedules_really_create_scheduled_runs(prefect):
    track = scheduled_runs(prefect, "track-policy")
    assert track, "the scheduler created no runs for track-policy"
    assert all((t.hour, t.minute) == (7, 0) and t.weekday() < 5 for t in track)
    pack = scheduled_runs(prefect, "build-pack")
    assert pack and all((t.hour, t.minute) == (7, 30) for t in pack)
    assert {t.weekday() for t in pack} >= {5, 6} or len(pack) < 7  # daily, weekends too
    assert scheduled_runs(prefect, "distribute-pack", wait=0) == []  # by hand only


def test_track_policy_then_build_pack_run_to_completion_on_the_worker(prefect, config_dir, feed_server, tmp_path):
    gov = feed_server.add(
        "/gov.atom", Route((FEEDS / "gov-uk-dhsc.atom").read_bytes(), content_type="application/atom+xml")
    )
    nhse = feed_server.add(
        "/nhse.xml", Route((FEEDS / "nhs-england.xml").read_bytes(), content_type="application/rss+xml")
    )
    (config_dir / "sources.yaml").write_text(
        "sources:\n"
        f"  - {{name: gov-uk-dhsc, url: '{gov}', publisher: GOV.UK, period_days: 7}}\n"
        f"  - {{name: nhs-england-news, url: '{nhse}', publisher: NHS England, period_days: 7}}\n"
    )
    state, packs = tmp_path / "outputs/state", tmp_path / "outputs/packs"

    outputs = str(tmp_path / "outputs")
    track = run_and_wait(prefect, "track-policy", {"config_dir": str(config_dir), "outputs_dir": outputs})
    assert track["state"]["type"] == "COMPLETED", track["state"]
    assert {path for path, _ in feed_server.requests} == {"/gov.atom", "/nhse.xml"}
    register = load_register(config_dir / "register.yaml")
    assert "planning-guidance-2027-28" in {p.milestone for p in register.pending}  # found in the GOV.UK feed: proposed
    assert sum(len(m.evidence) for m in register.milestones) > 0
    assert json.loads((state / "gov-uk-dhsc.json").read_text())["last_success"]

    params = {
        "config_dir": str(config_dir),
        "outputs_dir": outputs,
        "now": "2026-11-26T07:30:00+00:00",
        "when_due": True,
    }
    built = run_and_wait(prefect, "build-pack", params)
    assert built["state"]["type"] == "COMPLETED", built["state"]
    manifest = json.loads((packs / "2026-12-10" / "manifest.json").read_text())
    assert manifest["status"] == "DRAFT" and manifest["meeting"] == "2026-12-10"
    assert (packs / "2026-12-10" / manifest["pack"]).is_file()
    assert "planning-guidance-2027-28" in (config_dir / "register.yaml").read_text()


def test_a_worker_can_ask_for_runs_more_often_than_the_others(prefect):
    # `tracker serve` starts the trusts worker this way, so that helper runs join a build early.
    prefect.start_worker(ROOT, limit=1, queue=TRUSTS_QUEUE, name="quick", poll=2)
    try:
        quick = (prefect.home / "quick.pid").read_text()
        default = (prefect.home / "worker.pid").read_text()
        environ = {pid: Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") for pid in (quick, default)}
        assert b"PREFECT_WORKER_QUERY_SECONDS=2" in environ[quick]
        assert b"PREFECT_WORKER_QUERY_SECONDS=1" in environ[default]  # the others keep their own setting
    finally:
        assert prefect.stop_process("quick")


def test_a_worker_can_be_kept_to_some_cores_as_on_a_smaller_machine(prefect):
    # bench/multi_trust.py runs two workers on a core each, as two one-core machines.
    prefect.start_worker(ROOT, limit=1, queue=TRUSTS_QUEUE, name="small", cpus={0})
    try:
        small = int((prefect.home / "small.pid").read_text())
        default = int((prefect.home / "worker.pid").read_text())
        assert os.sched_getaffinity(small) == {0}
        assert os.sched_getaffinity(default) == os.sched_getaffinity(0)  # the others use every core
    finally:
        assert prefect.stop_process("small")
