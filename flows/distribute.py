"""The `distribute-pack` flow: send the approved pack to the governors.

Run by hand (from the Prefect UI or `prefect deployment run`), never on a schedule:
a person approves the pack first. It calls the same `send_pack` as `tracker send`;
with several trusts, `trust` names whose pack goes to whose governors (required).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.exceptions import MissingContextError

from tracker.config.trusts import select_trusts
from tracker.config.workspace import Workspace
from tracker.core.dates import utc_now
from tracker.distribution.delivery import DeliveryStatus
from tracker.distribution.send import send_pack


@flow(name="distribute-pack", log_prints=False)
def distribute_pack(
    meeting: str | None = None,
    dry_run: bool = False,
    only: list[str] | None = None,
    resend: bool = False,
    allow_draft: bool = False,
    project_dir: str | None = None,
    trust: str | None = None,
) -> dict:
    """Email `trust`'s pack for `meeting` (default: the next meeting) to `trust`'s governors; return the report."""
    try:
        logger = get_run_logger()
    except MissingContextError:  # called as distribute_pack.fn(...)
        logger = logging.getLogger("tracker.distribution")
    # Entry point: the environment is read here and handed to the core in the workspace.
    root = Path(project_dir or os.environ.get("TRACKER_PROJECT_DIR") or Path.cwd())
    (ws,) = select_trusts(Workspace(root / "config", root / "outputs", env=dict(os.environ), clock=utc_now), trust)
    report = send_pack(
        ws,
        meeting=dt.date.fromisoformat(meeting) if meeting else None,
        dry_run=dry_run,
        only=tuple(only or ()),
        resend=resend,
        allow_draft=allow_draft,
        warn=logger.warning,
    )
    for note in report.notes:
        logger.warning(note)
    for r in report.results:
        log = logger.error if r.status == DeliveryStatus.FAILED else logger.info
        log("%s %s <%s>: %s", r.status, r.name, r.email, r.detail)
    return report.to_json()
