"""Which meeting's draft pack is due, and which trusts a scheduled run covers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.conftest import add_trust
from tracker.config.profiles import load_trust
from tracker.config.workspace import Workspace
from tracker.orchestration.schedule import pack_due, pack_jobs


def test_the_draft_is_due_draft_days_before_the_next_meeting(config_dir):
    trust = load_trust(config_dir / "trust.yaml")  # meets 2026-12-10; drafts 14 days ahead
    assert trust.draft_days_before == 14
    assert pack_due(trust, dt.date(2026, 11, 25)) is None
    assert pack_due(trust, dt.date(2026, 11, 26)) == dt.date(2026, 12, 10)
    assert pack_due(trust, dt.date(2026, 12, 10)) == dt.date(2026, 12, 10)
    assert pack_due(trust, dt.date(2026, 12, 11)) is None  # next is March 2027


def test_no_future_meeting_means_nothing_is_due(config_dir):
    assert pack_due(load_trust(config_dir / "trust.yaml"), dt.date(2031, 1, 1)) is None


def test_single_trust_mode_uses_trust_yaml(config_dir, tmp_path):
    jobs = pack_jobs(Workspace(config_dir, tmp_path))
    assert [j.name for j in jobs] == ["fernbrook"]
    assert jobs[0].ws.trust == config_dir / "trust.yaml"
    assert jobs[0].ws.questions == config_dir / "questions.yaml"
    assert jobs[0].ws.packs_dir == tmp_path / "packs"


def test_multi_trust_mode_builds_each_trust_from_its_own_files_into_its_own_folder(config_dir, tmp_path):
    ws = Workspace(config_dir, tmp_path)
    assert [j.name for j in pack_jobs(ws)] == ["fernbrook"]
    trusts = add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    jobs = pack_jobs(ws)
    assert [j.name for j in jobs] == ["alder", "birch"]
    assert [j.ws.questions for j in jobs] == [trusts / "alder.questions.yaml", trusts / "birch.questions.yaml"]
    assert [j.ws.packs_dir for j in jobs] == [tmp_path / "trusts/alder/packs", tmp_path / "trusts/birch/packs"]
    assert [j.name for j in pack_jobs(ws, ["birch"])] == ["birch"]
    alder = load_trust(jobs[0].ws.trust)
    assert alder.template == (config_dir.parent / "templates" / "governors-briefing.docx").resolve()


def test_tracker_pack_all_trusts_builds_every_trust_in_one_process(config_dir, tmp_path):
    from tests.conftest import run

    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    result = run(
        "pack", "--all-trusts", "--config", config_dir, "--outputs", tmp_path, "--meeting", "2026-12-10", "--json"
    )
    assert result.exit_code == 0, result.output
    packs = {p["trust"]: Path(p["pack"]) for p in json.loads(result.stdout)["packs"]}
    assert packs == {
        "alder": tmp_path / "trusts/alder/packs/2026-12-10/alder-governors-briefing-2026-12-10.docx",
        "birch": tmp_path / "trusts/birch/packs/2026-12-10/birch-governors-briefing-2026-12-10.docx",
    }
    assert all(p.is_file() for p in packs.values())
