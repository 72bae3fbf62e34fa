"""The pack's Sources section: every distinct document the pack cites, once, by title, with its address.

Pure. A document is its title and its address (or the lack of one): the same document
cited for many facts is listed once, and two documents that share an address (a
publication page that now holds a later edition) are each listed. Nothing claims an
access that did not happen: only what the tracker fetched itself says "retrieved".
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.config.profiles import Questions
from tracker.core.text import clean
from tracker.pack.changes import Change
from tracker.pack.views import Citation, SystemView
from tracker.register.model import Milestone, SourceRef


def cited_by(milestones: Iterable[Milestone]) -> list[SourceRef]:
    """Every source of every milestone in the pack, its stages' sources included."""
    return [ref for m in milestones for ref in (*m.sources, *(s for st in m.stages for s in st.sources))]


NOTE_CHARS = 180  # a pack prints a note's first sentence; the register keeps the whole of it


def brief(note: str) -> str:
    """The first sentence of a note, short enough for a table cell."""
    end = note.find(". ")
    first = note if end < 0 else note[: end + 1]
    if len(first) <= NOTE_CHARS:
        return first
    return first[:NOTE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def citation(ref: SourceRef) -> Citation:
    """A register source as the Sources section lists it. A document with no address keeps its whole note,
    which says where to find it (a copy's address, a listing page); others keep the note's first sentence."""
    note = clean(ref.note)
    note = note if not ref.url else brief(note)
    if ref.retrieved:
        note = f"Retrieved by the tracker on {ref.retrieved.human()}. {note}".strip()
    return Citation(
        title=clean(ref.title),
        url=ref.url,
        publisher=clean(ref.publisher),
        date=ref.date.human() if ref.date else "",
        note=note,
    )


def key(title: str, url: str | None) -> tuple[str, str]:
    """What makes two citations the same document: the same title and the same address."""
    return (" ".join(title.casefold().split()), (url or "").rstrip("/"))


def citations(
    milestones: Iterable[Milestone], system: SystemView, questions: Questions, changes: Iterable[Change]
) -> tuple[Citation, ...]:
    """Every document cited in the pack, once each, sorted by title."""
    found: dict[tuple[str, str], Citation] = {}

    def add(c: Citation) -> None:
        k = key(c.title, c.url)
        if k not in found:
            found[k] = c
        elif not found[k].note and c.note:  # keep the fullest description of the same document
            found[k] = Citation(found[k].title, found[k].url, found[k].publisher or c.publisher,
                                found[k].date or c.date, c.note)  # fmt: skip

    a = questions.attribution
    add(Citation(clean(a.title), a.url, clean(a.publisher), a.date.human() if a.date else "",
                 "From the reference copy of the briefing; the eight questions are quoted from it."))  # fmt: skip
    for ref in (*cited_by(milestones), *system.cited):
        add(citation(ref))
    for c in changes:
        if c.url and not any(k[1] == c.url.rstrip("/") for k in found):
            add(Citation(clean(c.source or c.text), c.url, "", "", f"Seen by the tracker; dated {c.date.human()}."))
    return tuple(sorted(found.values(), key=lambda c: (c.title.lstrip("'\"‘“").casefold(), c.url or "")))
