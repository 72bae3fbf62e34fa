"""Make untrusted text (feed titles, config) safe to put in a Word document.

Nothing here raises: any string comes out as valid XML text that reads the same.
"""

from __future__ import annotations

import re
import unicodedata

# Characters XML 1.0 forbids (C0 controls other than tab/newline/return, lone
# surrogates, U+FFFE/U+FFFF); lxml refuses them and Word calls the file corrupt.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
_LONG_WORD = 40  # longer unbroken runs get invisible break points so table cells can wrap
_ZWSP = "\u200b"
_FSI, _PDI = "\u2068", "\u2069"


def clean(value: object) -> str:
    """One line of plain, XML-safe text; whitespace collapsed; never raises."""
    if value is None:
        return ""
    text = str(value)
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = unicodedata.normalize("NFC", _ILLEGAL.sub("", text))
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
