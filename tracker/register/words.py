"""Plain sentences about the register, for everyone who reads them: governors, the secretary.

One place says what a proposal suggests, what an accepted change means and what a piece
of evidence is, so the pack, the email, the digest, `tracker review` and the run summary
say it the same way: one event in one sentence, the publication's own date, who
published it, and never a rule id, a field name, a feed's slug or a timestamp.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from tracker.core.dates import PartialDate, parse_stamp
from tracker.core.text import clean
from tracker.register.model import (
    Category,
    Evidence,
    HistoryEntry,
    Milestone,
    MilestoneStatus,
    Proposal,
    ProposalKind,
)


def day_of(stamp: str | None) -> PartialDate | None:
    """The day of a stamp (an item's publication time), as a date to print."""
    moment = parse_stamp(stamp)
    return PartialDate.parse(moment.date()) if moment else None


def when_words(date: PartialDate) -> str:
    """'on 1 April 2026', 'in April 2026', 'in 2018': a date inside a sentence, at its own precision."""
    return f"{'on' if date.day else 'in'} {date.human()}"


def publisher_of(ev: Evidence, publishers: Mapping[str, str]) -> str:
    """Who published an item: as recorded with it, else as sources.yaml names its feed."""
    return clean(ev.publisher or publishers.get(ev.source) or "a tracked source")


def item_words(ev: Evidence, publishers: Mapping[str, str]) -> str:
    """“Title” (Publisher, 20 November 2026)."""
    day = day_of(ev.published)
    return f"“{clean(ev.title)}” ({publisher_of(ev, publishers)}{', ' + day.human() if day else ''})"


def _status_words(title: str, status: str, date: PartialDate | None, superseded_by: str | None = None) -> str:
    on = f" {when_words(date)}" if date else ""
    if status == MilestoneStatus.PUBLISHED:
        return f"{title} was published{on}"
    if status == MilestoneStatus.DELAYED:
        return f"{title} is delayed"
    if status == MilestoneStatus.SUPERSEDED:
        return f"{title} has been replaced{f' by {superseded_by}' if superseded_by else ''}"
    if status == MilestoneStatus.WITHDRAWN:
        return f"{title} has been withdrawn"
    return f"{title} is expected{on}"


def finding(p: Proposal, milestones: Mapping[str, Milestone], publishers: Mapping[str, str]) -> str:
    """What the tracker found and what it suggests, in one sentence (for the pack's unchecked box too)."""
    m = milestones.get(p.milestone)
    title = clean(m.title if m else p.new.title if p.new else p.milestone)
    date = PartialDate.parse(p.set["published"]) if "published" in p.set else None
    if p.evidence is None:  # found in the register's own dates: overdue
        expected = m.expected if m else None
        due = f" {when_words(expected)}" if expected else ""
        return f"{title} was expected{due} and no source has confirmed it yet: it may be delayed."
    item = item_words(p.evidence, publishers)
    if p.kind == ProposalKind.NEW_MILESTONE:
        label = p.new.category.replace("-", " ") if p.new else "policy"
        return f"{item} may be a new {label} milestone: {_status_words(title, p.set.get('status', ''), date)}."
    return f"{item} may mean that {_status_words(title, p.set.get('status', ''), date)}."


@dataclass(frozen=True)
class Event:
    """One accepted change to a milestone, said once: the fields a decision changed together."""

    milestone: Milestone
    when: str  # when it was recorded
    fields: dict[str, HistoryEntry]

    @property
    def evidence(self) -> str | None:
        return next((h.evidence for h in self.fields.values() if h.evidence), None)

    @property
    def date(self) -> PartialDate | None:
        """The date the event happened: its publication date where there is one, else the item's or the record's day."""
        if "published" in self.fields:
            try:
                return PartialDate.parse(self.fields["published"].new)
            except ValueError:
                pass
        status = self.fields.get("status")
        if status is not None and status.new == MilestoneStatus.PUBLISHED and self.milestone.published:
            return self.milestone.published  # a new milestone is created published: its date is in the milestone
        item = next((e for e in self.milestone.evidence if e.url == self.evidence), None)
        return day_of(item.published if item else None) or day_of(self.when)


def events(m: Milestone) -> list[Event]:
    """A milestone's history grouped into events: the entries one decision (or one run) wrote together."""
    grouped: dict[tuple[str, str | None], dict[str, HistoryEntry]] = {}
    for h in m.history:
        grouped.setdefault((h.when, h.evidence), {})[h.field] = h
    return [Event(m, when, fields) for (when, _), fields in grouped.items()]


def published_words(m: Milestone, date: PartialDate | None, publisher: str = "") -> str:
    """'NHS England published X on D.'; an event, not a document: 'X on D.'"""
    title, on = clean(m.title), f" {when_words(date)}" if date else ""
    if publisher:
        return f"{publisher} published {title}{on}."
    if m.category in (Category.ICS_DESIGNATION, Category.OTHER):
        return f"{title}{on}."
    return f"{title} was published{on}."


def event_words(e: Event, publishers: Mapping[str, str], milestones: Mapping[str, Milestone]) -> str:
    """One accepted change as one sentence: 'NHS England published the 2027/28 planning guidance on ...'."""
    m = e.milestone
    title = clean(m.title)
    status = e.fields.get("status")
    if status is not None and status.new == MilestoneStatus.PUBLISHED:
        item = next((ev for ev in m.evidence if ev.url == e.evidence), None)
        who = clean(item.publisher or publishers.get(item.source, "")) if item else ""
        return published_words(m, e.date, who or (clean(m.sources[0].publisher or "") if m.sources else ""))
    if status is not None and status.old is None and status.new == MilestoneStatus.EXPECTED:
        item = next((ev for ev in m.evidence if ev.url == e.evidence), None)
        who = clean(item.publisher or publishers.get(item.source, "")) if item else ""
        date = e.date
        on = f" {when_words(date)}" if date else ""
        return f"{who or 'A source'} announced{on}: {title}."  # planned, not done
    if status is not None:
        other = milestones.get(m.superseded_by or "")
        if status.new == MilestoneStatus.EXPECTED:
            text = f"{title} is now expected{f' {when_words(m.expected)}' if m.expected else ''}"
        else:
            text = _status_words(title, str(status.new), None, clean(other.title) if other else None)
        if status.new == MilestoneStatus.DELAYED and m.expected:
            text += f" (it was expected {when_words(m.expected)})"
        elif status.old:
            text += f" (it was {clean(status.old)})"
        return text + "."
    if "expected" in e.fields:
        h = e.fields["expected"]
        try:
            new, old = PartialDate.parse(h.new), PartialDate.parse(h.old) if h.old else None
        except ValueError:
            return f"{title} has a new expected date."
        was = f" (it was expected {when_words(old)})" if old else ""
        return f"{title} is now expected {when_words(new)}{was}."
    if "published" in e.fields and e.date:
        return f"{title} was published {when_words(e.date)}."
    return f"{title} was updated."


def evidence_words(ev: Evidence, m: Milestone, publishers: Mapping[str, str]) -> str:
    """A new item about a milestone: 'NHS England published “…” on 2 October 2026, about …'."""
    day = day_of(ev.published) or day_of(ev.first_seen)
    on = f" {when_words(day)}" if day else ""
    return f"{publisher_of(ev, publishers)} published “{clean(ev.title)}”{on}, about {clean(m.title)}."


def is_recent(date: PartialDate | None, start: dt.date, end: dt.date) -> bool:
    """After `start` and on or before `end`; a month or year counts from its first day."""
    return date is not None and start < date.first_day() <= end
