"""Turn matches into register edits: evidence, status and date changes, new milestones.

Every edit goes through a RegisterEditor, which de-duplicates evidence by link and
guid and records each field change in history with `why: rule:<rule-id>` and the
evidence link, so the diff of a run says what changed, why, and on what evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from tracker.core.dates import PartialDate
from tracker.register.edit import RegisterEditor
from tracker.register.model import Category, Evidence, MilestoneStatus, Register
from tracker.tracking.match import Item, Match, fill

# A rule may move a milestone forward (expected -> published), never back.
_RANK = {"expected": 0, "delayed": 0, "published": 1, "superseded": 2, "withdrawn": 2}
REVIEW = "Found by the tracker and not yet reviewed: a person should check it before relying on it."


@dataclass(frozen=True)
class EvidenceAdded:
    milestone: str
    title: str
    url: str
    source: str
    rule: str


@dataclass(frozen=True)
class FieldChanged:
    milestone: str
    field: str
    old: Any
    new: Any
    why: str
    evidence: str | None


@dataclass(frozen=True)
class MilestoneCreated:
    milestone: str
    title: str
    category: Category
    url: str
    rule: str


@dataclass
class Changes:
    """What one run did to the register, in the order it did it."""

    evidence: list[EvidenceAdded] = field(default_factory=list)
    fields: list[FieldChanged] = field(default_factory=list)
    milestones: list[MilestoneCreated] = field(default_factory=list)


def _order(pair: tuple[Item, list[Match]]) -> tuple[str, str, str]:
    item = pair[0]
    return (item.published or "9999", item.source, item.link or "")


def apply_matches(
    editor: RegisterEditor, register: Register, found: Iterable[tuple[Item, list[Match]]], when: str
) -> Changes:
    """Apply matches oldest item first, so the first item seen sets a publication date."""
    known = {m.id for m in register.milestones}
    out = Changes()
    for item, matches in sorted(found, key=_order):
        if not item.link:  # evidence must be a web address a person can open
            continue
        ev = Evidence(
            title=item.title or "(untitled item)",
            url=item.link,
            source=item.source,
            first_seen=when,
            published=item.published,
            guid=item.guid,
        )
        for m in matches:
            if m.milestone not in known:
                if m.watch is None or not item.day:
                    continue  # never create a milestone without a date to give it
                data = new_milestone(m, item, when)
                editor.add_milestone(data)
                known.add(m.milestone)
                out.milestones.append(MilestoneCreated(m.milestone, data["title"], m.category, item.link, m.rule))
            if editor.add_evidence(m.milestone, ev):
                out.evidence.append(EvidenceAdded(m.milestone, ev.title, ev.url, ev.source, m.rule))
            status = dict(m.sets).get("status")
            if status:
                out.fields += _set_status(editor, m, item, MilestoneStatus(status), when)
    return out


def _set_status(editor: RegisterEditor, m: Match, item: Item, status: MilestoneStatus, when: str) -> list[FieldChanged]:
    current = editor.get(m.milestone, "status")
    if _RANK.get(status, 0) <= _RANK.get(str(current), 0):
        return []
    why = f"rule:{m.rule}"
    done = []
    if status.done and editor.get(m.milestone, "published") is None:
        if not item.day:
            return []  # a status without a date would break the register's own rules
        day = PartialDate.parse(item.day)
        if editor.set_field(m.milestone, "published", day, why=why, when=when, evidence=item.link):
            done.append(FieldChanged(m.milestone, "published", None, str(day), why, item.link))
    if editor.set_field(m.milestone, "status", str(status), why=why, when=when, evidence=item.link):
        done.append(FieldChanged(m.milestone, "status", current, str(status), why, item.link))
    return done


def new_milestone(m: Match, item: Item, when: str) -> dict[str, Any]:
    """A milestone discovered by a watch: published on the item's day, flagged for review."""
    watch = m.watch
    assert watch is not None and item.day is not None
    values = dict(m.values)
    title = fill(watch.title, values, item, human=True) if watch.title else item.title or m.milestone
    lead = fill(watch.summary, values, item, human=True).rstrip(".") + ". " if watch.summary else ""
    summary = f"{lead}{REVIEW} Source item: “{item.title}” ({item.source}, {PartialDate.parse(item.day).human()})."
    history = CommentedSeq(
        [
            CommentedMap(
                when=when, field="status", **{"from": None, "to": "published"}, why=f"rule:{m.rule}", evidence=item.link
            )
        ]
    )
    return {
        "id": m.milestone,
        "title": title,
        "category": str(m.category),
        "status": "published",
        "published": PartialDate.parse(item.day).to_yaml(),
        "summary": summary,
        "sources": CommentedSeq(
            [CommentedMap(title=item.title or title, url=item.link, accessed=PartialDate.parse(when[:10]).to_yaml())]
        ),
        "evidence": CommentedSeq(),
        "history": history,
    }
