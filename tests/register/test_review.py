"""Nothing unreviewed is printed as fact: what the tracker finds waits for `tracker review`.

The walk a secretary takes, against a real feed server on 127.0.0.1: a feed announces an
ICB merger; `track` queues it; the pack shows it only as "not yet checked"; the secretary
accepts it and the next pack states it in one plain sentence; a second story is rejected
and stays out. Along the way no text a governor or the secretary reads holds a rule id,
a field name, a feed's slug or a timestamp.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from docx import Document

from tests.conftest import run
from tests.feedserver import Route
from tracker.core.errors import TrackerError
from tracker.register.parse import load_register
from tracker.register.proposals import review_queue
from tracker.register.review import decide

MERGER = "Frimley and Surrey Heartlands integrated care boards to merge"
OTHER = "Kent and Medway integrated care boards to merge with Sussex"
MERGER_URL = "https://www.england.nhs.uk/2026/11/frimley-and-surrey-heartlands-icbs-to-merge/"
OTHER_URL = "https://www.england.nhs.uk/2026/11/kent-and-medway-and-sussex-icbs-to-merge/"
SLUG = "nhse-regional-news"  # the feed's name: it must never reach a reader
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def rss(*items: tuple[str, str, str]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid><pubDate>{date}</pubDate></item>"
        for title, url, date in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>NHS England</title>{entries}</channel></rss>'.encode()
    )


@pytest.fixture
def walk(config_dir, tmp_path, feed_server):
    """A trust's config reading one local feed that carries the merger story."""
    url = feed_server.add("/feed.xml", Route(rss((MERGER, MERGER_URL, "Fri, 20 Nov 2026 09:00:00 GMT"))))
    (config_dir / "sources.yaml").write_text(
        f"sources:\n  - name: {SLUG}\n    title: NHS England regional news\n    url: {url}\n"
        "    publisher: NHS England\n    period_days: 7\n"
    )
    return config_dir, tmp_path / "outputs", feed_server


