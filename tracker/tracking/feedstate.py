"""Per-source feed state, kept outside the register, and the health verdict drawn from it.

The tracker writes one JSON file per source (`outputs/state/<name>.json`); the pack,
the digest and the run summary read the health verdict from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from tracker.config.profiles import FeedSource
from tracker.core.commands import run_command
from tracker.core.dates import parse_stamp
from tracker.core.errors import TrackerError
from tracker.core.files import inside, read_json, write_json

FAILURES_BEFORE_STALE = 3


@dataclass
class SourceState:
    name: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: str | None = None  # ISO date-times, UTC
    last_success: str | None = None
    last_error: str | None = None  # one sentence
    consecutive_failures: int = 0
    newest_item: str | None = None  # newest entry date seen in the feed
    extra: dict = field(default_factory=dict)


def state_path(state_dir: Path, name: str) -> Path:
    return inside(state_dir, Path(state_dir) / f"{name}.json")


def load_state(state_dir: Path, name: str) -> SourceState:
    """The saved state, or a fresh one; a damaged file is treated as no state."""
    try:
        data = read_json(state_path(state_dir, name), "the feed state", missing={})
        known = {f.name for f in fields(SourceState)}
        return SourceState(**{k: v for k, v in data.items() if k in known} | {"name": name})
    except (TrackerError, AttributeError, TypeError):
        return SourceState(name)


def save_state(state_dir: Path, state: SourceState) -> None:
    write_json(state_path(state_dir, state.name), asdict(state))


@dataclass(frozen=True)
class Health:
    name: str
    title: str
    url: str
    last_success: str | None
    last_error: str | None
    consecutive_failures: int
    newest_item: str | None
    stale: bool
    reason: str | None  # why it is flagged, one sentence

    @property
    def ok(self) -> bool:
        return not self.stale and not self.last_error

    @property
    def never_read(self) -> bool:
        """Nothing is known of it yet: no success, no error (stale, and told plainly in the pack)."""
        return not self.last_success and not self.last_error and not self.consecutive_failures


def assess(source: FeedSource, state: SourceState, now: dt.datetime) -> Health:
    """Stale means failing several runs in a row, never read, or silent longer than its period."""
    period = dt.timedelta(days=source.period_days)
    success, newest = parse_stamp(state.last_success), parse_stamp(state.newest_item)
    reason = None
    if state.consecutive_failures >= FAILURES_BEFORE_STALE:
        reason = f"failed {state.consecutive_failures} runs in a row; last error: {state.last_error}"
    elif not state.last_attempt and success is None:  # nothing is known of it: as stale as can be
        reason = f"has not been read yet: run {run_command('track')}"
    elif state.last_attempt and success is None:
        reason = f"has never been read successfully; last error: {state.last_error}"
    elif success is not None and now - success > period:
        reason = f"not read successfully for {(now - success).days} days (expected every {source.period_days})"
    elif newest is not None and now - newest > period:
        reason = f"no new items for {(now - newest).days} days (expected every {source.period_days})"
    return Health(
        name=source.name,
        title=source.title,
        url=source.url,
        last_success=state.last_success,
        last_error=state.last_error,
        consecutive_failures=state.consecutive_failures,
        newest_item=state.newest_item,
        stale=reason is not None,
        reason=reason,
    )


def health_report(sources: tuple[FeedSource, ...], state_dir: Path, now: dt.datetime) -> list[Health]:
    return [assess(s, load_state(state_dir, s.name), now) for s in sources]
