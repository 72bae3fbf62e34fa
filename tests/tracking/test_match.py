"""Matching: normalised phrases, rules and watches, measured on a labelled corpus."""

from __future__ import annotations

import pytest

from tests.conftest import CONFIG, FIXTURES, report
from tracker.core.files import load_yaml
from tracker.register.model import Rule
from tracker.register.parse import load_register
from tracker.tracking.match import Item, Matcher, phrase_pattern, slug

CORPUS = FIXTURES / "match-corpus.yaml"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_register(CONFIG / "register.yaml"))


def ids(matcher: Matcher, title: str, summary: str = "") -> set[str]:
    return {m.milestone for m in matcher.match(Item("test", title, summary))}


def test_precision_and_recall_on_the_labelled_corpus_are_at_least_95_percent(matcher):
    items = load_yaml(CORPUS)["items"]
    assert len(items) >= 250
    tp = fp = fn = 0
    wrong = []
    for row in items:
        expected, got = set(row["expect"]), ids(matcher, row["title"], row.get("summary", ""))
        tp += len(expected & got)
        fp += len(got - expected)
        fn += len(expected - got)
        if expected != got:
            wrong.append(f"{row['title']!r}: expected {sorted(expected)}, got {sorted(got)}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    report(f"match corpus: {len(items)} items, precision {precision:.3f}, recall {recall:.3f}")
    print("\n".join(wrong))
    assert precision >= 0.95, "\n".join(wrong)
    assert recall >= 0.95, "\n".join(wrong)


@pytest.mark.parametrize(
    "title",
    [
        "NHS Long Term Workforce Plan",
        "ICS inhaler prescribing: switching to low carbon inhalers",
        "Planning permission granted for new hospital",
        "Winter planning 2025/26: letter to NHS trusts",
        "New mental health teams deliver a commitment in the NHS Long Term Plan",
    ],
)
def test_near_misses_and_passing_mentions_match_nothing(matcher, title):
    assert ids(matcher, title) == set()


def test_years_match_in_every_spelling(matcher):
    for title in (
        "2025/26 priorities and operational planning guidance",
        "2025-26 priorities and operational planning guidance",
        "Priorities and operational planning guidance 2025 to 2026",
        "2025–26 priorities and operational planning guidance",
    ):
        assert ids(matcher, title) == {"planning-guidance-2025-26"}, title


def test_a_watch_discovers_a_new_edition_with_its_years_in_the_id(matcher):
    (found,) = matcher.match(Item("gov-uk", "NHS planning guidance 2027 to 2028"))
    assert found.milestone == "planning-guidance-2027-28"
    assert found.watch is not None and found.rule == "planning-guidance-new-edition"
    assert dict(found.values) == {"years": "2027-28"}


def test_a_watch_stays_quiet_when_a_milestone_of_its_category_matched(matcher):
    got = matcher.match(Item("nhse", "2021/22 priorities and operational planning guidance: October 2021 – March 2022"))
    assert [m.milestone for m in got] == ["planning-guidance-2021-22-h2"]


def test_a_rule_that_sets_a_status_wins_over_an_evidence_only_rule(matcher):
    (found,) = matcher.match(Item("gov-uk", "Government publishes social care green paper"))
    assert found.rule == "social-care-green-paper-published"
    assert dict(found.sets) == {"status": "published"}


def test_summary_is_searched_only_by_text_rules():
    rule_title = Rule(id="t", all=("long term plan",))
    rule_text = Rule(id="x", all=("long term plan",), field="text")
    from tracker.tracking.match import rule_values
    from tracker.tracking.normalise import normalise

    title, text = normalise("Update"), normalise("Update the long term plan")
    assert rule_values(rule_title, title, text) is None
    assert rule_values(rule_text, title, text) == {}


def test_phrases_match_whole_words_only():
    assert phrase_pattern("ics").search("ics design framework")
    assert not phrase_pattern("ics").search("physics design framework")
    assert phrase_pattern("{years} planning guidance").search("2027-28 planning guidance")
    assert not phrase_pattern("{years} planning guidance").search("2027 planning guidance")


def test_slugs_keep_the_meaningful_words():
    assert slug("NHS Frimley and NHS Surrey Heartlands ICBs to merge") == "frimley-surrey-heartlands-icbs-merge"
