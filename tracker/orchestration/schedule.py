"""Which packs to build: one job per trust, and whether a scheduled draft is due yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.config.loading import Shared, load_config
from tracker.config.profiles import Trust, load_trust
from tracker.config.trusts import select_trusts
from tracker.config.workspace import Workspace
from tracker.pack.build import PackResult, build_pack
from tracker.pack.revisions import HandEdited


def pack_due(trust: Trust, today: dt.date) -> dt.date | None:
    """The next meeting whose draft should exist by now (`draft_days_before` ahead), if any."""
    meeting = trust.next_meeting(today)
    if meeting is None or (meeting - today).days > trust.draft_days_before:
        return None
    return meeting


@dataclass(frozen=True)
class PackJob:
    """One trust's pack: its name and the workspace that points at its files and folders."""

    name: str
    ws: Workspace


def pack_jobs(ws: Workspace, names: list[str] | None = None) -> list[PackJob]:
    """One job per trust (or per trust named): config/trust.yaml alone, or each of
    config/trusts/*.yaml with its own questions and its packs in outputs/trusts/<name>/packs/."""
    if names is None:
        chosen = select_trusts(ws, every=True)
    else:
        chosen = [one for name in names for one in select_trusts(ws, name)]
    return [PackJob(one.trust_id or load_trust(one.trust).short_name, one) for one in chosen]


@dataclass(frozen=True)
class PackSkipped:
    """A scheduled run that built nothing, and why."""

    trust: str
    reason: str


def run_pack_job(
    job: PackJob,
    *,
    meeting: dt.date | None = None,
    pdf: bool | None = None,
    force: bool = False,
    keep_edits: bool = False,
    unscheduled: bool = False,
    when_due: bool = False,
    shared: Shared | None = None,
) -> PackResult | PackSkipped:
    """Build one trust's pack, or (with `when_due`) say why it is not due yet.

    `shared` is the files every trust shares, already checked for an earlier trust of the same run.
    """
    config = load_config(job.ws, shared)
    today = job.ws.now().date()
    if when_due and meeting is None and pack_due(config.trust, today) is None:
        return PackSkipped(job.name, f"no meeting within {config.trust.draft_days_before} days of {today.isoformat()}")
    try:
        return build_pack(
            config, job.ws, meeting=meeting, pdf=pdf, force=force, keep_edits=keep_edits, unscheduled=unscheduled
        )
    except HandEdited as exc:
        if not when_due:
            raise
        # A scheduled rebuild never overwrites the secretary's edits, and does not fail every day over them.
        return PackSkipped(job.name, str(exc))
