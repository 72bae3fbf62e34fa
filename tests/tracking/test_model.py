"""The matching model: trained on the dev corpus, asked only where the rules are silent, loose or torn."""

from __future__ import annotations

import pytest

from tests.tracking import corpus
from tracker.config.loading import load_vocabulary
from tracker.config.workspace import Workspace
from tracker.core.files import sha256_bytes
from tracker.register.parse import load_register
from tracker.tracking.match import Item, Matcher
from tracker.tracking.model import LABELS, Model, examples_of, features, train_on_corpus
from tracker.tracking.normalise import normalise


@pytest.fixture(scope="module")
def parts():
    ws = Workspace(config=corpus.ROOT / "config")
    return load_register(ws.register), load_vocabulary(ws)


def leaning(label: str, words: dict[str, float]) -> Model:
    """A tiny hand-made model: each word (in the title) pushes towards `label` by its weight, or away if negative."""
    k = LABELS.index(label)
    weights = {f"t:{w}": [x if i == k else 0.0 for i in range(len(LABELS))] for w, x in words.items()}
    return Model(weights, [0.0] * (len(LABELS) - 1) + [1.0])


def explain(parts, model: Model | None, title: str, summary: str = "", day: str = "2025-10-01"):
    register, vocabulary = parts
    return Matcher(register, vocabulary, model).explain(Item("test", title, summary, published=day))


def test_the_committed_model_was_trained_on_the_current_dev_part():
    model = Model.load()
    assert model is not None, "run: .venv/bin/python -m tracker.tracking.model --train"
    dev = corpus.CORPUS / "dev.yaml"
    assert model.trained_on == {"dev.yaml": sha256_bytes(dev.read_bytes())}, (
        "dev.yaml changed since the model was trained: run .venv/bin/python -m tracker.tracking.model --train"
    )


def test_training_is_deterministic_and_gives_the_committed_models_opinions():
    committed, again = Model.load(), train_on_corpus()
    assert committed is not None
    assert again.trained_on == committed.trained_on
    for feats, _ in examples_of(corpus.rows("dev"))[::7]:
        a, b = committed.opinion(feats), again.opinion(feats)
        assert a.best == b.best
        assert abs(a.probability[a.best] - b.probability[b.best]) < 0.01


def test_the_model_never_sees_the_validation_or_test_parts():
    assert set(Model.load().trained_on) == {"dev.yaml"}


def test_features_are_the_words_and_word_pairs_of_title_and_summary_lead_and_the_year():
    feats = features(normalise("ICBs to merge"), normalise("Two boards become one."), "2025-09-01")
    assert {"t:icbs", "t:merge", "t:icbs_to", "s:boards", "s:two_boards", "y:2025"} <= set(feats)
    assert "t:to" not in feats  # a stop word alone says nothing


def test_an_opinion_is_told_in_one_sentence_with_its_words():
    model = leaning("legislation", {"bill": 3.0, "lords": 2.0})
    opinion = model.opinion(features("bill in the lords", "", None))
    assert opinion.best == "legislation"
    assert (
        opinion.sentence("legislation")
        == f"model: {opinion.probability['legislation']:.2f} likely legislation (words: bill, lords)"
    )


def test_where_the_rules_are_silent_a_sure_model_brings_the_item_in_and_says_why(parts):
    # "gadget" is no wording of the vocabulary; the model alone is sure enough (MODEL_ALONE). It is asked
    # only about items holding some category's key word ("planning" here, in no concept's wording).
    model = leaning("planning-guidance", {"gadget": 6.0})
    said = explain(parts, model, "Gadget news for planning teams", day="2025-02-01")
    (m,) = said.matches
    assert m.category == "planning-guidance"
    assert m.explanation.startswith("planning-guidance: model: 0.9")
    assert "likely planning-guidance (words: gadget)" in m.explanation
    assert not explain(parts, None, "Gadget news for planning teams", day="2025-02-01").matches


def test_the_model_is_not_asked_about_items_with_no_key_word_of_any_category(parts):
    model = leaning("planning-guidance", {"gadget": 6.0})
    assert not explain(parts, model, "Gadget news", day="2025-02-01").matches


def test_a_near_miss_keeps_an_item_out_whatever_the_model_says(parts):
    model = leaning("planning-guidance", {"winter": 9.0, "letter": 9.0})
    said = explain(parts, model, "Winter letter to trusts about planning", day="2025-09-01")
    assert not said.matches


def test_a_loosely_worded_finding_stands_only_if_the_model_agrees(parts):
    title = "Integrated care board welcomes new partners"  # "new": loose wording (integrated-care-systems-loosely)
    assert {m.category for m in explain(parts, None, title).matches} == {"ics-designation"}  # rules alone
    doubting = leaning("ics-designation", {"welcomes": -6.0})
    said = explain(parts, doubting, title)
    assert not said.matches
    assert any("but model: 0.0" in r.reason for r in said.rejections)
    agreeing = leaning("ics-designation", {"welcomes": 6.0})
    assert {m.category for m in explain(parts, agreeing, title).matches} == {"ics-designation"}


def test_a_firm_finding_stands_whatever_the_model_says(parts):
    doubting = leaning("ics-designation", {"icbs": -9.0})
    assert {m.category for m in explain(parts, doubting, "ICBs to merge in April 2026").matches} == {"ics-designation"}


def test_an_item_is_news_of_one_kind_and_the_model_says_which_when_the_title_names_two(parts):
    title = "Planning guidance: ICBs told to cut running costs"
    assert {m.category for m in explain(parts, None, title).matches} == {"planning-guidance", "ics-designation"}
    for label in ("planning-guidance", "ics-designation"):
        model = leaning(label, {"told": 6.0})
        said = explain(parts, model, title)
        assert {m.category for m in said.matches} == {label}
        assert any("also named, but the item is about" in r.reason for r in said.rejections)


def test_a_category_named_in_the_title_beats_one_named_only_in_the_summary(parts):
    said = explain(
        parts, None, "The Future of NHS England: what we know", "Abolition is pledged in the 10 Year Health Plan."
    )
    assert {m.category for m in said.matches} == {"ics-designation"}
