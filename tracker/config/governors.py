"""The governors who receive the pack: who they are, how to reach them, which format they read.

Real names and addresses are personal data, so `config/governors.yaml` is git-ignored;
the shipped `config/governors.example.yaml` (fictional people) stands in until it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.core.schema import Checker, load_checked
from tracker.core.text import has_controls

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


def parse_governors(tree: Any, c: Checker) -> tuple[Governor, ...]:
    if not isinstance(tree, dict):
        c.problem(tree, None, "", "the governors file should be a mapping with a `governors` list")
        return ()
    c.unknown_keys(tree, ("governors",), "")
    out: list[Governor] = []
    emails: dict[str, str] = {}
    for _, g, path in c.items(c.sequence(tree, "governors", "governors", required=True), "governors"):
        c.unknown_keys(g, GOVERNOR_KEYS, path)
        name = _name(c, g, f"{path}.name")
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
    return tuple(out)


def _name(c: Checker, node: dict, path: str) -> str | None:
    raw = node.get("name")
    if isinstance(raw, str) and has_controls(raw.strip()):
        c.problem(node, "name", path, "must be one line of text without control characters")
        return None
    return c.text(node, "name", path)


def load_governors(path: Path) -> tuple[Governor, ...]:
    return load_checked(path, parse_governors)
