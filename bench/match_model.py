"""Rules or a model? A small statistical classifier measured against the matching rules.

Trains a multinomial naive Bayes over the words and word pairs of title and summary
(normalised as the matcher does; no downloaded weights) and measures it the way
tests/tracking/corpus.py measures the rules: precision and recall over (item,
category) pairs. The model is measured by 5-fold cross-validation on the dev part
(never on text it was trained on); the rules were written against the dev part, so
their dev figure is optimistic. `--test` also scores both on the held-out test part,
in aggregate only: use it rarely, and never to tune either.

    .venv/bin/python bench/match_model.py [--test]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tracking.corpus import Figures, matcher, measure, rows  # noqa: E402
from tracker.register.model import Category  # noqa: E402
from tracker.tracking.normalise import normalise  # noqa: E402

LABELS = [*(str(c) for c in Category), "none"]


def features(row: dict) -> list[str]:
    words = normalise(f"{row['title']} {row['title']} {row.get('summary') or ''}").split()
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


class NaiveBayes:
    def __init__(self, train: list[dict], alpha: float = 0.5):
        self.prior = Counter(r.get("category", "none") for r in train)
        self.counts: dict[str, Counter] = defaultdict(Counter)
        for r in train:
            self.counts[r.get("category", "none")].update(features(r))
        self.vocab = {w for c in self.counts.values() for w in c}
        self.totals = {label: sum(c.values()) for label, c in self.counts.items()}
        self.alpha, self.n = alpha, len(train)

    def predict(self, row: dict) -> str:
        def score(label: str) -> float:
            counts, total = self.counts[label], self.totals.get(label, 0) + self.alpha * len(self.vocab)
            s = math.log((self.prior[label] + 1) / (self.n + len(LABELS)))
            return s + sum(math.log((counts[w] + self.alpha) / total) for w in features(row) if w in self.vocab)

        return max((label for label in LABELS if self.prior[label]), key=score)


def score_model(predict, test: list[dict], into: Figures) -> Figures:
    for r in test:
        into.items += 1
        truth = {r.get("category", "none")} - {"none"}
        got = {predict(r)} - {"none"}
        for c in truth:
            into.relevant[Category(c)] += 1
        for c in got & truth:
            into.tp[Category(c)] += 1
        for c in got - truth:
            into.fp[Category(c)] += 1
        for c in truth - got:
            into.fn[Category(c)] += 1
    return into


def cross_validate(data: list[dict], folds: int = 5) -> Figures:
    shuffled = data[:]
    random.Random(10).shuffle(shuffled)
    figures = Figures()
    for k in range(folds):
        test = shuffled[k::folds]
        train = [r for i, r in enumerate(shuffled) if i % folds != k]
        score_model(NaiveBayes(train).predict, test, figures)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", action="store_true", help="also score both on the held-out test part (aggregates)")
    args = parser.parse_args()
    dev = rows("dev")
    print("\n".join(cross_validate(dev).lines("model, 5-fold CV on dev")))
    print("\n".join(measure(dev, matcher()).lines("rules on dev (written against it)")))
    if args.test:
        test = rows("test")
        print("\n".join(score_model(NaiveBayes(dev).predict, test, Figures()).lines("model trained on dev, on test")))
        print("\n".join(measure(test, matcher()).lines("rules on test")))


if __name__ == "__main__":
    main()
