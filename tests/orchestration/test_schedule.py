"""Which meeting's draft pack is due, and which trusts a scheduled run covers."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from tracker.config.profiles import load_trust
from tracker.config.workspace import Workspace
from tracker.orchestration.schedule import is_multi_trust, pack_due, pack_jobs


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


def add_trusts(config_dir, *names: str) -> Path:
    """Multi-trust mode: one profile per trust in config/trusts/, made from the shipped one."""
    trusts = config_dir / "trusts"
    trusts.mkdir(exist_ok=True)
    for short in names:
        text = (config_dir / "trust.yaml").read_text().replace("short_name: fernbrook", f"short_name: {short}")
        (trusts / f"{short}.yaml").write_text(text.replace("../templates/", "../../templates/"))
    return trusts


def test_multi_trust_mode_reads_every_profile_in_config_trusts(config_dir, tmp_path):
    ws = Workspace(config_dir, tmp_path)
    assert not is_multi_trust(ws)
    trusts = add_trusts(config_dir, "alder", "birch")
    assert is_multi_trust(ws)
    shutil.copy(config_dir / "questions.yaml", trusts / "birch.questions.yaml")
    jobs = pack_jobs(ws)
    assert [j.name for j in jobs] == ["alder", "birch"]
    assert jobs[0].ws.questions == config_dir / "questions.yaml"
    assert jobs[1].ws.questions == trusts / "birch.questions.yaml"
    assert [j.ws.packs_dir for j in jobs] == [tmp_path / "packs/alder", tmp_path / "packs/birch"]
    alder = load_trust(jobs[0].ws.trust)
    assert alder.template == (config_dir.parent / "templates" / "governors-briefing.docx").resolve()


def test_tracker_pack_all_trusts_builds_every_trust_in_one_process(config_dir, tmp_path):
    from tests.conftest import run

    add_trusts(config_dir, "alder", "birch")
    result = run(
        "pack", "--all-trusts", "--config", config_dir, "--outputs", tmp_path, "--meeting", "2026-12-10", "--json"
    )
    assert result.exit_code == 0, result.output
    packs = {p["trust"]: Path(p["pack"]) for p in json.loads(result.stdout)["packs"]}
    assert packs == {
        "alder": tmp_path / "packs/alder/2026-12-10/alder-governors-briefing-2026-12-10.docx",
        "birch": tmp_path / "packs/birch/2026-12-10/birch-governors-briefing-2026-12-10.docx",
    }
    assert all(p.is_file() for p in packs.values())
