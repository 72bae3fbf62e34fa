"""Text from feeds, made comparable (for matching) and safe (for the register).

Feed content is untrusted: `clean_text` strips markup and control characters before
anything is stored, and `safe_link` (the one link policy, in tracker.core.text) lets
through only public http(s) addresses. `normalise`
turns a title or a rule phrase into one canonical form, so "2025/26", "2025-26" and
"2025 to 2026", curly and straight quotes, en dashes and hyphens all compare equal.
"""

from __future__ import annotations

import html
import re
import unicodedata

from tracker.core.text import safe_link as safe_link  # the link policy lives with the text policy
from tracker.core.text import strip_controls

_TAG = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)
_SPACE = re.compile(r"\s+")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'"})
# A financial year in any of its spellings: 2025/26, 2025-26, 2025/2026, 2025 - 26,
# 2025 to 2026. Only consecutive years are a financial year; "2017 to 2019" is a span.
_YEARS = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:/|-|\bto\b)\s*((?:19|20)?\d\d)(?!\d)")
_NOT_WORD = re.compile(r"[^a-z0-9{}_]+")
MAX_TEXT = 2000  # characters kept from an untrusted summary


def clean_text(value: object, limit: int = MAX_TEXT) -> str:
    """Untrusted feed text as plain, single-line text: no tags, entities or control characters."""
    if value is None:
        return ""
    text = str(value)
    for _ in range(2):  # entities that hide tags (&lt;b&gt;) are tags too
        text = html.unescape(_TAG.sub(" ", text))
    text = _TAG.sub(" ", text)
    text = strip_controls(text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _years(m: re.Match) -> str:
    first, second = m.group(1), m.group(2)
    tail = int(second[-2:])
    if (int(first) + 1) % 100 != tail or (len(second) == 4 and int(second) != int(first) + 1):
        return m.group(0)  # not consecutive: leave it alone
    return f" {first}_{second[-2:]} "  # "_" survives punctuation removal, then becomes "-"


def normalise(text: object) -> str:
    """Lower-case words separated by single spaces; financial years as `2025-26`.

    Braces survive so rule phrases can hold placeholders like `{years}`.
    """
    s = unicodedata.normalize("NFKC", clean_text(text, limit=10_000))
    s = s.translate(_DASHES).translate(_QUOTES).lower()
    s = s.replace("'", "")  # england's -> englands, governors' -> governors
    s = s.replace("&", " and ").replace("_", " ")
    s = _YEARS.sub(_years, s)
    s = _NOT_WORD.sub(" ", s).replace("_", "-")
    return _SPACE.sub(" ", s).strip()
