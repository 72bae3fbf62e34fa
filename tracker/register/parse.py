"""Reading the register: YAML tree in, typed `Register` out, every problem with its file and line.

Checking and parsing are one pass (see tracker.core.schema): `tracker validate`
reports every problem at once, and nothing downstream sees a value that was not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.core.dates import PartialDate
from tracker.core.files import parse_yaml, read_source, sha256_bytes
from tracker.core.schema import SLUG, Checker, bracket_depth, is_home_page
from tracker.register.model import (
    DESIGNATION_STAGES,
    MATCH_FIELDS,
    Category,
    Certainty,
    ChangeKind,
    Designation,
    Evidence,
    FootprintChange,
    HistoryEntry,
    Milestone,
    MilestoneStatus,
    Progress,
    Register,
    Rule,
    SourceRef,
    Stage,
    Successor,
    System,
    Watch,
)
from tracker.register.proposals import parse_proposals

CATEGORIES = tuple(Category)
STATUSES = tuple(MilestoneStatus)
STAGES = tuple(Stage)
MILESTONE_KEYS = (
    "id", "title", "category", "status", "expected", "published", "date_note", "summary",
    "superseded_by", "systems", "sources", "stages", "match", "evidence", "history",
)  # fmt: skip
SOURCE_KEYS = ("title", "url", "publisher", "date", "note", "retrieved")
SYSTEM_KEYS = ("id", "name", "description", "icb", "current_stage", "designations", "changes", "note")
ACCESSED = (
    "`accessed` is no longer read: it claimed a visit to the page that nobody made. Write "
    "`retrieved: YYYY-MM-DD` only for a page the tracker fetched itself; for a source taken from a "
    "document or a reference file, say so in `note` (for example `note: from the reference briefing, May 2018`)"
)
MERGED_INTO = (
    "`merged_into` is replaced by `changes:`. Write: changes: [{date: YYYY-MM, kind: merged, status: "
    "confirmed, what: ..., successors: [{system: <id>}], sources: [...]}]"
)
RULE_KEYS = ("id", "all", "any", "none", "field", "sets")
WATCH_KEYS = ("id", "category", "title", "all", "any", "none", "field", "summary", "creates")
# Placeholders a phrase may hold (see tracker.tracking.match), and those a watch's `creates` may use.
PHRASE_PLACEHOLDERS = ("years", "year", "words")
ID_PLACEHOLDERS = ("years", "year", "date", "slug", "icbs")  # icbs: the ICB names an item gives
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def source_ref(c: Checker, node: dict, path: str) -> SourceRef:
    """A citation: the document's own title and address (never a home page), its publisher and date."""
    c.unknown_keys(node, (*SOURCE_KEYS, "accessed"), path)
    if "accessed" in node:
        c.problem(node, "accessed", f"{path}.accessed", ACCESSED)
    title = c.text(node, "title", f"{path}.title") or ""
    if bracket_depth(title) > 1:
        c.problem(
            node, "title", f"{path}.title",
            "has brackets inside brackets: give the document's own title here and put the note in `note`",
        )  # fmt: skip
    url = c.url(node, "url", f"{path}.url", required=False)
    if url is not None and is_home_page(url):
        c.problem(
            node, "url", f"{path}.url",
            f"{url!r} is a home page, not the document: give the document's own address, or leave `url` "
            "out and write `note: no web address found`",
        )  # fmt: skip
        url = None
    publisher = c.text(node, "publisher", f"{path}.publisher", required=False)
    date = c.partial_date(node, "date", f"{path}.date", required=False)
    if "url" not in node and title and not (publisher and date):
        c.problem(
            node, "title", path,
            "a source with no web address needs its `publisher` and `date`, so a reader can find it",
        )  # fmt: skip
    return SourceRef(
        title=title,
        url=url,
        publisher=publisher,
        date=date,
        note=c.text(node, "note", f"{path}.note", required=False),
        retrieved=c.partial_date(node, "retrieved", f"{path}.retrieved", required=False),
    )