def track(config: Path, outputs: Path) -> dict:
    result = run("track", "--config", config, "--outputs", outputs, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def pack_text(config: Path, outputs: Path) -> tuple[list[str], list[list[str]]]:
    """The built pack's paragraphs and table rows, as a reader sees the words."""
    result = run("pack", "--config", config, "--outputs", outputs, "--meeting", "2026-12-10", "--json")
    assert result.exit_code == 0, result.output
    doc = Document(json.loads(result.stdout)["pack"])
    headers = [p.text for s in doc.sections for p in (*s.header.paragraphs, *s.footer.paragraphs)]
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    return [p.text for p in doc.paragraphs] + headers, rows


def unchecked_box(paragraphs: list[str]) -> list[str]:
    start = paragraphs.index("Found by the tracker, not yet checked")
    end = next(i for i in range(start + 1, len(paragraphs)) if paragraphs[i] == "Policy milestone tracker")
    return paragraphs[start + 1 : end]


def assert_plain(text: str, where: str) -> None:
    for bad in ("rule:", "current_stage", "from nothing", SLUG):
        assert bad not in text, f"{where} says {bad!r}"
    assert not ISO_STAMP.search(text), f"{where} shows a timestamp: {ISO_STAMP.search(text).group(0)}"


def test_a_merger_found_in_a_feed_waits_for_review_and_becomes_a_fact_only_when_accepted(walk):
    config, outputs, _ = walk
    summary = track(config, outputs)
    (proposal,) = [p for p in summary["proposals"] if p["evidence"]["url"] == MERGER_URL]
    assert proposal["kind"] == "new-milestone" and proposal["state"] == "pending"
    register = load_register(config / "register.yaml")
    assert register.milestone(proposal["milestone"]) is None  # nothing changed but the queue

    paragraphs, rows = pack_text(config, outputs)
    box = unchecked_box(paragraphs)
    assert any(MERGER in line and "NHS England, 20 November 2026" in line for line in box)
    assert not any(MERGER in " ".join(row) for row in rows)  # not in any table: never called Published
    assert_plain("\n".join(paragraphs + [" ".join(r) for r in rows]), "the pack before review")

    accepted = run("review", "--config", config, "accept", proposal["id"][:5], "--by", "Alex Morgan")
    assert accepted.exit_code == 0, accepted.output
    milestone = load_register(config / "register.yaml").milestone(proposal["milestone"])
    assert milestone.status == "expected" and milestone.published is None  # "to merge": planned, not done
    (entry,) = milestone.history
    assert (entry.by, entry.evidence) == ("Alex Morgan", MERGER_URL)
    assert milestone.sources[0].url == MERGER_URL and milestone.sources[0].publisher == "NHS England"

    paragraphs, rows = pack_text(config, outputs)
    changed = [row for row in rows if row[:1] == ["20 November 2026"] and len(row) == 3]
    assert changed == [["20 November 2026", f"NHS England announced on 20 November 2026: {MERGER}.", MERGER]]
    assert MERGER not in " ".join(unchecked_box(paragraphs))  # decided: no longer waiting
    assert_plain("\n".join(paragraphs + [" ".join(r) for r in rows]), "the pack after review")


def test_an_accepted_merger_of_our_own_board_is_told_in_our_system_and_the_summary(walk):
    config, outputs, _ = walk
    (proposal,) = [p for p in track(config, outputs)["proposals"] if p["evidence"]["url"] == MERGER_URL]
    paragraphs, rows = pack_text(config, outputs)
    assert not any("checked news about our system" in p for p in paragraphs)  # not before a person accepts it

    assert run("review", "--config", config, "accept", proposal["id"], "--by", "Alex Morgan").exit_code == 0
    milestone = load_register(config / "register.yaml").milestone(proposal["milestone"])
    assert milestone.systems == ("frimley", "surrey-heartlands")  # the headline names both boards

    paragraphs, rows = pack_text(config, outputs)
    news = [row for row in rows if row[1:2] == [MERGER] and len(row) == 4]
    assert news == [["20 November 2026", MERGER, "Announced; no date given yet", MERGER]]  # planned, never done
    start = paragraphs.index("News about our system, checked")
    assert paragraphs.index("Designation history") > start > paragraphs.index("Our system")
    summary = next(p for p in paragraphs if "The latest checked news about our system" in p)
    assert f"told on 20 November 2026: {MERGER} (announced; no date given yet)." in summary


def test_a_rejected_finding_is_kept_with_the_reason_and_never_proposed_again(walk):
    config, outputs, server = walk
    server.add("/feed.xml", Route(rss((OTHER, OTHER_URL, "Mon, 23 Nov 2026 09:00:00 GMT"))))
    (proposal,) = track(config, outputs)["proposals"]
    rejected = run(
        "review", "--config", config, "reject", proposal["id"], "--by", "Alex Morgan", "--why", "not our region"
    )
    assert rejected.exit_code == 0, rejected.output
    for saved in (outputs / "state").glob("*.json"):
        saved.unlink()  # forget the feed's validators: the whole feed is read again
    again = track(config, outputs)
    assert again["proposals"] == [] and again["sources"][0]["entries"] == 1
    (kept,) = load_register(config / "register.yaml").proposals
    assert (kept.state, kept.decided_by, kept.reason) == ("rejected", "Alex Morgan", "not our region")


def test_the_shipped_register_shows_its_past_due_milestones_as_overdue_for_review():
    from tests.conftest import CONFIG

    register = load_register(CONFIG / "register.yaml")
    today = dt.date(2026, 11, 25)
    overdue = {p.milestone for p in review_queue(register, today, "2026-11-25T07:00:00Z") if p.evidence is None}
    assert "icb-mergers-2026" in overdue
    assert "aco-regulations-2018" not in overdue  # superseded (by the ICP contract consultation), not awaited
    from tracker.pack.briefing import when_text

    assert when_text(register.milestone("icb-mergers-2026"), today) == (
        "Expected 1 April 2026: overdue, not yet confirmed"
    )


def test_accepting_an_overdue_milestone_marks_it_delayed_with_who_and_when(config_dir):
    now = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    register = load_register(config_dir / "register.yaml")
    (overdue,) = [p for p in review_queue(register, now.date(), "x") if p.milestone == "icb-mergers-2026"]
    decide(config_dir / "register.yaml", [overdue.id], accepted=True, by="Alex Morgan", now=now)
    milestone = load_register(config_dir / "register.yaml").milestone("icb-mergers-2026")
    assert milestone.status == "delayed"
    (entry,) = milestone.history
    assert (entry.field, entry.old, entry.new, entry.by, entry.when) == (
        "status", "expected", "delayed", "Alex Morgan", "2026-11-25T09:00:00Z",
    )  # fmt: skip
    assert load_register(config_dir / "register.yaml").proposals == ()  # accepted: off the list


def test_rejecting_an_overdue_proposal_stops_it_for_that_date(config_dir):
    now = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    path = config_dir / "register.yaml"
    (overdue,) = [p for p in review_queue(load_register(path), now.date(), "x") if p.milestone == "icb-mergers-2026"]
    decide(path, [overdue.id], accepted=False, by="Alex Morgan", now=now, reason="confirmed in a board paper")
    after = review_queue(load_register(path), now.date() + dt.timedelta(days=30), "x")
    assert "icb-mergers-2026" not in {p.milestone for p in after}
    assert load_register(path).milestone("icb-mergers-2026").status == "expected"


def test_decisions_need_a_name_a_reason_to_reject_and_known_ids(config_dir):
    path = config_dir / "register.yaml"
    now = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    before = path.read_bytes()
    with pytest.raises(TrackerError, match="--by NAME"):
        decide(path, ["abc"], accepted=True, by="  ", now=now)
    with pytest.raises(TrackerError, match="--why"):
        decide(path, ["abc"], accepted=False, by="Alex", now=now)
    with pytest.raises(TrackerError, match="'zzzz' is not a proposal waiting for review"):
        decide(path, ["zzzz"], accepted=True, by="Alex", now=now)
    assert path.read_bytes() == before


def test_the_governors_email_and_the_secretarys_digest_speak_plainly(walk, monkeypatch):
    config, outputs, _ = walk
    monkeypatch.delenv("TRACKER_SMTP_HOST", raising=False)
    (proposal,) = [p for p in track(config, outputs)["proposals"] if p["evidence"]["url"] == MERGER_URL]
    assert run("review", "--config", config, "accept", proposal["id"], "--by", "Alex Morgan").exit_code == 0
    assert run("pack", "--config", config, "--outputs", outputs, "--meeting", "2026-12-10").exit_code == 0
    sent = run(
        "send", "--config", config, "--outputs", outputs, "--meeting", "2026-12-10", "--dry-run", "--allow-draft"
    )
    assert sent.exit_code == 0, sent.output
    digest = run("digest", "--config", config, "--outputs", outputs, "--dry-run", "--since", "2026-11-01")
    assert digest.exit_code == 0, digest.output
    emails = [*(outputs / "outbox" / "2026-12-10").glob("*.eml"), *(outputs / "outbox" / "digest").glob("*.eml")]
    assert len(emails) >= 2
    for eml in emails:
        msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
        for part in ("plain", "html"):
            assert_plain(msg.get_body((part,)).get_content(), f"{eml.name} ({part})")
    digest_text = message_from_bytes(emails[-1].read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    assert "Waiting for your review" in digest_text and "tracker review accept" in digest_text
    status = run("status", "--config", config, "--outputs", outputs, "--meeting", "2026-12-10")
    assert_plain(status.stdout, "tracker status")


def test_config_and_outputs_given_after_the_review_subcommand_are_the_ones_used(config_dir, tmp_path):
    from tests.conftest import CONFIG

    shipped, before = (CONFIG / "register.yaml").read_bytes(), (config_dir / "register.yaml").read_bytes()
    args = ("--by", "Alex Morgan", "--why", "checked", "--config", config_dir, "--outputs", tmp_path / "out")
    result = run("review", "reject", "--all", *args)
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"by Alex Morgan; {config_dir / 'register.yaml'} updated.\n")
    assert (config_dir / "register.yaml").read_bytes() != before
    assert (CONFIG / "register.yaml").read_bytes() == shipped


def test_deciding_all_when_nothing_is_waiting_says_so_and_claims_no_update(config_dir):
    reject = ("review", "--config", config_dir, "reject", "--all", "--by", "Alex Morgan", "--why", "checked")
    assert run(*reject).exit_code == 0
    before = (config_dir / "register.yaml").read_bytes()
    for again in (reject, ("review", "accept", "--all", "--by", "Alex Morgan", "--config", config_dir)):
        result = run(*again)
        assert result.exit_code == 0, result.output
        assert result.output == f"Nothing was waiting for review; {config_dir / 'register.yaml'} is unchanged.\n"
    assert (config_dir / "register.yaml").read_bytes() == before


def test_the_review_list_and_the_digest_give_commands_as_the_readme_runs_them(walk, monkeypatch):
    """`tracker` is not on PATH after the README's set-up; `.venv/bin/tracker` is, as the README writes it."""
    from tests.conftest import ROOT
    from tracker.core.commands import TRACKER

    config, outputs, _ = walk
    monkeypatch.delenv("TRACKER_SMTP_HOST", raising=False)
    (proposal,) = [p for p in track(config, outputs)["proposals"] if p["evidence"]["url"] == MERGER_URL]
    pid = proposal["id"]
    listed = run("review", "--config", config).output
    assert f'  Accept: .venv/bin/tracker review accept {pid} --by "NAME"\n' in listed
    assert f'  Reject: .venv/bin/tracker review reject {pid} --by "NAME" --why "..."\n' in listed
    assert run("digest", "--config", config, "--outputs", outputs, "--dry-run").exit_code == 0
    (eml,) = (outputs / "outbox" / "digest").glob("*.eml")
    text = message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    assert f'To accept: `.venv/bin/tracker review accept {pid} --by "NAME"`.' in " ".join(text.split())
    assert (ROOT / TRACKER).exists()  # the form works from the project folder the README sets up
