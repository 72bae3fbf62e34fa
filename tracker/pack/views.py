"""The pieces a Briefing is made of: plain frozen records, ready to print."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.config.profiles import QuestionStatus
from tracker.core.dates import PartialDate
from tracker.register.model import MilestoneStatus, SourceRef


@dataclass(frozen=True)
class Row:
    title: str
    status: MilestoneStatus
    when: str
    source: str  # the source's own title, or its publisher when that title is the milestone's
    url: str | None
    note: str | None


@dataclass(frozen=True)
class Group:
    label: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class QuestionView:
    number: int
    text: str
    status: QuestionStatus
    answer: str
    owner: str
    last_reviewed: str
    reviewed_by: str
    next_step: str
    milestones: tuple[str, ...]
    since: str  # the status and since when; what it was at the last meeting
    change: str  # the same in a few words, for the summary table
    earlier_steps: tuple[str, ...]  # what became of each next step promised since the last meeting, oldest first
    not_reviewed: str  # the flag when nobody has reviewed it since the last meeting ("" if reviewed)


@dataclass(frozen=True)
class Stage:
    """One row of a system's history: a designation or a change to its footprint."""

    when: str  # the date in words, with "Planned for ..." and "overdue, not yet confirmed" where so
    stage: str
    what: str
    source: str
    url: str | None = None
    planned: bool = False  # announced for its date; no source yet shows it happened


@dataclass(frozen=True)
class SystemView:
    name: str
    stage: str
    icb: str
    description: str
    history: tuple[Stage, ...]
    partners: tuple[tuple[str, str], ...]
    note: str
    place: str = ""  # the part of the system the trust is in
    change: str = ""  # what is changing for the trust's footprint, in plain words ("" if nothing)
    change_status: str = ""  # how sure that is: planned, overdue and not yet confirmed, or confirmed
    after: str = ""  # the system and ICB the trust moves to
    brief: str = ""  # all of that in one sentence, for the front sheet
    news: tuple[Stage, ...] = ()  # checked news about the system (accepted from the review queue), newest first
    news_brief: str = ""  # the latest of it in one sentence, for the front sheet
    cited: tuple[SourceRef, ...] = ()  # every document this section cites, for the Sources section


@dataclass(frozen=True)
class Event:
    date: PartialDate
    lane: str
    label: str
    status: MilestoneStatus


@dataclass(frozen=True)
class Citation:
    """One document in the pack's Sources section: its own title and address, who published it and when."""

    title: str
    url: str | None  # None: no web address found
    publisher: str = ""
    date: str = ""  # as a reader writes it: 7 January 2019, May 2018
    note: str = ""  # how the pack knows it: retrieved by the tracker, taken from a reference file, a copy's address
