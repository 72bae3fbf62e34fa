"""The pack's "Our system": the trust's system, its history, and any change to its footprint, in plain words.

Pure. The trust's system is followed through every change that moves its place
(tracker.register.footprint); a change no source has confirmed is said to be planned,
and overdue once its date has passed, and never reported as done.
"""

from __future__ import annotations

import datetime as dt

from tracker.config.profiles import Trust
from tracker.core.dates import PartialDate
from tracker.core.text import clean
from tracker.pack.views import Stage, SystemView
from tracker.register.footprint import Footprint, Membership, footprint, incoming
from tracker.register.model import Certainty, ChangeKind, FootprintChange, Milestone, Register, SourceRef
from tracker.register.timing import is_overdue, milestone_words, step_timing, step_words
from tracker.register.words import when_words

STAGE_LABELS = {
    "stp": "Sustainability and transformation partnership (STP)",
    "acs": "Accountable care system (ACS)",
    "devolution": "Health and social care devolution area",
    "ics": "Integrated care system (ICS)",
    "icb": "Integrated care board (ICB), statutory",
    "merged": "Merged into another system",
    "dissolved": "Dissolved: its area went to other systems",
}
CHANGE_LABELS = {
    ChangeKind.MERGED: "Merger",
    ChangeKind.SPLIT: "Split",
    ChangeKind.DISSOLVED: "Dissolution",
    ChangeKind.BOUNDARY: "Boundary change",
    ChangeKind.RENAMED: "Renamed",
}


def system_view(register: Register, trust: Trust, today: dt.date) -> SystemView:
    fp = footprint(register, trust.system, trust.place)
    if fp is None:
        name = clean(trust.system)
        return SystemView(name, "not in the register", clean(trust.icb) or "not recorded", "", (), _partners(trust), "")
    here = fp.current(today)
    system = here.system
    rows, cited = _history(register, fp)
    change, status, after, brief = _footprint_change(register, fp, here, today)
    ours = _ours(register, fp)
    news, news_brief = _news(ours, today)
    note = clean(system.note)
    return SystemView(
        name=clean(system.current_name),
        stage=STAGE_LABELS.get(system.current_stage, system.current_stage),
        icb=clean(system.icb or trust.icb) or "not recorded",
        description=clean(system.description or trust.description),
        history=tuple(_row(date, status_, stage, what, src, today) for date, status_, stage, what, src in rows),
        partners=_partners(trust),
        note=note,
        place=clean(trust.place),
        change=change,
        change_status=status,
        after=after,
        brief=brief,
        news=news,
        news_brief=news_brief,
        cited=tuple(cited) + tuple(m.sources[0] for m in ours if m.sources),
    )


Row = tuple[PartialDate, Certainty, str, str, SourceRef | None]


def _history(register: Register, fp: Footprint) -> tuple[list[Row], list[SourceRef]]:
    """The designations and changes of every system on the trust's path, each in its own window."""
    rows: list[Row] = []
    cited: list[SourceRef] = []
    path = fp.path
    for i, mem in enumerate(path):
        start = mem.via.date if mem.via else None
        nxt = path[i + 1].via if i + 1 < len(path) else None
        end = nxt.date if nxt else None
        for d in mem.system.designations:
            if _within(d.date, start, end, end_inclusive=False):
                rows.append((d.date, d.status, STAGE_LABELS.get(d.stage, d.stage), d.what, d.source))
        for ch in mem.system.changes:
            if _within(ch.date, start, end, end_inclusive=True):
                rows.append((ch.date, ch.status, _change_label(ch), _change_text(register, ch), _first(ch.sources)))
                cited += ch.sources
        for other, ch, part in incoming(register, mem.system.id):
            if ch is not mem.via and _within(ch.date, start, end, end_inclusive=False):
                name, here = clean(other.current_name), clean(mem.system.current_name)
                what = f"{clean(part.area)} to join {here} from {name}" if part.area else f"{name} to join {here}"
                rows.append((ch.date, ch.status, _change_label(ch), what, _first(ch.sources)))
                cited += ch.sources
    rows.sort(key=lambda r: r[0].first_day())
    cited += [src for *_, src in rows if src is not None]
    return rows, cited


def _within(d: PartialDate, start: PartialDate | None, end: PartialDate | None, end_inclusive: bool) -> bool:
    after_start = start is None or d.last_day() >= start.first_day()
    if end is None:
        return after_start
    before_end = d.first_day() <= end.last_day() if end_inclusive else d.last_day() < end.first_day()
    return after_start and before_end