def _sources(c: Checker, node: dict, path: str, required: bool = False) -> tuple[SourceRef, ...]:
    seq = c.sequence(node, "sources", f"{path}.sources", required=required)
    return tuple(source_ref(c, s, p) for _, s, p in c.items(seq, f"{path}.sources"))


def _rule(c: Checker, node: dict, path: str, rule_ids: dict, watch: bool = False) -> Rule | Watch:
    c.unknown_keys(node, WATCH_KEYS if watch else RULE_KEYS, path)
    rid = c.slug(node, "id", f"{path}.id")
    c.unique(rule_ids, rid, node, "id", f"{path}.id", "rule id")
    kw: dict[str, Any] = dict(
        id=rid or "",
        all=c.strings(node, "all", f"{path}.all"),
        any=c.strings(node, "any", f"{path}.any"),
        none=c.strings(node, "none", f"{path}.none"),
        field=c.choice(node, "field", f"{path}.field", MATCH_FIELDS, required=False, default="title") or "title",
    )
    if not kw["all"] and not kw["any"]:
        c.problem(node, "id", path, "a rule needs at least one phrase under `all` or `any`")
    used = _check_placeholders(c, node, path)
    if watch:
        kw["category"] = Category(c.choice(node, "category", f"{path}.category", CATEGORIES) or "other")
        kw["title"] = c.text(node, "title", f"{path}.title", required=False)
        kw["summary"] = c.text(node, "summary", f"{path}.summary", required=False)
        kw["creates"] = _creates(c, node, f"{path}.creates", used)
        return Watch(**kw)
    sets = c.mapping(node, "sets", f"{path}.sets", required=False) or {}
    c.unknown_keys(sets, ("status",), f"{path}.sets")
    status = c.choice(sets, "status", f"{path}.sets.status", STATUSES, required=False)
    return Rule(**kw, sets={"status": status} if status else {})


def _check_placeholders(c: Checker, node: dict, path: str) -> set[str]:
    """Every `{name}` in a phrase must be one the matcher knows; return those used."""
    used: set[str] = set()
    for key in ("all", "any", "none"):
        seq = node.get(key)
        for i, phrase in enumerate(seq if isinstance(seq, list) else []):
            for name in _PLACEHOLDER.findall(str(phrase)):
                if name not in PHRASE_PLACEHOLDERS:
                    known = ", ".join(f"{{{n}}}" for n in PHRASE_PLACEHOLDERS)
                    c.problem(
                        seq, i, f"{path}.{key}[{i}]", f"unknown placeholder {{{name}}} (expected one of: {known})"
                    )
                elif key != "none":
                    used.add(name)
    return used


def _creates(c: Checker, node: dict, path: str, used: set[str]) -> str | None:
    """The id template of a discovered milestone: a slug once its placeholders are filled."""
    value = c.text(node, "creates", path, required=False)
    if value is None:
        return None
    for name in _PLACEHOLDER.findall(value):
        if name not in ID_PLACEHOLDERS:
            c.problem(
                node,
                "creates",
                path,
                f"unknown placeholder {{{name}}} (expected one of: {{years}}, {{year}}, {{date}}, {{slug}}, {{icbs}})",
            )
            return None
        if name in ("years", "year") and name not in used:
            c.problem(node, "creates", path, f"uses {{{name}}} but no `all` or `any` phrase captures it")
            return None
    example = _PLACEHOLDER.sub(
        lambda m: {"years": "2027-28", "year": "2027", "date": "2027-01-31"}.get(m.group(1), "x"), value
    )
    if not SLUG.match(example):
        c.problem(
            node, "creates", path, f"{value!r} should give a lowercase slug of letters, digits and single hyphens"
        )
        return None
    return value


