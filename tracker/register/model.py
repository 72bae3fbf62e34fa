"""The policy register as typed, frozen records: milestones, systems, and the rules that match news to them."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import StrEnum
from typing import Any

from tracker.core.dates import PartialDate


class Category(StrEnum):
    """What a milestone is about. Other tools rely on these names."""

    PLANNING_GUIDANCE = "planning-guidance"
    TEN_YEAR_PLAN = "ten-year-plan"
    ICS_DESIGNATION = "ics-designation"
    LEGISLATION = "legislation"
    OTHER = "other"


class MilestoneStatus(StrEnum):
    EXPECTED = "expected"
    DELAYED = "delayed"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # a newer edition replaces it (superseded_by)
    WITHDRAWN = "withdrawn"

    @property
    def open(self) -> bool:
        """Still awaited: expected or delayed."""
        return self in (MilestoneStatus.EXPECTED, MilestoneStatus.DELAYED)

    @property
    def done(self) -> bool:
        """Out, whether still current or replaced since."""
        return self in (MilestoneStatus.PUBLISHED, MilestoneStatus.SUPERSEDED)


class Stage(StrEnum):
    """Where an integrated care system stands."""

    STP = "stp"
    ACS = "acs"
    ICS = "ics"
    ICB = "icb"
    MERGED = "merged"
    RENAMED = "renamed"


MATCH_FIELDS = ("title", "text")


@dataclass(frozen=True)
class SourceRef:
    title: str
    url: str | None  # None for a document with no web address: cite it by publisher and date
    accessed: PartialDate | None = None
    publisher: str | None = None
    date: PartialDate | None = None


@dataclass(frozen=True)
class Rule:
    """Phrases matched against a feed item after normalising (see tracker.tracking.match)."""

    id: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    field: str = "title"
    sets: dict[str, str] = dc_field(default_factory=dict)


@dataclass(frozen=True)
class Watch(Rule):
    """A per-category rule that discovers milestones the register does not list yet."""

    category: Category = Category.OTHER
    title: str | None = None
    summary: str | None = None
    creates: str | None = None  # id template of the milestone it discovers, e.g. planning-guidance-{years}


@dataclass(frozen=True)
class Evidence:
    title: str
    url: str
    source: str  # the feed's name in sources.yaml
    first_seen: str
    published: str | None = None
    guid: str | None = None
    publisher: str | None = None  # who published the item, as sources.yaml names them


@dataclass(frozen=True)
class HistoryEntry:
    when: str
    field: str
    old: Any
    new: Any
    why: str
    evidence: str | None = None
    by: str | None = None  # the person who accepted the change (None: an edit made before reviews)


@dataclass(frozen=True)
class Milestone:
    id: str
    title: str
    category: Category
    status: MilestoneStatus
    summary: str
    expected: PartialDate | None = None
    published: PartialDate | None = None
    date_note: str | None = None
    superseded_by: str | None = None
    sources: tuple[SourceRef, ...] = ()
    match: tuple[Rule, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    history: tuple[HistoryEntry, ...] = ()

    @property
    def date(self) -> PartialDate | None:
        """The date a reader cares about: when it came out, or when it is due."""
        return self.published or self.expected


@dataclass(frozen=True)
class Designation:
    date: PartialDate
    stage: Stage
    what: str
    source: SourceRef | None


@dataclass(frozen=True)
class System:
    id: str
    name: str
    current_stage: Stage
    designations: tuple[Designation, ...]
    description: str | None = None
    merged_into: str | None = None
    note: str | None = None


class ProposalKind(StrEnum):
    NEW_MILESTONE = "new-milestone"  # a milestone the register does not hold yet
    CHANGE = "change"  # a status or date of a milestone the register holds


class ProposalState(StrEnum):
    PENDING = "pending"
    REJECTED = "rejected"  # kept, so the same finding is not proposed again


@dataclass(frozen=True)
class NewMilestone:
    """What a discovered milestone would be, if accepted."""

    title: str
    category: Category
    summary: str


@dataclass(frozen=True)
class Proposal:
    id: str
    found: str  # when the tracker found it (a stamp)
    kind: ProposalKind
    milestone: str  # the milestone it changes, or the id a new one would have
    set: dict[str, str] = dc_field(default_factory=dict)  # field -> new value, as written in the register
    new: NewMilestone | None = None
    evidence: Evidence | None = None  # the item that shows it (None: the register's own dates, e.g. overdue)
    found_by: str = ""  # the rule or check that found it, for the secretary and the history
    why: str = ""  # one sentence
    state: ProposalState = ProposalState.PENDING
    decided_by: str | None = None
    decided: str | None = None
    reason: str | None = None

    @property
    def pending(self) -> bool:
        return self.state == ProposalState.PENDING


@dataclass(frozen=True)
class Register:
    milestones: tuple[Milestone, ...]
    systems: tuple[System, ...]
    watches: tuple[Watch, ...] = ()
    proposals: tuple[Proposal, ...] = ()  # what the tracker found: pending, or rejected and kept

    @property
    def pending(self) -> tuple[Proposal, ...]:
        """Proposals waiting for a person, newest first."""
        return tuple(sorted((p for p in self.proposals if p.pending), key=lambda p: (p.found, p.id), reverse=True))

    def milestone(self, id: str) -> Milestone | None:
        return next((m for m in self.milestones if m.id == id), None)

    def system(self, id: str) -> System | None:
        return next((s for s in self.systems if s.id == id), None)