def _row(date: PartialDate, status: Certainty, stage: str, what: str, src: SourceRef | None, today: dt.date) -> Stage:
    title, url = (clean(src.title), src.url) if src else ("", None)
    return Stage(step_words(date, status, today), stage, clean(what), title, url, status == Certainty.PLANNED)


def _first(sources: tuple[SourceRef, ...]) -> SourceRef | None:
    return sources[0] if sources else None


def _change_label(ch: FootprintChange) -> str:
    label = CHANGE_LABELS[ch.kind]
    return f"{label} (planned)" if ch.status == Certainty.PLANNED else label


def _change_text(register: Register, ch: FootprintChange) -> str:
    """'X to be dissolved and its area split three ways: East Berkshire to Thames Valley; ...'."""
    what = clean(ch.what).rstrip(".")
    parts = [
        f"{clean(s.area)} to {_name(register, s.system)}" if s.area else f"into {_name(register, s.system)}"
        for s in ch.successors
    ]
    if ch.kind == ChangeKind.MERGED and parts:
        return f"{what} ({parts[0]})" if _name(register, ch.successors[0].system) not in what else what
    return f"{what}: {'; '.join(parts)}" if parts else what


def _name(register: Register, system_id: str) -> str:
    s = register.system(system_id)
    return clean(s.current_name) if s else system_id


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _footprint_change(register: Register, fp: Footprint, here: Membership, today: dt.date) -> tuple[str, str, str, str]:
    """What is changing for the trust, how sure it is, where the trust goes, and all that in one line."""
    ahead = fp.ahead(today)
    if not ahead:
        if fp.unplaced is None:
            return "", "", "", ""
        ch = fp.unplaced
        when = step_words(ch.date, ch.status, today)
        return (
            f"{_change_text(register, ch)}.",
            f"{when}.",
            "The trust's place in the system is not recorded (footprint.place in config/trust.yaml), so this "
            "pack cannot say which system it moves to.",
            f"Our system is to be split ({_lower_first(when)}); the trust's place in it is not recorded.",
        )
    nxt = ahead[0]
    assert nxt.via is not None
    ch, target = nxt.via, nxt.system
    icb = clean(here.system.icb) or f"the integrated care board for {clean(here.system.current_name)}"
    part = next((s for s in ch.successors if s.system == target.id), None)
    who = f"{clean(part.area)}, where the trust is," if part and part.area else "The trust"
    when = step_words(ch.date, ch.status, today)
    change = f"{_change_text(register, ch)}. {who} is to move to {clean(target.current_name)}."
    status = f"{when}."
    if is_overdue(ch.date, step_timing(ch.status), today):
        status += (
            f" No source seen since {ch.date.human()} confirms that the change took effect, so this pack still "
            f"treats {icb} as the trust's integrated care board."
        )
    elif ch.status == Certainty.PLANNED:
        status += f" Until it happens, the trust's integrated care board is {icb}."
    board = clean(target.icb) or f"the integrated care board for {clean(target.current_name)}"
    described = f" ({clean(target.description)})" if target.description else ""
    after = f"{clean(target.current_name)}{described}, with {board}."
    brief = f"{who} is to move to {board} ({_lower_first(when)})."
    return change, status, after, brief


def _ours(register: Register, fp: Footprint) -> list[Milestone]:
    """Milestones in the register that are news about a system on the trust's path: an ICB
    merger the secretary accepted from the review queue names the systems it is about."""
    ids = {mem.system.id for mem in fp.path}
    return [m for m in register.milestones if ids.intersection(m.systems)]


def _news(ours: list[Milestone], today: dt.date) -> tuple[tuple[Stage, ...], str]:
    """Checked news about the trust's system, newest first (the date it was told, what, how far
    it has got), and the latest in one sentence."""
    rows = []
    for m in ours:
        src = m.sources[0] if m.sources else None
        told = (src.date if src and src.date else None) or m.date
        status = "Announced; no date given yet" if m.status.open and m.date is None else milestone_words(m, today)
        title, url = (clean(src.title), src.url) if src else ("", None)
        rows.append((told, Stage(told.human() if told else "", status, clean(m.title), title, url, m.status.open)))
    rows.sort(key=lambda r: r[0].first_day() if r[0] else dt.date.min, reverse=True)
    if not rows:
        return (), ""
    told, latest = rows[0]
    when = f", told {when_words(told)}" if told else ""
    brief = f"The latest checked news about our system{when}: {latest.what.rstrip('.')} ({_lower_first(latest.stage)})."
    return tuple(stage for _, stage in rows), brief


def _partners(trust: Trust) -> tuple[tuple[str, str], ...]:
    return tuple((clean(p.name), clean(p.role)) for p in trust.partners)
