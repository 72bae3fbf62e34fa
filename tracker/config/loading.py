"""Load every config file for a pack quickly, with the validator's file:line messages on failure.

Each file is parsed once (the register takes about 0.2 s) and checked with the same
Checker as `tracker validate`; only when something is wrong is the full validator
run, so that every problem is reported as file:line: field: what is wrong.
(libyaml's faster C reader is not an option: it rejects YAML 1.2 the register uses,
such as `url: http://...` inside a flow mapping.)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.config.profiles import FeedSource, Questions, Trust, parse_questions, parse_sources, parse_trust
from tracker.config.validate import ConfigPaths, validate
from tracker.core.errors import ConfigError, TrackerError
from tracker.core.files import parse_yaml, read_text
from tracker.core.schema import Checker
from tracker.register.parse import Register, parse_register


@dataclass(frozen=True)
class Loaded:
    register: Register
    register_bytes: bytes
    trust: Trust
    questions: Questions
    sources: tuple[FeedSource, ...]


class _Invalid(Exception):
    """Something is wrong: re-read with the round-trip reader to say where."""


def _checked(path: Path, parse) -> Any:
    c = Checker(str(path))
    value = parse(parse_yaml(read_text(path), str(path)), c)
    if c.problems:
        raise _Invalid(str(c.problems[0]))
    return value


@functools.lru_cache(maxsize=4)
def _register_from(raw: bytes, path: str) -> Register:
    """Parse the register from the very bytes read, once per distinct content.

    Building many trusts' packs in one process shares one register file; parsing it
    (about 0.3 s) once instead of once a trust is most of a 50-trust run. Register is
    frozen, so sharing it is safe.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TrackerError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    c = Checker(path)
    value = parse_register(parse_yaml(text, path), c)
    if c.problems:
        raise _Invalid(str(c.problems[0]))
    return value


def load_config(paths: ConfigPaths) -> Loaded:
    """Typed config for a pack; any problem raises ConfigError with file:line, as `tracker validate` reports."""
    try:
        raw = Path(paths.register).read_bytes()
    except FileNotFoundError:
        raise TrackerError(f"{paths.register}: file not found") from None
    try:
        register = _register_from(raw, str(paths.register))
        base = Path(paths.trust).resolve().parent
        trust = _checked(paths.trust, lambda t, c: parse_trust(t, c, base))
        questions = _checked(paths.questions, parse_questions)
        sources = _checked(paths.sources, parse_sources) if Path(paths.sources).exists() else ()
        _links(register, trust, questions)
    except (_Invalid, TrackerError) as exc:
        problems = validate(paths)
        if problems:
            raise ConfigError(problems) from None
        raise TrackerError(str(exc)) from None
    trust = Trust(**{**trust.__dict__, "path": Path(paths.trust)})
    return Loaded(register, raw, trust, questions, sources)


def _links(register: Register, trust: Trust, questions: Questions) -> None:
    if register.system(trust.system) is None:
        raise _Invalid("footprint.system")
    for q in questions.questions:
        if any(register.milestone(mid) is None for mid in q.position.milestones):
            raise _Invalid("milestones")
    if sorted(q.number for q in questions.questions) != list(range(1, 9)):
        raise _Invalid("questions")


def read_register_bytes(path: Path) -> tuple[Register, bytes]:
    """The register and the exact bytes it was read from (their sha256 goes in the manifest)."""
    from tracker.register.parse import load_register

    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TrackerError(f"{path}: file not found") from None
    try:
        return _register_from(raw, str(path)), raw
    except _Invalid:
        return load_register(path), raw  # raises ConfigError naming the file, line and field
