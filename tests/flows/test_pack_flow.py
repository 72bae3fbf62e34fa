"""The build-pack flow calls the same code as `tracker pack`, under a real temporary Prefect API."""

from __future__ import annotations

import json
import os
import socket
from email import message_from_bytes
from pathlib import Path

import pytest

from flows.pack import build_pack_flow
from tests.conftest import add_trust
from tracker.config.workspace import Workspace
from tracker.orchestration.claims import Claims
from tracker.register.edit import update
from tracker.register.model import Evidence

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]


def test_build_pack_flow_writes_the_pack_and_returns_the_manifest(config_dir, tmp_path):
    out = build_pack_flow(
        config_dir=str(config_dir),
        meeting="2026-12-10",
        outputs_dir=str(tmp_path),
        now="2026-11-22T09:00:00+00:00",
    )
    assert build_pack_flow.name == "build-pack"
    [manifest] = out["packs"]
    pack = Path(manifest["pack"])
    assert pack == tmp_path / "packs/2026-12-10/fernbrook-governors-briefing-2026-12-10.docx" and pack.is_file()
    on_disk = json.loads(Path(manifest["manifest"]).read_text())
    assert on_disk["sha256"] == manifest["sha256"] and on_disk["status"] == "DRAFT"
    assert on_disk["generated_at"] == "2026-11-22T09:00:00Z"
    assert out["digest"] is None  # send_digest is off by default


def test_on_a_schedule_the_flow_builds_only_when_the_next_meeting_is_near(config_dir, tmp_path):
    kw = dict(config_dir=str(config_dir), outputs_dir=str(tmp_path))
    early = build_pack_flow(**kw, now="2026-11-01T06:00:00+00:00", when_due=True)  # 39 days before
    assert early["packs"] == [{"trust": "fernbrook", "skipped": "no meeting within 14 days of 2026-11-01"}]
    assert early["digest"] is None
    assert not (tmp_path / "packs").exists()
    due = build_pack_flow(**kw, now="2026-11-26T06:00:00+00:00", when_due=True)  # 14 days before
    assert due["packs"][0]["meeting"] == "2026-12-10" and Path(due["packs"][0]["pack"]).is_file()


def test_when_the_draft_is_built_the_secretary_gets_the_digest(config_dir, tmp_path):
    # The tracker found something the day before; no SMTP host is configured in the
    # shipped trust.yaml, so the digest is a dry run written to the outbox.
    with update(config_dir / "register.yaml") as reg:
        found = Evidence(
            "Medium term planning framework: update",
            "https://www.england.nhs.uk/mtpf-update/",
            "nhs-england-news",
            "2026-11-25T07:00:00Z",
        )
        reg.add_evidence("planning-framework-2026-27-to-2028-29", found)
    out = build_pack_flow(
        config_dir=str(config_dir),
        outputs_dir=str(tmp_path / "outputs"),
        now="2026-11-26T06:00:00+00:00",
        when_due=True,
        send_digest=True,
    )
    assert Path(out["packs"][0]["pack"]).is_file()
    [eml] = (tmp_path / "outputs/outbox/digest").glob("*.eml")
    msg = message_from_bytes(eml.read_bytes())
    assert msg["To"] == '"Alex Morgan (fictional)" <company.secretary@example.org>'
    assert "Medium term planning framework: update" in eml.read_text()
    assert "outbox" in out["digest"], out["digest"]


def test_multi_trust_mode_builds_one_pack_per_trust_in_its_own_folder(config_dir, tmp_path):
    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    out = build_pack_flow(
        config_dir=str(config_dir),
        meeting="2026-12-10",
        outputs_dir=str(tmp_path),
        now="2026-11-22T09:00:00+00:00",
    )
    packs = {p["trust"]: Path(p["pack"]) for p in out["packs"]}
    assert packs == {
        "alder": tmp_path / "trusts/alder/packs/2026-12-10/alder-governors-briefing-2026-12-10.docx",
        "birch": tmp_path / "trusts/birch/packs/2026-12-10/birch-governors-briefing-2026-12-10.docx",
    }
    assert all(p.is_file() and (p.parent / "manifest.json").is_file() for p in packs.values())
    [here] = out["runs"]  # run directly, not from its deployment: every trust in this one run
    assert here["trusts"] == ["alder", "birch"]


def test_fan_out_outside_a_deployment_builds_every_trust_in_the_run_and_says_why(config_dir, tmp_path, caplog):
    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch")
    out = build_pack_flow(
        config_dir=str(config_dir), outputs_dir=str(tmp_path), meeting="2026-12-10",
        now="2026-11-22T09:00:00+00:00", fan_out=2,
    )  # fmt: skip
    assert [p["trust"] for p in out["packs"]] == ["alder", "birch"] and len(out["runs"]) == 1
    assert "fan_out needs the flow to run from its deployment" in caplog.text


