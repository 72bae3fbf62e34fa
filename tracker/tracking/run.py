"""One tracking run: read every source, match, apply to the register in one transaction.

Order matters for "a run that dies half way loses nothing": the register is written
(atomically, in one `update()` transaction) before any source's state records the
new ETag, so a crash in between only means the next run reads those feeds again,
and evidence de-duplication makes that harmless.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import httpx

from tracker.config.loading import load_vocabulary
from tracker.config.matching import Vocabulary
from tracker.config.profiles import FeedSource
from tracker.config.workspace import Workspace
from tracker.core.dates import parse_stamp, utc_stamp
from tracker.core.files import atomic_write, parse_yaml, read_source, sha256_bytes
from tracker.core.schema import Checker
from tracker.register.edit import RegisterEditor, retrying, update
from tracker.register.model import Milestone, Register
from tracker.register.parse import Parsed, parse_register
from tracker.register.words import finding
from tracker.tracking.apply import Changes, apply_matches
from tracker.tracking.feedstate import SourceState, assess, load_state, save_state
from tracker.tracking.fetch import MAX_BYTES, TIMEOUT, Feed, FetchResult, fetch, new_client, read_feed
from tracker.tracking.match import Item, Match, Matcher
from tracker.tracking.model import Model
from tracker.tracking.summary import Outcome, SourceReport, Summary


@dataclass(frozen=True)
class SourceRun:
    """What reading one source gave: a result to apply and the state to save after."""

    source: FeedSource
    fetched: FetchResult
    feed: Feed
    state: SourceState  # to save once the register is safe
    previous: SourceState | None = None

    @property
    def ok(self) -> bool:
        return self.fetched.error is None and self.feed.error is None

    @property
    def error(self) -> str | None:
        return self.fetched.error or self.feed.error


def read_one(
    client: httpx.Client, source: FeedSource, state: SourceState, now: dt.datetime, max_bytes: int = MAX_BYTES
) -> SourceRun:
    """Fetch and parse one source; the returned state is what to save if the run completes."""
    fetched = fetch(client, source.url, state.etag, state.last_modified, max_bytes)
    return settle(
        source,
        state,
        fetched,
        read_feed(source.name, fetched.body or b"", fetched.headers, now=now) if _parsable(fetched) else Feed(),
        now,
    )


def _parsable(fetched: FetchResult) -> bool:
    return fetched.error is None and not fetched.not_modified


def settle(source: FeedSource, state: SourceState, fetched: FetchResult, feed: Feed, now: dt.datetime) -> SourceRun:
    """The source's new state from what was fetched and parsed."""
    stamp = utc_stamp(now)
    if fetched.error or feed.error:
        new = replace(
            state,
            last_attempt=stamp,
            last_error=fetched.error or feed.error,
            consecutive_failures=state.consecutive_failures + 1,
        )
    else:
        keep = fetched.not_modified
        newest = max(filter(None, [state.newest_item, feed.newest]), default=None)
        new = replace(
            state,
            etag=state.etag if keep else fetched.headers.get("etag"),
            last_modified=state.last_modified if keep else fetched.headers.get("last-modified"),
            last_attempt=stamp,
            last_success=stamp,
            last_error=None,
            consecutive_failures=0,
            newest_item=newest,
        )
    return SourceRun(source, fetched, feed, new, state)


# A state whose only change is the clock is not rewritten within this time: a re-run
# soon after a run writes nothing, while daily runs keep `last_success` exact.
REFRESH = dt.timedelta(hours=6)


def worth_saving(run: SourceRun, now: dt.datetime) -> bool:
    old, new = run.previous, run.state
    if old is None or old.last_success is None:
        return True
    clock = ("last_attempt", "last_success")
    if any(getattr(old, f) != getattr(new, f) for f in SourceState.__dataclass_fields__ if f not in clock):
        return True
    last = parse_stamp(old.last_success)
    return last is None or now - last >= REFRESH


