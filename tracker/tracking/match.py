"""Which feed items are which milestones: pure functions over items and the register.

A rule matches when every `all` phrase, at least one `any` phrase (if given) and no
`none` phrase occurs as whole words in the normalised title (or title and summary,
with `field: text`). Rules live on the milestones; watches discover milestones the
register does not list yet, using placeholders such as `{years}` (a financial year)
in their phrases and in the milestone id they `create`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tracker.core.dates import PartialDate
from tracker.register.model import Category, Register, Rule, Watch
from tracker.tracking.normalise import normalise

# What each placeholder in a phrase stands for, once text is normalised.
PLACEHOLDERS = {
    "years": r"(?P<years>(?:19|20)\d\d-\d\d)",
    "year": r"(?P<year>(?:19|20)\d\d)",
    "words": r"(?:\ [a-z0-9-]+){0,6}?",  # up to six words in between
}
_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")


@dataclass(frozen=True)
class Item:
    """One feed entry, already sanitised (see tracker.fetch)."""

    source: str
    title: str
    summary: str = ""
    link: str | None = None
    guid: str | None = None
    published: str | None = None  # ISO date-time, UTC

    @property
    def day(self) -> str | None:
        return self.published[:10] if self.published else None


@dataclass(frozen=True)
class Match:
    milestone: str
    category: Category
    rule: str
    sets: tuple[tuple[str, str], ...] = ()
    watch: Watch | None = None  # set when a watch found it: the milestone may be new
    values: tuple[tuple[str, str], ...] = ()  # what the placeholders matched


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern:
    """A phrase as a whole-word regex over normalised text; placeholders become groups."""
    pieces: list[tuple[str, str]] = []  # (kind, regex)
    seen: set[str] = set()
    pos = 0
    for m in _PLACEHOLDER.finditer(phrase):
        pieces.append(("text", re.escape(normalise(phrase[pos : m.start()]))))
        name = m.group(1)
        if name == "words":
            pieces.append(("words", PLACEHOLDERS["words"]))
        else:  # a name is a group once; a later use must repeat the same value
            group = f"(?P={name})" if name in seen else PLACEHOLDERS.get(name, re.escape(m.group(0)))
            pieces.append(("text", group))
            seen.add(name)
        pos = m.end()
    pieces.append(("text", re.escape(normalise(phrase[pos:]))))
    body = ""
    for kind, regex in pieces:
        if regex:
            body += regex if kind == "words" or not body else rf"\ {regex}"
    return re.compile(rf"(?<![a-z0-9-]){body}(?![a-z0-9-])")


@lru_cache(maxsize=4096)
def phrase_test(phrase: str) -> str | re.Pattern:
    """Normalised text is words between single spaces, so a plain phrase is a whole-word
    match exactly when ` phrase ` occurs in ` text `: a substring test, much faster than a
    regex. Only phrases with placeholders need the regex."""
    return phrase_pattern(phrase) if _PLACEHOLDER.search(phrase) else f" {normalise(phrase)} "


@dataclass(frozen=True)
class _Compiled:
    """A rule's phrases as ready-made tests, so matching an item does no lookups."""

    field: str
    all: tuple[str | re.Pattern, ...]
    any: tuple[str | re.Pattern, ...]
    none: tuple[str | re.Pattern, ...]
    # A quick necessary condition on the text's words: most rules fail it at once.
    needs: frozenset[str] = frozenset()  # every word of every plain `all` phrase
    some: frozenset[str] | None = None  # the first words of the `any` phrases (None: no check)

    @classmethod
    def of(cls, rule: Rule) -> _Compiled:
        def tests(phrases):
            return tuple(phrase_test(p) for p in phrases)

        plain_all = [t for t in tests(rule.all) if isinstance(t, str)]
        any_tests = tests(rule.any)
        some = None
        if any_tests and all(isinstance(t, str) for t in any_tests):
            some = frozenset(t.split()[0] for t in any_tests if t.split())
        needs = frozenset(w for t in plain_all for w in t.split())
        return cls(rule.field, tests(rule.all), any_tests, tests(rule.none), needs, some)


