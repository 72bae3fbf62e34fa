"""Phrases as tests over normalised text: whole words, with placeholders such as `{years}`.

Normalised text (tracker.tracking.normalise) is lower-case words between single spaces,
so a plain phrase is found exactly when ` phrase ` occurs in ` text `: a substring test.
Only phrases with placeholders need a regex.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tracker.tracking.normalise import normalise

# What each placeholder in a phrase stands for, once text is normalised.
PLACEHOLDERS = {
    "years": r"(?P<years>(?:19|20)\d\d-\d\d)",
    "year": r"(?P<year>(?:19|20)\d\d)",
    "words": r"(?:\ [a-z0-9-]+){0,6}?",  # up to six words in between
}
PLACEHOLDER = re.compile(r"\{([a-z]+)\}")
YEARS = re.compile(r"(?<![a-z0-9-])((?:19|20)\d\d)-(\d\d)(?![a-z0-9-])")


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern:
    """A phrase as a whole-word regex over normalised text; placeholders become groups."""
    pieces: list[tuple[str, str]] = []  # (kind, regex)
    seen: set[str] = set()
    pos = 0
    for m in PLACEHOLDER.finditer(phrase):
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
    """` phrase ` for a plain phrase (a substring test), a regex for one with placeholders."""
    return phrase_pattern(phrase) if PLACEHOLDER.search(phrase) else f" {normalise(phrase)} "


def find(test: str | re.Pattern, padded: str) -> int | None:
    """Where the phrase starts in ` text ` (always > 0), or None."""
    if isinstance(test, str):
        at = padded.find(test)
        return at + 1 if at >= 0 else None
    m = test.search(padded)
    return m.start() if m else None


def inflected(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The phrases with the regular inflections of each one-word base form: `designate` also
    matches `designates`, `designated` and `designating`; `merge` and `delay` likewise. Words
    already inflected (ending in s, ed, ing), short words, and phrases of several words stay
    as written: news reuses a verb in any tense, but a phrase is wording to be taken as is."""
    out: list[str] = []
    for p in phrases:
        out.append(p)
        if " " in p or not p.isalpha() or len(p) < 4 or p.endswith(("s", "ed", "ing", "ly")):
            continue
        out += [p + "s", p + "d", p[:-1] + "ing"] if p.endswith("e") else [p + "s", p + "ed", p + "ing"]
    return tuple(dict.fromkeys(out))


def years_in(text: str) -> list[str]:
    """The financial years named in normalised text, in order: ['2024-25', ...]."""
    return [f"{a}-{b}" for a, b in YEARS.findall(text)]
