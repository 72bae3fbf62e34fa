"""The shipped content is faithful to its sources: the briefing's questions, the policy timeline and its later check."""

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


# The later check (policy-2025-26.md, "Corrections") overrides these timeline rows: the
# 2018 wave is dated in the cited briefing to the month only.
CORRECTED = {"2018-05-24": "2018-05"}


def test_every_dated_fact_of_the_timeline_is_in_the_register_at_the_same_precision(reference):
    rows = timeline_dates((reference / "policy-timeline.md").read_text(encoding="utf-8"))
    assert len(rows) >= 40
    register = load_register(CONFIG / "register.yaml")
    dates = {str(d) for m in register.milestones for d in (m.published, m.expected) if d}
    dates |= {str(d.date) for s in register.systems for d in s.designations}
    missing = [f"{date} {what}" for date, what in rows if CORRECTED.get(date, date) not in dates]
    assert missing == []
    assert not set(CORRECTED) & dates  # the corrected dates are gone


# -- the later check: policy-2025-26.md --------------------------------------------------

STOP = {"about", "their", "which", "board", "boards", "integrated", "england", "system", "systems", "first"}


def later_rows(text: str) -> list[tuple[str, str, str]]:
    """(date as precise as the row gives it, what, status) for every row of a `date | fact | status |` table."""
    rows, in_table = [], False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if cells[:3] == ["date", "fact", "status"]:
            in_table = True
        elif not cells:
            in_table = False
        elif in_table and (m := re.match(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)", cells[0])):
            rows.append((m.group(1), cells[1], cells[2]))
    return rows


def register_steps(register) -> list[tuple[str, bool, str]]:
    """(date, done, text) for every dated thing the register holds: milestones, stages, designations, changes."""
    steps = []
    for m in register.milestones:
        text = f"{m.title} {m.summary}"
        steps += [(str(m.published), True, text)] if m.published else []
        steps += [(str(m.expected), False, text)] if m.expected and not m.published else []
        steps += [(str(st.date), True, f"{m.title} {st.what}") for st in m.stages]
    for s in register.systems:
        steps += [(str(d.date), d.status == "confirmed", f"{s.name} {d.what}") for d in s.designations]
        steps += [(str(c.date), c.status == "confirmed", f"{s.name} {c.what}") for c in s.changes]
    return steps


def words_of(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{5,}", text.lower()) if w not in STOP}


def test_every_dated_row_of_the_later_check_is_in_the_register_at_its_precision_and_status(reference):
    rows = later_rows((reference / "policy-2025-26.md").read_text(encoding="utf-8"))
    assert len(rows) >= 12
    register = load_register(CONFIG / "register.yaml")
    steps = register_steps(register)
    missing = []
    for date, fact, status in rows:
        if not status.startswith(("confirmed", "planned", "reported")):
            continue  # "-" and "not found": nothing to record (checked below)
        done = {"confirmed": True, "planned": False}.get(status.split()[0])
        found = [
            text
            for when, is_done, text in steps
            if when == date and (done is None or is_done == done) and words_of(fact) & words_of(text)
        ]
        if not found:
            missing.append(f"{date} ({status}) {fact[:70]}")
    assert missing == []


def test_what_the_later_check_did_not_find_is_not_claimed(reference):
    text = (reference / "policy-2025-26.md").read_text(encoding="utf-8")
    assert "Lords stages and Royal Assent | not found" in text
    register = load_register(CONFIG / "register.yaml")
    bill = register.milestone("health-bill-2026-27")
    assert bill is not None and not any("Royal Assent" in st.what or "Lords" in st.what for st in bill.stages)
    assert register.milestone("planning-guidance-2027-28") is None  # "no separate planning guidance for 2027/28"
    # "No page found ... confirms that these mergers took effect": planned, and shown as overdue.
    mergers = register.milestone("icb-mergers-2026")
    assert mergers is not None and mergers.status == "expected" and str(mergers.expected) == "2026-04-01"
    frimley = register.system("frimley")
    assert frimley is not None and [(str(c.date), c.status) for c in frimley.changes] == [("2026-04-01", "planned")]


def test_icb_clustering_is_recorded_as_planned_at_the_precision_its_sources_give():
    # HCWS915 says leadership teams go from 42 to 26 "during this financial year" (2025/26); NHS England's
    # page says the clusters were agreed, undated. Nothing seen says all 26 were in place: planned, not done.
    register = load_register(CONFIG / "register.yaml")
    clustering = register.milestone("icb-clustering-2025")
    assert clustering is not None and clustering.status == "expected" and str(clustering.expected) == "2026-03"
    assert clustering.published is None and "No source seen confirms" in clustering.summary
    titles = [s.title for s in clustering.sources]
    assert "Integrated Care Boards: Running Costs and Boundary Alignment with Strategic Authorities" in titles
    assert any(
        s.url == "https://www.england.nhs.uk/integratedcare/integrated-care-in-your-area/" for s in clustering.sources
    )


def test_the_corrections_of_the_later_check_are_made():
    register = load_register(CONFIG / "register.yaml")
    gm = register.system("greater-manchester")
    assert gm is not None and "acs" not in [d.stage for d in gm.designations]  # a devolution area, not an ACS
    syb, notts = register.system("south-yorkshire-and-bassetlaw"), register.system("nottinghamshire")
    assert syb is not None and notts is not None
    assert [(s.system, s.area) for c in syb.changes for s in c.successors] == [("nottinghamshire", "Bassetlaw")]
    assert syb.current_name == "South Yorkshire"
    wy = register.system("west-yorkshire-and-harrogate")
    assert wy is not None and [(s.system, s.area) for c in wy.changes for s in c.successors] == [
        ("humber-coast-and-vale", "Harrogate")
    ]
    hcv = register.system("humber-coast-and-vale")
    assert hcv is not None and hcv.current_name == "Humber and North Yorkshire"
    blackpool = register.system("blackpool-and-fylde-coast")
    assert blackpool is not None and blackpool.ended_by is not None
    assert blackpool.ended_by.successors[0].system == "lancashire-and-south-cumbria"
    wave = register.milestone("ics-wave-2018")
    assert wave is not None and str(wave.published) == "2018-05"
    december = register.milestone("ics-wave-2020-12")
    assert december is not None and "April 2021" not in december.title and "December 2020" in december.summary
    aco, green = register.milestone("aco-regulations-2018"), register.milestone("social-care-green-paper")
    assert aco is not None and aco.status == "superseded" and aco.superseded_by == "icp-contract-consultation-2018"
    assert green is not None and green.status == "superseded" and green.published is None
    assert green.superseded_by == "people-at-the-heart-of-care-2021"
    white = register.milestone("people-at-the-heart-of-care-2021")
    assert white is not None and str(white.published) == "2021-12-01"


def all_citations(register) -> list[tuple[str, object]]:
    refs = [(m.id, s) for m in register.milestones for s in m.sources]
    refs += [(m.id, s) for m in register.milestones for st in m.stages for s in st.sources]
    refs += [(sys.id, d.source) for sys in register.systems for d in sys.designations]
    refs += [(sys.id, s) for sys in register.systems for c in sys.changes for s in c.sources]
    return refs


def test_no_citation_is_a_home_page_claims_an_access_or_hides_a_note_in_its_title():
    from tracker.core.schema import bracket_depth, is_home_page

    text = (CONFIG / "register.yaml").read_text(encoding="utf-8")
    assert "accessed:" not in text and "retrieved:" not in text  # compiled from documents, not fetched
    assert "nhsproviders.org/stps-and-accountable-care" not in text.replace("# ", "")  # a programme page
    refs = all_citations(load_register(CONFIG / "register.yaml"))
    assert [who for who, s in refs if s and s.url and is_home_page(s.url)] == []
    assert [who for who, s in refs if s and bracket_depth(s.title) > 1] == []
    # Every citation names its publisher; one with no address also its date.
    assert [who for who, s in refs if not (s and s.publisher)] == []
    assert [who for who, s in refs if s and not s.url and not s.date] == []


def test_every_milestone_and_designation_cites_a_source_a_reader_can_find():
    # A web address, or for a briefing with none, its publisher and date: never an invented URL.
    register = load_register(CONFIG / "register.yaml")
    refs = all_citations(register)
    assert all(m.sources for m in register.milestones)
    unfindable = [who for who, s in refs if not (s and s.title and (s.url or (s.publisher and s.date)))]
    assert unfindable == []


def test_the_example_trust_is_fictional_and_sits_in_a_real_footprint():
    text = (CONFIG / "trust.yaml").read_text(encoding="utf-8")
    assert "fictional" in text.lower()
    register = load_register(CONFIG / "register.yaml")
    frimley = register.system("frimley")
    assert frimley is not None and [d.stage for d in frimley.designations][-1] == "icb"