def save_states(runs: list[SourceRun], state_dir: Path, now: dt.datetime) -> int:
    """Write each changed state atomically (concurrently: each write waits on fsync)."""
    todo = [r.state for r in runs if worth_saving(r, now)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda st: save_state(state_dir, st), todo))
    return len(todo)


# Parsing is pure-Python CPU work: with many feeds, parse them in other processes
# (one per core) while the threads go on fetching. Below this many feeds a pool costs
# more to start than it saves.
PARALLEL_PARSE_MIN = 16


def _parse_pool(count: int) -> ProcessPoolExecutor | None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if count < PARALLEL_PARSE_MIN or cores < 2:
        return None
    # forkserver, not fork: this process already runs threads (fetching, a progress bar).
    return ProcessPoolExecutor(max_workers=cores, mp_context=multiprocessing.get_context("forkserver"))


def read_all(
    sources: Iterable[FeedSource],
    state_dir: Path,
    now: dt.datetime,
    *,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    workers: int = 8,
    progress: Callable[[SourceRun], None] | None = None,
) -> list[SourceRun]:
    """Read every source concurrently (network-bound), in the order given."""
    sources = list(sources)
    pool = _parse_pool(len(sources))

    def one(source: FeedSource) -> tuple[FeedSource, SourceState, FetchResult, Feed | Future]:
        state = load_state(state_dir, source.name)
        fetched = fetch(client, source.url, state.etag, state.last_modified, max_bytes)
        if not _parsable(fetched):
            return source, state, fetched, Feed()
        args = (source.name, fetched.body or b"", fetched.headers)
        return source, state, fetched, pool.submit(read_feed, *args, now=now) if pool else read_feed(*args, now=now)

    runs = []
    try:
        with (
            new_client(timeout=timeout) as client,
            ThreadPoolExecutor(max_workers=max(1, min(workers, len(sources) or 1))) as threads,
        ):
            for source, state, fetched, feed in threads.map(one, sources):
                run = settle(source, state, fetched, feed.result() if isinstance(feed, Future) else feed, now)
                if progress:
                    progress(run)
                runs.append(run)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return runs


def matches_of(
    runs: Iterable[SourceRun], register: Register, vocabulary: Vocabulary | None = None
) -> list[tuple[Item, list[Match]]]:
    """Every item of every source that read cleanly, with what it matched."""
    matcher = Matcher(register, vocabulary, Model.load())
    return [(item, found) for run in runs if run.ok for item in run.feed.items if (found := matcher.match(item))]


CHECKED = ".register-checked"  # sha256 of the register text that last loaded cleanly


@dataclass
class RegisterFile:
    """The register as this run read it: once, at the start. Parsed only when a run needs it.

    A run where every feed answers 304 has nothing to match and never parses it; a
    register whose exact bytes loaded cleanly at the last run is not checked again.
    """

    path: Path
    text: str
    sha256: str

    @classmethod
    def read(cls, path: Path) -> RegisterFile:
        raw, text = read_source(path)
        return cls(Path(path), text, sha256_bytes(raw))

    @cached_property
    def loaded(self) -> tuple[Register, Parsed]:
        tree = parse_yaml(self.text, str(self.path))
        c = Checker(str(self.path))
        register = parse_register(tree, c)
        c.raise_if_problems()
        return register, Parsed(self.text, tree, self.sha256)


def open_register(ws: Workspace) -> RegisterFile:
    """Read the register and check it, unless these exact bytes were clean at the last run.

    Bad config stops the run here, before any feed is fetched.
    """
    file = RegisterFile.read(ws.register)
    try:
        clean = (ws.state_dir / CHECKED).read_text(encoding="utf-8").strip() == file.sha256
    except OSError:
        clean = False
    if not clean:
        _ = file.loaded  # raises ConfigError naming the file, line and field
    return file


def remember_checked(ws: Workspace, sha256: str) -> None:
    marker = ws.state_dir / CHECKED
    try:
        if marker.read_text(encoding="utf-8").strip() == sha256:
            return
    except OSError:
        pass
    atomic_write(marker, sha256 + "\n")


