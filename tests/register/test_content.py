"""The shipped content is faithful to its sources: the briefing's questions and the policy timeline."""

from __future__ import annotations

import re

import pytest

from tests.conftest import CONFIG, ROOT
from tracker.config.profiles import load_questions
from tracker.register.parse import load_register

REFERENCE = ROOT.parent / "shared" / "reference"
BRIEFING = REFERENCE / "briefings" / "000_35ee5047fffc6a51.txt"  # "No trust is an island", May 2018


@pytest.fixture(scope="module")
def reference():
    assert REFERENCE.is_dir(), f"{REFERENCE} is missing: the repository is checked out with shared/ beside it"
    return REFERENCE


def test_the_eight_questions_are_the_briefings_word_for_word_and_in_order(reference):
    text = BRIEFING.read_text(encoding="utf-8")
    section = text[text.index("## Eight helpful questions for governors to ask") :]
    in_briefing = [re.sub(r"\s+", " ", q).strip() for q in re.findall(r"^- \d (.+)$", section, re.M)]
    questions = load_questions(CONFIG / "questions.yaml")
    assert [q.text for q in questions.questions] == in_briefing
    assert len(in_briefing) == 8
    assert questions.attribution.publisher == "NHS Providers" and str(questions.attribution.date) == "2018-05"
    assert questions.attribution.title.startswith("No trust is an island")


def timeline_dates(text: str) -> list[tuple[str, str]]:
    """(date as precise as the timeline gives it, what happened) for every dated table row."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\| (\d{4}(?:-\d{2}(?:-\d{2})?)?)[^|]*\| ([^|]+) \|", line)
        if m:
            rows.append((m.group(1), m.group(2).strip()))
    return rows


def test_every_dated_fact_of_the_timeline_is_in_the_register_at_the_same_precision(reference):
    rows = timeline_dates((reference / "policy-timeline.md").read_text(encoding="utf-8"))
    assert len(rows) >= 40
    register = load_register(CONFIG / "register.yaml")
    dates = {str(d) for m in register.milestones for d in (m.published, m.expected) if d}
    dates |= {str(d.date) for s in register.systems for d in s.designations}
    missing = [f"{date} {what}" for date, what in rows if date not in dates]
    assert missing == []


def test_every_milestone_and_designation_cites_a_source_a_reader_can_find():
    # A web address, or for a briefing with none, its publisher and date: never an invented URL.
    register = load_register(CONFIG / "register.yaml")
    refs = [(m.id, s) for m in register.milestones for s in m.sources]
    refs += [(sys.id, d.source) for sys in register.systems for d in sys.designations]
    assert all(m.sources for m in register.milestones)
    unfindable = [who for who, s in refs if not (s and s.title and (s.url or (s.publisher and s.date)))]
    assert unfindable == []


def test_the_example_trust_is_fictional_and_sits_in_a_real_footprint():
    text = (CONFIG / "trust.yaml").read_text(encoding="utf-8")
    assert "fictional" in text.lower()
    register = load_register(CONFIG / "register.yaml")
    frimley = register.system("frimley")
    assert frimley is not None and [d.stage for d in frimley.designations][-1] == "icb"
