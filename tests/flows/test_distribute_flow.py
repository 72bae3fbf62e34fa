"""The `distribute-pack` Prefect flow wraps the same send as `tracker send`."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import CONFIG
from tests.mailhelpers import MEETING, make_pack


def test_the_flow_sends_through_the_same_function_and_returns_the_report(tmp_path, smtp_server, monkeypatch):
    from flows.distribute import distribute_pack

    shutil.copytree(CONFIG, tmp_path / "config", ignore=shutil.ignore_patterns("governors.yaml"))
    make_pack(tmp_path / "outputs" / "packs", with_pdf=True)
    monkeypatch.setenv("TRACKER_SMTP_HOST", smtp_server.hostname)
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("TRACKER_SMTP_SECURITY", "none")
    monkeypatch.delenv("TRACKER_SMTP_USER", raising=False)

    assert distribute_pack.name == "distribute-pack"
    report = distribute_pack.fn(meeting=MEETING.isoformat(), project_dir=str(tmp_path))
    sent = [r["email"] for r in report["results"] if r["status"] == "sent"]
    assert len(sent) == 4 and sorted(sent) == sorted(e for r in smtp_server.handler_obj.received for e in r.rcpt_tos)
    assert (tmp_path / "outputs" / "deliveries" / f"{MEETING}.json").exists()


@pytest.mark.slow
def test_the_flow_runs_under_a_real_prefect_server(tmp_path, prefect_api):
    """A real (temporary) Prefect API: parameters, run logger and the returned report all work."""
    from flows.distribute import distribute_pack

    shutil.copytree(CONFIG, tmp_path / "config", ignore=shutil.ignore_patterns("governors.yaml"))
    make_pack(tmp_path / "outputs" / "packs", with_pdf=True)
    state = distribute_pack(meeting=MEETING.isoformat(), dry_run=True, project_dir=str(tmp_path), return_state=True)
    assert state.is_completed()
    report = state.result()
    assert [r["status"] for r in report["results"]].count("written") == 4
    assert len(list((tmp_path / "outputs" / "outbox" / MEETING.isoformat()).glob("*.eml"))) == 4
