"""Sharing one list of trusts between flow runs on different workers, without a coordinator.

A multi-trust build-pack run and the helper runs it starts all walk the same list of
trusts, and each builds only the trusts it manages to claim. A claim is a file created
with O_EXCL in a folder of the shared outputs/ (every worker already needs it, for the
packs), so exactly one run wins each trust, on one machine or several. Nobody waits for
a helper to start: the first run builds from the moment it starts, a helper joins when a
worker gets to it, and all of them finish together, whatever each one's start-up cost.

Each claim file holds the name of the run that took it, so the first run can say which
run built which trust, and name the run to blame for a trust whose pack never appeared.
The folder is closed (a marker file) once the first run has claimed the last trust: a
helper that starts after that builds nothing.

Each run also notes how many processes it builds in, on which machine and cores
(`enlist`), so that a helper a worker starts where every core is building already knows
it would only slow them down (`free_on`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CLOSED = ".closed"
MACHINES = ".machines"  # <host>/<run>: "<processes> <cpu>,<cpu>...", how that run builds on that machine


@dataclass(frozen=True)
class Claims:
    """The claims of one multi-trust run, in `folder` (Workspace.claims_dir(run id))."""

    folder: Path

    def take(self, trust: str, by: str) -> bool:
        """Claim `trust` for run `by`; False if another run has it, or the run list is closed."""
        if self.closed:
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.folder / trust, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(by)
        return True

    def each(self, trusts: Iterable[str], by: str) -> Iterator[str]:
        """The trusts of `trusts` that run `by` claims, one at a time, as it gets to them
        (claimed lazily, so a run that is slower to start leaves more to the others)."""
        return (trust for trust in trusts if self.take(trust, by))

    def taken(self) -> dict[str, str]:
        """Which run claimed each trust claimed so far."""
        if not self.folder.is_dir():
            return {}
        found = {}
        for path in self.folder.iterdir():
            if path.name not in (CLOSED, MACHINES):
                found[path.name] = path.read_text(encoding="utf-8")
        return found

    def enlist(self, host: str, cores: Collection[int], by: str, processes: int) -> None:
        """Note that run `by` builds in `processes` processes on machine `host`, on `cores` (its CPUs)."""
        folder = self.folder / MACHINES / _safe(host)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _safe(by)).write_text(f"{processes} {','.join(map(str, sorted(cores)))}", encoding="utf-8")

    def free_on(self, host: str, cores: Collection[int]) -> int:
        """How many of `cores` (CPUs of machine `host`) the runs sharing this list leave free:
        a run on some of them takes as many as it has processes there."""
        folder = self.folder / MACHINES / _safe(host)
        mine, busy = set(cores), 0
        for note in folder.iterdir() if folder.is_dir() else ():
            processes, _, theirs = note.read_text(encoding="utf-8").partition(" ")
            shared = mine & {int(c) for c in theirs.split(",") if c.isdigit()}
            busy += min(int(processes) if processes.isdigit() else 0, len(shared))
        return max(0, len(mine) - busy)

    def close(self) -> None:
        """No more claims: helpers that start from now on build nothing."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / CLOSED).touch()

    @property
    def closed(self) -> bool:
        return (self.folder / CLOSED).exists()


def _safe(name: str) -> str:
    """A host or run name as one file name (they are not trusted to be one)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).lstrip(".") or "_"


def sweep(root: Path, now: dt.datetime, keep: dt.timedelta = dt.timedelta(days=7)) -> list[Path]:
    """Remove the claim folders of runs older than `keep` (kept that long so a helper that
    starts very late still finds its run closed, and builds nothing); return those removed."""
    if not root.is_dir():
        return []
    removed = []
    for folder in root.iterdir():
        changed = dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC)
        if folder.is_dir() and not folder.is_symlink() and now - changed > keep:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed
