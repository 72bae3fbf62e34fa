"""Load and check every config file in one pass: typed objects, or every problem with file:line.

`check_config` is the one place config is read for a pack or a run; `tracker validate`
reports its problems (and the governors file's, for every trust), and `load_config`
raises them. Cross-file links (the trust's system, each question's milestones) are
checked here too, and so is each trust's file in a multi-trust deployment: its
profile's short name is its file name, and its questions are its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tracker.config.governors import check_governors
from tracker.config.matching import Vocabulary, parse_vocabulary
from tracker.config.profiles import FeedSource, Questions, Trust, parse_questions, parse_sources, trust_parser
from tracker.config.trusts import folder_problems, trust_names
from tracker.config.workspace import Workspace
from tracker.core.commands import run_command
from tracker.core.errors import ConfigError, Problem, TrackerError
from tracker.core.schema import Checked, Checker, check_file, load_checked
from tracker.register.footprint import areas, footprint
from tracker.register.model import Certainty, Register
from tracker.register.parse import Parsed, parse_register


@dataclass(frozen=True)
class LoadedRegister:
    register: Register
    parsed: Parsed  # its text, tree and sha256, for edits and a pack's manifest


@dataclass(frozen=True)
class Config:
    """Everything a pack reads, loaded once and passed down."""

    register: Register
    parsed: Parsed
    trust: Trust
    questions: Questions
    sources: tuple[FeedSource, ...]


def load_vocabulary(ws: Workspace) -> Vocabulary:
    """The matching vocabulary, or an empty one (the milestones' own rules alone) if the file is absent."""
    if not ws.matching.exists():
        return Vocabulary()
    return load_checked(ws.matching, parse_vocabulary)


def need_vocabulary(ws: Workspace, command: str) -> None:
    """Without matching.yaml only the register's own rules would run, silently losing events, near misses and
    new milestones: a run (`track`, `match`, the track-policy flow) refuses instead. The library still allows an
    empty vocabulary, for tests of the register's own rules."""
    if not ws.matching.exists():
        raise TrackerError(
            f"{ws.matching}: file not found: {run_command(command)} needs it to recognise policy news"
            " (restore it, e.g. with git checkout, or copy the shipped config/matching.yaml)"
        )


def check_register(ws: Workspace) -> tuple[LoadedRegister | None, list[Problem]]:
    return _loaded(check_file(ws.register, parse_register))


def _loaded(checked: Checked[Register]) -> tuple[LoadedRegister | None, list[Problem]]:
    if checked.problems or checked.value is None:
        return None, list(checked.problems)
    return LoadedRegister(checked.value, Parsed(checked.text, checked.tree, checked.sha256)), []


@dataclass(frozen=True)
class Known:
    """The milestone and system ids other files may name. From a register with problems,
    the ids written in it (so a question naming no milestone at all is reported with the
    register's own problems, not only once they are fixed); None where even that is unknown."""

    milestones: frozenset[str] | None
    systems: frozenset[str] | None
    register: Register | None = None  # only when the register is valid: footprints need it whole

    @staticmethod
    def of(register: Register) -> Known:
        return Known(frozenset(m.id for m in register.milestones), frozenset(s.id for s in register.systems), register)

    @staticmethod
    def written(tree: object) -> Known:
        def ids(key: str) -> frozenset[str] | None:
            items = tree.get(key) if isinstance(tree, dict) else None
            if not isinstance(items, list):
                return None
            return frozenset(i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str))

        return Known(ids("milestones"), ids("systems"))


@dataclass(frozen=True)
class Shared:
    """The files every trust of a deployment shares, read and checked once for a run of many
    trusts' packs: the register (None if it has problems), the feed sources, and the
    problems of all three, matching vocabulary included (each trust reports them)."""

    register: LoadedRegister | None
    sources: tuple[FeedSource, ...]
    problems: tuple[Problem, ...]
    known: Known | None = None  # the ids in a register with problems, for the cross-file checks


