"""What changed between two dates, read from the register's history, evidence and designations.

Pure. Each change has a date, one sentence and, where there is one, the link that
shows it; the pack lists them and the email to governors quotes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeGuard

from tracker.core.dates import PartialDate, parse_stamp
from tracker.core.text import clean
from tracker.register.model import Register


@dataclass(frozen=True)
class Change:
    date: PartialDate
    text: str
    url: str | None
    source: str | None = None


def _day(value: str | None) -> PartialDate | None:
    moment = parse_stamp(value)
    return PartialDate.parse(moment.date()) if moment else None


def _within(d: PartialDate | None, start: dt.date, end: dt.date) -> TypeGuard[PartialDate]:
    # A date known only to the month or year counts from its first day.
    return d is not None and start < d.first_day() <= end


def _value(v: object) -> str:
    return clean(v) if v not in (None, "") else "nothing"


def changes_since(register: Register, start: dt.date, end: dt.date) -> tuple[Change, ...]:
    """Changes dated after `start` and on or before `end`, oldest first, each said once."""
    found: list[Change] = []
    for m in register.milestones:
        title = clean(m.title)
        mine: list[Change] = []
        for h in m.history:
            when = _day(h.when)
            if _within(when, start, end):
                text = f"{title}: {h.field} changed from {_value(h.old)} to {_value(h.new)}. {clean(h.why)}".strip()
                mine.append(Change(when, text, h.evidence, title))
        cited = {c.url for c in mine}
        if _within(m.published, start, end) and not any(
            h.field in ("status", "published") for h in m.history if _within(_day(h.when), start, end)
        ):
            url = m.sources[0].url if m.sources else None
            mine.append(Change(m.published, f"Published: {title}.", url, title))
        for e in m.evidence:
            when = _day(e.published) or _day(e.first_seen)
            if _within(when, start, end) and e.url not in cited:
                text = f"New publication seen on {clean(e.source)}: “{clean(e.title)}” (about {title})."
                mine.append(Change(when, text, e.url, clean(e.title)))
                cited.add(e.url)
        found += mine
    for s in register.systems:
        for d in s.designations:
            if _within(d.date, start, end):
                url = d.source.url if d.source else None
                found.append(Change(d.date, f"{clean(s.name)}: {clean(d.what)}.", url, clean(s.name)))
    unique = {(c.date, c.text, c.url): c for c in found}
    return tuple(sorted(unique.values(), key=lambda c: (c.date.first_day(), c.text)))
