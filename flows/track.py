"""The `track-policy` flow: the same run as `tracker track`, as Prefect tasks.

One task per source fetches concurrently; a network failure or a 5xx is retried
with exponential backoff, and on the last attempt the failure is returned as data
(one sentence in that source's state), never raised. One task then writes the
register in a single transaction, and the summary becomes a markdown artifact.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run
from prefect.tasks import exponential_backoff

from tracker.config.profiles import FeedSource, load_sources
from tracker.tracking.feedstate import load_state
from tracker.tracking.fetch import TIMEOUT, new_client
from tracker.tracking.run import SourceRun, apply_runs, check_register, read_one, remember_checked

RETRIES = 2


class FeedUnavailable(Exception):
    """Raised only to ask Prefect for a retry; the last attempt returns the failure instead."""


def worth_retrying(run: SourceRun) -> bool:
    """Network trouble and server errors may pass; a 404 or a malformed feed will not."""
    status = run.fetched.status
    return run.fetched.error is not None and (status is None or status >= 500)


@task(retries=RETRIES, cache_policy=NO_CACHE, task_run_name="fetch-{source.name}")
def fetch_source(source: FeedSource, state_dir: Path, now: dt.datetime, timeout: float = TIMEOUT) -> SourceRun:
    with new_client(timeout=timeout) as client:
        run = read_one(client, source, load_state(state_dir, source.name), now)
    if worth_retrying(run) and task_run.run_count <= RETRIES:
        raise FeedUnavailable(f"{source.name}: {run.error}")
    return run


@task(cache_policy=NO_CACHE)
def write_register(
    runs: list[SourceRun], register: Path, state_dir: Path, now: dt.datetime, dry_run: bool, checked: Any
) -> dict:
    summary = apply_runs(runs, register, state_dir, now, dry_run=dry_run, checked=checked)
    if not dry_run:
        remember_checked(register, state_dir)
    create_markdown_artifact(
        key="track-policy-summary",
        markdown=summary.to_markdown(),
        description="What the policy tracker found and changed in this run",
    )
    return summary.to_dict()


@flow(name="track-policy", log_prints=True)
def track_policy(
    config_dir: str = "config",
    state_dir: str = "outputs/state",
    dry_run: bool = False,
    timeout: float = TIMEOUT,
    retry_delay: float = 10.0,
) -> dict:
    """Read every source, update the register, publish the summary."""
    config = Path(config_dir)
    sources = load_sources(config / "sources.yaml")
    # Bad config fails the run before any fetch; the parsed register is reused for the write.
    checked = check_register(config / "register.yaml", Path(state_dir))
    now = dt.datetime.now(dt.UTC)
    fetch = fetch_source.with_options(retry_delay_seconds=exponential_backoff(backoff_factor=retry_delay)(RETRIES))
    futures = [fetch.submit(s, Path(state_dir), now, timeout) for s in sources]
    runs = [f.result() for f in futures]
    return write_register(runs, config / "register.yaml", Path(state_dir), now, dry_run, checked)


if __name__ == "__main__":
    track_policy()
