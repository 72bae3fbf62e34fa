"""What the pack says, computed from the register, the trust and the questions (no files written)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import CONFIG, FIXTURES
from tracker.config.profiles import QuestionStatus, load_questions, load_trust
from tracker.pack.briefing import compose
from tracker.pack.changes import changes_since
from tracker.pack.glossary import GLOSSARY
from tracker.register.parse import load_register

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
MEETING = dt.date(2026, 12, 10)


@pytest.fixture(scope="module")
def inputs():
    return (
        load_register(FIXTURES / "register-pack.yaml"),
        load_trust(CONFIG / "trust.yaml"),
        load_questions(CONFIG / "questions.yaml"),
    )


@pytest.fixture(scope="module")
def briefing(inputs):
    register, trust, questions = inputs
    return compose(register, trust, questions, [], MEETING, NOW)


def test_changes_since_the_last_meeting_come_from_history_and_evidence_with_date_and_source(briefing):
    assert briefing.previous_meeting == dt.date(2026, 9, 17)
    assert [(str(c.date), c.url) for c in briefing.changes] == [
        ("2026-10-06", "https://example.org/test/planning-framework-technical-guidance"),
        ("2026-10-20", "https://example.org/test/planning-guidance-date"),
    ]
    assert briefing.changes[1].text == "Planning guidance for 2027/28 is now expected in 2027 (it was delayed)."
    assert "Test feed item: planning framework technical guidance" in briefing.changes[0].text


def test_changes_include_designations_and_publications_in_the_window_and_nothing_older(inputs):
    register = inputs[0]
    found = changes_since(register, dt.date(2022, 6, 1), dt.date(2022, 8, 1))
    assert [c.text for c in found] == [
        "42 integrated care boards established as statutory bodies on 1 July 2022.",
        "Frimley Health and Care: Statutory integrated care board established.",
    ]
    assert changes_since(register, dt.date(2026, 11, 1), dt.date(2026, 11, 22)) == ()


def test_without_a_previous_meeting_the_pack_covers_the_last_three_months(inputs):
    register, trust, questions = inputs
    first = trust.meetings[0]
    b = compose(register, trust, questions, [], first, NOW)
    assert b.previous_meeting is None
    assert b.changes_from == first - dt.timedelta(days=91)
    assert "in the last three months" in b.front["Context"]


def test_tracker_is_grouped_by_category_with_delayed_and_expected_items_first(briefing):
    labels = [g.label for g in briefing.groups]
    assert labels == [
        "Planning guidance",
        "Long-term and ten-year plans",
        "Integrated care systems",
        "Other milestones",
    ]
    ics = next(g for g in briefing.groups if g.label == "Integrated care systems")
    assert [r.status for r in ics.rows] == ["expected", "published"]
    assert ics.rows[0].when == "Expected April 2026: overdue, not yet confirmed"  # easy to spot in the table
    assert briefing.counts == {"expected": 2, "delayed": 1, "published": 6, "superseded": 0, "withdrawn": 0}


def test_the_main_tracker_holds_what_is_awaited_or_recent_and_appendix_a_the_rest(briefing):
    assert briefing.recent_from == dt.date(2024, 12, 10)
    main = {r.title: r.status for g in briefing.groups for r in g.rows}
    older = {r.title: r.status for g in briefing.earlier for r in g.rows}
    assert main == {
        "Planning guidance for 2027/28": "expected",
        "Medium term planning framework – delivering change together 2026/27 to 2028/29": "published",
        "10 Year Health Plan for England: fit for the future": "published",
        "First ICB mergers": "expected",
        "ICB running costs and boundary alignment (written statement)": "published",
        "Social care green paper": "delayed",  # due in 2018: old, but still awaited
    }
    assert older == {
        "NHS Five Year Forward View": "published",
        "Health and Care Act 2022": "published",
        "42 integrated care boards established as statutory bodies": "published",
    }


def test_the_source_column_gives_the_sources_own_title_or_its_publisher_never_the_milestones_title(briefing):
    rows = {r.title: r.source for g in briefing.groups + briefing.earlier for r in g.rows}
    assert rows["First ICB mergers"] == "Written statement on ICB running costs"
    assert rows["10 Year Health Plan for England: fit for the future"] == "GOV.UK"
    assert all(source != title for title, source in rows.items())


def test_the_eight_questions_are_word_for_word_in_order_with_the_trusts_position(briefing, inputs):
    questions = inputs[2]
    assert [q.number for q in briefing.questions] == list(range(1, 9))
    assert [q.text for q in briefing.questions] == [q.text for q in questions.questions]
    q6 = briefing.questions[5]
    assert q6.text.startswith("How is my trust's STP/ICS getting greater value – better health")
    assert q6.status == "not started" and q6.owner == "Director of Finance"
    assert q6.milestones == (
        "Medium term planning framework – delivering change together 2026/27 to 2028/29, published",
        "ICB running costs and boundary alignment (written statement), published",
    )
    assert "NHS Providers" in briefing.attribution and "May 2018" in briefing.attribution


def test_front_sheet_has_context_question_conclusion_and_the_statutory_duties(briefing):
    assert briefing.front["Purpose"] == "For information and assurance."
    assert "2 changes were recorded since the last meeting on 17 September 2026" in briefing.front["Context"]
    assert briefing.front["Conclusion"].startswith(
        "Of the eight questions, 1 is assured, 6 are in progress and 1 is not started. Since the last meeting "
        "3 questions have changed status, and 4 have not been reviewed."
    )
    assert briefing.front["Conclusion"].endswith(" 3 milestones are still awaited:")
    assert briefing.awaited[0] == "Social care green paper, was due November 2018"
    assert "First ICB mergers, expected April 2026: overdue, not yet confirmed" in briefing.awaited
    assert len(briefing.awaited) == 3
    duties = briefing.front["Statutory duties"]
    assert "hold the non-executive directors" in duties and "members and of the public" in duties


def test_counts_of_one_are_singular(inputs):
    register, trust, questions = inputs
    ONE = QuestionStatus.ASSURED  # noqa: N806
    one = type(questions)(
        questions.attribution,
        tuple(
            type(q)(q.number, q.text, replace(q.position, status=ONE if q.number == 1 else QuestionStatus.IN_PROGRESS))
            for q in questions.questions
        ),
    )
    conclusion = compose(register, trust, one, [], MEETING, NOW).front["Conclusion"]
    assert conclusion.startswith("Of the eight questions, 1 is assured, 7 are in progress and 0 are not started.")
    assert "1 are" not in conclusion


def test_our_system_shows_the_designation_history_and_partners(briefing):
    s = briefing.system
    assert s.name == "Frimley Health and Care"
    assert [h.when for h in s.history] == ["2016", "June 2017", "2 February 2018", "1 July 2022"]
    assert s.partners[0] == ("NHS Frimley Integrated Care Board", "Statutory integrated care board for the footprint")


def test_timeline_events_start_in_2014_and_include_our_system(briefing):
    assert briefing.events[0].date.year == 2014
    assert any(e.lane == "Our system" for e in briefing.events)
    assert all(e.date.year >= 2014 for e in briefing.events)


def test_glossary_covers_every_term_the_issue_lists():
    terms = " ".join(t.term for t in GLOSSARY)
    for word in ("STP", "ICS", "ICB", "ICP", "ACS", "ACO", "CCG", "Vanguard", "MCP", "PACS",
                 "System control total", "Place", "Neighbourhood", "Population health"):  # fmt: skip
        assert word in terms
    assert all(t.meaning and t.source for t in GLOSSARY)


def test_sources_list_each_document_once_and_claim_no_access_the_tracker_did_not_make(briefing):
    keys = [(c.title, c.url) for c in briefing.sources]
    assert len(keys) == len(set(keys))
    assert "https://example.org/test/planning-guidance-date" in [url for _, url in keys]  # a change's source
    act = next(c for c in briefing.sources if (c.url or "").startswith("https://www.legislation.gov.uk/"))
    assert act.title == "Health and Care Act 2022" and "retrieved" not in act.note.lower()


def test_same_inputs_and_clock_give_the_same_briefing(inputs):
    register, trust, questions = inputs
    assert compose(register, trust, questions, [], MEETING, NOW) == compose(
        register, trust, questions, [], MEETING, NOW
    )


def test_a_question_linked_to_a_missing_milestone_says_so(inputs):
    _, trust, questions = inputs
    small = load_register(Path(FIXTURES / "register-small.yaml"))
    b = compose(small, trust, questions, [], MEETING, NOW)
    assert "ics-statutory-icbs-2022, not in the register" in b.questions[0].milestones


def test_a_source_with_no_web_address_is_cited_by_publisher_and_date_and_says_so():
    from tracker.config.profiles import load_trust
    from tracker.pack.sources import citations
    from tracker.pack.system import system_view

    register = load_register(CONFIG / "register.yaml")
    view = system_view(register, load_trust(CONFIG / "trust.yaml"), NOW.date())
    cited = citations(register.milestones, view, load_questions(CONFIG / "questions.yaml"), ())
    island = [c for c in cited if c.title.startswith("No trust is an island")]
    assert [(c.url, c.publisher, c.date) for c in island] == [(None, "NHS Providers", "May 2018")]
    assert "reference" in island[0].note
    assert all(c.url is None or c.url.startswith(("http://", "https://")) for c in cited)


@pytest.mark.parametrize(("found", "said"), [(1, "1 item that nobody has checked yet; it is listed apart"),
                                             (2, "2 items that nobody has checked yet; they are listed apart")])  # fmt: skip
def test_the_front_sheet_counts_what_nobody_has_checked_in_the_right_number(inputs, found, said):
    from tracker.pack.briefing import front_sheet
    from tracker.pack.questions import question_views
    from tracker.pack.system import system_view

    register, trust, questions = inputs
    previous = trust.previous_meeting(MEETING)
    system, qviews = system_view(register, trust, NOW.date()), question_views(questions, register, previous)
    front, _, _ = front_sheet(trust, system, qviews, (), register, previous, NOW.date(), found)
    assert said in front["Context"]


def test_the_front_sheet_lists_at_most_six_awaited_milestones_and_says_where_the_rest_are(inputs):
    register, trust, questions = inputs
    open_one = next(m for m in register.milestones if m.status.open)
    more = [replace(open_one, id=f"{open_one.id}-{n}", title=f"Awaited milestone {n}") for n in range(5)]
    b = compose(replace(register, milestones=(*register.milestones, *more)), trust, questions, [], MEETING, NOW)
    assert b.front["Conclusion"].endswith(" 8 milestones are still awaited:")
    assert len(b.awaited) == 6 and b.awaited[-1] == "3 more are in the policy milestone tracker"
