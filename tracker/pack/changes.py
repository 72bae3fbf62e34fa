"""What changed between two dates: accepted changes, new evidence and designations, in plain words.

Pure. Each change is one event in one sentence (tracker.register.words), dated by when
it happened (a publication's own date, not when the tracker saw it), with the source
that shows it: its title and its address. Proposals nobody has accepted are not changes:
the pack shows them apart (see briefing.unchecked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from tracker.core.dates import PartialDate
from tracker.core.text import clean
from tracker.register.model import Register
from tracker.register.words import day_of, event_words, events, evidence_words, is_recent, published_words


@dataclass(frozen=True)
class Change:
    date: PartialDate
    text: str
    url: str | None
    source: str | None = None  # the title of the document that shows it


def changes_since(
    register: Register, start: dt.date, end: dt.date, publishers: Mapping[str, str] | None = None
) -> tuple[Change, ...]:
    """Changes after `start` and on or before `end`, oldest first, each said once.

    An accepted change counts when it happened or was accepted in the period; it is
    dated by when it happened.
    """
    publishers = publishers or {}
    by_id = {m.id: m for m in register.milestones}
    found: list[Change] = []
    for m in register.milestones:
        cited: set[str] = set()
        recorded = False
        for e in events(m):
            if not (is_recent(e.date, start, end) or is_recent(day_of(e.when), start, end)):
                continue
            item = next((ev for ev in m.evidence if ev.url == e.evidence), None)
            source = clean(item.title) if item else clean(m.sources[0].title) if m.sources else None
            found.append(
                Change(e.date or PartialDate.parse(end), event_words(e, publishers, by_id), e.evidence, source)
            )
            cited.add(e.evidence or "")
            recorded = recorded or "status" in e.fields or "published" in e.fields
        if is_recent(m.published, start, end) and not recorded and m.published is not None:
            ref = m.sources[0] if m.sources else None
            text = published_words(m, m.published, clean(ref.publisher) if ref and ref.publisher else "")
            found.append(Change(m.published, text, ref.url if ref else None, clean(ref.title) if ref else None))
        for ev in m.evidence:
            when = day_of(ev.published) or day_of(ev.first_seen)
            if when is not None and is_recent(when, start, end) and ev.url not in cited:
                found.append(Change(when, evidence_words(ev, m, publishers), ev.url, clean(ev.title)))
                cited.add(ev.url)
    for s in register.systems:
        for d in s.designations:
            if is_recent(d.date, start, end):
                url = d.source.url if d.source else None
                title = clean(d.source.title) if d.source else None
                found.append(Change(d.date, f"{clean(s.name)}: {clean(d.what)}.", url, title))
    unique = {(c.date, c.text, c.url): c for c in found}
    return tuple(sorted(unique.values(), key=lambda c: (c.date.first_day(), c.text)))
