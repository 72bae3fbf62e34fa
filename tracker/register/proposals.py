"""Proposals: what the tracker found, waiting for a person to accept or reject it.

The tracker never changes a milestone's status or dates, and never adds a milestone,
by itself: it writes a proposal to the register's `proposals:` list, with the item that
shows it, what found it and why. `tracker review accept` applies a proposal (recorded in
the milestone's history with who and when) and removes it from the list; `reject` keeps
it, marked rejected with who, when and why, so the same finding on the same evidence is
never proposed again. Evidence (an item attached to a milestone it clearly matches)
stays automatic: it is a link to a real publication, not a claim about the milestone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from tracker.core.dates import PartialDate
from tracker.core.errors import TrackerError
from tracker.core.schema import Checker, is_home_page
from tracker.register.model import (
    Category,
    Evidence,
    MilestoneStatus,
    NewMilestone,
    Proposal,
    ProposalKind,
    ProposalState,
    Register,
)
from tracker.register.timing import is_overdue, milestone_timing
from tracker.register.words import when_words

if TYPE_CHECKING:  # edit imports parse, which reads proposals: the editor is only a parameter here
    from tracker.register.edit import RegisterEditor

FIELDS = ("status", "published", "expected")  # what a proposal may change, in the order it is applied
PROPOSAL_KEYS = (
    "id", "found", "kind", "milestone", "set", "new", "evidence", "found_by", "why",
    "state", "decided_by", "decided", "reason",
)  # fmt: skip


def proposal_id(kind: ProposalKind, milestone: str, changes: dict[str, str], evidence_url: str | None) -> str:
    """The same finding on the same evidence always has the same id (so it is proposed once)."""
    key = "|".join([str(kind), milestone, *(f"{k}={changes[k]}" for k in sorted(changes)), evidence_url or ""])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


# -- parsing ------------------------------------------------------------------------


def parse_proposals(c: Checker, tree: dict, known_milestones: set[str]) -> tuple[Proposal, ...]:
    out = []
    seen: dict[str, str] = {}
    for _, node, path in c.items(c.sequence(tree, "proposals", "proposals"), "proposals"):
        c.unknown_keys(node, PROPOSAL_KEYS, path)
        pid = c.text(node, "id", f"{path}.id") or ""
        c.unique(seen, pid or None, node, "id", f"{path}.id", "proposal id")
        kind = ProposalKind(c.choice(node, "kind", f"{path}.kind", tuple(ProposalKind)) or "change")
        target = c.slug(node, "milestone", f"{path}.milestone") or ""
        if kind == ProposalKind.CHANGE and target and target not in known_milestones:
            c.problem(
                node, "milestone", f"{path}.milestone", f"{target!r} is not the id of any milestone in the register"
            )
        changes = _changes(c, node, f"{path}.set")
        new = None
        if kind == ProposalKind.NEW_MILESTONE:
            n = c.mapping(node, "new", f"{path}.new") or {}
            c.unknown_keys(n, ("title", "category", "summary", "systems"), f"{path}.new")
            new = NewMilestone(
                title=c.text(n, "title", f"{path}.new.title") or "",
                category=Category(c.choice(n, "category", f"{path}.new.category", tuple(Category)) or "other"),
                summary=c.text(n, "summary", f"{path}.new.summary", required=False) or "",
                systems=c.strings(n, "systems", f"{path}.new.systems"),
            )
        state = ProposalState(
            c.choice(node, "state", f"{path}.state", tuple(ProposalState), required=False) or "pending"
        )
        out.append(
            Proposal(
                id=pid,
                found=c.timestamp(node, "found", f"{path}.found") or "",
                kind=kind,
                milestone=target,
                set=changes,
                new=new,
                evidence=_evidence(c, node, f"{path}.evidence"),
                found_by=c.text(node, "found_by", f"{path}.found_by", required=False) or "",
                why=c.text(node, "why", f"{path}.why", required=False) or "",
                state=state,
                decided_by=c.text(node, "decided_by", f"{path}.decided_by", required=state == ProposalState.REJECTED),
                decided=c.timestamp(node, "decided", f"{path}.decided", required=state == ProposalState.REJECTED),
                reason=c.text(node, "reason", f"{path}.reason", required=False),
            )
        )
    return tuple(out)


def _changes(c: Checker, node: dict, path: str) -> dict[str, str]:
    given = c.mapping(node, "set", path, required=False) or {}
    c.unknown_keys(given, FIELDS, path)
    out: dict[str, str] = {}
    if "status" in given:
        status = c.choice(given, "status", f"{path}.status", tuple(MilestoneStatus))
        if status:
            out["status"] = status
    for name in ("published", "expected"):
        if name in given:
            date = c.partial_date(given, name, f"{path}.{name}")
            if date:
                out[name] = str(date)
    return out


def _evidence(c: Checker, node: dict, path: str) -> Evidence | None:
    e = c.mapping(node, "evidence", path, required=False)
    if e is None:
        return None
    c.unknown_keys(e, ("title", "url", "source", "publisher", "published"), path)
    return Evidence(
        title=c.text(e, "title", f"{path}.title") or "",
        url=c.url(e, "url", f"{path}.url") or "",
        source=c.text(e, "source", f"{path}.source") or "",
        first_seen=c.timestamp(node, "found", f"{path}.found") or "",
        published=c.timestamp(e, "published", f"{path}.published", required=False),
        publisher=c.text(e, "publisher", f"{path}.publisher", required=False),
    )


# -- writing and deciding ------------------------------------------------------------


def add_proposal(editor: RegisterEditor, proposal: Proposal) -> bool:
    """Queue a proposal unless the same one is already pending or was rejected before."""
    seq = _proposals(editor)
    if any(node.get("id") == proposal.id for node in seq):
        return False
    node = CommentedMap(id=proposal.id, found=proposal.found, kind=str(proposal.kind), milestone=proposal.milestone)
    if proposal.set:
        node["set"] = CommentedMap((k, _yaml_value(k, proposal.set[k])) for k in FIELDS if k in proposal.set)
    if proposal.new:
        node["new"] = CommentedMap(
            title=proposal.new.title, category=str(proposal.new.category), summary=proposal.new.summary
        )
        if proposal.new.systems:
            node["new"]["systems"] = _flow(proposal.new.systems)
    if proposal.evidence:
        ev = proposal.evidence
        item = CommentedMap(title=ev.title, url=ev.url, source=ev.source)
        if ev.publisher:
            item["publisher"] = ev.publisher
        if ev.published:
            item["published"] = ev.published
        node["evidence"] = item
    node["found_by"] = proposal.found_by
    node["why"] = proposal.why
    node["state"] = str(ProposalState.PENDING)
    seq.append(node)
    return True


def accept(editor: RegisterEditor, proposal: Proposal, *, by: str, when: str) -> None:
    """Apply a pending proposal to the register, record who accepted it, and take it off the list."""
    _check_pending(proposal)
    why = f"accepted by {by}: {proposal.why}".rstrip(": ") if proposal.why else f"accepted by {by}"
    url = proposal.evidence.url if proposal.evidence else None
    if proposal.kind == ProposalKind.NEW_MILESTONE:
        editor.add_milestone(_new_milestone(proposal, by=by, when=when, why=why))
    else:
        for name in FIELDS:
            if name in proposal.set:
                value: Any = proposal.set[name]
                if name != "status":
                    value = PartialDate.parse(value)
                editor.set_field(proposal.milestone, name, value, why=why, when=when, evidence=url, by=by)
    if proposal.evidence and proposal.kind == ProposalKind.CHANGE:
        editor.add_evidence(proposal.milestone, proposal.evidence)
    _remove(editor, proposal.id)


def reject(editor: RegisterEditor, proposal: Proposal, *, by: str, when: str, reason: str) -> None:
    """Mark a pending proposal rejected, with who, when and why; it stays so it is never proposed again."""
    _check_pending(proposal)
    for node in _proposals(editor):
        if node.get("id") == proposal.id:
            node["state"] = str(ProposalState.REJECTED)
            node["decided_by"] = by
            node["decided"] = when
            node["reason"] = reason
            return
    raise TrackerError(f"proposal {proposal.id} is no longer in the register")


def _check_pending(proposal: Proposal) -> None:
    if not proposal.pending:
        raise TrackerError(
            f"proposal {proposal.id} was already {proposal.state} by {proposal.decided_by} on {proposal.decided}"
        )


def _proposals(editor: RegisterEditor) -> CommentedSeq:
    seq = editor.tree.get("proposals")
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq(seq or [])
        editor.tree["proposals"] = seq
    seq.fa.set_block_style()
    return seq


def _remove(editor: RegisterEditor, pid: str) -> None:
    seq = _proposals(editor)
    for i, node in enumerate(seq):
        if node.get("id") == pid:
            del seq[i]
            return


def _flow(ids: tuple[str, ...]) -> CommentedSeq:
    """A short list of ids on one line: `systems: [frimley, surrey-heartlands]`."""
    seq = CommentedSeq(ids)
    seq.fa.set_flow_style()
    return seq


def _yaml_value(name: str, value: str) -> Any:
    return value if name == "status" else PartialDate.parse(value).to_yaml()


def _new_milestone(p: Proposal, *, by: str, when: str, why: str) -> dict[str, Any]:
    assert p.new is not None
    status = p.set.get("status", str(MilestoneStatus.EXPECTED))
    data: dict[str, Any] = {"id": p.milestone, "title": p.new.title, "category": str(p.new.category), "status": status}
    for name in ("expected", "published"):
        if name in p.set:
            data[name] = PartialDate.parse(p.set[name]).to_yaml()
    data["summary"] = p.new.summary or p.new.title
    if p.new.systems:
        data["systems"] = _flow(p.new.systems)
    source = CommentedMap(title=p.evidence.title if p.evidence else p.new.title)
    if p.evidence:
        if not is_home_page(p.evidence.url):  # a home page is not the document: cite it by publisher and date
            source["url"] = p.evidence.url
        else:
            source["note"] = "The feed item gave no address of its own, only a site's home page."
        source["publisher"] = p.evidence.publisher or p.evidence.source
        source["date"] = PartialDate.parse((p.evidence.published or p.found)[:10]).to_yaml()
        source["retrieved"] = PartialDate.parse(p.found[:10]).to_yaml()  # the tracker fetched this item itself
    data["sources"] = CommentedSeq([source])
    data["evidence"] = CommentedSeq()
    if p.evidence:  # the item that showed it is its first evidence (and dates the event)
        ev = CommentedMap(title=p.evidence.title, url=p.evidence.url, source=p.evidence.source)
        if p.evidence.publisher:
            ev["publisher"] = p.evidence.publisher
        if p.evidence.published:
            ev["published"] = p.evidence.published
        ev["first_seen"] = p.found
        data["evidence"].append(ev)
    entry = CommentedMap(when=when, field="status")
    entry["from"] = None
    entry["to"] = status
    entry["why"] = why
    entry["by"] = by
    if p.evidence:
        entry["evidence"] = p.evidence.url
    data["history"] = CommentedSeq([entry])
    return data


def overdue(register: Register, today: dt.date, when: str) -> tuple[Proposal, ...]:
    """A proposal to mark each milestone still expected after its date as delayed.

    Computed from the register's own dates, never stored until a person decides: a
    rejected one is kept (and so not proposed again for that date); an accepted one
    changes the status, so it is not overdue any more.
    """
    rejected = {p.id for p in register.proposals if p.state == ProposalState.REJECTED}
    out = []
    for m in register.milestones:
        if m.status != MilestoneStatus.EXPECTED or m.expected is None or not is_overdue(*milestone_timing(m), today):
            continue  # overdue as the pack says it (tracker.register.timing), so both always agree
        changes = {"status": str(MilestoneStatus.DELAYED)}
        pid = proposal_id(ProposalKind.CHANGE, m.id, {**changes, "expected": str(m.expected)}, None)
        if pid in rejected:
            continue
        out.append(
            Proposal(
                id=pid,
                found=when,
                kind=ProposalKind.CHANGE,
                milestone=m.id,
                set=changes,
                found_by="overdue",
                why=f"it was expected {when_words(m.expected)} and no source has confirmed it since",
            )
        )
    return tuple(out)


def review_queue(register: Register, today: dt.date, when: str) -> tuple[Proposal, ...]:
    """Everything waiting for a person, newest first: stored proposals and overdue milestones."""
    stored = {p.id for p in register.proposals}
    found = [*register.pending, *(p for p in overdue(register, today, when) if p.id not in stored)]
    return tuple(sorted(found, key=lambda p: (p.found, p.id), reverse=True))
