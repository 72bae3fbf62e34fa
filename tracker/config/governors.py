"""The governors who receive the pack: who they are, how to reach them, which format they read.

Real names and addresses are personal data, so `config/governors.yaml` is git-ignored;
the shipped `config/governors.example.yaml` (fictional people) stands in until it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.core.files import parse_yaml, read_text
from tracker.core.schema import Checker

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


def governors_path(config_dir: Path) -> tuple[Path, bool]:
    """The governors file to use, and whether it is the fictional example."""
    real = Path(config_dir) / "governors.yaml"
    if real.exists():
        return real, False
    return Path(config_dir) / "governors.example.yaml", True


def has_control_characters(text: str) -> bool:
    # A newline in a display name is how a header injection starts; reject them all.
    return any(ord(ch) < 32 or ord(ch) == 127 or ch in "\u2028\u2029\x85" for ch in text)


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
    if isinstance(raw, str) and has_control_characters(raw.strip()):
        c.problem(node, "name", path, "must be one line of text without control characters")
        return None
    return c.text(node, "name", path)


def load_governors(path: Path) -> tuple[Governor, ...]:
    c = Checker(str(path))
    governors = parse_governors(parse_yaml(read_text(Path(path)), str(path)), c)
    c.raise_if_problems()
    return governors
