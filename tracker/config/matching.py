"""The matching vocabulary (config/matching.yaml): what each category's news sounds like.

The register's `match:` blocks name single milestones; this file holds what is not
per-milestone: each category's concepts and their wordings, the near misses that must
stay out, the phrases that make a mention one in passing, the events news reports, and
the names of the integrated care boards (so a discovered merger gets one id however it
is worded). Checking and parsing are one pass, like every other config file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tracker.core.dates import PartialDate
from tracker.core.schema import Checker
from tracker.register.model import Category


class Event(StrEnum):
    """What a news item reports about its milestone."""

    PUBLISHED = "published"
    DELAYED = "delayed"
    CONSULTATION = "consultation"
    DESIGNATED = "designated"
    ESTABLISHED = "established"
    MERGED = "merged"
    DISSOLVED = "dissolved"
    ABOLISHED = "abolished"
    INTRODUCED = "introduced"
    SECOND_READING = "second-reading"
    COMMITTEE = "committee"
    LORDS = "lords"
    ROYAL_ASSENT = "royal-assent"
    RESPONSE = "response"
    UPDATE = "update"

    @property
    def changes_status(self) -> bool:
        """Events that would move a milestone on (issue 11 turns these into review proposals)."""
        return self not in (Event.CONSULTATION, Event.RESPONSE, Event.UPDATE, Event.COMMITTEE)


PLACEHOLDERS = ("years", "year", "words")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Concept:
    """A way a category's subject is named: one `any` wording, plus one `with` wording if given."""

    id: str
    any: tuple[str, ...]
    with_: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    since: PartialDate | None = None  # only items published on or after this date
    until: PartialDate | None = None  # only items published on or before this date
    summary: bool = True  # may the wording be found in the summary (when the title does not name it)?
    subject: bool = True  # does the wording in a title say what the item is about? (no for a body's name: NHS England)
    milestones: tuple[str, ...] = ()  # the register milestones news naming it is about, when no edition year says
    firm: bool = True  # false: its wording is loose enough that the model must agree (tracker.tracking.model)


@dataclass(frozen=True)
class NearMiss:
    """Wording that looks like the category but is something else (winter planning, inhaled ICS)."""

    id: str
    any: tuple[str, ...]
    unless: tuple[str, ...] = ()
    summary: bool = False  # does it keep the item out when only its summary has the wording?


@dataclass(frozen=True)
class EventRule:
    event: Event
    any: tuple[str, ...]
    categories: tuple[Category, ...] = ()  # empty: every category
    milestones: tuple[str, ...] = ()  # what news of this event is about, when its concept names no milestone


