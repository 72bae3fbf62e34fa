"""A second opinion for the matching rules: a small logistic regression over an item's words.

The rules (config/matching.yaml) say why an item is in a category, in words a person
can check; they are precise but miss news worded in ways nobody wrote down. This model
is trained on the dev part of the labelled corpus (tests/fixtures/match-corpus/dev.yaml;
never validation or the held-out test part, which must stay fair estimates) by `python -m tracker.tracking.model --train`, which
writes the weights to tracker/tracking/model.json; nothing is downloaded. The matcher
asks it only where the rules are silent or name two categories at once, and says so
in one sentence: "model: 0.82 likely legislation (words: bill, lords, amendment)".

Multinomial logistic regression (softmax over the five categories and "none") on word
and word-pair features of the title and the summary's lead, plus the item's year; L2
regularised, fitted by full-batch gradient descent with Adam. numpy only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tracker.register.model import Category

LABELS: tuple[str, ...] = (*(str(c) for c in Category), "none")
MODEL_FILE = Path(__file__).with_name("model.json")
SUMMARY_WORDS = 40  # the lead of a summary states its subject; later words mention much in passing
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "with",
        "is",
        "are",
        "as",
        "be",
        "will",
        "and",
        "or",
        "its",
        "it",
        "this",
        "that",
        "from",
    ]
)


def features(title: str, lead: str, day: str | None) -> list[str]:
    """The features of one item: `title` and `lead` are normalised text (tracker.tracking.normalise)."""
    t, s = title.split(), lead.split()[:SUMMARY_WORDS]
    out = [f"t:{w}" for w in t if w not in _STOP]
    out += [f"t:{a}_{b}" for a, b in zip(t, t[1:], strict=False)]
    out += [f"s:{w}" for w in s if w not in _STOP]
    out += [f"s:{a}_{b}" for a, b in zip(s, s[1:], strict=False)]
    if day and day[:4].isdigit():
        out.append(f"y:{day[:4]}")
    return out


def _word(feature: str) -> str:
    return feature[2:].replace("_", " ")


@dataclass(frozen=True)
class Opinion:
    """What the model thinks of one item: each label's probability, and (on asking) the words that pushed it."""

    probability: dict[str, float]
    seen: tuple[str, ...] = ()  # the item's features that the model knows
    model: Model | None = None

    @property
    def best(self) -> str:
        return max(self.probability, key=lambda k: self.probability[k])

    def words(self, label: str, n: int = 3) -> tuple[str, ...]:
        """The item's words that count most for `label` (the year is no word)."""
        if self.model is None:
            return ()
        k = self.model.labels.index(label)
        weights = self.model.weights
        top = sorted(
            (f for f in self.seen if weights[f][k] > 0 and not f.startswith("y:")), key=lambda f: -weights[f][k]
        )
        return tuple(dict.fromkeys(_word(f) for f in top[:n]))

    def sentence(self, label: str) -> str:
        words = ", ".join(self.words(label))
        return f"model: {self.probability[label]:.2f} likely {label}" + (f" (words: {words})" if words else "")


class Model:
    """Weights per feature and label; `opinion` is a dictionary lookup and a softmax."""

    def __init__(
        self,
        weights: dict[str, list[float]],
        bias: list[float],
        labels: tuple[str, ...] = LABELS,
        trained_on: dict[str, str] | None = None,
    ):
        self.weights, self.bias, self.labels = weights, bias, labels
        self.trained_on = trained_on or {}  # part name -> sha256 of the corpus file it was trained on

    def opinion(self, feats: list[str]) -> Opinion:
        z = list(self.bias)
        weights = self.weights
        seen = tuple(f for f in set(feats) if f in weights)
        for f in seen:
            for k, w in enumerate(weights[f]):
                z[k] += w
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return Opinion({label: e[k] / total for k, label in enumerate(self.labels)}, tuple(sorted(seen)), self)

    @classmethod
    def train(
        cls, examples: list[tuple[list[str], str]], l2: float = 1.0, iterations: int = 300, min_count: int = 2
    ) -> Model:
        """Fit on (features, label) pairs; deterministic (no randomness at all)."""
        import numpy as np

        counts = Counter(f for feats, _ in examples for f in set(feats))
        vocab = sorted(f for f, n in counts.items() if n >= min_count)
        index = {f: i for i, f in enumerate(vocab)}
        rows, cols = [], []
        for r, (feats, _) in enumerate(examples):
            for f in dict.fromkeys(feats):
                if f in index:
                    rows.append(r)
                    cols.append(index[f])
        row, col = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
        n, d, k = len(examples), len(vocab), len(LABELS)
        target = np.zeros((n, k))
        target[np.arange(n), [LABELS.index(label) for _, label in examples]] = 1.0
        w, b = np.zeros((d, k)), np.zeros(k)
        m1, v1 = np.zeros_like(w), np.zeros_like(w)
        rate, beta1, beta2 = 0.1, 0.9, 0.999
        for step in range(1, iterations + 1):
            z = np.zeros((n, k))
            np.add.at(z, row, w[col])
            z += b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            err = (p - target) / n
            grad = np.zeros_like(w)
            np.add.at(grad, col, err[row])
            grad += l2 * w / n
            b -= rate * err.sum(axis=0)
            m1 = beta1 * m1 + (1 - beta1) * grad
            v1 = beta2 * v1 + (1 - beta2) * grad * grad
            w -= rate * (m1 / (1 - beta1**step)) / (np.sqrt(v1 / (1 - beta2**step)) + 1e-8)
        weights = {f: [round(float(x), 4) for x in w[i]] for i, f in enumerate(vocab)}
        return cls(weights, [round(float(x), 4) for x in b])

    def save(self, path: Path = MODEL_FILE) -> None:
        data = {
            "labels": list(self.labels),
            "trained_on": self.trained_on,
            "bias": self.bias,
            "weights": self.weights,
        }
        path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model | None:
        """The committed model, or None (the rules alone) if there is none."""
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], data["bias"], tuple(data["labels"]), data.get("trained_on") or {})


def examples_of(rows: list[dict]) -> list[tuple[list[str], str]]:
    """Corpus rows (title, summary, published, category) as training examples, read as the matcher reads items."""
    from tracker.tracking.match import lead_of
    from tracker.tracking.normalise import normalise

    out = []
    for r in rows:
        day = str(r["published"]) if r.get("published") is not None else None
        out.append((features(normalise(str(r["title"])), lead_of(str(r.get("summary") or "")), day), r["category"]))
    return out


CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "match-corpus"
TRAINING_PARTS = ("dev",)  # never validation or test: they must stay fair estimates of what it has not seen


def train_on_corpus(corpus: Path = CORPUS, parts: tuple[str, ...] = TRAINING_PARTS) -> Model:
    """The model as `--train` makes it: fitted on the corpus parts, recording each file's sha256."""
    from tracker.core.files import load_yaml, sha256_bytes

    rows = [r for part in parts for r in load_yaml(corpus / f"{part}.yaml")["items"]]
    model = Model.train(examples_of(rows))
    model.trained_on = {f"{part}.yaml": sha256_bytes((corpus / f"{part}.yaml").read_bytes()) for part in parts}
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", action="store_true", help="train on the dev part and write model.json")
    args = parser.parse_args(argv)
    if not args.train:
        parser.print_help()
        return 2
    model = train_on_corpus()
    model.save()
    print(f"trained on {', '.join(model.trained_on)}; {len(model.weights)} features -> {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
