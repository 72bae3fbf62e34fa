"""Rules, model, or both? The matching alternatives measured by cross-validation, never on the held-out test.

Three ways to decide an item's category, measured as tests/tracking/corpus.py measures
the matcher (precision and recall over (item, category) pairs):

- the model alone (tracker/tracking/model.py: logistic regression over the words of title
  and summary lead; its likeliest label),
- the rules alone (config/matching.yaml and the register's own rules, no model),
- the rules with the model (what the tracker runs: the model is asked only where the
  rules are silent, loose, or name two categories).

The model is cross-validated: 5 folds over dev + validation, stratified by category with
a fixed seed, each fold judged by a model trained on the other four (never on text it
was trained on). The rules were written against dev and, after its rounds, against
validation too, so the rules' share of these figures is optimistic; the validation part
alone (model trained on dev, as committed) is the fairer estimate, and is printed too.
A naive Bayes model (the first candidate) scored about 0.76 / 0.85 this way.

    .venv/bin/python bench/match_model.py [--folds 5]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tracking.corpus import Figures, measure, rows  # noqa: E402
from tracker.config.loading import load_vocabulary  # noqa: E402
from tracker.config.workspace import Workspace  # noqa: E402
from tracker.register.model import Category  # noqa: E402
from tracker.register.parse import load_register  # noqa: E402
from tracker.tracking.match import Matcher  # noqa: E402
from tracker.tracking.model import Model, examples_of  # noqa: E402


def folds_of(data: list[dict], k: int, seed: int = 7) -> list[list[int]]:
    """k folds of row indexes, each category spread evenly over them."""
    by: dict[str, list[int]] = defaultdict(list)
    order = list(range(len(data)))
    random.Random(seed).shuffle(order)
    for i in order:
        by[data[i].get("category", "none")].append(i)
    out: list[list[int]] = [[] for _ in range(k)]
    j = 0
    for label in sorted(by):
        for i in by[label]:
            out[j % k].append(i)
            j += 1
    return out


def add(into: Figures, one: Figures) -> None:
    for name in ("tp", "fp", "fn", "relevant"):
        getattr(into, name).update(getattr(one, name))
    into.items += one.items
    into.attributed += one.attributed
    into.attributable += one.attributable
    into.events_agree += one.events_agree
    into.events_labelled += one.events_labelled


def model_alone(model: Model, data: list[dict], into: Figures) -> None:
    for (feats, label), _row in zip(examples_of(data), data, strict=True):
        got = {model.opinion(feats).best} - {"none"}
        truth = {label} - {"none"}
        into.items += 1
        for c in truth:
            into.relevant[Category(c)] += 1
        for c in got & truth:
            into.tp[Category(c)] += 1
        for c in got - truth:
            into.fp[Category(c)] += 1
        for c in truth - got:
            into.fn[Category(c)] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    ws = Workspace(config=ROOT / "config")
    register, vocabulary = load_register(ws.register), load_vocabulary(ws)
    data = rows("dev") + rows("validation")
    examples = examples_of(data)
    alone, rules, both = Figures(), Figures(), Figures()
    plain = Matcher(register, vocabulary)
    for fold in folds_of(data, args.folds):
        held = set(fold)
        model = Model.train([examples[i] for i in range(len(data)) if i not in held])
        judged = [data[i] for i in fold]
        model_alone(model, judged, alone)
        add(rules, measure(judged, plain))
        add(both, measure(judged, Matcher(register, vocabulary, model)))
    name = f"{args.folds}-fold CV on dev + validation"
    print("\n".join(alone.lines(f"model alone, {name}")))
    print("\n".join(rules.lines(f"rules alone, {name} (written against it: optimistic)")))
    print("\n".join(both.lines(f"rules + model, {name}")))
    committed = Model.load()
    print(
        "\n".join(
            measure(rows("validation"), Matcher(register, vocabulary, committed)).lines("validation, as committed")
        )
    )


if __name__ == "__main__":
    main()