@dataclass(frozen=True)
class CategoryWords:
    category: Category
    concepts: tuple[Concept, ...]
    near_misses: tuple[NearMiss, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    categories: tuple[CategoryWords, ...] = ()
    events: tuple[EventRule, ...] = ()
    passing: tuple[str, ...] = ()
    icb_names: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.categories


def _phrases(c: Checker, node: dict, key: str, path: str, required: bool = False) -> tuple[str, ...]:
    where = f"{path}.{key}" if path else key
    values = c.strings(node, key, where, required=required)
    seq = node.get(key)
    for i, phrase in enumerate(values):
        for name in _PLACEHOLDER.findall(phrase):
            if name not in PHRASE_PLACEHOLDERS:
                known = ", ".join(f"{{{n}}}" for n in PHRASE_PLACEHOLDERS)
                c.problem(seq, i, f"{where}[{i}]", f"unknown placeholder {{{name}}} (expected one of: {known})")
        if not re.search(r"[a-z0-9]", phrase.lower()):
            c.problem(seq, i, f"{where}[{i}]", "a phrase needs at least one letter or digit")
    return values


PHRASE_PLACEHOLDERS = PLACEHOLDERS


def _concept(c: Checker, node: dict, path: str, seen: dict) -> Concept:
    c.unknown_keys(
        node, ("id", "any", "with", "none", "from", "until", "summary", "subject", "milestones", "firm"), path
    )
    cid = c.slug(node, "id", f"{path}.id") or ""
    c.unique(seen, cid or None, node, "id", f"{path}.id", "concept id")
    return Concept(
        id=cid,
        any=_phrases(c, node, "any", path, required=True),
        with_=_phrases(c, node, "with", path),
        none=_phrases(c, node, "none", path),
        since=c.partial_date(node, "from", f"{path}.from", required=False),
        until=c.partial_date(node, "until", f"{path}.until", required=False),
        summary=c.boolean(node, "summary", f"{path}.summary", default=True),
        subject=c.boolean(node, "subject", f"{path}.subject", default=True),
        milestones=c.strings(node, "milestones", f"{path}.milestones"),
        firm=c.boolean(node, "firm", f"{path}.firm", default=True),
    )


def _near_miss(c: Checker, node: dict, path: str, seen: dict) -> NearMiss:
    c.unknown_keys(node, ("id", "any", "unless", "why", "summary"), path)
    nid = c.slug(node, "id", f"{path}.id") or ""
    c.unique(seen, nid or None, node, "id", f"{path}.id", "near miss id")
    c.text(node, "why", f"{path}.why", required=False)
    return NearMiss(
        nid,
        _phrases(c, node, "any", path, required=True),
        _phrases(c, node, "unless", path),
        c.boolean(node, "summary", f"{path}.summary", default=False),
    )


def parse_vocabulary(tree: Any, c: Checker) -> Vocabulary:
    """Check the whole file, recording problems in `c`; return the typed vocabulary."""
    if not isinstance(tree, dict):
        c.problem(tree, None, "", "the matching file should be a mapping with `categories` and `events`")
        return Vocabulary()
    c.unknown_keys(tree, ("schema", "passing", "events", "categories", "icb_names"), "")
    categories = []
    seen_categories: dict[str, str] = {}
    for _, node, path in c.items(c.sequence(tree, "categories", "categories", required=True), "categories"):
        seen_ids: dict[str, str] = {}  # concept and near-miss ids are unique within a category
        c.unknown_keys(node, ("category", "concepts", "near_misses"), path)
        name = c.choice(node, "category", f"{path}.category", tuple(Category))
        c.unique(seen_categories, name, node, "category", f"{path}.category", "category")
        concepts = tuple(
            _concept(c, n, p, seen_ids)
            for _, n, p in c.items(c.sequence(node, "concepts", f"{path}.concepts", required=True), f"{path}.concepts")
        )
        misses = tuple(
            _near_miss(c, n, p, seen_ids)
            for _, n, p in c.items(c.sequence(node, "near_misses", f"{path}.near_misses"), f"{path}.near_misses")
        )
        if name:
            categories.append(CategoryWords(Category(name), concepts, misses))
    events = []
    for _, node, path in c.items(c.sequence(tree, "events", "events", required=True), "events"):
        c.unknown_keys(node, ("event", "any", "categories", "milestones"), path)
        event = c.choice(node, "event", f"{path}.event", tuple(Event))
        cats = c.strings(node, "categories", f"{path}.categories")
        for i, cat in enumerate(cats):
            if cat not in tuple(Category):
                c.problem(node.get("categories"), i, f"{path}.categories[{i}]", f"{cat!r} is not a category")
        if event:
            events.append(
                EventRule(
                    Event(event),
                    _phrases(c, node, "any", path, required=True),
                    tuple(Category(x) for x in cats if x in tuple(Category)),
                    c.strings(node, "milestones", f"{path}.milestones"),
                )
            )
    return Vocabulary(
        categories=tuple(categories),
        events=tuple(events),
        passing=_phrases(c, tree, "passing", ""),
        icb_names=c.strings(tree, "icb_names", "icb_names"),
    )
