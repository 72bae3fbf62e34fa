"""The `track-policy` flow: the same run as `tracker track`, as Prefect tasks.

One task per source fetches concurrently; a network failure or a 5xx is retried
with exponential backoff, and on the last attempt the failure is returned as data
(one sentence in that source's state), never raised. One task then writes the
register in a single transaction, and the summary becomes a markdown artifact.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run
from prefect.tasks import exponential_backoff

from tracker.config.loading import need_vocabulary
from tracker.config.profiles import FeedSource, load_sources
from tracker.config.workspace import Workspace
from tracker.core.dates import utc_now
from tracker.tracking.feedstate import load_state
from tracker.tracking.fetch import TIMEOUT, new_client
from tracker.tracking.run import RegisterFile, SourceRun, apply_runs, open_register, read_one, remember_checked

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
def write_register(runs: list[SourceRun], ws: Workspace, file: RegisterFile, now: dt.datetime, dry_run: bool) -> dict:
    applied = apply_runs(runs, ws, file, now, dry_run=dry_run)
    if not dry_run:
        remember_checked(ws, applied.sha256)
    create_markdown_artifact(
        key="track-policy-summary",
        markdown=applied.summary.to_markdown(),
        description="What the policy tracker found and changed in this run",
    )
    return applied.summary.to_dict()


@flow(name="track-policy", log_prints=True)
def track_policy(
    config_dir: str = "config",
    outputs_dir: str = "outputs",
    dry_run: bool = False,
    timeout: float = TIMEOUT,
    retry_delay: float = 10.0,
) -> dict:
    """Read every source, update the register, publish the summary."""
    ws = Workspace(Path(config_dir), Path(outputs_dir), clock=utc_now)
    need_vocabulary(ws, "track")  # as `tracker track` does: rules alone would silently miss news
    sources = load_sources(ws.sources)
    file = open_register(ws)  # bad config fails the run before any fetch; read once, reused for the write
    now = ws.now()
    fetch = fetch_source.with_options(retry_delay_seconds=exponential_backoff(backoff_factor=retry_delay)(RETRIES))
    futures = [fetch.submit(s, ws.state_dir, now, timeout) for s in sources]
    runs = [f.result() for f in futures]
    return write_register(runs, ws, file, now, dry_run)


if __name__ == "__main__":
    track_policy()
