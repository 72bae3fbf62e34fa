"""The pack's Sources section: every document cited anywhere in the pack, once, by title, with its address."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import CONFIG
from tracker.config.profiles import load_questions, load_trust
from tracker.core.dates import PartialDate
from tracker.core.schema import is_home_page
from tracker.pack.briefing import compose
from tracker.pack.glossary import GLOSSARY
from tracker.pack.sources import citation, key
from tracker.register.model import SourceRef
from tracker.register.parse import load_register

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def briefing():
    register = load_register(CONFIG / "register.yaml")
    trust, questions = load_trust(CONFIG / "trust.yaml"), load_questions(CONFIG / "questions.yaml")
    return compose(register, trust, questions, [], dt.date(2026, 12, 10), NOW)


def test_every_document_cited_anywhere_in_the_pack_is_listed(briefing):
    listed = {key(c.title, c.url) for c in briefing.sources}
    # The tracker tables (main body and appendix) name each milestone's first source, by its publisher
    # where the source is the publication itself: that document must be listed, by title and address.
    rows = [r for g in (*briefing.groups, *briefing.earlier) for r in g.rows]
    assert len(rows) == 52  # every milestone of the register, current or earlier
    by_url = {c.url: c for c in briefing.sources if c.url}
    assert [r.title for r in rows if r.url and r.url not in by_url] == []
    nameless = [c for c in briefing.sources if not c.url]
    assert [r.title for r in rows if not r.url and not any(r.source in (c.title, c.publisher) for c in nameless)] == []
    cited: set[tuple[str, str]] = set()
    cited |= {key(h.source, h.url) for h in briefing.system.history if h.source}  # our system
    cited |= {key(ref.title, ref.url) for ref in briefing.system.cited}
    assert cited - listed == set()
    titles = {c.title for c in briefing.sources}
    for term in GLOSSARY:  # the glossary's "Written from" names documents too
        for named in ("No trust is an island", "STPs and accountable care", "Health and Care Act 2022"):
            if named in term.source:
                assert any(t.startswith(named) for t in titles), named


def test_each_document_is_listed_once_even_when_many_facts_cite_it(briefing):
    keys = [key(c.title, c.url) for c in briefing.sources]
    assert len(keys) == len(set(keys))
    assert [c.title for c in briefing.sources].count("Integrated care boards in England") == 1


def test_two_documents_that_share_an_address_are_each_listed(briefing):
    shared = "https://www.england.nhs.uk/publication/preparing-for-2019-20-operational-planning-and-contracting/"
    assert sorted(c.title for c in briefing.sources if c.url == shared) == [
        "NHS Operational Planning and Contracting Guidance 2019/20",
        "Preparing for 2019/20 Operational Planning and Contracting",
    ]


def test_no_listed_address_is_a_home_page_and_nothing_claims_a_visit(briefing):
    assert [c.title for c in briefing.sources if c.url and is_home_page(c.url)] == []
    assert not any("retrieved" in c.note.lower() or "accessed" in c.note.lower() for c in briefing.sources)
    nameless = [c for c in briefing.sources if not c.url]
    assert nameless and all(c.publisher and c.date for c in nameless)


def test_only_what_the_tracker_fetched_says_retrieved():
    found = citation(SourceRef("Item", "https://www.gov.uk/x", retrieved=PartialDate(2026, 11, 20)))
    assert found.note == "Retrieved by the tracker on 20 November 2026."
    taken = citation(SourceRef("Briefing", None, "NHS Providers", PartialDate(2018, 5), "From the reference briefing."))
    assert (taken.date, taken.note) == ("May 2018", "From the reference briefing.")
