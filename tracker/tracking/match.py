"""Which feed items are which milestones: pure functions over items and the register.

Two kinds of rule decide. The vocabulary (config/matching.yaml, applied by
tracker.tracking.classify) says what category of news an item is and what event it
reports, in words that generalise; then the item is attributed to a milestone of that
category: by a milestone's own `match:` rule, by edition year, by a watch that
discovers a milestone the register does not hold yet, or by nearness in time. A rule
matches when every `all` phrase, at least one `any` phrase (if given) and no `none`
phrase occurs as whole words in the normalised title (or title and summary, with
`field: text`). Every Match carries its event and a one-sentence explanation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.config.matching import Event, Vocabulary
from tracker.core.dates import PartialDate
from tracker.register.model import Category, Milestone, Register, Rule, Watch
from tracker.tracking.classify import Classifier, Finding, Rejection
from tracker.tracking.model import Model, Opinion, features
from tracker.tracking.normalise import normalise
from tracker.tracking.phrases import PLACEHOLDER as _PLACEHOLDER
from tracker.tracking.phrases import phrase_pattern, phrase_test, years_in

__all__ = ["Event", "Explanation", "Item", "Match", "Matcher", "phrase_pattern", "rule_values", "slug"]
_LEAD = re.compile(r"(?<=[a-z0-9)”’'\"][.!?])\s+(?=[A-Z“‘'\"])")  # where a summary's first sentence ends
NEAR = 550  # days: a milestone this near in time may hold news that names no edition or rule
PREVIEW = 7  # days: news this soon before a milestone's date previews it (the eve of a publication)
# The model's thresholds, chosen by 5-fold cross-validation over dev + validation (the stricter kind, averaged
# over three fold seeds) and checked on validation with the committed model (bench/match_model.py prints both):
MODEL_ALONE = 0.7  # at or above this, the model brings in an item the rules are silent on
MODEL_CONFIRM = 0.15  # below this, it overrules a finding that is not firm (named only in the summary,
# or with its `with` wording only in the other text)
MODEL_LOOSE = 0.25  # ... and below this, one whose concept is loosely worded (`firm: false`)


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
    event: Event = Event.UPDATE  # what the item reports (issue 11 turns status events into proposals)
    explanation: str = ""  # one sentence: why this item is this milestone


@dataclass(frozen=True)
class Explanation:
    """Everything `tracker match --explain` says about one item."""

    matches: tuple[Match, ...]
    rejections: tuple[Rejection, ...]

    def sentences(self) -> list[str]:
        if self.matches:
            return [m.explanation for m in self.matches]
        if self.rejections:
            return [f"no match: {r.category}: {r.reason}." for r in self.rejections]
        return ["no match: no concept of any category in the title or summary."]


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


def lead_of(summary: str, normalised: str | None = None) -> str:
    """A summary's lead, normalised: its first two sentences state the subject; later ones mention much in passing.
    `normalised` is the whole summary normalised, if the caller has it (then a short summary costs nothing more)."""
    sentences = _LEAD.split(summary, maxsplit=2)
    if len(sentences) > 2:
        return normalise(" ".join(sentences[:2]))
    return normalised if normalised is not None else normalise(summary)


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


def _milestone_years(m: Milestone) -> tuple[str, ...]:
    """The financial years a milestone covers, from its id: 2024-25; 2016-17 to 2020-21; 2017-19 is 2017-18 and 2018-19."""
    firsts: list[int] = []
    for a, b in re.findall(r"((?:19|20)\d\d)-(\d\d)(?!\d)", m.id):
        start, end = int(a), int(a[:2] + b)
        if end > start:  # 2020-05 in ics-wave-2020-05 is a month, not a financial year
            firsts += list(range(start, end))
    if len(firsts) > 1:
        firsts = list(range(min(firsts), max(firsts) + 1))
    return tuple(f"{y}-{(y + 1) % 100:02d}" for y in firsts)


def _when(day: str | None) -> dt.date | None:
    """An item's or milestone's date as one day: a year alone is its middle, a month its 15th."""
    if not day:
        return None
    try:
        p = PartialDate.parse(day[:10])
    except ValueError:
        return None
    return dt.date(p.year, p.month or 7, p.day or (15 if p.month else 1))


@dataclass(frozen=True)
class _Known:
    milestone: Milestone
    years: tuple[str, ...]
    when: dt.date | None


class Matcher:
    """The register's rules and the matching vocabulary, ready to run over many items."""

    def __init__(self, register: Register, vocabulary: Vocabulary | None = None, model: Model | None = None):
        self.model = model if vocabulary is not None and not vocabulary.empty else None
        self.known = {m.id: m for m in register.milestones}
        self.rules = [(m, r, _Compiled.of(r)) for m in register.milestones for r in m.match]
        self.watches = [(w, _Compiled.of(w)) for w in register.watches]
        self.vocabulary = vocabulary or Vocabulary()
        self.classifier = Classifier(self.vocabulary)
        self.links = {
            (words.category, c.id): frozenset(c.milestones)
            for words in self.vocabulary.categories
            for c in words.concepts
        }
        self.event_links: dict[Event, frozenset[str]] = {}
        for rule in self.vocabulary.events:
            self.event_links[rule.event] = self.event_links.get(rule.event, frozenset()) | frozenset(rule.milestones)
        self.by_category: dict[Category, list[_Known]] = {}
        for m in register.milestones:
            date = m.date
            self.by_category.setdefault(m.category, []).append(
                _Known(m, _milestone_years(m), _when(str(date)) if date else None)
            )
        names = sorted({normalise(n) for n in self.vocabulary.icb_names}, key=len, reverse=True)
        self.icb_names = [(n, f" {n} ") for n in names if n]
        # Summaries are normalised only if something reads them.
        self.reads_summary = (
            not self.vocabulary.empty
            or any(c.field == "text" for *_, c in self.rules)
            or any(c.field == "text" for _, c in self.watches)
        )

    def match(self, item: Item) -> list[Match]:
        return list(self.explain(item).matches)

    def explain(self, item: Item) -> Explanation:
        title = normalise(item.title)
        summary = normalise(item.summary) if item.summary and self.reads_summary else ""
        text = f"{title} {summary}" if summary else title
        words = {"title": frozenset(title.split()), "text": frozenset(text.split())}
        lead = lead_of(item.summary, summary) if summary else ""
        findings, rejections = self.classifier.classify(title, lead, item.day)
        # The model is asked only about items that name some category's key word: it judges wording the rules
        # found loose or could not place; an item with none of those words is no policy news.
        opinion = (
            self.model.opinion(features(title, lead, item.day))
            if self.model and (findings or rejections or self.classifier.near(title, lead))
            else None
        )
        if opinion and not findings:
            findings = self._model_finding(opinion, rejections, title, lead, summary, item.day)
        elif opinion:
            named = {f.category for f in findings}
            findings = self._confirmed(findings, opinion, rejections)
            if not findings and lead:
                # the title's subject did not stand (the model ruled it out), so the title says nothing:
                # the summary's lead may name another category, with care (the model must agree)
                more, _ = self.classifier.classify(title, lead, item.day, summary_too=True)
                more = [f for f in more if f.where == "summary" and f.category not in named]
                findings = self._confirmed(more, opinion, rejections)
        by_category = {f.category: f for f in findings}
        vetoed = {r.category for r in rejections if r.near_miss}
        found: dict[str, Match] = {}
        for m, rule, compiled in self.rules:
            if m.category in vetoed or (m.id in found and (found[m.id].sets or not rule.sets)):
                continue  # a rule that changes the status wins over one that only adds evidence
            if _values(compiled, title, text, words[compiled.field]) is not None:
                finding = by_category.get(m.category)
                event, phrase = (
                    (finding.event, finding.event_phrase)
                    if finding
                    else self.classifier.event(m.category, title, summary)
                )
                where = "title" if compiled.field == "title" else "title or summary"
                why = f"{m.category}: rule {rule.id} matched the {where}; about {m.id} (its own rule); " + _event(
                    event, phrase
                )
                found[m.id] = Match(m.id, m.category, rule.id, tuple(rule.sets.items()), event=event, explanation=why)
        covered = {m.category for m in found.values()}
        if self.vocabulary.empty:  # no vocabulary: the watches alone discover, as they always did
            for w, compiled in self.watches:
                values = _values(compiled, title, text, words[compiled.field]) if w.category not in covered else None
                if values is not None:
                    discovered = self._discovered(w, values, item, title, text, None)
                    found.setdefault(discovered.milestone, discovered)
            return Explanation(tuple(found.values()), tuple(rejections))
        for f in findings:
            if f.category in covered:
                continue
            match = self._attribute(f, item, title, summary, text, words)
            if match is None:
                rejections.append(
                    Rejection(
                        f.category,
                        f"{f.words()}, but no milestone of the register is near it in time and no watch discovers one",
                    )
                )
            elif match.milestone not in found:
                found[match.milestone] = match
        matches = list(found.values())
        if len({m.category for m in matches}) > 1:
            matches = self._one_category(matches, by_category, opinion, rejections)
        return Explanation(tuple(matches), tuple(rejections))

    def _model_finding(
        self, opinion: Opinion, rejections: list[Rejection], title: str, lead: str, summary: str, day: str | None
    ) -> list[Finding]:
        """Where the rules name no category, the model's likeliest one, if it is sure enough and no near miss forbids it."""
        best = opinion.best
        if best == "none" or opinion.probability[best] < MODEL_ALONE:
            return []
        category = Category(best)
        if any(r.category == category for r in rejections):  # named in passing, or beside a near miss
            return []
        ruled_out = self.classifier.allows(category, title, lead, day)
        if ruled_out:
            rejections.append(Rejection(category, f"{opinion.sentence(best)}, but {ruled_out}"))
            return []
        event, phrase = self.classifier.event(category, title, summary)
        return [Finding(category, "model", opinion.sentence(best), "model", None, event, phrase)]

    @staticmethod
    def _confirmed(findings: list[Finding], opinion: Opinion, rejections: list[Rejection]) -> list[Finding]:
        """A finding that is not firm stands only if the model finds its category likely enough too."""
        kept = []
        for f in findings:
            p = opinion.probability[str(f.category)]
            if f.firm or p >= (MODEL_LOOSE if f.loose else MODEL_CONFIRM):
                kept.append(f)
            else:
                rejections.append(Rejection(f.category, f"{f.words()}, but {opinion.sentence(str(f.category))}"))
        return kept

    @staticmethod
    def _one_category(
        matches: list[Match], by_category: dict[Category, Finding], opinion: Opinion | None, rejections: list[Rejection]
    ) -> list[Match]:
        """An item is news of one kind: a category named in the title (or by a milestone's own rule) beats one
        named only in the summary; between equals, the model's likelier one wins (without a model, both stay)."""

        def strength(c: Category) -> int:
            f = by_category.get(c)
            if f is None or f.where == "title":
                return 2  # a milestone's own rule, or a concept in the title
            return 1 if f.where == "summary" else 0

        cats = list(dict.fromkeys(m.category for m in matches))
        top = max(strength(c) for c in cats)
        keep = [c for c in cats if strength(c) == top]
        if opinion and len(keep) > 1:
            keep = [max(keep, key=lambda c: opinion.probability[str(c)])]
        for c in cats:
            if c in keep:
                continue
            why = (
                f"{opinion.sentence(str(keep[0]))}, above {opinion.probability[str(c)]:.2f} for {c}"
                if opinion and len(keep) == 1
                else f"named where it counts less than {', '.join(keep)}"
            )
            rejections.append(Rejection(c, f"also named, but the item is about {', '.join(keep)} ({why})"))
        return [m for m in matches if m.category in keep]

    def _attribute(
        self, f: Finding, item: Item, title: str, summary: str, text: str, words: dict[str, frozenset[str]]
    ) -> Match | None:
        """Which milestone a finding is about: by edition year, a watch, a span of years, or nearness in time."""
        known = self.by_category.get(f.category, [])
        named = years_in(title) or years_in(summary)
        when = _when(item.day)

        def nearest(cands: list[_Known]) -> _Known:
            """News follows what it is about (the latest milestone on or before the item); a delay or a consultation precedes it."""
            if when is None:
                return max(cands, key=lambda k: k.when or dt.date.min)
            if f.event in (Event.DELAYED, Event.CONSULTATION):  # news of what is still to come
                after = [k for k in cands if k.when and k.when >= when]
                if after:
                    return min(after, key=lambda k: k.when or dt.date.max)
            eve = [k for k in cands if k.when and when < k.when <= when + dt.timedelta(days=PREVIEW)]
            if eve:  # the eve of a publication: news of what comes out in a few days
                return min(eve, key=lambda k: k.when or dt.date.max)
            before = [k for k in cands if k.when and k.when <= when]
            if before:
                return max(before, key=lambda k: k.when or dt.date.min)
            return min(cands, key=lambda k: abs((k.when - when).days) if k.when else 10**6)

        def made(k: _Known, how: str) -> Match:
            why = f"{f.sentence()}; about {k.milestone.id} ({how}); {_event(f.event, f.event_phrase)}"
            return Match(k.milestone.id, f.category, f"concept:{f.concept}", event=f.event, explanation=why)

        for y in named:
            exact = [k for k in known if k.years == (y,)]
            if exact:
                return made(nearest(exact), f"edition year {y}")
        for w, compiled in self.watches:
            if (
                w.category == f.category
                and (values := _values(compiled, title, text, words[compiled.field])) is not None
            ):
                return self._discovered(w, values, item, title, text, f)
        linked = [k for k in known if k.milestone.id in self.links.get((f.category, f.concept), ())]
        # a year the item names that is no milestone's (a bill's session, 2021-22) says nothing against the linked ones
        elsewhere = any(y in k.years for y in named for k in known)
        if linked and not elsewhere and when is not None:  # undated: nothing says which of them
            return made(nearest(linked), f"the milestone its concept {f.concept} names")
        by_event = [
            k
            for k in known
            if k.milestone.id in self.event_links.get(f.event, ())
            and k.when
            and when
            and abs((k.when - when).days) <= NEAR
        ]
        if by_event and not named:
            return made(nearest(by_event), f"the milestone news of a {f.event} is about")
        for y in named:
            spans = [k for k in known if y in k.years]
            if spans:
                return made(nearest(spans), f"its years include {y}")
        if named and sum(1 for k in known if k.years) > 1:
            return None  # a series of editions (planning guidance), but not the edition it names, and no watch for it
        near = [k for k in known if k.when and when and abs((k.when - when).days) <= NEAR]
        if near:
            return made(nearest(near), "the nearest milestone of its category in time")
        return None

    def _discovered(
        self, w: Watch, values: dict[str, str], item: Item, title: str, text: str, f: Finding | None
    ) -> Match:
        if w.creates and "{icbs}" in w.creates:
            values = dict(values, icbs=self.icbs(title, text) or slug(item.title))
        mid = fill(w.creates or "{slug}", values, item)
        category = self.known[mid].category if mid in self.known else w.category
        event, phrase = (f.event, f.event_phrase) if f else self.classifier.event(category, title, text)
        lead = f.sentence() if f else f"{category}: watch {w.id} matched"
        how = (
            f"already in the register, found by watch {w.id}"
            if mid in self.known
            else f"new: discovered by watch {w.id}"
        )
        why = f"{lead}; about {mid} ({how}); {_event(event, phrase)}"
        return Match(mid, category, w.id, (), w, tuple(sorted(values.items())), event=event, explanation=why)

    def icbs(self, title: str, text: str) -> str:
        """The ICBs an item names, as one stable id part: `surrey-heartlands-sussex` however the story is worded."""
        padded, seen = f" {text} ", []
        for name, test in self.icb_names:
            if test in padded:
                seen.append(name.replace(" ", "-"))
                padded = padded.replace(test, " ")
        return "-".join(sorted(seen))


def _event(event: Event, phrase: str | None) -> str:
    return f"event {event}" + (f" (“{phrase}”)" if phrase else " (no event words)")