def check_shared(ws: Workspace) -> Shared:
    checked = check_file(ws.register, parse_register)
    register, problems = _loaded(checked)
    sources = check_file(ws.sources, parse_sources) if ws.sources.exists() else None
    if sources is not None:
        problems += sources.problems
    if ws.matching.exists():
        problems += check_file(ws.matching, parse_vocabulary).problems
    feeds = sources.value if sources is not None and sources.value is not None else ()
    return Shared(register, feeds, tuple(problems), None if register else Known.written(checked.tree))


def check_config(ws: Workspace, shared: Shared | None = None) -> tuple[Config | None, list[Problem]]:
    """Every config file for one trust, checked; pass `shared` to reuse the shared files already checked."""
    shared = shared or check_shared(ws)
    register = shared.register
    trust, questions, found = check_trust_files(ws, register, shared.known)
    problems = [*shared.problems, *found]
    if problems or register is None or trust.value is None or questions.value is None:
        return None, sorted(set(problems))
    return Config(register.register, register.parsed, trust.value, questions.value, shared.sources), []


def check_trust_files(
    ws: Workspace, register: LoadedRegister | None, known: Known | None = None
) -> tuple[Checked[Trust], Checked[Questions], list[Problem]]:
    """One trust's profile and questions, checked against the register (or, when it has
    problems, against the ids written in it: `known`)."""
    trust = check_file(ws.trust, trust_parser(ws.trust))
    questions = check_file(ws.questions, parse_questions)
    problems = [*trust.problems, *questions.problems, *template_problems(trust)]
    if ws.trust_id is not None:
        problems = [_own_questions_hint(p, ws) for p in problems]
        problems += short_name_problems(trust, ws.trust_id)
    if register is not None:
        known = Known.of(register.register)
    if known is not None:
        problems += link_problems(known, trust, questions)
    return trust, questions, problems


def template_problems(trust: Checked[Trust]) -> list[Problem]:
    """The Word template the pack is written into must be there (found before `tracker pack` needs it)."""
    if trust.value is None or trust.value.template.is_file():
        return []
    c = Checker(str(trust.path))
    pack = trust.tree.get("pack") if isinstance(trust.tree, dict) else None
    c.problem(
        pack if isinstance(pack, dict) else trust.tree, "template", "pack.template",
        f"the Word template {trust.value.template} does not exist",
    )  # fmt: skip
    return c.problems


def _own_questions_hint(p: Problem, ws: Workspace) -> Problem:
    if p.file == str(ws.questions) and p.message == "file not found":
        return replace(
            p,
            message="file not found: each trust has its own questions and positions (start from a copy of "
            f"{ws.config / 'questions.yaml'} and write {ws.trust_id}'s own positions)",
        )
    return p


def short_name_problems(trust: Checked[Trust], name: str) -> list[Problem]:
    """A trust's short name is its file name: its packs, outputs and governors are found by it."""
    if trust.value is None or trust.value.short_name == name or not isinstance(trust.tree, dict):
        return []
    c = Checker(str(trust.path))
    c.problem(
        trust.tree, "short_name", "short_name",
        f"{trust.value.short_name!r} should be {name!r}, the name of this file: a trust's packs, outputs"
        " and governors are found by its name, so the two must agree",
    )  # fmt: skip
    return c.problems


def load_config(ws: Workspace, shared: Shared | None = None) -> Config:
    """The typed config, or ConfigError naming every problem as `tracker validate` does."""
    config, problems = check_config(ws, shared)
    if config is None:
        raise ConfigError(problems)
    return config


