"""Turn matches into register edits: evidence now, everything else as a proposal for a person.

An item attached to a milestone it clearly matches is evidence, added at once (the same
link or guid from any feed is the same item). What the item would mean for the register
(a milestone published or delayed, a new milestone, a new edition, a merger) is never
applied here: it becomes a proposal in the register's `proposals:` list, with the item,
the rule that found it and why, until `tracker review` accepts or rejects it. Overdue
milestones are proposals too, computed from the register's own dates (register.proposals.overdue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracker.config.matching import Event
from tracker.register.edit import RegisterEditor
from tracker.register.footprint import systems_named
from tracker.register.model import (
    Category,
    Evidence,
    Milestone,
    MilestoneStatus,
    NewMilestone,
    Proposal,
    ProposalKind,
    Register,
)
from tracker.register.proposals import add_proposal, proposal_id
from tracker.tracking.match import Item, Match, fill

# A finding may move a milestone forward (expected -> published), never back.
_RANK = {"expected": 0, "delayed": 0, "published": 1, "superseded": 2, "withdrawn": 2}


@dataclass(frozen=True)
class EvidenceAdded:
    milestone: str
    title: str
    url: str
    source: str
    rule: str
    milestone_title: str = ""
    publisher: str = ""


@dataclass
class Changes:
    """What one run did to the register: evidence attached, and proposals queued for review."""

    evidence: list[EvidenceAdded] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)


def _order(pair: tuple[Item, list[Match]]) -> tuple[str, str, str]:
    item = pair[0]
    return (item.published or "9999", item.source, item.link or "")


def apply_matches(
    editor: RegisterEditor,
    register: Register,
    found: Iterable[tuple[Item, list[Match]]],
    when: str,
    publishers: Mapping[str, str] | None = None,
) -> Changes:
    """Attach evidence and queue proposals, oldest item first.

    `publishers` maps a feed's name to its publisher (sources.yaml), so a proposal and
    the milestone it may become name who published the item, not the feed's slug.
    """
    known = {m.id: m for m in register.milestones}
    decided = {p.id for p in register.proposals}
    out = Changes()
    for item, matches in sorted(found, key=_order):
        if not item.link:  # evidence must be a web address a person can open
            continue
        ev = Evidence(
            title=item.title or "(untitled item)",
            url=item.link,
            source=item.source,
            first_seen=when,
            published=item.published,
            guid=item.guid,
            publisher=(publishers or {}).get(item.source),
        )
        for m in matches:
            milestone = known.get(m.milestone)
            if milestone is not None and editor.add_evidence(m.milestone, ev):
                out.evidence.append(
                    EvidenceAdded(m.milestone, ev.title, ev.url, ev.source, m.rule, milestone.title, ev.publisher or "")
                )
            # An ICS or ICB story names its systems, so once accepted "Our system" can show it.
            named = systems_named(register, item.title or "") if m.category == Category.ICS_DESIGNATION else ()
            proposal = propose(m, milestone, item, ev, when, systems=named)
            if proposal is not None and proposal.id not in decided and add_proposal(editor, proposal):
                decided.add(proposal.id)
                out.proposals.append(proposal)
    return out


# What an item's event says happened. A planned step (a merger announced, a bill
# introduced) is not reported as done: a milestone it discovers is proposed as expected.
DONE = (Event.PUBLISHED, Event.ROYAL_ASSENT, Event.ESTABLISHED, Event.DESIGNATED)


def status_from(m: Match, milestone: Milestone | None) -> MilestoneStatus | None:
    """The status the item suggests: a rule's `sets:`, else what its event says; None for none."""
    if dict(m.sets).get("status"):
        return MilestoneStatus(dict(m.sets)["status"])
    if milestone is None:  # a discovery: done if the item says so (or names no event), else planned
        return MilestoneStatus.PUBLISHED if m.event in (*DONE, Event.UPDATE) else MilestoneStatus.EXPECTED
    if m.event in DONE and milestone.status.open:
        return MilestoneStatus.PUBLISHED
    if m.event == Event.DELAYED and milestone.status == MilestoneStatus.EXPECTED:
        return MilestoneStatus.DELAYED
    return None


def propose(
    m: Match, milestone: Milestone | None, item: Item, ev: Evidence, when: str, systems: tuple[str, ...] = ()
) -> Proposal | None:
    """What this match would change, as a proposal; None if it changes nothing. `systems` are
    the register's systems the item names, kept with a milestone it discovers."""
    status = status_from(m, milestone)
    if milestone is None:
        if m.watch is None or not item.day:
            return None  # never propose a milestone without a date to give it
        changes = {"status": str(status)}
        if status == MilestoneStatus.PUBLISHED:
            changes["published"] = item.day
        values = dict(m.values)
        w = m.watch
        title = fill(w.title, values, item, human=True) if w.title else item.title or m.milestone
        summary = fill(w.summary, values, item, human=True).rstrip(".") + "." if w.summary else ""
        new = NewMilestone(title=title, category=m.category, summary=summary, systems=systems)
        kind = ProposalKind.NEW_MILESTONE
        why = f"a new {m.category.replace('-', ' ')} milestone: {title}"
    elif status and (_RANK.get(status, 0) > _RANK.get(milestone.status, 0) or status == MilestoneStatus.DELAYED):
        target = status
        changes = {"status": str(target)}
        if target.done and milestone.published is None:
            if not item.day:
                return None  # a status without a date would break the register's own rules
            changes["published"] = item.day
        new = None
        kind = ProposalKind.CHANGE
        why = f"the item reports that {milestone.title} is now {target}"
    else:
        return None
    # The same finding on the same item is one proposal, whatever date a feed gives it this time.
    return Proposal(
        id=proposal_id(kind, m.milestone, {"status": changes["status"]}, ev.guid or ev.url),
        found=when,
        kind=kind,
        milestone=m.milestone,
        set=changes,
        new=new,
        evidence=ev,
        found_by=f"rule:{m.rule}",
        why=why,
    )
