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
from tracker.core.schema import SLUG, Checker
from tracker.register.model import (
    MATCH_FIELDS,
    Category,
    Designation,
    Evidence,
    HistoryEntry,
    Milestone,
    MilestoneStatus,
    Register,
    Rule,
    SourceRef,
    Stage,
    System,
    Watch,
)
from tracker.register.proposals import parse_proposals

CATEGORIES = tuple(Category)
STATUSES = tuple(MilestoneStatus)
STAGES = tuple(Stage)
MILESTONE_KEYS = (
    "id", "title", "category", "status", "expected", "published", "date_note", "summary",
    "superseded_by", "sources", "match", "evidence", "history",
)  # fmt: skip
RULE_KEYS = ("id", "all", "any", "none", "field", "sets")
WATCH_KEYS = ("id", "category", "title", "all", "any", "none", "field", "summary", "creates")
# Placeholders a phrase may hold (see tracker.tracking.match), and those a watch's `creates` may use.
PHRASE_PLACEHOLDERS = ("years", "year", "words")
ID_PLACEHOLDERS = ("years", "year", "date", "slug", "icbs")  # icbs: the ICB names an item gives
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def source_ref(c: Checker, node: dict, path: str) -> SourceRef:
    c.unknown_keys(node, ("title", "url", "accessed", "publisher", "date"), path)
    return SourceRef(
        title=c.text(node, "title", f"{path}.title") or "",
        url=c.url(node, "url", f"{path}.url", required=False),
        accessed=c.partial_date(node, "accessed", f"{path}.accessed", required=False),
        publisher=c.text(node, "publisher", f"{path}.publisher", required=False),
        date=c.partial_date(node, "date", f"{path}.date", required=False),
    )


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
    if status in ("published", "superseded") and published is None and "published" not in node:
        c.problem(node, "status", f"{path}.published", f"is required when status is {status}")
    if status in ("expected", "delayed") and published is not None:
        c.problem(node, "published", f"{path}.published", f"should not be set while status is {status}")
    sources = tuple(
        source_ref(c, s, p)
        for _, s, p in c.items(c.sequence(node, "sources", f"{path}.sources", required=True), f"{path}.sources")
    )
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
    )  # fmt: skip


def _system(c: Checker, node: dict, path: str) -> System:
    c.unknown_keys(node, ("id", "name", "description", "current_stage", "merged_into", "designations", "note"), path)
    designations = []
    for _, d, p in c.items(
        c.sequence(node, "designations", f"{path}.designations", required=True), f"{path}.designations"
    ):
        c.unknown_keys(d, ("date", "stage", "what", "source"), p)
        src = c.mapping(d, "source", f"{p}.source")
        designations.append(Designation(
            date=c.partial_date(d, "date", f"{p}.date") or PartialDate(1900),
            stage=Stage(c.choice(d, "stage", f"{p}.stage", STAGES) or "stp"),
            what=c.text(d, "what", f"{p}.what") or "",
            source=source_ref(c, src, f"{p}.source") if src is not None else None,
        ))  # fmt: skip
    stage = c.choice(node, "current_stage", f"{path}.current_stage", STAGES)
    merged_into = c.slug(node, "merged_into", f"{path}.merged_into", required=False)
    if stage == "merged" and not merged_into:
        c.problem(node, "current_stage", f"{path}.merged_into", "is required when current_stage is merged")
    return System(
        id=c.slug(node, "id", f"{path}.id") or "",
        name=c.text(node, "name", f"{path}.name") or "",
        current_stage=Stage(stage or "stp"),
        designations=tuple(designations),
        description=c.text(node, "description", f"{path}.description", required=False),
        merged_into=merged_into,
        note=c.text(node, "note", f"{path}.note", required=False),
    )


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
    _check_ids(c, tree, "systems", {s.id for s in systems}, "merged_into")
    proposals = parse_proposals(c, tree, {m.id for m in milestones})
    return Register(milestones, systems, watches, proposals)  # type: ignore[arg-type]


def _check_ids(c: Checker, tree: dict, key: str, known: set[str], ref: str) -> None:
    seen: dict[str, str] = {}
    for _, node, p in c.items(tree.get(key) or [], key):
        if isinstance(node.get("id"), str):
            c.unique(seen, node["id"], node, "id", f"{p}.id")
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