def _milestone(c: Checker, node: dict, path: str, rule_ids: dict) -> Milestone:
    c.unknown_keys(node, MILESTONE_KEYS, path)
    status = c.choice(node, "status", f"{path}.status", STATUSES)
    published = c.partial_date(node, "published", f"{path}.published", required=False)
    if status == "published" and published is None and "published" not in node:
        c.problem(node, "status", f"{path}.published", f"is required when status is {status}")
    if status == "superseded" and published is None and "published" not in node and "expected" not in node:
        # Replaced before it came out (a promised green paper overtaken by a white paper) has no published date.
        c.problem(node, "status", f"{path}.published", "is required when status is superseded (or `expected`, "
                  "if it was replaced before it was ever published)")  # fmt: skip
    if status in ("expected", "delayed") and published is not None:
        c.problem(node, "published", f"{path}.published", f"should not be set while status is {status}")
    sources = _sources(c, node, path, required=True)
    if "sources" in node and not sources and isinstance(node["sources"], list):
        c.problem(node, "sources", f"{path}.sources", "every milestone needs at least one source")
    evidence = []
    for _, e, p in c.items(c.sequence(node, "evidence", f"{path}.evidence"), f"{path}.evidence"):
        c.unknown_keys(e, ("title", "url", "source", "first_seen", "published", "guid", "publisher"), p)
        evidence.append(Evidence(
            title=c.text(e, "title", f"{p}.title") or "",
            url=c.url(e, "url", f"{p}.url") or "",
            source=c.text(e, "source", f"{p}.source") or "",
            first_seen=c.timestamp(e, "first_seen", f"{p}.first_seen") or "",
            published=c.timestamp(e, "published", f"{p}.published", required=False),
            guid=c.text(e, "guid", f"{p}.guid", required=False),
            publisher=c.text(e, "publisher", f"{p}.publisher", required=False),
        ))  # fmt: skip
    history = []
    for _, h, p in c.items(c.sequence(node, "history", f"{path}.history"), f"{path}.history"):
        c.unknown_keys(h, ("when", "field", "from", "to", "why", "evidence", "by"), p)
        history.append(HistoryEntry(
            when=c.timestamp(h, "when", f"{p}.when") or "",
            field=c.text(h, "field", f"{p}.field") or "",
            old=h.get("from"), new=h.get("to"),
            why=c.text(h, "why", f"{p}.why") or "",
            evidence=c.url(h, "evidence", f"{p}.evidence", required=False),
            by=c.text(h, "by", f"{p}.by", required=False),
        ))  # fmt: skip
    return Milestone(
        id=c.slug(node, "id", f"{path}.id") or "",
        title=c.text(node, "title", f"{path}.title") or "",
        category=Category(c.choice(node, "category", f"{path}.category", CATEGORIES) or "other"),
        status=MilestoneStatus(status or "expected"),
        summary=c.text(node, "summary", f"{path}.summary") or "",
        expected=c.partial_date(node, "expected", f"{path}.expected", required=False),
        published=published,
        date_note=c.text(node, "date_note", f"{path}.date_note", required=False),
        superseded_by=c.slug(node, "superseded_by", f"{path}.superseded_by", required=False),
        sources=sources,
        match=tuple(_rule(c, r, p, rule_ids) for _, r, p in c.items(c.sequence(node, "match", f"{path}.match"), f"{path}.match")),
        evidence=tuple(evidence),
        history=tuple(history),
        stages=_stages(c, node, path),
        systems=_system_ids(c, node, "systems", f"{path}.systems"),
    )  # fmt: skip


def _system_ids(c: Checker, node: dict, key: str, path: str) -> tuple[str, ...]:
    """A list of system ids (checked against the register's systems once they are all read)."""
    ids = c.strings(node, key, path)
    for i, value in enumerate(ids):
        if not SLUG.match(value):
            c.problem(node.get(key), i, f"{path}[{i}]", f"{value!r} should be the id of a system in the register")
    return ids