@dataclass(frozen=True)
class Applied:
    summary: Summary
    sha256: str  # of the register as the run left it


def apply_runs(
    runs: list[SourceRun],
    ws: Workspace,
    file: RegisterFile,
    now: dt.datetime,
    *,
    dry_run: bool = False,
    lock_timeout: float = 30.0,
    vocabulary: Vocabulary | None = None,
) -> Applied:
    """Apply every source's matches in ONE register transaction, then save the states."""
    stamp = utc_stamp(now)
    found: list[tuple[Item, list[Match]]] = []
    changes, written, sha256 = Changes(), False, file.sha256
    publishers = {r.source.name: r.source.publisher for r in runs}
    milestones: dict[str, Milestone] = {}
    if any(run.feed.items for run in runs):  # nothing read (say, every feed answered 304): no parse, no lock
        register, parsed = file.loaded
        if vocabulary is None:
            vocabulary = load_vocabulary(ws)
        found = matches_of(runs, register, vocabulary)
        if dry_run:
            changes = apply_matches(RegisterEditor(parsed.tree), register, found, stamp, publishers)  # in memory only
            milestones = {m.id: m for m in register.milestones}
        elif found:
            reuse: list[Parsed | None] = [parsed]  # the first attempt may reuse the parse; a retry never

            def transaction() -> tuple[RegisterEditor, Changes, dict[str, Milestone], list]:
                with update(file.path, timeout=lock_timeout, reuse=reuse.pop() if reuse else None) as editor:
                    checker = Checker(str(file.path))
                    fresh = parse_register(editor.tree, checker)  # as it is now, under the lock
                    checker.raise_if_problems()
                    # Edited since the run began (or saved while it wrote): match against the edit.
                    matched = found if fresh == register else matches_of(runs, fresh, vocabulary)
                    done = apply_matches(editor, fresh, matched, stamp, publishers)
                return editor, done, {m.id: m for m in fresh.milestones}, matched

            editor, changes, milestones, found = retrying(transaction)
            written = editor.written
            sha256 = sha256_bytes((editor.text or "").encode("utf-8"))
    if not dry_run:  # only after the register is safe: see the module docstring
        save_states(runs, ws.state_dir, now)
    reports = tuple(
        SourceReport(
            name=r.source.name,
            title=r.source.title,
            outcome=Outcome.FAILED if not r.ok else Outcome.NOT_MODIFIED if r.fetched.not_modified else Outcome.READ,
            entries=len(r.feed.items),
            matched=sum(1 for item, _ in found if item.source == r.source.name),
            error=r.error,
        )
        for r in runs
    )
    # Health as saved by this run (or as it would be, on a dry run).
    health = [assess(r.source, r.state, now) for r in runs]
    summary = Summary(
        when=stamp,
        dry_run=dry_run,
        register=str(file.path),
        register_written=written,
        sources=reports,
        evidence=tuple(changes.evidence),
        proposals=tuple(changes.proposals),
        findings=tuple(finding(p, milestones, publishers) for p in changes.proposals),
        stale=tuple((h.name, h.title, h.reason or "") for h in health if h.stale),
    )
    return Applied(summary, sha256)


def track(
    ws: Workspace,
    sources: tuple[FeedSource, ...],
    *,
    dry_run: bool = False,
    timeout: float = TIMEOUT,
    lock_timeout: float = 30.0,
    progress: Callable[[SourceRun], None] | None = None,
) -> Summary:
    """The whole run, as `tracker track` and the flow do it."""
    now = ws.now()
    file = open_register(ws)
    vocabulary = load_vocabulary(ws)  # like the register: bad config stops the run before any fetch
    runs = read_all(sources, ws.state_dir, now, timeout=timeout, progress=progress)
    applied = apply_runs(runs, ws, file, now, dry_run=dry_run, lock_timeout=lock_timeout, vocabulary=vocabulary)
    if not dry_run:
        remember_checked(ws, applied.sha256)
    return applied.summary
