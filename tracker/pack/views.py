"""The pieces a Briefing is made of: plain frozen records, ready to print."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.config.profiles import QuestionStatus
from tracker.core.dates import PartialDate
from tracker.register.model import MilestoneStatus


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
    earlier_step: str  # what became of the next step promised at the last meeting ("" if none)
    not_reviewed: str  # the flag when nobody has reviewed it since the last meeting ("" if reviewed)


@dataclass(frozen=True)
class Stage:
    when: str
    stage: str
    what: str
    source: str


@dataclass(frozen=True)
class SystemView:
    name: str
    stage: str
    icb: str
    description: str
    history: tuple[Stage, ...]
    partners: tuple[tuple[str, str], ...]
    note: str


@dataclass(frozen=True)
class Event:
    date: PartialDate
    lane: str
    label: str
    status: MilestoneStatus


@dataclass(frozen=True)
class Citation:
    title: str
    url: str | None  # None: a document with no web address, cited by publisher and date in the title
    accessed: str
