"""What category of policy news an item is, and what event it reports: pure, explainable rules.

The vocabulary (config/matching.yaml, see tracker.config.matching) names each
category's concepts and near misses. An item belongs to a category when a concept is
named in its title (or, when the title names none, in its summary) and no near miss or
passing mention rules it out; each decision keeps the phrases that made it, so it can
be told in one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.config.matching import Concept, Event, NearMiss, Vocabulary
from tracker.register.model import Category
from tracker.tracking.normalise import normalise
from tracker.tracking.phrases import PLACEHOLDER, find, inflected, phrase_test

TITLE_WINDOW = 5  # words before a concept that may hold a passing phrase ("a commitment in the ...")
SUMMARY_WINDOW = 8
DEFAULT_EVENT = (
    Event.UPDATE
)  # no event words: measured on the dev corpus, "update" agrees with more labels than "published"


@dataclass(frozen=True)
class Finding:
    """Why an item is in a category: the concept's wording, where it was, and the event."""

    category: Category
    concept: str
    phrase: str
    where: str  # "title", "summary", or "model" (the rules named nothing; the model did)
    companion: str | None = None  # the concept's `with` wording, if it needs one
    event: Event = Event.UPDATE
    event_phrase: str | None = None
    apart: bool = False  # the `with` wording was found only in the other text (the summary, for a title concept)
    loose: bool = False  # the concept is not firm (config/matching.yaml `firm: false`)

    @property
    def firm(self) -> bool:
        """Named in the title, with its `with` wording there too: the surest kind of finding."""
        return self.where == "title" and not self.apart and not self.loose

    def sentence(self) -> str:
        return f"{self.category}: {self.words()}"

    def words(self) -> str:
        """What named the category, without the category's name."""
        if self.where == "model":  # the model's word when the rules name no category (tracker.tracking.model)
            return self.phrase
        other = " (in the summary)" if self.apart and self.where == "title" else " (in the title)" if self.apart else ""
        words = f"“{self.phrase}”" + (f" with “{self.companion}”{other}" if self.companion else "")
        return f"{words} in the {self.where} (concept {self.concept})"


@dataclass(frozen=True)
class Rejection:
    """Why an item was kept out of a category that its words came close to."""

    category: Category
    reason: str
    near_miss: bool = False  # a near miss in the title: the category's own milestone rules stay quiet too


@dataclass(frozen=True)
class _Concept:
    concept: Concept
    any: tuple[str | re.Pattern, ...]
    with_: tuple[str | re.Pattern, ...]
    none: tuple[str | re.Pattern, ...]
    with_words: tuple[str, ...] = ()  # the `with` phrases with their inflections, as with_ tests them


@dataclass(frozen=True)
class _Miss:
    miss: NearMiss
    any: tuple[str | re.Pattern, ...]
    unless: tuple[str | re.Pattern, ...]
    any_words: tuple[str, ...] = ()  # the near miss's phrases with their inflections, as `any` tests them


def _tests(phrases: tuple[str, ...]) -> tuple[str | re.Pattern, ...]:
    return tuple(phrase_test(p) for p in phrases)


def _key_words(phrases: list[str]) -> frozenset[str] | None:
    """One word every phrase needs (its longest, likely its rarest); None if a phrase has no plain word."""
    keys: set[str] = set()
    for phrase in phrases:
        plain = [w for w in normalise(PLACEHOLDER.sub(" ", phrase)).split() if w]
        if not plain:
            return None
        keys.add(max(plain, key=len))
    return frozenset(keys)


def _in_window(day: str | None, c: Concept) -> bool:
    if not day:
        return True  # undated: nothing to say it is out of its time
    if c.since is not None and day[: len(str(c.since))] < str(c.since):
        return False
    return not (c.until is not None and day[: len(str(c.until))] > str(c.until))


