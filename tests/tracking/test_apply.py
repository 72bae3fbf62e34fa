"""Turning matches into register edits, on the shipped register held in memory: evidence at once,
everything else a proposal for a person."""

from __future__ import annotations

import pytest

from tests.conftest import CONFIG
from tracker.core.files import dump_yaml, load_yaml
from tracker.register.edit import RegisterEditor
from tracker.register.parse import load_register
from tracker.tracking.apply import apply_matches
from tracker.tracking.match import Item, Matcher

WHEN = "2026-11-22T07:00:00Z"


@pytest.fixture
def edit():
    register = load_register(CONFIG / "register.yaml")
    editor = RegisterEditor(load_yaml(CONFIG / "register.yaml"))
    matcher = Matcher(register)

    def apply(*items: Item):
        return apply_matches(editor, register, [(i, matcher.match(i)) for i in items], WHEN), editor

    return apply


def test_an_undated_item_never_proposes_a_milestone(edit):
    changes, editor = edit(Item("gov", "NHS planning guidance 2027 to 2028", link="https://www.gov.uk/a"))
    assert changes.proposals == [] and changes.evidence == []
    assert "planning-guidance-2027-28" not in dump_yaml(editor.tree)


def test_an_item_without_a_safe_link_changes_nothing(edit):
    item = Item("gov", "First integrated care board mergers take effect", published="2026-11-18T09:00:00Z")
    changes, _ = edit(item)
    assert (changes.evidence, changes.proposals) == ([], [])


def test_the_same_item_from_two_feeds_is_evidence_once(edit):
    a = Item("gov", "2025/26 priorities and operational planning guidance", link="https://x.org/pg", guid="g1")
    b = Item("nhse", "2025/26 priorities and operational planning guidance", link="https://y.org/other", guid="g1")
    changes, _ = edit(a, b)
    assert [e.source for e in changes.evidence] == ["gov"]


def test_a_status_never_moves_backwards(edit):
    # planning-guidance-2025-26 is superseded; nothing may set it back to published.
    changes, editor = edit(
        Item(
            "gov",
            "2025/26 priorities and operational planning guidance",
            link="https://x.org/pg",
            published="2026-01-01T00:00:00Z",
        )
    )
    assert changes.proposals == []
    assert editor.get("planning-guidance-2025-26", "status") == "superseded"


def test_a_finding_is_a_proposal_and_the_milestone_itself_is_untouched(edit):
    item = Item(
        "nhse",
        "First integrated care board mergers take effect",
        link="https://x.org/1",
        published="2026-11-18T09:00:00Z",
    )
    changes, editor = edit(item)
    assert editor.get("icb-mergers-2026", "status") == "expected"  # as it was: only a person changes it
    assert editor.get("icb-mergers-2026", "published") is None
    (proposal,) = changes.proposals
    assert (proposal.milestone, proposal.set) == (
        "icb-mergers-2026",
        {"status": "published", "published": "2026-11-18"},
    )
    assert proposal.evidence is not None and proposal.evidence.url == "https://x.org/1"
    assert [e.url for e in changes.evidence] == ["https://x.org/1"]  # evidence stays automatic
    assert [p["id"] for p in editor.tree["proposals"]] == [proposal.id]


def test_each_item_is_its_own_proposal_and_the_same_one_is_queued_once(edit):
    late = Item("gov", "First ICB mergers take effect", link="https://x.org/2", published="2026-11-20T09:00:00Z")
    early = Item(
        "nhse",
        "First integrated care board mergers take effect",
        link="https://x.org/1",
        published="2026-11-18T09:00:00Z",
    )
    changes, editor = edit(late, early, early)
    assert [p.set["published"] for p in changes.proposals] == ["2026-11-18", "2026-11-20"]  # oldest first
    assert len(editor.tree["proposals"]) == 2 and len(changes.evidence) == 2


def test_a_new_edition_is_proposed_not_created(edit):
    item = Item(
        "gov", "NHS planning guidance 2027 to 2028", link="https://www.gov.uk/a", published="2026-11-20T08:00:00Z"
    )
    changes, editor = edit(item)
    (proposal,) = changes.proposals
    assert proposal.kind == "new-milestone" and proposal.milestone == "planning-guidance-2027-28"
    assert proposal.new is not None and proposal.new.title == "NHS planning guidance 2027/28"
    assert "planning-guidance-2027-28" not in [m["id"] for m in editor.tree["milestones"]]


# -- what an item's event proposes -----------------------------------------------------


@pytest.fixture(scope="module")
def matched():
    from tracker.config.matching import parse_vocabulary
    from tracker.core.schema import load_checked

    register = load_register(CONFIG / "register.yaml")
    matcher = Matcher(register, load_checked(CONFIG / "matching.yaml", parse_vocabulary))

    def statuses(title: str) -> dict[str, str | None]:
        from tracker.tracking.apply import status_from

        item = Item("nhse", title, link="https://x.org/a", published="2026-11-20T09:00:00Z")
        return {m.milestone: status_from(m, register.milestone(m.milestone)) for m in matcher.match(item)}

    return statuses


def test_news_that_a_milestone_took_effect_proposes_it_as_published(matched):
    assert matched("First integrated care board mergers take effect")["icb-mergers-2026"] == "published"


def test_news_of_a_delay_proposes_delayed_for_an_expected_milestone(matched):
    # (plain "ICB mergers delayed until 2027" is now about the further mergers planned for April 2027)
    assert matched("First ICB mergers delayed until 2027")["icb-mergers-2026"] == "delayed"


def test_a_merger_announced_is_proposed_as_planned_not_done(matched):
    (status,) = matched("Frimley and Surrey Heartlands ICBs to merge").values()
    assert status == "expected"


def test_news_that_changes_nothing_proposes_nothing(matched):
    assert matched("Social care green paper delayed again")["social-care-green-paper"] is None  # already delayed
