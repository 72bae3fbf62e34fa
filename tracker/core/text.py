"""Untrusted text (feed titles, config values) made safe for a page, a header or a table cell.

One policy for control characters, used everywhere: `strip_controls` removes them,
`has_controls` lets validation refuse them, `one_line` folds text for an email header
or a log line. One policy for links shown to a reader: `safe_link` (public http(s)
addresses only). One policy for names that reach an email header: `header_text` and
`encoded_words` (RFC 2047 words decode to anything, line breaks included).
Nothing here raises: any string comes out as valid XML text.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from urllib.parse import urlsplit

# Characters that never belong in text a person reads: C0 and C1 controls (tab, line
# feed and carriage return are whitespace, handled separately), DEL, zero-width and
# direction marks, bidi embeddings, overrides and isolates, the line and paragraph
# separators, invisible operators, the byte-order mark, lone surrogates and the two
# non-characters XML 1.0 forbids, the Arabic letter mark and Mongolian vowel separator
# (bidi and invisible), the interlinear annotation marks and the invisible tag characters
# (which can smuggle ASCII past a reader). lxml refuses some of these and Word calls the
# file corrupt; others reorder or hide text (a right-to-left override can disguise a link).
_CONTROL_CHARS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ud800-\udfff\ufff9-\ufffb\ufffe\uffff\U000e0000-\U000e007f"
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


def quoted(value: object, limit: int = 60) -> str:
    """A value as a message quotes it: its repr, cut short (a config value may be megabytes)."""
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value) if isinstance(value, str | int | float | bool) or value is None else type(value).__name__
    return text if len(text) <= limit else text[: limit - 4] + "…" + text[-3:]


def words(*texts: str) -> int:
    return sum(len(t.split()) for t in texts if t)


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """'1 source', '3 sources': a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else plural_form or singular + 's'}"


# -- links ------------------------------------------------------------------------

MAX_LINK = 2000
# Names that only ever mean a machine on the reader's own network.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet")
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")


def link_problem(value: object) -> str | None:
    """Why a link must not be shown to a reader, or None if it is a public http(s) address.

    Refused: anything not http(s) with a host; user names or passwords in it (a phishing
    disguise: https://www.gov.uk@evil.example/); hosts on the reader's own machine or
    network (loopback, private, link-local, bare names, IP numbers in disguise); and
    invisible or direction-changing characters (a right-to-left override can make
    `exe.pdf` read as `fdp.exe`).
    """
    if not isinstance(value, str) or not value.strip():
        return "is not an http(s) web address"
    link = value.strip()
    if len(link) > MAX_LINK:
        return f"is longer than {MAX_LINK} characters"
    if has_controls(link) or any(c.isspace() for c in link):
        return "holds spaces, line breaks or invisible characters"
    try:
        parts = urlsplit(link)
        host = parts.hostname
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        return "is not an http(s) web address"
    if parts.scheme not in ("http", "https") or not host:
        return "is not an http(s) web address"
    if "@" in parts.netloc:
        return "holds a user name or password"
    if not public_host(host):
        return "points at a local or private network address"
    return None


def safe_link(value: object) -> str | None:
    """The link, stripped, if a reader may be shown it (see `link_problem`); else None."""
    return value.strip() if isinstance(value, str) and link_problem(value) is None else None


def public_host(host: str) -> bool:
    """False for loopback, private, link-local and reserved addresses and for local names."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        if len(labels) < 2 or host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
            return False
        # 0x7f.1 or 2130706433.0: numbers a browser reads as an IP address.
        return not all(_NUMERIC_LABEL.match(label) for label in labels)
    return ip.is_global and not ip.is_multicast


# -- names in email headers ----------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")


def encoded_words(text: str) -> bool:
    """True if the text holds an RFC 2047 encoded word (=?utf-8?q?...?=)."""
    return _ENCODED_WORD.search(text) is not None


def decoded_words(text: str) -> str:
    """What a mail program would show for the text: its encoded words decoded (once)."""
    try:
        return str(make_header(decode_header(text)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return text


def header_text(value: object) -> str:
    """Text that can go in an email header (a name, a subject) and stay what it says.

    Python's email package decodes RFC 2047 words in a display name and writes what
    they decode to (CVE-2024-6923): `=?utf-8?q?Eve=0D=0ABcc:_x@y?=` would become a Bcc
    line. So the words are decoded here, line breaks and controls folded to spaces, and
    any word the decoding leaves is broken up, so nothing downstream decodes it again.
    """
    text = one_line(value)
    for _ in range(3):  # a word may decode to another word
        if not encoded_words(text):
            break
        text = one_line(decoded_words(text))
    return _ENCODED_WORD.sub(lambda m: m.group(0).replace("=?", "= ?"), text)