def _stages(c: Checker, node: dict, path: str) -> tuple[Progress, ...]:
    """A milestone's stages so far (a bill in Parliament), each dated and sourced, oldest first."""
    out: list[Progress] = []
    for _, st, p in c.items(c.sequence(node, "stages", f"{path}.stages"), f"{path}.stages"):
        c.unknown_keys(st, ("date", "what", "sources", "note"), p)
        date = c.partial_date(st, "date", f"{p}.date")
        sources = _sources(c, st, p, required=True)
        if date is not None and out and _before(date, out[-1].date):
            c.problem(st, "date", f"{p}.date", f"{date} is earlier than the stage before it ({out[-1].date}): "
                      "list stages oldest first")  # fmt: skip
        out.append(Progress(
            date=date or PartialDate(1900),
            what=c.text(st, "what", f"{p}.what") or "",
            sources=sources,
            note=c.text(st, "note", f"{p}.note", required=False),
        ))  # fmt: skip
    return tuple(out)


def _before(a: PartialDate, b: PartialDate) -> bool:
    """`a` is certainly earlier than `b`, whatever days the less precise of them may stand for."""
    return a.last_day() < b.first_day()


def _system(c: Checker, node: dict, path: str) -> System:
    c.unknown_keys(node, (*SYSTEM_KEYS, "merged_into"), path)
    if "merged_into" in node:
        c.problem(node, "merged_into", f"{path}.merged_into", MERGED_INTO)
    designations: list[Designation] = []
    for _, d, p in c.items(
        c.sequence(node, "designations", f"{path}.designations", required=True), f"{path}.designations"
    ):
        c.unknown_keys(d, ("date", "stage", "what", "source", "status"), p)
        src = c.mapping(d, "source", f"{p}.source")
        date = c.partial_date(d, "date", f"{p}.date")
        if d.get("stage") in ("merged", "dissolved", "renamed"):
            c.problem(d, "stage", f"{p}.stage", f"{d.get('stage')!r} is not a designation: record how a system "
                      "ended or changed under `changes:` (kind merged, split, dissolved, boundary or renamed)")  # fmt: skip
            stage = None
        else:
            stage = c.choice(d, "stage", f"{p}.stage", DESIGNATION_STAGES)
        if date is not None and designations and _before(date, designations[-1].date):
            c.problem(d, "date", f"{p}.date", f"{date} is earlier than the designation before it "
                      f"({designations[-1].date}): list designations oldest first")  # fmt: skip
        designations.append(Designation(
            date=date or PartialDate(1900),
            stage=Stage(stage or "stp"),
            what=c.text(d, "what", f"{p}.what") or "",
            source=source_ref(c, src, f"{p}.source") if src is not None else None,
            status=_certainty(c, d, p),
        ))  # fmt: skip
    changes = tuple(
        _change(c, ch, p) for _, ch, p in c.items(c.sequence(node, "changes", f"{path}.changes"), f"{path}.changes")
    )
    stage = c.choice(node, "current_stage", f"{path}.current_stage", STAGES)
    system = System(
        id=c.slug(node, "id", f"{path}.id") or "",
        name=c.text(node, "name", f"{path}.name") or "",
        current_stage=Stage(stage or "stp"),
        designations=tuple(designations),
        description=c.text(node, "description", f"{path}.description", required=False),
        note=c.text(node, "note", f"{path}.note", required=False),
        icb=c.text(node, "icb", f"{path}.icb", required=False),
        changes=changes,
    )
    _check_changes(c, node, path, system)
    return system


def _certainty(c: Checker, node: dict, path: str) -> Certainty:
    value = c.choice(node, "status", f"{path}.status", tuple(Certainty), required=False, default="confirmed")
    return Certainty(value or "confirmed")


SUCCESSOR_RULES = {
    ChangeKind.MERGED: "exactly one successor, which takes the whole area",
    ChangeKind.SPLIT: "two or more successors, each with the `area` it takes",
    ChangeKind.BOUNDARY: "at least one successor, with the `area` that moves to it",
}


