"""The build-pack flow calls the same code as `tracker pack` (run here without a Prefect server)."""

from __future__ import annotations

import json
from pathlib import Path

from flows.pack import build_pack_flow


def test_build_pack_flow_writes_the_pack_and_returns_the_manifest(config_dir, tmp_path):
    out = build_pack_flow.fn(
        config_dir=str(config_dir),
        meeting="2026-12-10",
        out_dir=str(tmp_path / "packs"),
        state_dir=str(tmp_path / "state"),
        now="2026-11-22T09:00:00+00:00",
    )
    assert build_pack_flow.name == "build-pack"
    pack = Path(out["pack"])
    assert pack == tmp_path / "packs/2026-12-10/fernbrook-governors-briefing-2026-12-10.docx" and pack.is_file()
    manifest = json.loads(Path(out["manifest"]).read_text())
    assert manifest["sha256"] == out["sha256"] and manifest["status"] == "DRAFT"
    assert manifest["generated_at"] == "2026-11-22T09:00:00Z"


def test_on_a_schedule_the_flow_builds_only_when_the_next_meeting_is_near(config_dir, tmp_path):
    kw = dict(config_dir=str(config_dir), out_dir=str(tmp_path / "packs"), state_dir=str(tmp_path / "state"))
    early = build_pack_flow.fn(**kw, now="2026-11-01T06:00:00+00:00", when_due=True)  # 39 days before
    assert early == {"skipped": "no meeting within 14 days of 2026-11-01"}
    assert not (tmp_path / "packs").exists()
    due = build_pack_flow.fn(**kw, now="2026-11-26T06:00:00+00:00", when_due=True)  # 14 days before
    assert due["meeting"] == "2026-12-10" and Path(due["pack"]).is_file()
