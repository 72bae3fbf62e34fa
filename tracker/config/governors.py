"""The governors who receive the pack: who they are, how to reach them, which format they read.

Real names and addresses are personal data, so `config/governors.yaml` is git-ignored;
the shipped `config/governors.example.yaml` (fictional people) stands in until it exists.

A list may say whose governors they are (`trust: <short name>` at the top); in a
multi-trust deployment every list must, so a list copied from another trust and not
yet rewritten is refused rather than sent to. `send` checks that the pack, the trust
and the list all name the same trust.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tracker.core.schema import Checked, Checker, check_file, load_checked

GOVERNOR_TYPES = ("public", "staff", "appointed")
FORMATS = ("docx", "pdf")
GOVERNOR_KEYS = ("name", "email", "type", "constituency", "active", "format")


@dataclass(frozen=True)
class Governor:
    name: str
    email: str
    type: str
    constituency: str | None = None
    active: bool = True
    format: str = "docx"


@dataclass(frozen=True)
class GovernorList:
    """The governors of one trust, and the trust the file says they belong to (if it says)."""

    trust: str | None
    governors: tuple[Governor, ...]
    path: Path | None = None

    def __iter__(self) -> Iterator[Governor]:
        return iter(self.governors)

    def __len__(self) -> int:
        return len(self.governors)


def parse_governors(tree: Any, c: Checker) -> GovernorList:
    if not isinstance(tree, dict):
        c.problem(tree, None, "", "the governors file should be a mapping with a `governors` list")
        return GovernorList(None, ())
    c.unknown_keys(tree, ("trust", "governors"), "")
    trust = c.slug(tree, "trust", "trust", required=False)
    out: list[Governor] = []
    emails: dict[str, str] = {}
    for _, g, path in c.items(c.sequence(tree, "governors", "governors", required=True), "governors"):
        c.unknown_keys(g, GOVERNOR_KEYS, path)
        name = c.name(g, "name", f"{path}.name")
        email = c.email(g, "email", f"{path}.email")
        if email is not None and not email.isascii():
            c.problem(g, "email", f"{path}.email", f"{email!r} should be written in plain ASCII letters")
            email = None
        c.unique(emails, email.lower() if email else None, g, "email", f"{path}.email", "email address")
        out.append(
            Governor(
                name=name or "",
                email=email or "",
                type=c.choice(g, "type", f"{path}.type", GOVERNOR_TYPES) or "public",
                constituency=c.text(g, "constituency", f"{path}.constituency", required=False),
                active=c.boolean(g, "active", f"{path}.active", default=True),
                format=c.choice(g, "format", f"{path}.format", FORMATS, required=False, default="docx") or "docx",
            )
        )
    return GovernorList(trust, tuple(out))


def governors_parser(path: Path, trust: str | None, required: bool):
    """The parser for the governors list of `trust`: a list naming another trust is refused,
    and so is one naming none when `required` (every list of a multi-trust deployment)."""

    def parse(tree: Any, c: Checker) -> GovernorList:
        found = replace(parse_governors(tree, c), path=Path(path))
        if trust is None or not isinstance(tree, dict):
            return found
        if found.trust is None and required and "trust" not in tree:
            c.problem(
                tree, "trust", "trust",
                f"is required: start the file with `trust: {trust}`, so that a list copied from another"
                " trust is never used for this one",
            )  # fmt: skip
        elif found.trust is not None and found.trust != trust:
            c.problem(
                tree, "trust", "trust",
                f"{found.trust!r} is another trust: this file is where {trust!r}'s governors are read from,"
                f" so its packs would go to them; list {trust!r}'s own governors here",
            )  # fmt: skip
        return found

    return parse


def check_governors(path: Path, trust: str | None = None, required: bool = False) -> Checked[GovernorList]:
    return check_file(path, governors_parser(path, trust, required))


def load_governors(path: Path, trust: str | None = None, required: bool = False) -> GovernorList:
    """The governors in `path`, checked to be `trust`'s (see `governors_parser`)."""
    return load_checked(path, governors_parser(path, trust, required))
