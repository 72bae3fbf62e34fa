"""Untrusted text (feed titles, config values) made safe for a page, a header or a table cell.

One policy for control characters, used everywhere: `strip_controls` removes them,
`has_controls` lets validation refuse them, `one_line` folds text for an email header
or a log line. Nothing here raises: any string comes out as valid XML text.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that never belong in text a person reads: C0 and C1 controls (tab, line
# feed and carriage return are whitespace, handled separately), DEL, zero-width and
# direction marks, bidi embeddings, overrides and isolates, the line and paragraph
# separators, invisible operators, the byte-order mark, lone surrogates and the two
# non-characters XML 1.0 forbids. lxml refuses some of these and Word calls the file
# corrupt; others reorder or hide text (a right-to-left override can disguise a link).
_CONTROL_CHARS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff\ufffe\uffff"
)
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_BREAKS = re.compile("[\t\n\r]")
_SPACE = re.compile(r"\s+")
_LONG_WORD = 40  # longer unbroken runs get invisible break points so table cells can wrap
_ZWSP = "\u200b"
_FSI, _PDI = "\u2068", "\u2069"


def strip_controls(text: str) -> str:
    """The text without any control, invisible or direction-changing character."""
    return _CONTROL.sub("", text)


def has_controls(text: str) -> bool:
    """True if the text holds a line break or any character `strip_controls` removes."""
    return bool(_CONTROL.search(text) or _BREAKS.search(text))


def one_line(text: object) -> str:
    """One line: line breaks and control characters become single spaces."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())


def clean(value: object) -> str:
    """One line of plain, XML-safe text; whitespace collapsed; never raises."""
    if value is None:
        return ""
    text = str(value)
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = unicodedata.normalize("NFC", strip_controls(text))
    return _SPACE.sub(" ", text).strip()


# Hebrew, Arabic, Syriac, Thaana, NKo and the other right-to-left blocks, with their presentation forms.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")


def has_rtl(text: str) -> bool:
    return _RTL.search(text) is not None


def display(value: object) -> str:
    """Text for the page: cleaned, right-to-left runs isolated, long words breakable."""
    text = clean(value)
    if has_rtl(text):
        # An isolate keeps Hebrew or Arabic from reordering the English around it.
        text = f"{_FSI}{text}{_PDI}"
    return " ".join(_breakable(word) for word in text.split(" "))


def _breakable(word: str) -> str:
    if len(word) <= _LONG_WORD or word.startswith(("http://", "https://")):
        return word
    return _ZWSP.join(word[i : i + _LONG_WORD] for i in range(0, len(word), _LONG_WORD))


def words(*texts: str) -> int:
    return sum(len(t.split()) for t in texts if t)


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """'1 source', '3 sources': a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else plural_form or singular + 's'}"