def _change(c: Checker, node: dict, path: str) -> FootprintChange:
    c.unknown_keys(node, ("date", "kind", "status", "what", "successors", "sources", "name"), path)
    kind = ChangeKind(c.choice(node, "kind", f"{path}.kind", tuple(ChangeKind)) or "boundary")
    status = Certainty(c.choice(node, "status", f"{path}.status", tuple(Certainty)) or "planned")
    successors: list[Successor] = []
    for _, s, p in c.items(c.sequence(node, "successors", f"{path}.successors"), f"{path}.successors"):
        c.unknown_keys(s, ("system", "area", "places"), p)
        successors.append(Successor(
            system=c.slug(s, "system", f"{p}.system") or "",
            area=c.text(s, "area", f"{p}.area", required=False),
            places=c.strings(s, "places", f"{p}.places"),
        ))  # fmt: skip
    n, parts = len(successors), [x for x in successors if x.area]
    wrong = (
        (kind == ChangeKind.MERGED and (n != 1 or parts))
        or (kind == ChangeKind.SPLIT and (n < 2 or len(parts) != n))
        or (kind == ChangeKind.BOUNDARY and (n < 1 or len(parts) != n))
        or (kind == ChangeKind.DISSOLVED and len(parts) != n)
        or (kind == ChangeKind.RENAMED and n)
    )
    if wrong:
        rule = SUCCESSOR_RULES.get(
            kind, "no successors" if kind == ChangeKind.RENAMED else "each successor with its `area`"
        )
        c.problem(node, "successors" if "successors" in node else "kind", f"{path}.successors",
                  f"a {kind} change needs {rule}")  # fmt: skip
    name = c.text(node, "name", f"{path}.name", required=kind == ChangeKind.RENAMED)
    return FootprintChange(
        date=c.partial_date(node, "date", f"{path}.date") or PartialDate(1900),
        kind=kind,
        status=status,
        what=c.text(node, "what", f"{path}.what") or "",
        successors=tuple(successors),
        sources=_sources(c, node, path, required=True),
        name=name,
    )


def _check_changes(c: Checker, node: dict, path: str, system: System) -> None:
    """Dates in order, nothing after the system ended, and `current_stage` agreeing with how it ended."""
    listed = node.get("changes")
    seq: list = listed if isinstance(listed, list) else []
    start = system.designations[0].date if system.designations else None
    ended: FootprintChange | None = None
    for i, ch in enumerate(system.changes):
        here, p = (seq[i] if i < len(seq) else node), f"{path}.changes[{i}]"
        if start is not None and _before(ch.date, start):
            c.problem(here, "date", f"{p}.date", f"{ch.date} is before the system's first designation ({start})")
        if i and _before(ch.date, system.changes[i - 1].date):
            c.problem(here, "date", f"{p}.date", f"{ch.date} is earlier than the change before it "
                      f"({system.changes[i - 1].date}): list changes oldest first")  # fmt: skip
        if ended is not None:
            c.problem(here, "date", f"{p}.date", f"comes after the change of {ended.date} that ends this system")
        if ch.kind.ends:
            ended = ch
        if any(s.system == system.id for s in ch.successors):
            c.problem(here, "successors", f"{p}.successors", "a system cannot be its own successor")
    last = system.ended_by
    expected = None if last is None else Stage.MERGED if last.kind == ChangeKind.MERGED else Stage.DISSOLVED
    if last is not None and expected is not None and system.current_stage != expected:
        c.problem(node, "current_stage", f"{path}.current_stage",
                  f"should be {expected}: the system ended on {last.date} (a confirmed {last.kind} change)")  # fmt: skip
    if expected is None and system.current_stage in (Stage.MERGED, Stage.DISSOLVED):
        c.problem(node, "current_stage", f"{path}.current_stage",
                  f"is {system.current_stage}, but no confirmed change under `changes:` ends the system")  # fmt: skip


