"""`tracker digest`: one message to the secretary about what changed since the last one."""

from __future__ import annotations

import datetime as dt
import shutil
from email import message_from_bytes, policy

import pytest

from tests.conftest import CONFIG, FIXTURES, run, workspace
from tracker.config.profiles import load_sources
from tracker.core.errors import TrackerError
from tracker.core.files import write_json
from tracker.distribution.digest import run_digest
from tracker.register.edit import update
from tracker.register.model import Evidence
from tracker.tracking.feedstate import SourceState, save_state

LAST = dt.datetime(2026, 11, 15, 7, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
SECRETARY = "company.secretary@example.org"


@pytest.fixture
def config(config_dir):
    shutil.copy(FIXTURES / "register-small.yaml", config_dir / "register.yaml")
    return config_dir


@pytest.fixture
def outputs(tmp_path):
    out = tmp_path / "outputs"
    (out / "state").mkdir(parents=True)
    known = ["long-term-plan-2019", "planning-guidance-2019-20", "social-care-green-paper"]
    write_json(out / "state" / "digest.json", {"last_sent": LAST.isoformat(), "unhealthy": [], "milestones": known})
    read = (NOW - dt.timedelta(hours=1)).isoformat()
    for source in load_sources(CONFIG / "sources.yaml"):  # every feed read an hour ago (one never read is stale)
        save_state(out / "state", SourceState(source.name, last_attempt=read, last_success=read, newest_item=read))
    return out


def test_a_source_never_read_is_listed_as_needing_attention(config, outputs, smtp_server):
    (outputs / "state" / "nhs-england-news.json").unlink()
    result = digest(config, outputs, env_for(smtp_server))
    assert result.sent
    text = smtp_server.handler_obj.received[0].message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert (
        "Sources needing attention (1):\n  - NHS England news: has not been read yet: run `.venv/bin/tracker track`"
        " (new since the last digest)" in text
    )


def findings(config):
    """Evidence and a status change after the last digest, one old item before it, and a new milestone."""
    with update(config / "register.yaml") as reg:
        reg.add_evidence(
            "long-term-plan-2019",
            Evidence("Old news <b>", "https://www.gov.uk/old", "gov-uk-dhsc", "2026-11-01T07:00:00Z"),
        )
        reg.add_evidence(
            "social-care-green-paper",
            Evidence("Care reform <i>update</i>", "https://www.gov.uk/care", "gov-uk-dhsc", "2026-11-20T07:00:00Z"),
        )
        reg.set_field(
            "social-care-green-paper", "status", "withdrawn", why="rule:care-withdrawn",
            when="2026-11-20T07:00:00Z", evidence="https://www.gov.uk/care",
        )  # fmt: skip
        reg.add_milestone({
            "id": "planning-guidance-2027-28", "title": "Medium term planning framework 2027/28",
            "category": "planning-guidance", "status": "expected", "summary": "Found by a watch rule.",
            "sources": [{"title": "Planning framework", "url": "https://www.england.nhs.uk/pf/", "retrieved": "2026-11-21"}],
            "evidence": [{"title": "Planning framework", "url": "https://www.england.nhs.uk/pf/",
                          "source": "nhs-england-news", "first_seen": "2026-11-21T07:00:00Z"}],
        })  # fmt: skip


def env_for(server):
    return {
        "TRACKER_SMTP_HOST": server.hostname,
        "TRACKER_SMTP_PORT": str(server.port),
        "TRACKER_SMTP_SECURITY": "none",
    }


def digest(config, outputs, env, **kw):
    return run_digest(workspace(config, outputs, NOW, env), sleep=lambda s: None, **kw)


def test_nothing_new_sends_nothing_and_says_so(config, outputs, smtp_server):
    result = digest(config, outputs, env_for(smtp_server))
    assert not result.sent and result.detail == "nothing new since 15 November 2026 at 07:00: no digest sent"
    assert smtp_server.handler_obj.received == []


def test_one_message_summarises_everything_new_including_stale_sources(config, outputs, smtp_server):
    findings(config)
    save_state(
        outputs / "state",
        SourceState("nhs-england-news", last_attempt="2026-11-22T06:00:00Z", last_success="2026-11-01T06:00:00Z",
                    last_error="HTTP 503 from the server", consecutive_failures=4),
    )  # fmt: skip
    result = digest(config, outputs, env_for(smtp_server))
    assert result.sent
    (got,) = smtp_server.handler_obj.received
    assert got.rcpt_tos == [SECRETARY]
    msg = message_from_bytes(got.data, policy=policy.default)
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "4 new findings" in msg["Subject"]
    assert "New milestones in the register (1):\n  - Medium term planning framework 2027/28." in text
    assert "Changes accepted (1):\n  - Social care green paper has been withdrawn (it was delayed)." in text
    publisher = "GOV.UK"  # sources.yaml names the gov-uk-dhsc feed's publisher
    assert (
        f"{publisher} published “Care reform <i>update</i>” on 20 November 2026, about Social care green paper." in text
    )
    assert "rule:" not in text and "gov-uk-dhsc" not in text
    assert "Old news" not in text  # seen before the last digest
    assert "Social care green paper (other" not in text  # known at the last digest: not new
    assert (
        "NHS England news: failed 4 runs in a row; last error: HTTP 503 from the server (new since the last digest)"
        in text
    )
    html = msg.get_body(("html",)).get_content()
    assert "&lt;i&gt;update&lt;/i&gt;" in html and "<i>" not in html

    # The digest time moved on: the same findings are not reported twice.
    again = digest(config, outputs, env_for(smtp_server))
    assert not again.sent and "nothing new since 22 November 2026 at 07:00" in again.detail
    assert len(smtp_server.handler_obj.received) == 1


def test_a_refused_digest_does_not_move_the_digest_time(config, outputs, smtp_server):
    findings(config)
    smtp_server.handler_obj.permanent.add(SECRETARY)
    before = (outputs / "state" / "digest.json").read_text()
    with pytest.raises(TrackerError, match=f"refused the digest for {SECRETARY}: 550"):
        digest(config, outputs, env_for(smtp_server))
    assert (outputs / "state" / "digest.json").read_text() == before


def test_a_dry_run_writes_the_eml_and_keeps_the_digest_time(config, outputs):
    findings(config)
    before = (outputs / "state" / "digest.json").read_text()
    result = digest(config, outputs, {}, dry_run=True)
    assert result.dry_run and not result.sent
    (eml,) = (outputs / "outbox" / "digest").glob("*.eml")
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == SECRETARY
    assert (outputs / "state" / "digest.json").read_text() == before


def test_always_sends_a_short_nothing_new_message(config, outputs, smtp_server):
    result = digest(config, outputs, env_for(smtp_server), always=True)
    assert result.sent
    assert smtp_server.handler_obj.received[0].message["Subject"].endswith("policy tracker digest, nothing new")


def test_the_digest_command_without_smtp_writes_to_the_outbox(config, outputs, monkeypatch):
    findings(config)
    monkeypatch.delenv("TRACKER_SMTP_HOST", raising=False)
    result = run("digest", "--config", config, "--outputs", outputs, "--since", "2026-11-15")
    assert result.exit_code == 0, result.output
    assert "dry run (SMTP is not configured)" in result.output
    assert len(list((outputs / "outbox" / "digest").glob("*.eml"))) == 1


def test_a_source_that_recovers_is_news_and_is_listed(config, outputs, smtp_server):
    known = ["long-term-plan-2019", "planning-guidance-2019-20", "social-care-green-paper"]
    state = {"last_sent": LAST.isoformat(), "unhealthy": ["nhs-england-news"], "milestones": known}
    write_json(outputs / "state" / "digest.json", state)
    result = digest(config, outputs, env_for(smtp_server))
    assert result.sent
    text = smtp_server.handler_obj.received[0].message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Sources working again (1):\n  - NHS England news" in text  # the source's title, never its slug


def test_with_several_trusts_each_secretary_gets_their_own_digest_and_each_trust_keeps_its_own_time(
    config, outputs, smtp_server, monkeypatch
):
    from tests.conftest import add_trust

    add_trust(config, "alder")
    add_trust(config, "birch")
    findings(config)
    for key, value in env_for(smtp_server).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TRACKER_SMTP_USER", raising=False)
    monkeypatch.delenv("TRACKER_SMTP_FROM", raising=False)
    result = run("digest", "--all-trusts", "--config", config, "--outputs", outputs, "--since", "2026-11-15")
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["alder", "birch"]
    got = {r.rcpt_tos[0]: r.message for r in smtp_server.handler_obj.received}
    assert set(got) == {"secretary@alder.example.org", "secretary@birch.example.org"}  # never Fernbrook's
    assert got["secretary@alder.example.org"]["Subject"].startswith("Alder NHS Trust: policy tracker digest")
    assert got["secretary@birch.example.org"]["Subject"].startswith("Birch NHS Trust: policy tracker digest")
    assert (outputs / "trusts/alder/state/digest.json").is_file() and (
        outputs / "trusts/birch/state/digest.json"
    ).is_file()

    # alder's digest time moved on; birch's own digest is independent of it
    again = run("digest", "--trust", "alder", "--config", config, "--outputs", outputs)
    assert again.exit_code == 0 and "nothing new since" in again.stdout