def _hit(test: str | re.Pattern, padded: str) -> re.Match | bool | None:
    return test in padded if isinstance(test, str) else test.search(padded)


def _values(rule: _Compiled, title: str, text: str, words: frozenset[str] | None = None) -> dict[str, str] | None:
    if words is not None and (not rule.needs <= words or (rule.some is not None and rule.some.isdisjoint(words))):
        return None
    padded = f" {text} " if rule.field == "text" else f" {title} "
    values: dict[str, str] = {}
    for test in rule.all:
        m = _hit(test, padded)
        if not m:
            return None
        if m is not True:
            values.update({k: v for k, v in m.groupdict().items() if v})
    if rule.any:
        hit = next((m for t in rule.any if (m := _hit(t, padded))), None)
        if not hit:
            return None
        if hit is not True:
            values.update({k: v for k, v in hit.groupdict().items() if v and k not in values})
    for test in rule.none:
        if _hit(test, padded):
            return None
    return values


def rule_values(rule: Rule, title: str, text: str) -> dict[str, str] | None:
    """The placeholder values if `rule` matches, else None. `title`/`text` are normalised."""
    return _values(_Compiled.of(rule), title, text)


_STOP = frozenset(
    ["a", "an", "and", "the", "of", "to", "for", "in", "on", "at", "by", "with", "nhs", "will", "be", "is", "are", "as"]
)


def slug(text: str, words: int = 6) -> str:
    """A short id from a title: its first meaningful words (`Frimley and Surrey ICBs to merge` -> frimley-surrey-icbs-merge)."""
    kept = [w for w in re.sub(r"[^a-z0-9]+", " ", normalise(text)).split() if w not in _STOP]
    return "-".join(kept[:words]) or "untitled"


def fill(template: str, values: dict[str, str], item: Item, human: bool = False) -> str:
    """Put placeholder values into an id (`2027-28`) or a title (`2027/28`)."""
    given = dict(values, date=item.day or "undated", slug=slug(item.title), title=item.title)
    if human:
        if "years" in given:
            given["years"] = given["years"].replace("-", "/")
        if item.day:
            given["date"] = PartialDate.parse(item.day).human()
    return _PLACEHOLDER.sub(lambda m: given.get(m.group(1), m.group(0)), template)


class Matcher:
    """The register's rules, ready to run over many items."""

    def __init__(self, register: Register):
        self.known = {m.id: m for m in register.milestones}
        self.rules = [(m, r, _Compiled.of(r)) for m in register.milestones for r in m.match]
        self.watches = [(w, _Compiled.of(w)) for w in register.watches]
        # Summaries are normalised only if some rule reads them (`field: text`).
        self.reads_summary = any(c.field == "text" for *_, c in self.rules) or any(
            c.field == "text" for _, c in self.watches
        )

    def match(self, item: Item) -> list[Match]:
        title = normalise(item.title)
        text = f"{title} {normalise(item.summary)}" if item.summary and self.reads_summary else title
        words = {"title": frozenset(title.split()), "text": frozenset(text.split())}
        found: dict[str, Match] = {}
        for m, rule, compiled in self.rules:
            if m.id in found and (found[m.id].sets or not rule.sets):
                continue  # a rule that changes the status wins over one that only adds evidence
            if _values(compiled, title, text, words[compiled.field]) is not None:
                found[m.id] = Match(m.id, m.category, rule.id, tuple(rule.sets.items()))
        covered = {m.category for m in found.values()}
        for w, compiled in self.watches:
            if w.category in covered:
                continue  # the register already knows what this item is about
            values = _values(compiled, title, text, words[compiled.field])
            if values is None:
                continue
            mid = fill(w.creates or "{slug}", values, item)
            if mid not in found:
                category = self.known[mid].category if mid in self.known else w.category
                found[mid] = Match(mid, category, w.id, (), w, tuple(sorted(values.items())))
        return list(found.values())
