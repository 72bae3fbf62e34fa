"""Read a YAML tree field by field, collecting every problem with its file and line.

Validation and parsing are the same pass: each reader returns the typed value (or
None) and records what is wrong, so `tracker validate` can report every problem at
once and the loaders never see a value that was not checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from tracker.core.dates import NotADate, PartialDate, check_year
from tracker.core.errors import ConfigError, FileProblem, Problem, TrackerError
from tracker.core.files import parse_yaml, read_source, sha256_bytes
from tracker.core.text import decoded_words, encoded_words, has_controls, link_problem, quoted

T = TypeVar("T")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_MISSING = object()


def is_web_url(value: str) -> bool:
    """Only http(s) links with a host: never javascript:, data:, file: or relative."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() or ord(c) < 32 for c in value.strip())
    )


def is_home_page(value: str) -> bool:
    """A site's front page (https://www.gov.uk/), not a document: no path beyond "/" and no query."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return bool(parts.hostname) and parts.path.strip("/") == "" and not parts.query


_OPEN, _CLOSE = "([{", ")]}"


def bracket_depth(text: str) -> int:
    """How deeply brackets nest in `text`: 'A (B)' is 1, 'A (B (C))' is 2."""
    depth = deepest = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in _CLOSE and depth:
            depth -= 1
    return deepest


class Checker:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    # -- locating -------------------------------------------------------------
    @staticmethod
    def line_of(node: Any, key: Any = _MISSING) -> int:
        lc = getattr(node, "lc", None)
        if lc is None:  # the whole file (empty, or not a mapping): its first line
            return 1
        try:
            if key is not _MISSING:
                if isinstance(key, int) and isinstance(node, list):
                    return lc.item(key)[0] + 1
                if key in node:
                    return lc.key(key)[0] + 1
            return (lc.line or 0) + 1
        except (KeyError, IndexError, TypeError, AttributeError):
            return (lc.line or 0) + 1

    def problem(self, node: Any, key: Any, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line_of(node, key), path, message))

    def raise_if_problems(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)

    # -- structure ------------------------------------------------------------
    def mapping(self, parent: Any, key: Any, path: str, required: bool = True) -> dict | None:
        value = self._get(parent, key)
        if value is _MISSING or value is None:
            if required:
                self.problem(parent, key, path, "is required")
            return None
        if not isinstance(value, dict):
            self.problem(parent, key, path, f"should be a mapping of fields, not {_kind(value)}")
            return None
        return value

    def sequence(self, parent: Any, key: Any, path: str, required: bool = False) -> list:
        value = self._get(parent, key)
        if value is _MISSING or value is None:
            if required:
                self.problem(parent, key, path, "is required")
            return []
        if not isinstance(value, list):
            self.problem(parent, key, path, f"should be a list, not {_kind(value)}")
            return []
        return value

    def items(self, seq: list, path: str) -> Iterable[tuple[int, dict, str]]:
        """Each mapping in a list, with its own path; non-mappings are reported."""
        for i, item in enumerate(seq):
            p = f"{path}[{i}]"
            if isinstance(item, dict):
                yield i, item, p
            else:
                self.problem(seq, i, p, f"should be a mapping of fields, not {_kind(item)}")

    def unknown_keys(self, node: dict, allowed: Iterable[str], path: str) -> None:
        allowed = set(allowed)
        for key in node:
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                self.problem(node, key, _join(path, str(key)), f"unknown field (expected one of: {hint})")

    # -- scalars --------------------------------------------------------------
    def text(self, node: Any, key: Any, path: str, required: bool = True) -> str | None:
        value = self._get(node, key)
        if value is _MISSING or value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(
                    node, key, path, "is required" if value is _MISSING or value is None else "must not be empty"
                )
            return None
        if isinstance(value, (dict, list)):
            self.problem(node, key, path, f"should be text, not {_kind(value)}")
            return None
        if isinstance(value, bool):
            self.problem(node, key, path, f"should be text, not {_kind(value)} (put it in quotes)")
            return None
        return str(value).strip()

    def name(self, node: Any, key: Any, path: str, required: bool = True, person: bool = True) -> str | None:
        """A name that will appear in an email header: no RFC 2047 encoded words, which
        mail programs (and Python's own email package, CVE-2024-6923) decode into whatever
        they hide, line breaks included. A `person`'s name (an address's display name)
        must also be one line; other text (the trust's name in a subject) is folded."""
        raw = self._get(node, key)
        if person and isinstance(raw, str) and has_controls(raw.strip()):
            self.problem(node, key, path, "must be one line of text without control characters")
            return None
        value = self.text(node, key, path, required=required)
        if value is not None and encoded_words(value):
            self.problem(node, key, path, _encoded_word_problem(value, "name"))
            return None
        return value

    def choice(
        self, node: Any, key: Any, path: str, choices: Iterable[str], required: bool = True, default: str | None = None
    ) -> str | None:
        value = self.text(node, key, path, required=required)
        if value is None:
            return default
        choices = list(choices)
        if value not in choices:
            self.problem(node, key, path, f"{quoted(value)} is not one of: {', '.join(choices)}")
            return None
        return value

    def slug(self, node: Any, key: Any, path: str, required: bool = True) -> str | None:
        value = self.text(node, key, path, required=required)
        if value is not None and not SLUG.match(value):
            self.problem(
                node, key, path, f"{quoted(value)} should be a lowercase slug of letters, digits and single hyphens"
            )
            return None
        return value

    def url(self, node: Any, key: Any, path: str, required: bool = True, public: bool = True) -> str | None:
        """An http(s) address; `public` (links a reader is shown) also refuses credentials,
        local and private hosts and invisible characters (see tracker.core.text.link_problem)."""
        value = self.text(node, key, path, required=required)
        if value is None:
            return None
        why = link_problem(value) if public else None if is_web_url(value) else "is not an http(s) web address"
        if why:
            self.problem(node, key, path, f"{quoted(value)} {why}")
            return None
        return value

    def email(self, node: Any, key: Any, path: str, required: bool = True) -> str | None:
        value = self.text(node, key, path, required=required)
        if value is not None and encoded_words(value):
            self.problem(node, key, path, _encoded_word_problem(value, "address"))
            return None
        if value is not None and not EMAIL.match(value):
            self.problem(node, key, path, f"{quoted(value)} is not a valid email address")
            return None
        return value

    def partial_date(
        self, node: Any, key: Any, path: str, required: bool = True, shape: str | None = None
    ) -> PartialDate | None:
        """A date to the precision written; `shape` says what to write instead of a value that is no date at all."""
        value = self._get(node, key)
        if value is _MISSING or value is None:
            if required:
                self.problem(node, key, path, "is required")
            return None
        try:
            return PartialDate.parse(value)
        except NotADate as exc:
            self.problem(node, key, path, f"expected {shape}, got {value!r}" if shape else str(exc))
            return None
        except ValueError as exc:
            self.problem(node, key, path, str(exc))
            return None

    def full_date(self, node: Any, key: Any, path: str, required: bool = True) -> dt.date | None:
        # a meeting is a day: never suggest a year or a month will do
        pd = self.partial_date(node, key, path, required, shape="a full date like 2027-06-10 (year-month-day)")
        if pd is not None and pd.precision != "day":
            self.problem(node, key, path, f"{pd} needs a day: write it as YYYY-MM-DD")
            return None
        return pd.first_day() if pd else None

    def timestamp(self, node: Any, key: Any, path: str, required: bool = True) -> str | None:
        """An ISO date or date-time, kept as the text written (UTC 'Z' or an offset)."""
        value = self._get(node, key)
        if value is _MISSING or value is None:
            if required:
                self.problem(node, key, path, "is required")
            return None
        text = value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            check_year(moment.year, text)
        except ValueError as exc:
            self.problem(
                node,
                key,
                path,
                str(exc)
                if "outside" in str(exc)
                else f"{text[:60]!r} is not an ISO date or date-time like 2026-11-22T07:00:00Z",
            )
            return None
        return text

    def boolean(self, node: Any, key: Any, path: str, default: bool) -> bool:
        value = self._get(node, key)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.problem(node, key, path, f"should be true or false, not {quoted(value)}")
            return default
        return value

    def integer(self, node: Any, key: Any, path: str, default: int | None = None, minimum: int = 0) -> int | None:
        value = self._get(node, key)
        if value is _MISSING or value is None:
            if default is None:
                self.problem(node, key, path, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(node, key, path, f"should be a whole number of at least {minimum}, not {quoted(value)}")
            return default
        return value

    def strings(self, node: Any, key: Any, path: str, required: bool = False) -> tuple[str, ...]:
        seq = self.sequence(node, key, path, required=required)
        out = []
        for i, item in enumerate(seq):
            if isinstance(item, (dict, list)) or item is None or (isinstance(item, str) and not item.strip()):
                self.problem(seq, i, f"{path}[{i}]", "should be a non-empty piece of text")
            else:
                out.append(str(item).strip())
        return tuple(out)

    def unique(self, seen: dict[str, str], value: str | None, node: Any, key: Any, path: str, what: str = "id") -> None:
        if value is None:
            return
        if value in seen:
            self.problem(node, key, path, f"duplicate {what} {quoted(value)} (also at {seen[value]})")
        else:
            seen[value] = f"line {self.line_of(node, key)}"

    @staticmethod
    def _get(node: Any, key: Any) -> Any:
        if isinstance(node, dict):
            return node.get(key, _MISSING)
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            return node[key]
        return _MISSING


def _encoded_word_problem(value: str, what: str) -> str:
    hides = " that decodes to a line break or control character" if has_controls(decoded_words(value)) else ""
    return f"holds an email encoded word (=?...?=){hides}, which mail programs decode: write the {what} as plain text"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return repr(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@dataclass(frozen=True)
class Checked(Generic[T]):
    """A config file read, checked and parsed in one pass: the value (None if unreadable),
    every problem found, and the YAML tree (for cross-file checks that need line numbers)."""

    path: Path
    value: T | None
    problems: tuple[Problem, ...]
    tree: Any = None
    text: str = ""
    sha256: str = ""  # of the file's bytes

    @property
    def ok(self) -> bool:
        return not self.problems


def check_file(path: Path, parse: Callable[[Any, Checker], T]) -> Checked[T]:
    """Read, check and parse one YAML file; never raises for anything wrong with the file."""
    path = Path(path)
    try:
        raw, text = read_source(path)
        tree = parse_yaml(text, str(path))
    except FileProblem as exc:  # not UTF-8, a YAML syntax error, too deep or too big
        return Checked(path, None, (exc.problem,))
    except TrackerError as exc:  # missing, not UTF-8, unreadable
        return Checked(path, None, (Problem(str(path), 0, "", str(exc).removeprefix(f"{path}: ")),))
    if tree is None:  # nothing but blank lines or comments: one sentence, not every required field
        return Checked(path, None, (Problem(str(path), 1, "", "the file is empty"),), tree, text, sha256_bytes(raw))
    c = Checker(str(path))
    value = parse(tree, c)
    return Checked(path, value, tuple(c.problems), tree, text, sha256_bytes(raw))


def load_checked(path: Path, parse: Callable[[Any, Checker], T]) -> T:
    """The parsed value of a YAML file, or ConfigError listing every problem with file:line."""
    checked = check_file(path, parse)
    if checked.problems or checked.value is None:
        raise ConfigError(list(checked.problems) or [Problem(str(path), 0, "", "could not be read")])
    return checked.value
