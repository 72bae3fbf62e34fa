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
    """Where an integrated care system stands: a designation's stage, or how it ended."""

    STP = "stp"
    ACS = "acs"
    DEVOLUTION = "devolution"  # a health and social care devolution deal area (Greater Manchester, Surrey Heartlands)
    ICS = "ics"
    ICB = "icb"
    MERGED = "merged"  # ended: its whole area joined another system (a confirmed `merged` change)
    DISSOLVED = "dissolved"  # ended: its area was split between others (a confirmed `split` or `dissolved` change)


DESIGNATION_STAGES = (Stage.STP, Stage.ACS, Stage.DEVOLUTION, Stage.ICS, Stage.ICB)


class Certainty(StrEnum):
    """Whether a dated step has happened: announced for a date, or shown by a source to have happened."""

    PLANNED = "planned"
    CONFIRMED = "confirmed"


class ChangeKind(StrEnum):
    """How a system's footprint changes on a date."""

    MERGED = "merged"  # its whole area joins one successor; it ends
    SPLIT = "split"  # its area is divided between successors; it ends
    DISSOLVED = "dissolved"  # it ends; any successors are named with the part each takes
    BOUNDARY = "boundary"  # part of its area moves to another system; it carries on
    RENAMED = "renamed"  # same area, new name (`name`)

    @property
    def ends(self) -> bool:
        return self in (ChangeKind.MERGED, ChangeKind.SPLIT, ChangeKind.DISSOLVED)


MATCH_FIELDS = ("title", "text")


@dataclass(frozen=True)
class SourceRef:
    """A document cited for a fact: its own title and address, who published it and when.

    `retrieved` is set only by the tracker, for a page it fetched itself; a source a
    person took from a document says so in `note` ("from the reference briefing, May 2018").
    """

    title: str
    url: str | None  # None: no web address found; cite it by publisher and date
    publisher: str | None = None
    date: PartialDate | None = None
    note: str | None = None
    retrieved: PartialDate | None = None


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
class Progress:
    """A dated step on the way, such as a bill's stage in Parliament."""

    date: PartialDate
    what: str
    sources: tuple[SourceRef, ...] = ()
    note: str | None = None


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
    stages: tuple[Progress, ...] = ()  # oldest first; the last is the latest sourced stage
    systems: tuple[str, ...] = ()  # ids of the register's systems it is news about (an ICB merger names two)

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
    status: Certainty = Certainty.CONFIRMED


@dataclass(frozen=True)
class Successor:
    """Where (part of) a system's area goes: the successor's id and, for a part, which part."""

    system: str
    area: str | None = None  # the part, in plain words; None: the whole area
    places: tuple[str, ...] = ()  # other names a trust's `footprint.place` may use for that part

    def covers(self, place: str | None) -> bool:
        """Whether a trust in `place` goes with this part (a successor of the whole area takes everyone)."""
        if self.area is None:
            return True
        if not place:
            return False
        wanted = place.strip().casefold()
        return any(wanted == name.strip().casefold() for name in (self.area, *self.places))


@dataclass(frozen=True)
class FootprintChange:
    """A system merged, split, dissolved, renamed or losing part of its area, on a date."""

    date: PartialDate
    kind: ChangeKind
    status: Certainty
    what: str
    successors: tuple[Successor, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    name: str | None = None  # the new name, for a renaming


@dataclass(frozen=True)
class System:
    id: str
    name: str  # the name it was first designated under; a confirmed renaming changes `current_name`
    current_stage: Stage
    designations: tuple[Designation, ...]
    description: str | None = None
    note: str | None = None
    icb: str | None = None  # its statutory integrated care board, by name
    changes: tuple[FootprintChange, ...] = ()  # oldest first

    @property
    def current_name(self) -> str:
        renamed = [c for c in self.changes if c.kind == ChangeKind.RENAMED and c.status == Certainty.CONFIRMED]
        return (renamed[-1].name or self.name) if renamed else self.name

    @property
    def ended_by(self) -> FootprintChange | None:
        """The confirmed change that ended this system, if any."""
        return next((c for c in self.changes if c.kind.ends and c.status == Certainty.CONFIRMED), None)


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
    systems: tuple[str, ...] = ()  # the register's systems the item names, carried to the milestone


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
