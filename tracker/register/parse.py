"""The policy register: typed view, parsing, and safe transactional edits.

The YAML file is the source of truth. Edits go through `update()`, which takes the
lock, re-reads the file, lets the caller change the round-trip tree, and writes it
back atomically only if the text changed; so two writers never lose each other's
work, a crash never leaves half a file, and a no-op run leaves the bytes alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from tracker.core.dates import PartialDate
from tracker.core.files import atomic_write, dump_yaml, locked, parse_yaml, read_text
from tracker.core.schema import SLUG, Checker

CATEGORIES = ("planning-guidance", "ten-year-plan", "ics-designation", "legislation", "other")
STATUSES = ("expected", "delayed", "published", "superseded", "withdrawn")
STAGES = ("stp", "acs", "ics", "icb", "merged", "renamed")
MATCH_FIELDS = ("title", "text")
MILESTONE_KEYS = (
    "id", "title", "category", "status", "expected", "published", "date_note", "summary",
    "superseded_by", "sources", "match", "evidence", "history",
)  # fmt: skip
RULE_KEYS = ("id", "all", "any", "none", "field", "sets")
WATCH_KEYS = ("id", "category", "title", "all", "any", "none", "field", "summary", "creates")
# Placeholders a phrase may hold (see tracker.match), and those a watch's `creates` may use.
PHRASE_PLACEHOLDERS = ("years", "year", "words")
ID_PLACEHOLDERS = ("years", "year", "date", "slug")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class SourceRef:
    title: str
    url: str | None  # None for a document with no web address: cite it by publisher and date
    accessed: PartialDate | None = None
    publisher: str | None = None
    date: PartialDate | None = None


@dataclass(frozen=True)
class Rule:
    """Phrases matched against a feed item after normalising (see tracker.match)."""

    id: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    field: str = "title"
    sets: dict[str, str] = dc_field(default_factory=dict)


@dataclass(frozen=True)
class Watch(Rule):
    """A per-category rule that discovers milestones the register does not list yet."""

    category: str = "other"
    title: str | None = None
    summary: str | None = None
    creates: str | None = None  # id template of the milestone it discovers, e.g. planning-guidance-{years}


@dataclass(frozen=True)
class Evidence:
    title: str
    url: str
    source: str
    first_seen: str
    published: str | None = None
    guid: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    when: str
    field: str
    old: Any
    new: Any
    why: str
    evidence: str | None = None


@dataclass(frozen=True)
class Milestone:
    id: str
    title: str
    category: str
    status: str
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
    stage: str
    what: str
    source: SourceRef | None


@dataclass(frozen=True)
class System:
    id: str
    name: str
    current_stage: str
    designations: tuple[Designation, ...]
    description: str | None = None
    merged_into: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Register:
    milestones: tuple[Milestone, ...]
    systems: tuple[System, ...]
    watches: tuple[Watch, ...] = ()

    def milestone(self, id: str) -> Milestone | None:
        return next((m for m in self.milestones if m.id == id), None)

    def system(self, id: str) -> System | None:
        return next((s for s in self.systems if s.id == id), None)


# -- parsing ------------------------------------------------------------------


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
        kw["category"] = c.choice(node, "category", f"{path}.category", CATEGORIES) or "other"
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
                f"unknown placeholder {{{name}}} (expected one of: {{years}}, {{year}}, {{date}}, {{slug}})",
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
        c.unknown_keys(e, ("title", "url", "source", "first_seen", "published", "guid"), p)
        evidence.append(Evidence(
            title=c.text(e, "title", f"{p}.title") or "",
            url=c.url(e, "url", f"{p}.url") or "",
            source=c.text(e, "source", f"{p}.source") or "",
            first_seen=c.timestamp(e, "first_seen", f"{p}.first_seen") or "",
            published=c.timestamp(e, "published", f"{p}.published", required=False),
            guid=c.text(e, "guid", f"{p}.guid", required=False),
        ))  # fmt: skip
    history = []
    for _, h, p in c.items(c.sequence(node, "history", f"{path}.history"), f"{path}.history"):
        c.unknown_keys(h, ("when", "field", "from", "to", "why", "evidence"), p)
        history.append(HistoryEntry(
            when=c.timestamp(h, "when", f"{p}.when") or "",
            field=c.text(h, "field", f"{p}.field") or "",
            old=h.get("from"), new=h.get("to"),
            why=c.text(h, "why", f"{p}.why") or "",
            evidence=c.url(h, "evidence", f"{p}.evidence", required=False),
        ))  # fmt: skip
    return Milestone(
        id=c.slug(node, "id", f"{path}.id") or "",
        title=c.text(node, "title", f"{path}.title") or "",
        category=c.choice(node, "category", f"{path}.category", CATEGORIES) or "other",
        status=status or "expected",
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
            stage=c.choice(d, "stage", f"{p}.stage", STAGES) or "stp",
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
        current_stage=stage or "stp",
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
    c.unknown_keys(tree, ("schema", "milestones", "systems", "watches"), "")
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
    return Register(milestones, systems, watches)  # type: ignore[arg-type]


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


def read_register(path: Path | str) -> tuple[Register, Parsed]:
    """The typed register, and the text and tree it came from (for `update(reuse=...)`)."""
    path = Path(path)
    text = read_text(path)
    tree = parse_yaml(text, str(path))
    c = Checker(str(path))
    register = parse_register(tree, c)
    c.raise_if_problems()
    return register, Parsed(text, tree)


@dataclass(frozen=True)
class Parsed:
    text: str
    tree: Any


# -- editing ------------------------------------------------------------------


class RegisterEditor:
    """Changes to the round-trip tree that keep comments, order and history."""

    def __init__(self, tree: CommentedMap):
        self.tree = tree

    def _node(self, milestone_id: str) -> CommentedMap:
        for node in self.tree.get("milestones") or []:
            if node.get("id") == milestone_id:
                return node
        raise KeyError(milestone_id)

    @staticmethod
    def _block_list(node: CommentedMap, key: str) -> CommentedSeq:
        seq = node.get(key)
        if not isinstance(seq, CommentedSeq):
            seq = CommentedSeq(seq or [])
            node[key] = seq
        seq.fa.set_block_style()  # `[]` in the file must not turn into a flow list
        return seq

    def get(self, milestone_id: str, name: str) -> Any:
        """A field's current value in the tree, including this transaction's edits."""
        return self._node(milestone_id).get(name)

    def add_evidence(self, milestone_id: str, ev: Evidence) -> bool:
        """Attach evidence once: the same link or guid from any feed is the same item."""
        seq = self._block_list(self._node(milestone_id), "evidence")
        for old in seq:
            if old.get("url") == ev.url or (ev.guid and old.get("guid") == ev.guid):
                return False
        item = CommentedMap(title=ev.title, url=ev.url, source=ev.source)
        if ev.published:
            item["published"] = ev.published
        item["first_seen"] = ev.first_seen
        if ev.guid and ev.guid != ev.url:
            item["guid"] = ev.guid
        seq.append(item)
        return True

    def set_field(
        self, milestone_id: str, name: str, value: Any, *, why: str, when: str, evidence: str | None = None
    ) -> bool:
        """Change one field and record from, to, why and the evidence in history."""
        node = self._node(milestone_id)
        if isinstance(value, PartialDate):
            value = value.to_yaml()
        old = node.get(name)
        if _plain(old) == _plain(value):
            return False
        if name in node:
            node[name] = value
        else:  # keep the schema's key order for a field that was absent
            keys = list(MILESTONE_KEYS)
            after = [k for k in keys[: keys.index(name)] if k in node] if name in keys else list(node)
            node.insert(list(node).index(after[-1]) + 1 if after else len(node), name, value)
        entry = CommentedMap(when=when, field=name)
        entry["from"] = old
        entry["to"] = _fresh(value)  # a shared object would be written as a YAML &anchor / *alias
        entry["why"] = why
        if evidence:
            entry["evidence"] = evidence
        self._block_list(node, "history").append(entry)
        return True

    def add_milestone(self, data: dict[str, Any]) -> None:
        ids = {m.get("id") for m in self.tree.get("milestones") or []}
        if data["id"] in ids:
            raise ValueError(f"milestone {data['id']!r} already exists")
        node = CommentedMap((k, data[k]) for k in MILESTONE_KEYS if k in data)
        for key in ("evidence", "history"):
            node.setdefault(key, CommentedSeq())
        self._block_list(self.tree, "milestones").append(node)


def _fresh(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, value.day)
    return value


def _plain(value: Any) -> str | None:
    return None if value is None else str(PartialDate.parse(value)) if _is_date(value) else str(value)


def _is_date(value: Any) -> bool:
    try:
        PartialDate.parse(value)
        return not isinstance(value, str) or value.count("-") > 0 or len(value) == 4
    except ValueError:
        return False


@contextmanager
def update(path: Path, timeout: float = 30.0, reuse: Parsed | None = None) -> Iterator[RegisterEditor]:
    """Lock, re-read, edit, and write back atomically if (and only if) it changed.

    `reuse` is a tree parsed earlier; it is used only if the file still holds exactly
    the text it was parsed from (parsing the register is a run's biggest fixed cost).
    """
    path = Path(path)
    with locked(path, timeout):
        before = read_text(path)
        tree = reuse.tree if reuse is not None and reuse.text == before else parse_yaml(before, str(path))
        editor = RegisterEditor(tree)
        yield editor
        after = dump_yaml(tree)
        if after != before:
            atomic_write(path, after)
