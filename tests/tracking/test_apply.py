"""Turning matches into register edits, on the shipped register held in memory."""

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


def test_an_undated_item_never_creates_a_milestone(edit):
    changes, editor = edit(Item("gov", "NHS planning guidance 2027 to 2028", link="https://www.gov.uk/a"))
    assert changes.milestones == [] and changes.evidence == []
    assert "planning-guidance-2027-28" not in dump_yaml(editor.tree)


def test_an_item_without_a_safe_link_changes_nothing(edit):
    item = Item("gov", "Government publishes social care green paper", published="2026-11-18T09:00:00Z")
    changes, _ = edit(item)
    assert (changes.evidence, changes.fields, changes.milestones) == ([], [], [])


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
    assert changes.fields == []
    assert editor.get("planning-guidance-2025-26", "status") == "superseded"


def test_the_earliest_item_sets_the_publication_date(edit):
    late = Item("gov", "Social care green paper published", link="https://x.org/2", published="2026-11-20T09:00:00Z")
    early = Item(
        "nhse", "Government publishes social care green paper", link="https://x.org/1", published="2026-11-18T09:00:00Z"
    )
    changes, editor = edit(late, early)
    assert str(editor.get("social-care-green-paper", "published")) == "2026-11-18"
    assert [c.field for c in changes.fields] == ["published", "status"]
    assert len(changes.evidence) == 2
