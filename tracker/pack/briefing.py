"""What the briefing pack says, computed from the register, the trust and the questions.

Pure: no files, no clock. `compose()` returns a `Briefing` that tracker.pack writes
into the Word template; the same inputs always give the same Briefing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from tracker.config.profiles import Questions, Trust
from tracker.core.dates import PartialDate, utc_stamp
from tracker.core.text import clean, words
from tracker.pack.changes import Change, changes_since
from tracker.pack.glossary import GLOSSARY, Term
from tracker.pack.views import Citation, Event, Group, QuestionView, Row, Stage, SystemView
from tracker.register.model import Category, Milestone, MilestoneStatus, Register, SourceRef
from tracker.register.proposals import review_queue
from tracker.register.words import finding
from tracker.tracking.feedstate import Health

TITLE = "Working together in health and care systems: policy and system update"
READING_WPM = 200  # careful reading of a board paper, slower than skimming
CATEGORY_LABELS = {
    "planning-guidance": "Planning guidance",
    "ten-year-plan": "Long-term and ten-year plans",
    "ics-designation": "Integrated care systems",
    "legislation": "Legislation",
    "other": "Other milestones",
}
STAGE_LABELS = {
    "stp": "Sustainability and transformation partnership (STP)",
    "acs": "Accountable care system (ACS)",
    "ics": "Integrated care system (ICS)",
    "icb": "Integrated care board (ICB), statutory",
    "merged": "Merged",
    "renamed": "Renamed",
}
# Open items first, so what is expected or delayed is easy to spot.
STATUS_ORDER = {s: i for i, s in enumerate(("delayed", "expected", "published", "superseded", "withdrawn"))}
SECTIONS = (
    "Front sheet",
    "What has changed since the last meeting",
    "Policy milestone tracker",
    "Our system",
    "The eight questions",
    "The policy journey since 2014",
    "Tracker health",
    "Glossary",
    "Sources",
)


@dataclass(frozen=True)
class Briefing:
    trust_name: str
    short_name: str
    marking: str
    meeting: dt.date
    previous_meeting: dt.date | None
    prepared: dt.date
    changes_from: dt.date
    front: dict[str, str]
    asked: tuple[str, ...]
    changes: tuple[Change, ...]
    groups: tuple[Group, ...]
    counts: dict[str, int]
    system: SystemView
    attribution: str
    questions: tuple[QuestionView, ...]
    events: tuple[Event, ...]
    health: tuple[Health, ...]
    glossary: tuple[Term, ...]
    sources: tuple[Citation, ...]
    reading_minutes: int
    secretary: str = ""
    title: str = TITLE
    unchecked: tuple[str, ...] = ()  # what the tracker found that nobody has checked: never reported as fact
    show_unchecked: bool = True

    @property
    def stale_sources(self) -> list[str]:
        """The titles of the sources that are failing or stale (the email names them)."""
        return [h.title for h in self.health if h.stale]


def human(d: dt.date | PartialDate | None) -> str:
    if d is None:
        return "not recorded"
    return (PartialDate.parse(d) if isinstance(d, dt.date) else d).human()


def when_text(m: Milestone, today: dt.date) -> str:
    if m.published:
        return f"Published {m.published.human()}"
    if m.expected:
        if m.status == "delayed":
            return f"Was due {m.expected.human()}"
        if m.expected.last_day() < today:  # its stored status changes only by review (tracker review)
            return f"Expected {m.expected.human()}: overdue, not yet confirmed"
        return f"Expected {m.expected.human()}"
    return "Date not known"


def tracker_groups(register: Register, today: dt.date) -> tuple[Group, ...]:
    groups = []
    for cat in Category:
        ms = [m for m in register.milestones if m.category == cat]
        ms.sort(key=lambda m: (STATUS_ORDER.get(m.status, 9), -(m.date.first_day().toordinal() if m.date else 0)))
        rows = tuple(
            Row(
                title=clean(m.title),
                status=m.status,
                when=when_text(m, today),
                source=clean(m.sources[0].title) if m.sources else "",
                url=m.sources[0].url if m.sources else None,
                note=clean(m.date_note) or None,
            )
            for m in ms
        )
        if rows:
            groups.append(Group(CATEGORY_LABELS[cat], rows))
    return tuple(groups)


def system_view(register: Register, trust: Trust) -> SystemView:
    system = register.system(trust.system)
    if system is None:
        return SystemView(clean(trust.system), "not in the register", clean(trust.icb), "", (), _partners(trust), "")
    history = tuple(
        Stage(
            d.date.human(), STAGE_LABELS.get(d.stage, d.stage), clean(d.what), clean(d.source.title) if d.source else ""
        )
        for d in sorted(system.designations, key=lambda d: d.date)
    )
    note = clean(system.note)
    if system.merged_into:
        target = register.system(system.merged_into)
        note = f"Merged into {clean(target.name) if target else system.merged_into}. {note}".strip()
    return SystemView(
        name=clean(system.name),
        stage=STAGE_LABELS.get(system.current_stage, system.current_stage),
        icb=clean(trust.icb) or "not recorded",
        description=clean(system.description or trust.description),
        history=history,
        partners=_partners(trust),
        note=note,
    )


def _partners(trust: Trust) -> tuple[tuple[str, str], ...]:
    return tuple((clean(p.name), clean(p.role)) for p in trust.partners)


def question_views(questions: Questions, register: Register) -> tuple[QuestionView, ...]:
    def linked(mid: str) -> str:
        m = register.milestone(mid)
        return f"{clean(m.title)} ({m.status})" if m else f"{mid} (not in the register)"

    return tuple(
        QuestionView(
            number=q.number,
            text=clean(q.text),
            status=q.position.status,
            answer=clean(q.position.answer),
            owner=clean(q.position.owner),
            last_reviewed=human(q.position.last_reviewed),
            next_step=clean(q.position.next_step) or "None recorded",
            milestones=tuple(linked(mid) for mid in q.position.milestones),
        )
        for q in questions.questions
    )


def journey(register: Register, trust: Trust) -> tuple[Event, ...]:
    """Dated events from 2014 on, for the timeline picture and its table."""
    events = [
        Event(m.date, CATEGORY_LABELS[m.category], clean(m.title), m.status)
        for m in register.milestones
        if m.date and m.date.year >= 2014 and m.status != "withdrawn"
    ]
    system = register.system(trust.system)
    for d in system.designations if system else ():
        if d.date.year >= 2014:
            events.append(Event(d.date, "Our system", clean(d.what), MilestoneStatus.PUBLISHED))
    return tuple(sorted(events, key=lambda e: (e.date.first_day(), e.lane, e.label)))


def citations(register: Register, questions: Questions, changes: tuple[Change, ...]) -> tuple[Citation, ...]:
    found: dict[str, Citation] = {}

    def add(title: str, url: str | None, accessed: str) -> None:
        key = url or title.casefold()
        if key not in found:
            found[key] = Citation(clean(title), url, accessed)

    def named(ref: SourceRef) -> str:
        """A source with no web address is identified by its publisher and date."""
        if ref.url:
            return ref.title
        about = ", ".join(x for x in (ref.publisher, ref.date.human() if ref.date else None) if x)
        return f"{ref.title} ({about})" if about else ref.title

    a = questions.attribution
    add(f"{a.publisher}: {a.title}", a.url, "")
    for m in register.milestones:
        for ref in m.sources:
            add(named(ref), ref.url, human(ref.accessed) if ref.accessed else "")
    for system in register.systems:
        for d in system.designations:
            if d.source:
                add(named(d.source), d.source.url, human(d.source.accessed) if d.source.accessed else "")
    for c in changes:
        add(c.source or c.text, c.url, f"seen {c.date.human()}")
    return tuple(sorted(found.values(), key=lambda c: (c.title.casefold(), c.url or "")))


def compose(
    register: Register,
    trust: Trust,
    questions: Questions,
    health: list[Health] | tuple[Health, ...],
    meeting: dt.date,
    now: dt.datetime,
    publishers: Mapping[str, str] | None = None,
) -> Briefing:
    """What the pack says. `publishers` maps each feed's name to its publisher (sources.yaml)."""
    publishers = publishers or {}
    previous = trust.previous_meeting(meeting)
    start = previous or (meeting - dt.timedelta(days=91))
    changes = changes_since(register, start, now.date(), publishers)
    milestones = {m.id: m for m in register.milestones}
    unchecked = tuple(finding(p, milestones, publishers) for p in review_queue(register, now.date(), utc_stamp(now)))
    counts = Counter(m.status for m in register.milestones)
    qviews = question_views(questions, register)
    system = system_view(register, trust)
    front, asked = front_sheet(trust, system, qviews, changes, register, previous, now.date(), len(unchecked))
    groups = tracker_groups(register, now.date())
    b = Briefing(
        trust_name=clean(trust.name),
        short_name=trust.short_name,
        marking=clean(trust.protective_marking),
        meeting=meeting,
        previous_meeting=previous,
        prepared=now.date(),
        changes_from=start,
        front=front,
        asked=asked,
        changes=changes,
        groups=groups,
        counts={str(s): counts.get(s, 0) for s in MilestoneStatus},
        system=system,
        attribution=clean(str(questions.attribution)),
        questions=qviews,
        events=journey(register, trust),
        health=tuple(health),
        glossary=GLOSSARY,
        sources=citations(register, questions, changes),
        reading_minutes=0,
        secretary=clean(trust.secretary_name),
        unchecked=unchecked,
        show_unchecked=trust.show_unreviewed,
    )
    return Briefing(**{**b.__dict__, "reading_minutes": reading_minutes(b)})