def validate(ws: Workspace) -> list[Problem]:
    """Every problem in every file, sorted by file and line; empty when all is well.

    With many trusts: the shared register and sources once, then every trust's profile,
    questions and governors list (or only those of `ws.trust_id`), and any file in
    config/trusts/ that no trust reads.
    """
    names = [ws.trust_id] if ws.trust_id else trust_names(ws)
    if not names:
        config, problems = check_config(ws)
        problems += tracking_files_missing(ws)
        return sorted(set(problems + governors_problems(ws, config.trust.short_name if config else None)))
    shared = check_shared(ws)
    register, problems = shared.register, [*shared.problems, *tracking_files_missing(ws)]
    if ws.trust_id is None:
        problems += folder_problems(ws)
    for name in names:
        one = ws.for_trust(name)
        problems += check_trust_files(one, register, shared.known)[2]
        problems += governors_problems(one, name)
    return sorted(set(problems))


def tracking_files_missing(ws: Workspace) -> list[Problem]:
    """A pack can be built without sources.yaml and matching.yaml, but `tracker track` and
    `tracker match` cannot do their work: validate says so before a run finds out."""
    return [
        Problem(str(path), 0, "", f"file not found: {run_command('track')} reads {what} from it")
        for path, what in ((ws.sources, "the feeds"), (ws.matching, "how to recognise policy news"))
        if not path.exists()
    ]


def governors_problems(ws: Workspace, trust: str | None) -> list[Problem]:
    """The governors list in use, if there is one (a trust of many must name itself in it)."""
    if not ws.governors.exists():
        return []
    return list(check_governors(ws.governors, trust, required=ws.trust_id is not None).problems)


def link_problems(known: Known, trust: Checked[Trust], questions: Checked[Questions]) -> list[Problem]:
    """Cross-file references: the trust's footprint and each question's milestones."""
    found: list[Problem] = []
    system = trust.value.system if trust.value is not None else None
    if system and known.systems is not None and system not in known.systems:
        c = Checker(str(trust.path))
        fp = trust.tree.get("footprint") if isinstance(trust.tree, dict) else None
        c.problem(fp, "system", "footprint.system", f"{system!r} is not the id of any system in the register")
        found += c.problems
    elif system and known.register is not None:
        found += place_problems(known.register, trust)
    if questions.value is not None and isinstance(questions.tree, dict):
        c = Checker(str(questions.path))
        for i, q in enumerate(questions.tree.get("questions") or []):
            pos = q.get("position") if isinstance(q, dict) else None
            links = pos.get("milestones") if isinstance(pos, dict) else None
            for j, mid in enumerate(links if isinstance(links, list) else []):
                if isinstance(mid, str) and known.milestones is not None and mid not in known.milestones:
                    c.problem(
                        links,
                        j,
                        f"questions[{i}].position.milestones[{j}]",
                        f"{mid!r} is not the id of any milestone in the register",
                    )
        numbers = sorted(q.number for q in questions.value.questions)
        if numbers != list(range(1, 9)):
            c.problems.append(
                Problem(c.file, 1, "questions", f"should hold the eight questions numbered 1 to 8, found {numbers}")
            )
        found += c.problems
    return found


def place_problems(register: Register, trust: Checked[Trust]) -> list[Problem]:
    """A trust in a system that is split must name its place, as one of the split's areas."""
    assert trust.value is not None
    fp = footprint(register, trust.value.system, trust.value.place)
    if fp is None or fp.unplaced is None:
        return []
    split, owner = fp.unplaced, fp.path[-1].system
    c = Checker(str(trust.path))
    node = trust.tree.get("footprint") if isinstance(trust.tree, dict) else None
    when = (
        "is planned to be split" if split.status == Certainty.PLANNED else "was split"
    ) + f" on {split.date.human()}"
    names = "; ".join(areas(split))
    if trust.value.place:
        c.problem(node, "place", "footprint.place",
                  f"{trust.value.place!r} is not one of the areas {owner.current_name} {when}: {names}")  # fmt: skip
    else:
        c.problem(node, "system", "footprint.place",
                  f"is needed: {owner.current_name} {when}; add `place:` under footprint naming the area your "
                  f"trust is in (one of: {names})")  # fmt: skip
    return c.problems
