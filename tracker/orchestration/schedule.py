"""Which packs to build: one job per trust, and whether a scheduled draft is due yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tracker.config.loading import LoadedRegister, load_config
from tracker.config.profiles import Trust, load_trust
from tracker.config.workspace import Workspace
from tracker.pack.build import PackResult, build_pack


def pack_due(trust: Trust, today: dt.date) -> dt.date | None:
    """The next meeting whose draft should exist by now (`draft_days_before` ahead), if any."""
    meeting = trust.next_meeting(today)
    if meeting is None or (meeting - today).days > trust.draft_days_before:
        return None
    return meeting


def trust_profiles(ws: Workspace) -> list[Path]:
    """Multi-trust mode: each `config/trusts/<name>.yaml` (not the `<name>.questions.yaml` beside it)."""
    folder = ws.trusts_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".questions.yaml"))


def is_multi_trust(ws: Workspace) -> bool:
    return bool(trust_profiles(ws))


@dataclass(frozen=True)
class PackJob:
    """One trust's pack: its name and the workspace that points at its files and folders."""

    name: str
    ws: Workspace


def pack_jobs(ws: Workspace) -> list[PackJob]:
    """One job per trust. Single-trust mode uses config/trust.yaml; multi-trust mode,
    config/trusts/*.yaml, each trust's packs in `<packs>/<short name>/` so two trusts
    meeting on the same day never share a folder or a manifest. A `<name>.questions.yaml`
    beside a profile holds that trust's positions; otherwise config/questions.yaml is used."""
    profiles = trust_profiles(ws)
    if not profiles:
        return [PackJob(load_trust(ws.trust).short_name, ws)]
    jobs = []
    for path in profiles:
        trust = load_trust(path)
        own = path.with_name(f"{path.stem}.questions.yaml")
        jobs.append(
            PackJob(
                trust.short_name,
                ws.with_overrides(
                    trust=path, questions=own if own.exists() else ws.questions, packs=ws.packs_dir / trust.short_name
                ),
            )
        )
    return jobs


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
    when_due: bool = False,
    register: LoadedRegister | None = None,
) -> PackResult | PackSkipped:
    """Build one trust's pack, or (with `when_due`) say why it is not due yet.

    `register` is the register already loaded for an earlier trust of the same run.
    """
    config = load_config(job.ws, register)
    today = job.ws.now().date()
    if when_due and meeting is None and pack_due(config.trust, today) is None:
        return PackSkipped(job.name, f"no meeting within {config.trust.draft_days_before} days of {today.isoformat()}")
    return build_pack(config, job.ws, meeting=meeting, pdf=pdf, force=force)
