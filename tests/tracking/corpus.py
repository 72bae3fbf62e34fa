"""Measuring the matcher on the labelled corpus of real headlines (tests/fixtures/match-corpus/).

The corpus is split: `dev.yaml` is the part the vocabulary was written against (and
the model is trained on); `validation.yaml` is never trained on and is read only in
aggregate until a round of rule changes is finished, to estimate how they generalise;
`test.yaml` is held out: nobody reads it while writing rules, and only aggregate
figures are ever printed for it. An item counts as found for category C when the
matcher attaches it to any milestone (or discovery) of category C; precision and
recall are over (item, category) pairs, so an item attached to a second, wrong
category costs precision. Attribution (the labelled milestone among the matches) and
event agreement are reported as second figures.

    .venv/bin/python -m tests.tracking.corpus          # dev figures and every dev miss
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tracker.config.loading import load_vocabulary
from tracker.config.workspace import Workspace
from tracker.core.files import load_yaml
from tracker.register.model import Category
from tracker.register.parse import load_register
from tracker.tracking.match import Item, Matcher
from tracker.tracking.model import Model

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "match-corpus"
MIN_FOR_GATE = 20  # a category with fewer relevant items than this is too noisy to gate on


def matcher(config: Path = ROOT / "config") -> Matcher:
    ws = Workspace(config=config)
    return Matcher(load_register(ws.register), load_vocabulary(ws), Model.load())


def item_of(row: dict) -> Item:
    return Item(
        source=str(row.get("publisher") or "corpus"),
        title=str(row["title"]),
        summary=str(row.get("summary") or ""),
        link=row.get("url"),
        published=str(row["published"]) if row.get("published") is not None else None,
    )


@dataclass
class Figures:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    relevant: Counter = field(default_factory=Counter)
    attributed: int = 0
    attributable: int = 0
    events_agree: int = 0
    events_labelled: int = 0
    items: int = 0
    misses: list[str] = field(default_factory=list)  # for the dev part only

    def count(self, truth: set[Category], got: set[Category]) -> None:
        for c in truth:
            self.relevant[c] += 1
        for c in got & truth:
            self.tp[c] += 1
        for c in got - truth:
            self.fp[c] += 1
        for c in truth - got:
            self.fn[c] += 1

    def precision(self, c: Category | None = None) -> float:
        tp, fp = (self.tp[c], self.fp[c]) if c else (sum(self.tp.values()), sum(self.fp.values()))
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, c: Category | None = None) -> float:
        tp, fn = (self.tp[c], self.fn[c]) if c else (sum(self.tp.values()), sum(self.fn.values()))
        return tp / (tp + fn) if tp + fn else 1.0

    def lines(self, name: str) -> list[str]:
        out = [
            f"match corpus {name}: {self.items} items, precision {self.precision():.3f}, recall {self.recall():.3f}; "
            f"attribution {self.attributed}/{self.attributable} = {self.attributed / max(self.attributable, 1):.3f} "
            f"(labelled milestone among the matches), events {self.events_agree}/{self.events_labelled} agree"
        ]
        for c in Category:
            n = self.relevant[c]
            note = "" if n >= MIN_FOR_GATE else f" (only {n} items: noisy)"
            out.append(
                f"  {name} {c}: {n} relevant, precision {self.precision(c):.3f}, recall {self.recall(c):.3f}{note}"
            )
        return out

    def below(self, overall: float, per_category: float) -> list[str]:
        """What falls short of the bars, in aggregate words only (safe for the held-out part)."""
        short = [
            f"overall {k} below {overall}"
            for k, v in (("precision", self.precision()), ("recall", self.recall()))
            if v < overall
        ]
        for c in Category:
            if self.relevant[c] >= MIN_FOR_GATE:
                short += [
                    f"{c} {k} below {per_category}"
                    for k, v in (("precision", self.precision(c)), ("recall", self.recall(c)))
                    if v < per_category
                ]
        return short


def measure(rows: list[dict], m: Matcher, keep_misses: bool = False) -> Figures:
    f = Figures()
    for row in rows:
        f.items += 1
        label = row.get("category", "none")
        truth = {Category(label)} if label != "none" else set()
        matches = m.match(item_of(row))
        got = {x.category for x in matches}
        f.count(truth, got)
        if truth & got and row.get("milestone"):
            f.attributable += 1
            f.attributed += row["milestone"] in {x.milestone for x in matches}
        if truth & got and row.get("event"):
            f.events_labelled += 1
            f.events_agree += row["event"] in {str(x.event) for x in matches if x.category in truth}
        if keep_misses and (got != truth or (truth and row.get("milestone") not in {x.milestone for x in matches})):
            said = "; ".join(x.explanation for x in matches) or " | ".join(m.explain(item_of(row)).sentences())
            f.misses.append(
                f"[{label}/{row.get('milestone')}/{row.get('event')}] {row['title']} ({row.get('published')})\n"
                f"    summary: {str(row.get('summary') or '')[:160]}\n    -> {said}"
            )
    return f


def rows(part: str) -> list[dict]:
    return load_yaml(CORPUS / f"{part}.yaml")["items"]


def _categories(label: str) -> set[Category]:
    return {Category(label)} if label != "none" else set()


@dataclass(frozen=True)
class Agreement:
    """How a second, blind labelling of dev items agrees with the corpus's labels (second-labelling.yaml)."""

    items: int
    same: int  # items given the same label
    kappa: float  # Cohen's kappa over the six labels: agreement beyond what chance would give
    second: Figures  # the second labelling judged against the corpus labels, as the matcher is judged
    sure: Figures  # the same, over the items the second labeller was sure of


def second_labelling() -> list[tuple[dict, dict]]:
    """(dev row, its second label) pairs. A second label whose title is not its dev row's any more fails loudly:
    dev.yaml was edited, and the study must be redone or its positions mended."""
    dev = rows("dev")
    pairs = []
    for other in load_yaml(CORPUS / "second-labelling.yaml")["items"]:
        row = dev[int(other["dev"]) - 1]
        if row["title"] != other["title"]:
            raise ValueError(f"second-labelling.yaml: dev item {other['dev']} is now {row['title']!r}")
        pairs.append((row, other))
    return pairs


def agreement(pairs: list[tuple[dict, dict]]) -> Agreement:
    second, sure = Figures(), Figures()
    first_labels = Counter(str(row.get("category", "none")) for row, _ in pairs)
    second_labels = Counter(str(other["category"]) for _, other in pairs)
    same = 0
    for row, other in pairs:
        a, b = str(row.get("category", "none")), str(other["category"])
        same += a == b
        for f in (second, sure) if other.get("sure", True) else (second,):
            f.items += 1
            f.count(_categories(a), _categories(b))
    n = len(pairs)
    chance = sum(first_labels[k] * second_labels[k] for k in first_labels) / (n * n) if n else 0.0
    kappa = (same / n - chance) / (1 - chance) if n and chance < 1 else 1.0
    return Agreement(n, same, kappa, second, sure)


if __name__ == "__main__":
    figures = measure(rows("dev"), matcher(), keep_misses=True)
    print("\n".join(figures.misses))
    print("\n".join(figures.lines("dev")))
    sys.exit(0)
