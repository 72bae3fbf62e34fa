"""One tracking run: read every source, match, apply to the register in one transaction.

Order matters for "a run that dies half way loses nothing": the register is written
(atomically, in one `update()` transaction) before any source's state records the
new ETag, so a crash in between only means the next run reads those feeds again,
and evidence de-duplication makes that harmless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from tracker.config.profiles import FeedSource
from tracker.core.files import atomic_write, read_text
from tracker.core.schema import Checker
from tracker.register.parse import Parsed, Register, RegisterEditor, parse_register, read_register, update
from tracker.tracking.apply import Changes, apply_matches
from tracker.tracking.feedstate import SourceState, assess, load_state, save_state
from tracker.tracking.fetch import MAX_BYTES, TIMEOUT, Feed, FetchResult, fetch, new_client, read_feed
from tracker.tracking.match import Item, Match, Matcher
from tracker.tracking.summary import SourceReport, Summary


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


def iso(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_one(
    client: httpx.Client, source: FeedSource, state: SourceState, now: dt.datetime, max_bytes: int = MAX_BYTES
) -> SourceRun:
    """Fetch and parse one source; the returned state is what to save if the run completes."""
    fetched = fetch(client, source.url, state.etag, state.last_modified, max_bytes)
    return settle(
        source,
        state,
        fetched,
        read_feed(source.name, fetched.body or b"", fetched.headers) if _parsable(fetched) else Feed(),
        now,
    )


def _parsable(fetched: FetchResult) -> bool:
    return fetched.error is None and not fetched.not_modified


def settle(source: FeedSource, state: SourceState, fetched: FetchResult, feed: Feed, now: dt.datetime) -> SourceRun:
    """The source's new state from what was fetched and parsed."""
    stamp = iso(now)
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
    last = dt.datetime.fromisoformat(old.last_success.replace("Z", "+00:00"))
    return now - last >= REFRESH


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
        return source, state, fetched, pool.submit(read_feed, *args) if pool else read_feed(*args)

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


def matches_of(runs: Iterable[SourceRun], register: Register) -> list[tuple[Item, list[Match]]]:
    """Every item of every source that read cleanly, with what it matched."""
    matcher = Matcher(register)
    return [(item, found) for run in runs if run.ok for item in run.feed.items if (found := matcher.match(item))]


CHECKED = ".register-checked"  # sha256 of the register text that last loaded cleanly


def apply_runs(
    runs: list[SourceRun],
    register_path: Path,
    state_dir: Path,
    now: dt.datetime,
    *,
    dry_run: bool = False,
    lock_timeout: float = 30.0,
    checked: tuple[Register, Parsed] | None = None,
) -> Summary:
    """Apply every source's matches in ONE register transaction, then save the states."""
    stamp = iso(now)
    if checked is None and any(run.feed.items for run in runs):
        checked = read_register(register_path)
    register, parsed = checked or (None, None)
    found = matches_of(runs, register) if register is not None else []
    changes, written = Changes(), False
    if dry_run and register is not None:
        editor = RegisterEditor(parsed.tree)  # edited in memory, never written
        changes = apply_matches(editor, register, found, stamp)
    elif found:  # nothing matched (say, every feed answered 304): no lock, no parse, no write
        before = read_text(register_path)
        with update(register_path, timeout=lock_timeout, reuse=parsed) as editor:
            checker = Checker(str(register_path))
            fresh = parse_register(editor.tree, checker)  # as it is now, under the lock
            checker.raise_if_problems()
            if fresh != register:  # edited since the run began: match against the edit
                found = matches_of(runs, fresh)
            changes = apply_matches(editor, fresh, found, stamp)
        written = read_text(register_path) != before
    if not dry_run:  # only after the register is safe: see the module docstring
        save_states(runs, state_dir, now)
    reports = tuple(
        SourceReport(
            name=r.source.name,
            title=r.source.title,
            outcome="failed" if not r.ok else "not modified" if r.fetched.not_modified else "read",
            entries=len(r.feed.items),
            matched=sum(1 for item, _ in found if item.source == r.source.name),
            error=r.error,
        )
        for r in runs
    )
    # Health as saved by this run (or as it would be, on a dry run).
    health = [assess(r.source, r.state, now) for r in runs]
    return Summary(
        when=stamp,
        dry_run=dry_run,
        register=str(register_path),
        register_written=written,
        sources=reports,
        evidence=tuple(changes.evidence),
        changes=tuple(changes.fields),
        new_milestones=tuple(changes.milestones),
        stale=tuple((h.name, h.reason or "") for h in health if h.stale),
    )


def track(
    sources: tuple[FeedSource, ...],
    register_path: Path,
    state_dir: Path,
    now: dt.datetime,
    *,
    dry_run: bool = False,
    timeout: float = TIMEOUT,
    lock_timeout: float = 30.0,
    progress: Callable[[SourceRun], None] | None = None,
) -> Summary:
    """The whole run, as `tracker track` and the flow do it."""
    checked = check_register(register_path, state_dir)  # bad config stops the run before any fetch
    runs = read_all(sources, state_dir, now, timeout=timeout, progress=progress)
    summary = apply_runs(
        runs, register_path, state_dir, now, dry_run=dry_run, lock_timeout=lock_timeout, checked=checked
    )
    if not dry_run:
        remember_checked(register_path, state_dir)
    return summary


def _digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_register(path: Path, state_dir: Path) -> tuple[Register, Parsed] | None:
    """Validate the register, or skip it if this exact text was valid at the last run.

    Parsing the register is the biggest fixed cost of a run; a run where every feed
    answers 304 has nothing to match and need not parse it at all (None: not loaded).
    """
    marker = Path(state_dir) / CHECKED
    try:
        if marker.read_text(encoding="utf-8").strip() == _digest(path):
            return None
    except OSError:
        pass
    return read_register(path)


def remember_checked(path: Path, state_dir: Path) -> None:
    digest = _digest(path)
    marker = Path(state_dir) / CHECKED
    try:
        if marker.read_text(encoding="utf-8").strip() == digest:
            return
    except OSError:
        pass
    atomic_write(marker, digest + "\n")
