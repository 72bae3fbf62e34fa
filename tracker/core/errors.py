"""The one exception family the CLI turns into a message and an exit status."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.core.commands import run_command


class TrackerError(Exception):
    """Anything a user can fix: bad config, a locked register, a missing file."""

    exit_code = 2


MAX_TEXT = 300  # characters of a path or message shown: a value quoted in it may be megabytes


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a config file, located well enough to fix by hand: one line of
    bounded length, whatever the file held (a key with a line break, a 7 MB value)."""

    file: str
    line: int
    path: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", _bounded(self.path))
        object.__setattr__(self, "message", _bounded(self.message))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def _bounded(text: str) -> str:
    """One line, and the middle left out of a long one (its end usually says what is wrong)."""
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT * 2 // 3] + " … " + text[-(MAX_TEXT // 3) :]


class FileProblem(TrackerError):
    """A file with a problem at a line: a YAML syntax error, text that is not UTF-8, a
    tree too deep or too large. `problem` says where and what."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


class ConfigError(TrackerError):
    """One or more problems in config files; str() gives the first and a count."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        first = str(self.problems[0])
        more = len(self.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''}: run {run_command('validate')})"
        super().__init__(first)


class RegisterLocked(TrackerError):
    """Another run holds the register lock for longer than we are willing to wait."""


class FileChanged(TrackerError):
    """Someone saved the file while an automated update of it ran: theirs is kept, ours not written."""
