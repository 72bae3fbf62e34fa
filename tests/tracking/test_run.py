"""A whole tracking run against a real local HTTP server: evidence, changes, idempotence, failures."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FEEDS, ROOT, report, run, workspace, write_sources
from tests.feedserver import Route
from tracker.config.profiles import load_sources
from tracker.core.errors import RegisterLocked
from tracker.core.files import locked
from tracker.register.parse import load_register
from tracker.tracking.feedstate import load_state
from tracker.tracking.run import track

NOW = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
GOV = (FEEDS / "gov-uk-dhsc.atom").read_bytes()
NHSE = (FEEDS / "nhs-england.xml").read_bytes()


@pytest.fixture
def setup(feed_server, config_dir, tmp_path):
    """The shipped register and two fixture feeds with validators, served locally."""
    urls = {
        "gov-uk-dhsc": feed_server.add("/gov.atom", Route(GOV, etag='"g1"', content_type="application/atom+xml")),
        "nhs-england-news": feed_server.add("/nhse.xml", Route(NHSE, last_modified="Thu, 19 Nov 2026 11:00:00 GMT")),
    }
    sources = write_sources(tmp_path / "sources.yaml", urls)
    return load_sources(sources), config_dir / "register.yaml", tmp_path / "state"


def go(setup, now=NOW, **kw):
    sources, register, state = setup
    return track(workspace(register.parent, state.parent, now, state=state), sources, timeout=1.0, **kw)


def milestone(path: Path, mid: str):
    return load_register(path).milestone(mid)


def test_a_first_run_adds_evidence_and_queues_every_finding_as_a_proposal(setup):
    _, register, _ = setup
    summary = go(setup)
    assert summary.register_written and not summary.failed
    reg = load_register(register)
    assert reg.milestone("planning-guidance-2027-28") is None  # discovered, but only proposed
    assert reg.milestone("icb-merger-frimley-surrey-heartlands") is None
    mergers = reg.milestone("icb-mergers-2026")  # planned for 1 April 2026; a feed item says they took effect
    assert mergers.status == "expected" and mergers.published is None and mergers.history == ()  # untouched
    url = "https://www.gov.uk/government/news/first-integrated-care-board-mergers-take-effect"
    assert url in [e.url for e in mergers.evidence]  # evidence stays automatic
    proposals = {p.milestone: p for p in reg.pending}
    assert set(proposals) == {
        "planning-guidance-2027-28", "icb-merger-frimley-surrey-heartlands", "icb-mergers-2026",
    }  # fmt: skip
    edition = proposals["planning-guidance-2027-28"]
    assert edition.kind == "new-milestone" and edition.set == {"status": "published", "published": "2026-11-20"}
    assert edition.evidence.url == "https://www.gov.uk/government/publications/nhs-planning-guidance-2027-to-2028"
    assert edition.evidence.publisher == "Test"  # the feed's publisher, from sources.yaml
    assert proposals["icb-mergers-2026"].set == {"status": "published", "published": "2026-11-18"}
    assert [p.id for p in summary.proposals] and len(summary.findings) == len(summary.proposals) == 3
    (ev,) = milestone(register, "planning-guidance-2025-26").evidence
    assert ev.source == "nhs-england-news" and ev.guid == "https://www.england.nhs.uk/?p=700001"
    text = register.read_text(encoding="utf-8")
    assert "javascript:" not in text and "Workforce" not in text and "winter-planning" not in text
    assert "# Policy register" in text  # the person's comments survive
    assert "&id0" not in text and "*id0" not in text  # no YAML anchors: a person must read it


def test_a_second_run_leaves_the_register_byte_identical(setup, feed_server):
    _, register, state = setup
    go(setup)
    before = register.read_bytes()
    again = go(setup, now=NOW + dt.timedelta(days=1))
    assert {s.outcome for s in again.sources} == {"not modified"}  # ETag and Last-Modified both work
    assert register.read_bytes() == before and not again.register_written
    (state / "gov-uk-dhsc.json").unlink()  # no validators: the whole feed again, still no change
    assert go(setup, now=NOW + dt.timedelta(days=2)).sources[0].outcome == "read"
    assert register.read_bytes() == before


def test_a_retimestamped_gov_uk_item_is_the_same_item(setup, feed_server):
    _, register, _ = setup
    go(setup)
    before = register.read_bytes()
    feed_server.add("/gov.atom", Route((FEEDS / "gov-uk-dhsc-retimestamped.atom").read_bytes(), etag='"g2"'))
    summary = go(setup, now=NOW + dt.timedelta(hours=1))
    assert summary.sources[0].outcome == "read" and summary.evidence == ()
    assert register.read_bytes() == before


@pytest.mark.parametrize("bad", ["malformed.xml", "not-a-feed.html", "billion-laughs.xml"])
def test_a_failing_source_never_changes_the_register(setup, feed_server, bad):
    sources, register, state = setup
    before = register.read_bytes()
    feed_server.add("/nhse.xml", Route((FEEDS / bad).read_bytes()))
    feed_server.add("/gov.atom", Route(b"", status=500))
    summary = go(setup)
    assert {s.name for s in summary.failed} == {"gov-uk-dhsc", "nhs-england-news"}
    assert register.read_bytes() == before
    saved = load_state(state, "gov-uk-dhsc")
    assert saved.last_error == "the server answered 500 Internal Server Error."
    assert saved.consecutive_failures == 1 and saved.last_success is None


def test_a_source_failing_three_runs_in_a_row_is_stale(setup, feed_server):
    feed_server.add("/gov.atom", Route(b"", status=404))
    for day in range(3):
        summary = go(setup, now=NOW + dt.timedelta(days=day))
    assert [name for name, _, _ in summary.stale] == ["gov-uk-dhsc"]
    assert "failed 3 runs in a row" in summary.to_text()


def test_a_run_that_dies_half_way_loses_nothing(setup, monkeypatch):
    _, register, state = setup
    before = register.read_bytes()
    import tracker.tracking.run as tracker_run

    real = tracker_run.apply_matches

    def dies_after_editing(editor, *args):
        real(editor, *args)
        raise KeyboardInterrupt  # killed between editing and writing

    monkeypatch.setattr(tracker_run, "apply_matches", dies_after_editing)
    with pytest.raises(KeyboardInterrupt):
        go(setup)
    assert register.read_bytes() == before
    assert not list(state.glob("*.json"))  # no ETag saved, so the next run reads everything again
    monkeypatch.setattr(tracker_run, "apply_matches", real)
    assert go(setup).register_written


def test_a_locked_register_stops_the_run(setup):
    _, register, _ = setup
    with locked(register), pytest.raises(RegisterLocked):
        go(setup, lock_timeout=0.1)


def test_a_dry_run_reports_but_writes_nothing(setup):
    _, register, state = setup
    before = register.read_bytes()
    summary = go(setup, dry_run=True)
    assert {p.milestone for p in summary.proposals if p.kind == "new-milestone"} == {
        "planning-guidance-2027-28",
        "icb-merger-frimley-surrey-heartlands",
    }
    assert register.read_bytes() == before and not state.exists()
    assert "Dry run: nothing was written." in summary.to_text()


def test_track_cli_prints_a_json_summary_and_exits_0_with_a_failing_source(setup, feed_server, tmp_path):
    _, register, state = setup
    urls = {"good": feed_server.url("/gov.atom"), "broken": feed_server.url("/missing")}
    write_sources(register.parent / "sources.yaml", urls)
    assert state == tmp_path / "state"
    result = run("track", "--config", register.parent, "--outputs", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["failed"] == [{"source": "broken", "error": "the server answered 404 Not Found."}]
    assert {p["milestone"] for p in data["proposals"]} == {"planning-guidance-2027-28", "icb-mergers-2026"}
    assert all(p["in_words"] and "rule:" not in p["in_words"] for p in data["proposals"])
    text = run("track", "--config", register.parent, "--outputs", tmp_path).output
    assert "Failing sources: 1" in text and "was not changed" in text


def test_track_cli_with_bad_config_exits_2(setup, tmp_path):
    _, register, state = setup
    bad = register.parent / "sources.yaml"
    bad.write_text("sources:\n  - name: x\n    url: javascript:alert(1)\n    publisher: X\n", encoding="utf-8")
    result = run("track", "--config", register.parent, "--outputs", tmp_path)
    assert result.exit_code == 2
    assert "is not an http(s) web address" in result.output


def test_match_cli_gives_every_entry_once_with_its_matches(setup, feed_server):
    _, register, _ = setup
    url = feed_server.url("/gov.atom")
    result = run("match", "--register", register, "--json", FEEDS / "nhs-england.xml", url, FEEDS / "malformed.xml")
    assert result.exit_code == 2, result.output  # a feed could not be read: still every entry that could
    data = json.loads(result.output)
    assert len(data["entries"]) == 9
    first = data["entries"][0]
    assert set(first) == {"source", "link", "title", "published", "matches", "why"}
    (found,) = first["matches"]
    assert (found["milestone"], found["category"], found["rule"], found["event"], found["new"]) == (
        "icb-merger-frimley-surrey-heartlands",
        "ics-designation",
        "icb-merger",
        "merged",
        True,
    )
    assert first["why"] == [found["explanation"]] and "discovered by watch icb-merger" in found["explanation"]
    assert [e["matches"] for e in data["entries"] if "Workforce" in e["title"]] == [[]]
    assert data["errors"] == [
        {"source": str(FEEDS / "malformed.xml"), "error": "malformed XML at line 4: not well-formed (invalid token)."}
    ]


def test_match_cli_prints_text_and_writes_nothing(setup):
    _, register, _ = setup
    before = register.read_bytes()
    result = run("match", "--register", register, FEEDS / "gov-uk-dhsc.atom")
    assert "-> planning-guidance-2027-28 (" in result.output
    assert "4 entries read, 2 matched" in result.output
    assert register.read_bytes() == before


@pytest.mark.parametrize(
    ("feed", "error"),
    [("missing.xml", "cannot read the file (No such file or directory)"), ("malformed.xml", "malformed XML at line 4")],
)
def test_match_exits_2_when_a_feed_it_was_given_cannot_be_read_and_still_prints_the_rest(setup, feed, error):
    _, register, _ = setup
    result = run("match", "--explain", "--register", register, FEEDS / "gov-uk-dhsc.atom", FEEDS / feed)
    assert result.exit_code == 2
    assert f"{FEEDS / feed}: {error}" in result.stderr
    assert result.stdout.count("    -> ") == 4
    assert result.stdout.endswith("4 entries read, 2 matched, 1 source could not be read.\n")


def test_match_says_every_source_was_read_when_none_failed(setup):
    _, register, _ = setup
    result = run("match", "--register", register, FEEDS / "gov-uk-dhsc.atom")
    assert result.exit_code == 0
    assert result.output.endswith("4 entries read, 2 matched, every source was read.\n")


def test_a_tracking_summary_of_one_source_says_1_source(feed_server, config_dir, tmp_path):
    urls = {"gov-uk-dhsc": feed_server.add("/gov.atom", Route(GOV, content_type="application/atom+xml"))}
    write_sources(config_dir / "sources.yaml", urls)
    result = run("track", "--dry-run", "--config", config_dir, "--outputs", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 source at ")


def test_match_explain_says_why_for_every_entry_matched_or_not(setup, feed_server):
    _, register, _ = setup
    url = feed_server.url("/nhse.xml")
    result = run("match", "--explain", "--register", register, FEEDS / "gov-uk-dhsc.atom", url)
    assert result.exit_code == 0, result.output
    entries = result.output.count("    -> ")
    assert entries == 9 and result.output.count("       why: ") >= entries
    assert (
        "why: planning-guidance: " in result.output
        and "about planning-guidance-2027-28 (new: discovered" in result.output
    )
    assert "why: no match: no concept of any category" in result.output


def test_many_feeds_are_parsed_in_worker_processes_with_the_same_result(feed_server, tmp_path, monkeypatch):
    import tracker.tracking.run as tracking
    from tracker.config.profiles import FeedSource

    bodies = [
        (FEEDS / "gov-uk-dhsc.atom").read_bytes(),
        (FEEDS / "nhs-england.xml").read_bytes(),
        b"<html>not a feed</html>",
    ]
    sources = [
        FeedSource(f"feed-{i}", f"Feed {i}", feed_server.add(f"/f{i}.xml", Route(bodies[i % 3])), "Test", 7)
        for i in range(tracking.PARALLEL_PARSE_MIN + 2)
    ]
    now = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
    pool = tracking._parse_pool(len(sources))
    assert pool is not None, "this many feeds on a machine with 2 or more cores use the pool"
    pool.shutdown()
    pooled = tracking.read_all(sources, tmp_path / "a", now)
    monkeypatch.setattr(tracking, "PARALLEL_PARSE_MIN", 10_000)  # the same feeds, parsed in this process
    inline = tracking.read_all(sources, tmp_path / "b", now)
    assert [(r.feed, r.error) for r in pooled] == [(r.feed, r.error) for r in inline]
    assert sum(len(r.feed.items) for r in pooled) > 0
    assert [r.ok for r in pooled].count(False) == len(sources) // 3  # the HTML pages, reported not raised


def test_a_feed_redirecting_to_javascript_fails_alone_and_the_other_feeds_are_applied(setup, feed_server):
    from tracker.config.profiles import FeedSource

    sources, register, state = setup
    hostile = FeedSource(
        "hostile", "Hostile", feed_server.add("/evil", Route(status=302, location="javascript:x")), "T", 7
    )
    summary = go((sources + (hostile,), register, state))
    assert [(s.name, s.error) for s in summary.failed] == [
        ("hostile", "the server redirected to 'javascript:x', which is not an http(s) web address.")
    ]
    assert summary.register_written
    assert "planning-guidance-2027-28" in {p.milestone for p in load_register(register).pending}
    assert load_state(state, "hostile").consecutive_failures == 1


@pytest.mark.parametrize("year", ["9999", "2999", "1900"])
def test_an_item_with_an_impossible_date_never_dates_or_proposes_a_milestone(setup, feed_server, year):
    _, register, _ = setup
    feed_server.add("/gov.atom", Route(GOV.replace(b"2026-11-20T10:30:00", f"{year}-12-31T00:00:00".encode())))
    summary = go(setup)
    assert "planning-guidance-2027-28" not in {p.milestone for p in summary.proposals}
    assert f"{year}-12" not in register.read_text(encoding="utf-8")
    assert "planning-guidance-2027-28" not in {p.milestone for p in load_register(register).pending}


def test_the_secretarys_save_during_a_run_survives_and_the_run_is_applied_on_top(setup, monkeypatch):
    import tracker.core.files as edit

    _, register, _ = setup
    real_dump, saves = edit.dump_yaml, []

    def dump_while_the_secretary_saves(tree):
        if not saves:  # the run has read the register and is about to write it back
            text = register.read_text(encoding="utf-8")
            register.write_text(text.replace("# Policy register", "# Policy register (checked by Alex)", 1))
            saves.append(1)
        return real_dump(tree)

    monkeypatch.setattr(edit, "dump_yaml", dump_while_the_secretary_saves)
    summary = go(setup)
    text = register.read_text(encoding="utf-8")
    assert "# Policy register (checked by Alex)" in text  # the person's edit survives
    assert summary.register_written and summary.evidence  # and the run's findings are in too
    assert all(e.url in text for e in summary.evidence)


LOST_EDIT_TRIALS = 10


def _save_when_track_holds_the_lock(proc, lock: Path, register: Path, marker: str) -> bool:
    """Wait until the tracker holds the register lock (it is between reading and writing
    the file), then save an edit as an editor does; False if the run ended first."""
    import fcntl

    while proc.poll() is None:
        try:
            fd = os.open(lock, os.O_RDONLY)
        except FileNotFoundError:
            time.sleep(0.0005)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:  # held: the run is inside its register transaction
            text = register.read_text(encoding="utf-8")
            tmp = register.with_name(".editor-save.tmp")
            tmp.write_text(text.replace("# Policy register", f"# Policy register {marker}", 1), encoding="utf-8")
            os.replace(tmp, register)
            return True
        finally:
            os.close(fd)
        time.sleep(0.0005)
    return False


@pytest.mark.slow
def test_the_secretarys_save_while_track_writes_survives_every_trial(feed_server, config_dir, tmp_path):
    """The race the issue measured (an edit lost in 12 of 22 trials), with real processes:
    `tracker track` runs while the secretary saves register.yaml just as it writes."""
    write_sources(
        config_dir / "sources.yaml",
        {
            "gov-uk-dhsc": feed_server.add("/gov.atom", Route(GOV, content_type="application/atom+xml")),
            "nhs-england-news": feed_server.add("/nhse.xml", Route(NHSE)),
        },
    )
    register, lock = config_dir / "register.yaml", config_dir / ".register.yaml.lock"
    pristine = register.read_bytes()
    raced = 0
    for trial in range(LOST_EDIT_TRIALS):
        register.write_bytes(pristine)
        outputs = tmp_path / f"outputs-{trial}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "track", "--config", str(config_dir), "--outputs", str(outputs), "--json"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        marker = f"(saved by the secretary, trial {trial})"
        raced += _save_when_track_holds_the_lock(proc, lock, register, marker)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        text = register.read_text(encoding="utf-8")
        assert marker in text, f"trial {trial}: the secretary's edit was lost"
        assert all(e["url"] in text for e in json.loads(out)["evidence"])  # the run's findings are in too
    report(f"lost-edit trials: {LOST_EDIT_TRIALS}, the save landed inside the run's write in {raced}, edits lost 0")
    assert raced >= LOST_EDIT_TRIALS // 2  # the race really was run


def test_a_source_never_read_is_stale_in_the_packs_manifest_as_the_readme_says(config_dir, tmp_path):
    from tracker.config.profiles import load_sources
    from tracker.tracking.feedstate import SourceState, assess

    (source, *_) = load_sources(config_dir / "sources.yaml")
    health = assess(source, SourceState(source.name), NOW)
    assert (health.stale, health.reason) == (True, "has not been read yet: run `.venv/bin/tracker track`")
    result = run("pack", "--config", config_dir, "--outputs", tmp_path / "out", "--meeting", "2026-12-10", "--json")
    assert result.exit_code == 0, result.output
    manifest = json.loads(Path(json.loads(result.stdout)["manifest"]).read_text())
    assert manifest["stale_sources"] == [s.title for s in load_sources(config_dir / "sources.yaml")]
