"""What the briefing pack says, computed from the register, the trust and the questions.

Pure: no files, no clock. `compose()` returns a `Briefing` that tracker.pack writes
into the Word template; the same inputs always give the same Briefing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from tracker.config.profiles import Meeting, Questions, QuestionStatus, Trust
from tracker.core.dates import PartialDate, plain_dates, utc_stamp
from tracker.core.text import clean, plural
from tracker.pack.changes import Change, changes_since
from tracker.pack.glossary import GLOSSARY, Term
from tracker.pack.questions import question_views
from tracker.pack.sources import citations
from tracker.pack.system import system_view
from tracker.pack.views import Citation, Event, Group, QuestionView, Row, SystemView
from tracker.register.model import Category, Certainty, Milestone, MilestoneStatus, Register
from tracker.register.proposals import review_queue
from tracker.register.timing import milestone_words
from tracker.register.words import finding
from tracker.tracking.feedstate import Health

TITLE = "Working together in health and care systems: policy and system update"
READING_WPM = 200  # careful reading of a board paper, slower than skimming
AWAITED_LISTED = 6  # the front sheet lists this many awaited milestones at most; the tracker has them all
RECENT_YEARS = 2  # the tracker in the main body: what is awaited, and what was published this recently
# Who publishes at each address, for a source that is the publication itself.
PUBLISHERS = {
    "england.nhs.uk": "NHS England",
    "gov.uk": "GOV.UK",
    "legislation.gov.uk": "legislation.gov.uk",
    "parliament.uk": "UK Parliament",
    "nhsproviders.org": "NHS Providers",
    "kingsfund.org.uk": "The King's Fund",
    "nuffieldtrust.org.uk": "Nuffield Trust",
    "lgcplus.com": "LGC",
    "hsj.co.uk": "HSJ",
}
CATEGORY_LABELS = {
    "planning-guidance": "Planning guidance",
    "ten-year-plan": "Long-term and ten-year plans",
    "ics-designation": "Integrated care systems",
    "legislation": "Legislation",
    "other": "Other milestones",
}
# Open items first, so what is expected or delayed is easy to spot.
STATUS_ORDER = {s: i for i, s in enumerate(("delayed", "expected", "published", "superseded", "withdrawn"))}
# The main body, front sheet to the eight questions, is what governors are asked to read;
# the appendices hold the older history and the reference material.
MAIN_SECTIONS = (
    "Front sheet",
    "What has changed since the last meeting",
    "Policy milestone tracker",
    "Our system",
    "The eight questions",
)
APPENDICES = (
    "Appendix A: Earlier milestones",
    "Appendix B: The policy journey since 2014",
    "Appendix C: Tracker health",
    "Appendix D: Glossary",
    "Appendix E: Sources",
)
SECTIONS = MAIN_SECTIONS + APPENDICES


@dataclass(frozen=True)
class Briefing:
    trust_name: str
    short_name: str
    marking: str  # the protective marking printed on every page
    meeting: dt.date
    previous_meeting: dt.date | None
    prepared: dt.date
    changes_from: dt.date
    front: dict[str, str]
    asked: tuple[str, ...]
    changes: tuple[Change, ...]
    groups: tuple[Group, ...]  # the main body's tracker: awaited and recent milestones
    earlier: tuple[Group, ...]  # Appendix A: older and superseded milestones
    recent_from: dt.date
    counts: dict[str, int]
    system: SystemView
    attribution: str
    questions: tuple[QuestionView, ...]
    events: tuple[Event, ...]
    health: tuple[Health, ...]
    glossary: tuple[Term, ...]
    sources: tuple[Citation, ...]
    details: Meeting  # what the cover and front sheet say about the meeting
    secretary: str = ""
    title: str = TITLE
    unchecked: tuple[str, ...] = ()  # what the tracker found that nobody has checked: never reported as fact
    awaited: tuple[str, ...] = ()  # the front sheet's list of open milestones, each with when it is due
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
    """A milestone's date and status in words (tracker.register.timing, the one place that says it)."""
    return milestone_words(m, today)


def title_of(m: Milestone) -> str:
    """A milestone's title as printed: its dates in words, never 2018-02-09."""
    return plain_dates(clean(m.title))


def note_of(m: Milestone) -> str | None:
    return plain_dates(clean(m.date_note)) or None


