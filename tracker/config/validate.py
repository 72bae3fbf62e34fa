"""Check every config file and the links between them; report every problem at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.config.governors import governors_path, parse_governors
from tracker.config.profiles import parse_questions, parse_sources, parse_trust
from tracker.core.errors import Problem, TrackerError
from tracker.core.files import YAMLSyntaxError, parse_yaml, read_text
from tracker.core.schema import Checker
from tracker.register.parse import Register, parse_register


@dataclass(frozen=True)
class ConfigPaths:
    register: Path
    trust: Path
    questions: Path
    sources: Path
    governors: Path | None = None  # governors.yaml if present, else the shipped example

    @classmethod
    def in_dir(cls, config_dir: Path) -> ConfigPaths:
        d = Path(config_dir)
        governors = governors_path(d)[0]
        return cls(d / "register.yaml", d / "trust.yaml", d / "questions.yaml", d / "sources.yaml", governors)


def _check(path: Path, parse: Callable[[Any, Checker], Any]) -> tuple[Any, list[Problem], Checker | None, Any]:
    try:
        tree = parse_yaml(read_text(path), str(path))
    except YAMLSyntaxError as exc:
        return None, [exc.problem], None, None
    except TrackerError as exc:
        return None, [Problem(str(path), 0, "", str(exc).removeprefix(f"{path}: "))], None, None
    c = Checker(str(path))
    return parse(tree, c), c.problems, c, tree


def validate(paths: ConfigPaths) -> list[Problem]:
    """Every problem in every file, sorted by file and line; empty when all is well."""
    problems: list[Problem] = []
    register, found, _, _ = _check(paths.register, parse_register)
    problems += found
    trust, found, tc, ttree = _check(paths.trust, lambda t, c: parse_trust(t, c, paths.trust.resolve().parent))
    problems += found
    questions, found, qc, qtree = _check(paths.questions, parse_questions)
    problems += found
    if paths.sources.exists():
        problems += _check(paths.sources, parse_sources)[1]
    if paths.governors is not None and paths.governors.exists():
        problems += _check(paths.governors, parse_governors)[1]
    if isinstance(register, Register):
        problems += _links(register, trust, tc, ttree, questions, qc, qtree)
    return sorted(set(problems))


def _links(register: Register, trust, tc, ttree, questions, qc, qtree) -> list[Problem]:
    """Cross-file references: the trust's footprint and each question's milestones."""
    found: list[Problem] = []
    if trust is not None and trust.system and register.system(trust.system) is None:
        fp = ttree.get("footprint") if isinstance(ttree, dict) else None
        tc.problems.clear()
        tc.problem(fp, "system", "footprint.system", f"{trust.system!r} is not the id of any system in the register")
        found += tc.problems
    if questions is not None and isinstance(qtree, dict):
        qc.problems.clear()
        for i, q in enumerate(qtree.get("questions") or []):
            pos = q.get("position") if isinstance(q, dict) else None
            links = pos.get("milestones") if isinstance(pos, dict) else None
            for j, mid in enumerate(links if isinstance(links, list) else []):
                if isinstance(mid, str) and register.milestone(mid) is None:
                    qc.problem(
                        links,
                        j,
                        f"questions[{i}].position.milestones[{j}]",
                        f"{mid!r} is not the id of any milestone in the register",
                    )
        found += qc.problems
        numbers = sorted(q.number for q in questions.questions)
        if numbers != list(range(1, 9)):
            found.append(
                Problem(qc.file, 1, "questions", f"should hold the eight questions numbered 1 to 8, found {numbers}")
            )
    return found
