"""Building a run's trusts on every core of its machine: child processes claiming from one list.

A Prefect flow run is one Python process, and threads in it share one core (the GIL).
So a run with many trusts starts child processes (`python -m
tracker.orchestration.parallel`) that claim trusts from the run's list
(tracker.orchestration.claims) and build them, while the run does the same. A child
imports the tracker alone, not Prefect (about 0.3 s), so it is building within a
second, where a helper flow run on another worker needs 4 to 5 s. It is told its work as
JSON on standard input and answers with JSON on standard output; its standard error is
the run's, so a crash shows in the worker's output.

Each child claims under its run's name, so a trust is reported as built by the run,
whichever of its processes built it. A trust that a process claimed and never reported
(the process died) is reported as failed, and names the process's exit status.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from tracker.config.loading import Shared, check_shared
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock
from tracker.core.errors import TrackerError
from tracker.orchestration.claims import Claims
from tracker.orchestration.schedule import PackJob, PackSkipped, pack_jobs, run_pack_job

# A child is worth starting for every this many trusts: it costs about two packs' time to
# start, on a core that would otherwise sit idle, so a handful of trusts stays in one process.
TRUSTS_PER_PROCESS = 8


@dataclass(frozen=True)
class Assignment:
    """What a child process needs to build its share of a run's trusts."""

    config_dir: str
    outputs_dir: str
    now: str  # the run's moment, ISO: every process builds as of the same one
    trusts: list[str]
    claims: str  # the run's claims folder
    by: str  # the run's name, which each claim records
    meeting: str | None = None
    pdf: bool | None = None
    process: int = 2  # which of the run's processes this is (the run itself is 1), for its log lines


@dataclass
class Share:
    """What one process built: a row per pack (the manifest's fields, `pack` and `manifest`
    as full paths), why each trust it took has no pack, and the lines it would have logged."""

    built: list[dict] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def add(self, other: Share) -> None:
        self.built += other.built
        self.failed |= other.failed
        self.log += other.log


def children_for(trusts: int, processes: int) -> int:
    """How many child processes a run with `trusts` trusts starts, using at most `processes` in all."""
    return max(0, min(processes, -(-trusts // TRUSTS_PER_PROCESS)) - 1)


def build_trust(
    job: PackJob, meeting: str | None, pdf: bool | None, shared: Shared, say: Callable[[str], None]
) -> dict:
    """One trust's pack, as a row of what the run reports (as `tracker pack --json` prints it)."""
    result = run_pack_job(job, meeting=dt.date.fromisoformat(meeting) if meeting else None, pdf=pdf, shared=shared)
    assert not isinstance(result, PackSkipped)  # which trusts are due was decided before
    m = result.manifest
    if result.unchanged:  # nothing was built: say so, not "built"
        say(
            f"{job.name}: the approved pack is unchanged, left as it was: {result.docx} (version {m.version}, {m.status})"
        )
        return {**m.to_json(), "pack": str(result.docx), "manifest": str(result.manifest_path), "unchanged": True}
    for note in result.notes:
        say(f"{job.name}: {note}")
    say(f"{job.name}: built {result.docx} (version {m.version}, {m.status})")
    return {**m.to_json(), "pack": str(result.docx), "manifest": str(result.manifest_path)}


def build_claimed(
    ws: Workspace,
    jobs: list[PackJob],
    meeting: str | None,
    pdf: bool | None,
    claims: Claims | None = None,
    by: str = "",
    say: Callable[[str], None] = print,
) -> Share:
    """The packs of `jobs`, one after another (only those this process claims, given
    `claims`), and why each trust that failed did: the others are built all the same."""
    shared = check_shared(ws)  # once for every trust; a problem is reported by each trust
    names = [j.name for j in jobs]
    mine = names if claims is None else claims.each(names, by)
    by_name = {j.name: j for j in jobs}
    share = Share()
    for name in mine:
        try:
            share.built.append(build_trust(by_name[name], meeting, pdf, shared, say))
        except TrackerError as exc:
            say(f"{name}: no pack: {exc}")
            share.failed[name] = f"{name}: {exc}"
    return share


def start_children(assignment: Assignment, count: int) -> list[subprocess.Popen]:
    """Start `count` child processes on `assignment`; they claim and build at once."""
    started = []
    for i in range(count):
        child = subprocess.Popen(
            [sys.executable, "-m", "tracker.orchestration.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        assert child.stdin is not None
        child.stdin.write(json.dumps(asdict(replace(assignment, process=i + 2))))
        child.stdin.close()
        started.append(child)
    return started


def collect(children: list[subprocess.Popen], claims: Claims, by: str, own: Share) -> Share:
    """Wait for `children` and add what each built to `own` (this process's share); a trust
    claimed by the run that no process reported is failed, naming the process that died."""
    crashed = []
    for child in children:
        out = ""
        if child.stdout:
            with child.stdout:
                out = child.stdout.read()
        status = child.wait()
        try:
            got = json.loads(out)
            own.add(Share(built=list(got["built"]), failed=dict(got["failed"]), log=list(got["log"])))
        except (TypeError, ValueError, KeyError):
            crashed.append(status)  # its share is lost: its trusts are reported as failed below
    reported = {row["trust"] for row in own.built} | set(own.failed)
    lost = sorted(t for t, who in claims.taken().items() if who == by and t not in reported)
    why = f"a build process of this run ended with exit status {', '.join(map(str, crashed)) or 'unknown'}"
    own.failed |= {t: f"{t}: {why} before reporting it" for t in lost}
    return own


def build_in_processes(
    ws: Workspace,
    jobs: list[PackJob],
    given: Assignment,
    claims: Claims,
    extra: int,
    say: Callable[[str], None] = print,
    meanwhile: Callable[[], None] | None = None,
) -> Share:
    """The packs of `jobs` that this process and `extra` children claim from `claims` (in
    run `given.by`'s name), each trust once; `meanwhile` is called once the children are
    starting. The children's lines are in the Share's log."""
    children = start_children(given, extra)
    try:
        if meanwhile:
            meanwhile()
        own = build_claimed(ws, jobs, given.meeting, given.pdf, claims, given.by, say)
    except BaseException:
        stop(children)
        raise
    return collect(children, claims, given.by, own)


def stop(children: list[subprocess.Popen]) -> None:
    """Stop children still running (this run is failing: they would build for nobody)."""
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait()


def main() -> int:
    """A child process: read an Assignment from standard input, build what it claims, and
    write its Share to standard output (nothing else goes there)."""
    given = Assignment(**json.load(sys.stdin))
    clock = FixedClock(dt.datetime.fromisoformat(given.now))
    ws = Workspace(Path(given.config_dir), Path(given.outputs_dir), clock=clock)
    log: list[str] = []

    def say(line: str) -> None:
        log.append(f"{line} (process {given.process})")

    try:
        share = build_claimed(
            ws, pack_jobs(ws, given.trusts), given.meeting, given.pdf, Claims(Path(given.claims)), given.by, say
        )
    except TrackerError as exc:  # the shared files or the trust list could not be read: nothing was claimed
        print(f"build process: {exc}", file=sys.stderr)
        return 2
    share.log = log
    json.dump(asdict(share), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