def reading_minutes(b: Briefing) -> int:
    texts = [*b.front.values(), *b.asked, *(c.text for c in b.changes)]
    texts += list(b.unchecked) if b.show_unchecked else []
    texts += [f"{r.title} {r.status} {r.when} {r.source}" for g in b.groups for r in g.rows]
    texts += [f"{q.text} {q.answer} {q.owner} {q.next_step} {' '.join(q.milestones)}" for q in b.questions]
    texts += [f"{s.when} {s.stage} {s.what}" for s in b.system.history] + [b.system.description]
    texts += [f"{t.term} {t.meaning}" for t in b.glossary] + [f"{e.date} {e.label}" for e in b.events]
    return max(1, math.ceil(words(*texts) / READING_WPM))


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def front_sheet(
    trust, system, qviews, changes, register, previous, today, unchecked: int = 0
) -> tuple[dict[str, str], tuple[str, ...]]:
    open_items = sorted((m for m in register.milestones if m.status.open), key=lambda m: STATUS_ORDER[m.status])
    q = Counter(v.status for v in qviews)
    since = f"since the last meeting on {human(previous)}" if previous else "in the last three months"
    latest = system.history[-1] if system.history else None
    n = len(changes)
    recorded = "No changes were" if not n else f"{n} change{'s were' if n != 1 else ' was'}"
    context = (
        f"This pack tracks {len(register.milestones)} national policy milestones that shape how "
        f"{clean(trust.name)} works with its partners in {system.name}. {recorded} recorded {since}."
    )
    if latest:
        context += f" Our system's most recent change of status: {latest.what} ({latest.when})."
    if unchecked:
        context += (
            f" The tracker has also found {unchecked} item{'s' if unchecked != 1 else ''} that nobody has checked"
            " yet; they are listed apart and are not reported here as fact."
        )
    conclusion = (
        f"Of the eight questions, {q.get('assured', 0)} are assured, {q.get('in progress', 0)} in progress "
        f"and {q.get('not started', 0)} not started. "
    )
    if open_items:
        shown = "; ".join(f"{clean(m.title)} ({_lower_first(when_text(m, today))})" for m in open_items[:4])
        more = f" and {len(open_items) - 4} more" if len(open_items) > 4 else ""
        conclusion += (
            f"{len(open_items)} milestone{'s are' if len(open_items) != 1 else ' is'} still awaited: {shown}{more}."
        )
    else:
        conclusion += "No national milestone in the register is still awaited."
    front = {
        "Purpose": "For information and assurance.",
        "Context": context,
        "Question": (
            "Is the trust playing its full part in its integrated care system, and can governors take "
            "assurance on the eight questions NHS Providers suggests they ask?"
        ),
        "Conclusion": conclusion,
        "Statutory duties": (
            "Governors hold the non-executive directors, individually and collectively, to account for the "
            "performance of the board, and represent the interests of the trust's members and of the public. "
            "These duties are unchanged by system working: the trust board remains responsible for decisions "
            "it takes in support of the system."
        ),
    }
    asked = (
        "Note the policy and system update and the changes since the last meeting.",
        "Consider the trust's position on each of the eight questions, and say where further assurance is "
        "wanted from the non-executive directors.",
        "Identify how governors can help the trust engage members and the public on system plans.",
    )
    return front, asked