def test_one_trust_that_fails_is_named_and_the_others_are_still_built(config_dir, tmp_path):
    add_trust(config_dir, "alder")
    add_trust(config_dir, "birch", questions=False)
    state = build_pack_flow(
        config_dir=str(config_dir), outputs_dir=str(tmp_path), meeting="2026-12-10",
        now="2026-11-22T09:00:00+00:00", return_state=True,
    )  # fmt: skip
    assert state.is_failed()
    assert "1 of 2 trusts' packs failed: birch: " in state.message and "birch.questions.yaml: file not found" in (
        state.message
    )
    assert (tmp_path / "trusts/alder/packs/2026-12-10/manifest.json").is_file()
    assert not (tmp_path / "trusts/birch").exists()


HELPED = "5f0c8d2e-1b7a-4c1e-9a55-0d3b2c6f7e81"  # the id of the first run, which a helper is given


def test_a_helper_run_builds_only_the_trusts_no_other_run_has_claimed(config_dir, tmp_path):
    for name in ("alder", "birch", "cedar"):
        add_trust(config_dir, name)
    claims = Claims(Workspace(config_dir, tmp_path).claims_dir(HELPED))
    assert claims.take("alder", "the first run")
    out = build_pack_flow(
        config_dir=str(config_dir), outputs_dir=str(tmp_path), meeting="2026-12-10",
        now="2026-11-22T09:00:00+00:00", trusts=["alder", "birch", "cedar"], helping=HELPED,
    )  # fmt: skip
    assert [p["trust"] for p in out["packs"]] == ["birch", "cedar"]
    assert not (tmp_path / "trusts/alder").exists()  # the first run's to build
    [me] = out["runs"]
    assert me["trusts"] == ["birch", "cedar"]
    assert claims.taken() == {"alder": "the first run", "birch": me["flow_run"], "cedar": me["flow_run"]}


def test_a_helper_that_starts_once_every_trust_is_taken_builds_nothing(config_dir, tmp_path, caplog):
    add_trust(config_dir, "alder")
    Claims(Workspace(config_dir, tmp_path).claims_dir(HELPED)).close()
    out = build_pack_flow(
        config_dir=str(config_dir), outputs_dir=str(tmp_path), meeting="2026-12-10",
        now="2026-11-22T09:00:00+00:00", trusts=["alder"], helping=HELPED,
    )  # fmt: skip
    assert out["packs"] == [] and not (tmp_path / "trusts").exists()
    assert "Every trust was already taken by the other runs" in caplog.text


def test_with_many_trusts_a_run_builds_on_every_core_each_trust_once(config_dir, tmp_path, caplog):
    names = [f"trust-{i:02d}" for i in range(12)]
    for name in names:
        add_trust(config_dir, name)
    out = build_pack_flow(
        config_dir=str(config_dir), outputs_dir=str(tmp_path), meeting="2026-12-10",
        now="2026-11-22T09:00:00+00:00", processes=2,
    )  # fmt: skip
    assert [p["trust"] for p in out["packs"]] == names and {p["version"] for p in out["packs"]} == {"1"}
    [run] = out["runs"]  # the run's child process claims in the run's name
    assert run["trusts"] == names
    assert "Built 12 packs in 2 processes of this machine" in caplog.text
    [claims] = (tmp_path / "state/claims").iterdir()
    assert Claims(claims).closed and set(Claims(claims).taken().values()) == {run["flow_run"]}


def test_a_helper_on_a_machine_whose_cores_all_build_already_builds_nothing(config_dir, tmp_path, caplog):
    add_trust(config_dir, "alder")
    claims = Claims(Workspace(config_dir, tmp_path).claims_dir(HELPED))
    cores = os.sched_getaffinity(0)
    claims.enlist(socket.gethostname(), cores, "the first run", len(cores))  # it builds on every core here
    out = build_pack_flow(
        config_dir=str(config_dir), outputs_dir=str(tmp_path), meeting="2026-12-10",
        now="2026-11-22T09:00:00+00:00", trusts=["alder"], helping=HELPED,
    )  # fmt: skip
    assert out["packs"] == [] and claims.taken() == {}  # alder is left to the first run's processes
    assert f"This machine's {len(cores)} cores are all building this run's trusts already" in caplog.text


def test_a_helper_on_a_machine_with_a_core_free_builds_there(config_dir, tmp_path):
    add_trust(config_dir, "alder")
    claims = Claims(Workspace(config_dir, tmp_path).claims_dir(HELPED))
    cores = os.sched_getaffinity(0)
    claims.enlist(socket.gethostname(), cores, "the first run", len(cores) - 1)
    out = build_pack_flow(
        config_dir=str(config_dir), outputs_dir=str(tmp_path), meeting="2026-12-10",
        now="2026-11-22T09:00:00+00:00", trusts=["alder"], helping=HELPED,
    )  # fmt: skip
    assert [p["trust"] for p in out["packs"]] == ["alder"]
    assert claims.free_on(socket.gethostname(), cores) == 0  # it noted its own process