def parse_register(tree: Any, c: Checker) -> Register:
    """Check the whole tree, recording problems in `c`; return the typed register."""
    if not isinstance(tree, dict):
        c.problem(tree, None, "", "the register should be a mapping with `milestones` and `systems`")
        return Register((), ())
    c.unknown_keys(tree, ("schema", "milestones", "systems", "watches", "proposals"), "")
    rule_ids: dict[str, str] = {}
    milestones = tuple(
        _milestone(c, m, p, rule_ids)
        for _, m, p in c.items(c.sequence(tree, "milestones", "milestones", required=True), "milestones")
    )
    systems = tuple(
        _system(c, s, p) for _, s, p in c.items(c.sequence(tree, "systems", "systems", required=True), "systems")
    )
    watches = tuple(
        _rule(c, w, p, rule_ids, watch=True) for _, w, p in c.items(c.sequence(tree, "watches", "watches"), "watches")
    )
    _check_ids(c, tree, "milestones", {m.id for m in milestones}, "superseded_by")
    _check_ids(c, tree, "systems", {s.id for s in systems}, None)
    _check_successors(c, tree, systems)
    _check_system_refs(c, tree, milestones, {s.id for s in systems})
    proposals = parse_proposals(c, tree, {m.id for m in milestones})
    return Register(milestones, systems, watches, proposals)  # type: ignore[arg-type]


def _check_successors(c: Checker, tree: dict, systems: tuple[System, ...]) -> None:
    """Every successor is a system in the register, and exists by the date of the change."""
    by_id = {s.id: s for s in systems}
    listed = tree.get("systems")
    nodes: list[dict] = [n for n in listed if isinstance(n, dict)] if isinstance(listed, list) else []
    for si, (system, node) in enumerate(zip(systems, nodes, strict=False)):
        found = node.get("changes")
        seq: list = found if isinstance(found, list) else []
        for ci, (ch, ch_node) in enumerate(zip(system.changes, seq, strict=False)):
            succ = ch_node.get("successors") if isinstance(ch_node, dict) else None
            for k, s in enumerate(ch.successors):
                p = f"systems[{si}].changes[{ci}].successors[{k}].system"
                where = succ[k] if isinstance(succ, list) and k < len(succ) else ch_node
                target = by_id.get(s.system)
                if s.system and target is None:
                    c.problem(where, "system", p, f"{s.system!r} is not the id of any system in the register")
                elif target is not None and target.designations and _before(ch.date, target.designations[0].date):
                    c.problem(where, "system", p, f"{target.id} begins only on {target.designations[0].date}, "
                              f"after this change ({ch.date})")  # fmt: skip


def _check_system_refs(c: Checker, tree: dict, milestones: tuple[Milestone, ...], known: set[str]) -> None:
    """A milestone's `systems:` names systems the register holds."""
    listed = tree.get("milestones")
    nodes = [n for n in listed if isinstance(n, dict)] if isinstance(listed, list) else []
    for i, (m, node) in enumerate(zip(milestones, nodes, strict=False)):
        for k, sid in enumerate(m.systems):
            if sid not in known:
                where = f"milestones[{i}].systems[{k}]"
                c.problem(node.get("systems"), k, where, f"{sid!r} is not the id of any system in the register")


def _check_ids(c: Checker, tree: dict, key: str, known: set[str], ref: str | None) -> None:
    seen: dict[str, str] = {}
    for _, node, p in c.items(tree.get(key) or [], key):
        if isinstance(node.get("id"), str):
            c.unique(seen, node["id"], node, "id", f"{p}.id")
        if ref is None:
            continue
        target = node.get(ref)
        if isinstance(target, str) and target not in known:
            c.problem(node, ref, f"{p}.{ref}", f"{target!r} is not the id of any {key[:-1]} in the register")


def load_register(path: Path | str) -> Register:
    return read_register(path)[0]


@dataclass(frozen=True)
class Parsed:
    """The register as read: its text, round-trip tree and the sha256 of its bytes.

    Passed down so one run reads and parses the file once: `update(reuse=...)` edits
    this tree if the file still holds this text, and a pack's manifest records `sha256`.
    """

    text: str
    tree: Any
    sha256: str


def read_register(path: Path | str) -> tuple[Register, Parsed]:
    """The typed register and what it was parsed from; ConfigError names every problem's line."""
    path = Path(path)
    raw, text = read_source(path)
    tree = parse_yaml(text, str(path))
    c = Checker(str(path))
    register = parse_register(tree, c)
    c.raise_if_problems()
    return register, Parsed(text, tree, sha256_bytes(raw))
