"""The one exception family the CLI turns into a message and an exit status."""

from __future__ import annotations

from dataclasses import dataclass


class TrackerError(Exception):
    """Anything a user can fix: bad config, a locked register, a missing file."""

    exit_code = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a config file, located well enough to fix by hand."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(TrackerError):
    """One or more problems in config files; str() gives the first and a count."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        first = str(self.problems[0])
        more = len(self.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''}: run `tracker validate`)"
        super().__init__(first)


class RegisterLocked(TrackerError):
    """Another run holds the register lock for longer than we are willing to wait."""


class FileChanged(TrackerError):
    """Someone saved the file while an automated update of it ran: theirs is kept, ours not written."""
