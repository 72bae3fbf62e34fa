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

Because the rules were written against dev and validation, a fourth figure measures them
as if they had not been: in each fold, every vocabulary phrase (a concept's wording,
`with` or `none` word, a near miss, a passing phrase) that only the held-out fold's items
contain is removed, as if nobody had written it, and the rules with the fold's model are
judged on that fold. It is still optimistic (the register's own rules stay, and a phrase
two items share survives), but nearer the held-out part: 0.94 / 0.90 where plain
cross-validation said 0.96 / 0.92 and the held-out part 0.91 / 0.86 (issue 10's third
round, 1,032 items). Choose thresholds and vocabulary changes by it; one seed's folds move
it by about 0.005, so compare small changes over several seeds (`folds_of(..., seed)`).

Two questions about the bar itself (issue 10 asks 0.95 on headlines nobody tuned for):

- `--agreement`: is 0.95 a fair bar, or are the labels too much a matter of judgement? A
  second labeller, blind to the corpus labels, labelled 300 dev items
  (tests/fixtures/match-corpus/second-labelling.yaml); this prints how the two agree,
  judged as the matcher is judged, and how the matcher does against each.
- `--curve`: how do the figures grow with the corpus? Each fold's training items are cut
  to a share (1/8 to all); the model is trained on that share and every vocabulary
  phrase that only items outside it contain is removed (the rules as if written against
  the share alone), then judged on the fold, over three fold seeds.

    .venv/bin/python bench/match_model.py [--folds 5] [--agreement] [--curve]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tracking.corpus import Figures, agreement, measure, rows, second_labelling  # noqa: E402
from tracker.config.loading import load_vocabulary  # noqa: E402
from tracker.config.matching import Vocabulary  # noqa: E402
from tracker.config.workspace import Workspace  # noqa: E402
from tracker.register.model import Category  # noqa: E402
from tracker.register.parse import load_register  # noqa: E402
from tracker.tracking.match import Matcher  # noqa: E402
from tracker.tracking.model import Model, examples_of  # noqa: E402
from tracker.tracking.normalise import normalise  # noqa: E402
from tracker.tracking.phrases import find, inflected, phrase_test  # noqa: E402


def without_phrases_only(held: set[int], data: list[dict], vocabulary: Vocabulary) -> Vocabulary:
    """The vocabulary without the phrases that only the items `held` contain (title or summary, any inflection):
    the rules as they might stand had nobody seen those items. A phrase no item contains stays (it came from
    knowledge, not from an item); a concept or near miss left with no wording goes."""
    texts = [f" {normalise(str(r['title']))} {normalise(str(r.get('summary') or ''))} " for r in data]
    support: dict[str, set[int]] = {}

    def keep(phrases: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for p in phrases:
            if p not in support:
                tests = [phrase_test(v) for v in inflected((p,))]
                support[p] = {i for i, t in enumerate(texts) if any(find(x, t) for x in tests)}
            if not support[p] or not support[p] <= held:
                out.append(p)
        return tuple(out)

    categories = []
    for words in vocabulary.categories:
        concepts = [
            dataclasses.replace(c, any=keep(c.any), with_=keep(c.with_), none=keep(c.none))
            for c in words.concepts
            if keep(c.any) and (not c.with_ or keep(c.with_))
        ]
        misses = [
            dataclasses.replace(m, any=keep(m.any), unless=keep(m.unless)) for m in words.near_misses if keep(m.any)
        ]
        categories.append(dataclasses.replace(words, concepts=tuple(concepts), near_misses=tuple(misses)))
    return dataclasses.replace(vocabulary, categories=tuple(categories), passing=keep(vocabulary.passing))


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


def print_agreement(register, vocabulary: Vocabulary) -> None:
    pairs = second_labelling()
    a = agreement(pairs)
    print(
        f"second labelling: {a.items} dev items, {a.same} given the same label, Cohen's kappa {a.kappa:.3f}; "
        "judged against the corpus labels:"
    )
    print("\n".join(a.second.lines("second labeller, all")[1:]))
    print(f"  second labeller, all: precision {a.second.precision():.3f}, recall {a.second.recall():.3f}")
    print(
        f"  second labeller, the {a.sure.items} items it was sure of: precision {a.sure.precision():.3f}, "
        f"recall {a.sure.recall():.3f}"
    )
    first, second = [row for row, _ in pairs], [dict(row, category=other["category"]) for row, other in pairs]
    matcher = Matcher(register, vocabulary, Model.load())
    for name, labels in (("corpus labels", first), ("second labels", second)):
        f = measure(labels, matcher)
        print(
            f"  matcher against the {name} (dev items: the rules were written against them): "
            f"precision {f.precision():.3f}, recall {f.recall():.3f}"
        )


def print_curve(register, vocabulary: Vocabulary, data: list[dict], k: int) -> None:
    shares = (0.125, 0.25, 0.5, 1.0)
    figures = {s: Figures() for s in shares}
    examples = examples_of(data)
    for seed in (7, 8, 9):
        for fold in folds_of(data, k, seed):
            held = set(fold)
            train = [i for i in range(len(data)) if i not in held]
            random.Random(seed).shuffle(train)
            for share in shares:
                part = set(train[: int(len(train) * share)])
                model = Model.train([examples[i] for i in sorted(part)])
                rules = without_phrases_only(set(range(len(data))) - part, data, vocabulary)
                add(figures[share], measure([data[i] for i in fold], Matcher(register, rules, model)))
    for share in shares:
        f = figures[share]
        print(
            f"learning curve: trained and written against {share:.3f} of each fold's training items "
            f"(about {int(len(data) * (k - 1) / k * share)}): precision {f.precision():.3f}, "
            f"recall {f.recall():.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--agreement", action="store_true", help="only the second labelling's agreement")
    parser.add_argument("--curve", action="store_true", help="only the learning curve (about two minutes)")
    args = parser.parse_args()
    ws = Workspace(config=ROOT / "config")
    register, vocabulary = load_register(ws.register), load_vocabulary(ws)
    data = rows("dev") + rows("validation")
    if args.agreement or args.curve:
        if args.agreement:
            print_agreement(register, vocabulary)
        if args.curve:
            print_curve(register, vocabulary, data, args.folds)
        return
    examples = examples_of(data)
    alone, rules, both, unseen = Figures(), Figures(), Figures(), Figures()
    plain = Matcher(register, vocabulary)
    for fold in folds_of(data, args.folds):
        held = set(fold)
        model = Model.train([examples[i] for i in range(len(data)) if i not in held])
        judged = [data[i] for i in fold]
        model_alone(model, judged, alone)
        add(rules, measure(judged, plain))
        add(both, measure(judged, Matcher(register, vocabulary, model)))
        add(unseen, measure(judged, Matcher(register, without_phrases_only(held, data, vocabulary), model)))
    name = f"{args.folds}-fold CV on dev + validation"
    print("\n".join(alone.lines(f"model alone, {name}")))
    print("\n".join(rules.lines(f"rules alone, {name} (written against it: optimistic)")))
    print("\n".join(both.lines(f"rules + model, {name}")))
    print("\n".join(unseen.lines(f"rules + model, {name}, phrases only the held-out fold holds removed")))
    committed = Model.load()
    print(
        "\n".join(
            measure(rows("validation"), Matcher(register, vocabulary, committed)).lines("validation, as committed")
        )
    )


if __name__ == "__main__":
    main()