class Classifier:
    """The vocabulary, compiled once, applied to many items."""

    def __init__(self, vocabulary: Vocabulary):
        self.categories = [
            (
                words.category,
                [
                    _Concept(c, _tests(c.any), _tests(inflected(c.with_)), _tests(c.none), inflected(c.with_))
                    for c in words.concepts
                ],
                [_Miss(m, _tests(inflected(m.any)), _tests(m.unless), inflected(m.any)) for m in words.near_misses],
            )
            for words in vocabulary.categories
        ]
        # A quick necessary condition: a category's concept can be named only if the text
        # holds the key word of one of its wordings. Most feed items fail it at once.
        self.triggers = [_key_words([p for c in words.concepts for p in c.any]) for words in vocabulary.categories]
        self.passing = list(zip(_tests(vocabulary.passing), vocabulary.passing, strict=True))
        self.events = [
            (rule.event, set(rule.categories), _tests(inflected(rule.any)), inflected(rule.any))
            for rule in vocabulary.events
        ]

    def event(self, category: Category, title: str, summary: str) -> tuple[Event, str | None]:
        """The first event (in the vocabulary's order) named in the title, else in the summary."""
        for text in (title, summary):
            if not text:
                continue
            padded = f" {text} "
            for event, cats, tests, phrases in self.events:
                if cats and category not in cats:
                    continue
                for test, phrase in zip(tests, phrases, strict=True):
                    if find(test, padded):
                        return event, phrase
        return DEFAULT_EVENT, None

    def _miss(self, misses: list[_Miss], padded: str, context: str, summary: str = "") -> tuple[NearMiss, str] | None:
        for m in misses:
            where = f"{padded}{summary} " if m.miss.summary and summary else padded
            hit = next((p for t, p in zip(m.any, m.any_words, strict=True) if find(t, where)), None)
            if hit and not any(find(u, context) for u in m.unless):
                return m.miss, hit
        return None

    @staticmethod
    def _names(c: _Concept, padded: str) -> bool:
        """Does the text name this concept's subject (its wording; with its `with` wording if it is only a body's name)?"""
        if not any(find(t, padded) for t in c.any):
            return False
        return c.concept.subject or any(find(w, padded) for w in c.with_)

    def _passing(self, padded: str, start: int, window: int) -> str | None:
        before = " " + " ".join(padded[:start].split()[-window:]) + " "
        return next((phrase for test, phrase in self.passing if find(test, before)), None)

    def _concept(
        self, concepts: list[_Concept], padded: str, other: str, window: int, day: str | None, summary: bool
    ) -> tuple[_Concept, str, str | None, bool] | str | None:
        """(concept, phrase, companion, companion found only in `other`) for the first concept named in `padded`;
        a reason string if it is only named in passing."""
        passing_reason = None
        unnamed: set[tuple[str, ...]] = (
            set()
        )  # wordings already tried and absent (a loose concept repeats a firm one's)
        for c in concepts:
            if summary and not c.concept.summary or not _in_window(day, c.concept) or c.concept.any in unnamed:
                continue
            if not any(find(test, padded) for test in c.any):
                unnamed.add(c.concept.any)
                continue
            for test, phrase in zip(c.any, c.concept.any, strict=True):
                hit = find(test, padded)
                if hit is None:
                    continue
                if any(find(n, padded) for n in c.none):
                    break
                companion, apart = None, False
                if c.with_:
                    pairs = list(zip(c.with_, c.with_words, strict=True))
                    companion = next((w for t, w in pairs if find(t, padded)), None)
                    if companion is None and other:
                        companion = next((w for t, w in pairs if find(t, f" {other} ")), None)
                        apart = companion is not None
                    if companion is None:
                        continue
                why = self._passing(padded, hit, window)
                if why:
                    passing_reason = f"“{phrase}” is mentioned in passing (after “{why}”)"
                    continue
                return c, phrase, companion, apart
        return passing_reason

    def near(self, title: str, summary: str) -> bool:
        """Does the text hold a key word of some category's wording at all? (Most feed items do not.)"""
        words = set(title.split()) | set(summary.split())
        return any(trig is None or not trig.isdisjoint(words) for trig in self.triggers)

    def allows(self, category: Category, title: str, summary: str, day: str | None) -> str | None:
        """Why the vocabulary rules `category` out for an item whatever names it (None if it does not):
        a near miss in the title, or a date before any of the category's concepts can be news."""
        for cat, concepts, misses in self.categories:
            if cat != category:
                continue
            miss = self._miss(misses, f" {title} ", f" {title} {summary} ", f" {summary} " if summary else "")
            if miss:
                return f"near miss {miss[0].id} (“{miss[1]}”)"
            dated = day and concepts and all(c.concept.since is not None for c in concepts)
            if dated and not any(_in_window(day, c.concept) for c in concepts):
                return f"published before any of its concepts ({day})"
        return None

    def classify(
        self, title: str, summary: str, day: str | None, summary_too: bool = False
    ) -> tuple[list[Finding], list[Rejection]]:
        """Findings for each category the item belongs to, and why it was kept out of the others it neared.

        `title` and `summary` are normalised text; `day` is the item's ISO date, if any. `summary_too`: read the
        summary for categories the title does not name even when the title names another's subject (the matcher
        asks so when that subject did not stand).
        """
        t, s = f" {title} ", f" {summary} " if summary else ""
        found: list[Finding] = []
        rejected: list[Rejection] = []
        # A title that names any category's subject says what the item is about: its
        # summary then brings in no other category (a summary mentions much in passing).
        lead = s
        words = set(title.split()) | set(summary.split())
        live = [
            cat
            for cat, trig in zip(self.categories, self.triggers, strict=True)
            if trig is None or not trig.isdisjoint(words)
        ]
        if s and not summary_too and any(self._names(c, t) for _, concepts, _ in live for c in concepts):
            s = ""
        for category, concepts, misses in live:
            # a concept in the title finds its `with` wording in the title or the summary's lead
            got = self._concept(concepts, t, lead, TITLE_WINDOW, day, False)
            where = "title"
            if not isinstance(got, tuple) and s:
                title_reason = got
                got = self._concept(concepts, s, t, SUMMARY_WINDOW, day, True)
                where = "summary"
                if not isinstance(got, tuple):
                    got = got or title_reason
            if not isinstance(got, tuple):  # no concept: near misses need no checking
                if got:
                    rejected.append(Rejection(category, got))
                continue
            miss = self._miss(misses, t, t + lead, lead)
            if miss:
                rejected.append(Rejection(category, f"near miss {miss[0].id} (“{miss[1]}” in the title)", True))
                continue
            c, phrase, companion, apart = got
            if where == "summary":
                # a near miss before the concept is the summary's subject; after it, a detail
                smiss = self._miss(misses, s[: find(phrase_test(phrase), s) or 0] + " ", t + s)
                if smiss:
                    rejected.append(
                        Rejection(category, f"named only in the summary, beside near miss {smiss[0].id} (“{smiss[1]}”)")
                    )
                    continue
            event, event_phrase = self.event(category, title, summary)
            found.append(
                Finding(
                    category, c.concept.id, phrase, where, companion, event, event_phrase, apart, not c.concept.firm
                )
            )
        return found, rejected