def same_words(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return " ".join("".join(ch for ch in s.casefold() if ch.isalnum() or ch.isspace()).split())

    return key(a) == key(b)


def source_label(m: Milestone) -> str:
    """The Source column: the source's own title; where that is the milestone's own title (the
    source is the publication itself), who published it, so the column never repeats the title."""
    if not m.sources:
        return ""
    ref = m.sources[0]
    if not same_words(ref.title, m.title):
        return plain_dates(clean(ref.title))
    if ref.publisher:
        return clean(ref.publisher)
    host = ((urlsplit(ref.url).hostname or "") if ref.url else "").removeprefix("www.")
    named = next((who for site, who in PUBLISHERS.items() if host == site or host.endswith("." + site)), None)
    return named or host or "The publication itself"


def is_recent(m: Milestone, since: dt.date) -> bool:
    """Awaited, or published on or after `since`: what belongs in the main body's tracker."""
    if m.status.open:
        return True
    return m.status == MilestoneStatus.PUBLISHED and m.date is not None and m.date.last_day() >= since


def tracker_groups(register: Register, today: dt.date, keep=lambda m: True) -> tuple[Group, ...]:
    groups = []
    for cat in Category:
        ms = [m for m in register.milestones if m.category == cat and keep(m)]
        ms.sort(key=lambda m: (STATUS_ORDER.get(m.status, 9), -(m.date.first_day().toordinal() if m.date else 0)))
        rows = tuple(
            Row(
                title=title_of(m),
                status=m.status,
                when=when_text(m, today),
                source=source_label(m),
                url=m.sources[0].url if m.sources else None,
                note=note_of(m),
            )
            for m in ms
        )
        if rows:
            groups.append(Group(CATEGORY_LABELS[cat], rows))
    return tuple(groups)


def journey(register: Register, trust: Trust) -> tuple[Event, ...]:
    """Dated events from 2014 on, for the timeline picture and its table."""
    events = [
        Event(m.date, CATEGORY_LABELS[m.category], clean(m.title), m.status)
        for m in register.milestones
        if m.date and m.date.year >= 2014 and m.status != "withdrawn"
    ]
    system = register.system(trust.system)
    done = {Certainty.CONFIRMED: MilestoneStatus.PUBLISHED, Certainty.PLANNED: MilestoneStatus.EXPECTED}
    for d in system.designations if system else ():
        if d.date.year >= 2014:
            events.append(Event(d.date, "Our system", clean(d.what), done[d.status]))
    for ch in system.changes if system else ():
        if ch.date.year >= 2014:
            events.append(Event(ch.date, "Our system", clean(ch.what), done[ch.status]))
    return tuple(sorted(events, key=lambda e: (e.date.first_day(), e.lane, e.label)))


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
    qviews = question_views(questions, register, previous)
    system = system_view(register, trust, now.date())
    details = trust.meeting(meeting)
    front, asked, awaited = front_sheet(trust, system, qviews, changes, register, previous, now.date(), len(unchecked))
    recent_from = meeting.replace(year=meeting.year - RECENT_YEARS, day=min(meeting.day, 28))
    return Briefing(
        trust_name=clean(trust.name),
        short_name=trust.short_name,
        marking=clean(trust.marking(details.session)),
        meeting=meeting,
        previous_meeting=previous,
        prepared=now.date(),
        changes_from=start,
        front=front,
        asked=asked,
        awaited=awaited,
        changes=changes,
        groups=tracker_groups(register, now.date(), lambda m: is_recent(m, recent_from)),
        earlier=tracker_groups(register, now.date(), lambda m: not is_recent(m, recent_from)),
        recent_from=recent_from,
        counts={str(s): counts.get(s, 0) for s in MilestoneStatus},
        system=system,
        attribution=clean(str(questions.attribution)),
        questions=qviews,
        events=journey(register, trust),
        health=tuple(health),
        glossary=GLOSSARY,
        sources=citations(register.milestones, system, questions, changes),
        details=details,
        secretary=clean(trust.secretary_name),
        unchecked=unchecked,
        show_unchecked=trust.show_unreviewed,
    )


def front_sheet(
    trust, system, qviews, changes, register, previous, today, unchecked: int = 0
) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    """The front sheet's words, what governors are asked to do, and the awaited milestones as a list.

    The awaited ones are a list, one a line, not a sentence: their dates can hold a semicolon
    ("in progress; latest stage ..."), which in a run-on list reads as the next item.
    """
    open_items = sorted((m for m in register.milestones if m.status.open), key=lambda m: STATUS_ORDER[m.status])
    q = Counter(v.status for v in qviews)
    since = f"since the last meeting on {human(previous)}" if previous else "in the last three months"
    done = [h for h in system.history if not h.planned]
    latest = done[-1] if done else None
    n = len(changes)
    recorded = "No changes were" if not n else plural(n, "change was", "changes were")
    context = (
        f"This pack tracks {len(register.milestones)} national policy milestones that shape how "
        f"{clean(trust.name)} works with its partners in {system.name}. {recorded} recorded {since}."
    )
    if latest:
        context += f" Our system's most recent change of status: {latest.what}, {latest.when}."
    if system.brief:
        context += f" {system.brief}"
    if system.news_brief:
        context += f" {system.news_brief}"
    if unchecked:
        context += (
            f" The tracker has also found {plural(unchecked, 'item', 'items')} that nobody has checked"
            f" yet; {'it is' if unchecked == 1 else 'they are'} listed apart and not reported here as fact."
        )
    parts = [
        plural(q.get(QuestionStatus(s), 0), f"is {s}", f"are {s}")
        for s in ("assured", "in progress", "not started", "not applicable")
        if q.get(QuestionStatus(s), 0) or s != "not applicable"
    ]
    conclusion = f"Of the eight questions, {', '.join(parts[:-1])} and {parts[-1]}."
    moved = [v for v in qviews if v.change.startswith("Was ")]
    stale = [v for v in qviews if v.not_reviewed]
    if previous and (moved or stale):
        conclusion += (
            f" Since the last meeting {plural(len(moved), 'question has', 'questions have')} changed status"
            + (f", and {plural(len(stale), 'has', 'have')} not been reviewed" if stale else "")
            + "."
        )
    conclusion += " "
    awaited = [f"{title_of(m)}, {_lower_first(when_text(m, today))}" for m in open_items]
    if len(awaited) > AWAITED_LISTED:
        rest = len(awaited) - AWAITED_LISTED + 1
        awaited[AWAITED_LISTED - 1 :] = [f"{plural(rest, 'more is', 'more are')} in the policy milestone tracker"]
    if open_items:
        conclusion += f"{plural(len(open_items), 'milestone is', 'milestones are')} still awaited:"
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
    return front, asked, tuple(awaited)


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]
