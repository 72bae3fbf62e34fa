"""The `build-pack` Prefect flow: thin wrappers round tracker.pack.build.build_pack.

`make pack` and `tracker pack` call the same function directly, without Prefect. On a
schedule (`when_due`), the flow builds a DRAFT only once the next meeting is within
the trust's `pack.draft_days_before`, and then emails the trust's secretary the digest.

With many trusts (config/trusts/*.yaml) it builds one pack per trust, as concurrent
tasks, each trust's in its own outputs folder, and each trust's digest goes to its own
secretary.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.utilities.annotations import quote

from tracker.config.loading import LoadedRegister, check_register
from tracker.config.profiles import load_trust
from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock, utc_now, utc_stamp
from tracker.core.errors import TrackerError
from tracker.distribution.digest import run_digest
from tracker.orchestration.schedule import PackJob, PackSkipped, pack_due, pack_jobs, run_pack_job


@task(cache_policy=NO_CACHE, persist_result=False, task_run_name="pack-{job.name}")
def build_trust_pack(
    job: PackJob, meeting: str | None, pdf: bool | None, when_due: bool, register: LoadedRegister | None
) -> dict:
    result = run_pack_job(
        job, meeting=dt.date.fromisoformat(meeting) if meeting else None, pdf=pdf, when_due=when_due, register=register
    )
    if isinstance(result, PackSkipped):
        print(f"{job.name}: not building a pack: {result.reason}")
        return {"trust": job.name, "skipped": result.reason}
    for note in result.notes:
        print(note)  # log_prints: a warning in the run's log
    print(f"Built {result.docx} (version {result.manifest.version}, {result.manifest.status})")
    # The manifest's fields, with `pack` and `manifest` as full paths (as `tracker pack --json` prints).
    return {**result.manifest.to_json(), "pack": str(result.docx), "manifest": str(result.manifest_path)}


@flow(name="build-pack", log_prints=True)
def build_pack_flow(
    config_dir: str = "config",
    outputs_dir: str = "outputs",
    meeting: str | None = None,
    pdf: bool | None = None,
    now: str | None = None,
    when_due: bool = False,
    send_digest: bool = False,
    trusts: list[str] | None = None,
) -> dict:
    """Build the pack for `meeting` (default: the next one) for every trust; return {"packs", "digest"}.

    `now` (ISO date-time) pins the clock, for tests and for rebuilding a past pack exactly.
    `when_due` (for a daily schedule): build only when the next meeting is near; skipped
    trusts appear in "packs" as {"trust", "skipped": reason}.
    `send_digest`: once a trust's pack has been built, email that trust's secretary the digest.
    `trusts`: only these trusts (by name), not every one.
    """
    now = now or utc_stamp(utc_now())  # every trust is built as of the same moment
    ws = Workspace(Path(config_dir), Path(outputs_dir), clock=FixedClock(dt.datetime.fromisoformat(now)))
    jobs = pack_jobs(ws, trusts)
    skipped: list[dict] = []
    if when_due and meeting is None:
        jobs, skipped = _due(jobs, ws.now().date())
    built = _build_here(ws, jobs, meeting, pdf, when_due)
    packs = sorted(skipped + built, key=lambda p: p["trust"])
    digest = _digests(ws, jobs, packs) if send_digest else None
    return {"packs": packs, "digest": digest}


def _due(jobs: list[PackJob], today: dt.date) -> tuple[list[PackJob], list[dict]]:
    """The trusts whose draft is due today, and a note for each of the others (a profile
    that cannot be read counts as due, so its own run reports the problem)."""
    due, skipped = [], []
    for job in jobs:
        try:
            trust = load_trust(job.ws.trust)
        except TrackerError:
            due.append(job)
            continue
        if pack_due(trust, today) is None:
            reason = f"no meeting within {trust.draft_days_before} days of {today.isoformat()}"
            print(f"{job.name}: not building a pack: {reason}")
            skipped.append({"trust": job.name, "skipped": reason})
        else:
            due.append(job)
    return due, skipped


def _build_here(
    ws: Workspace, jobs: list[PackJob], meeting: str | None, pdf: bool | None, when_due: bool
) -> list[dict]:
    """One task per trust in this flow run; a trust that fails does not stop the others."""
    register, _ = check_register(ws)  # once for every trust; a problem is reported by each trust's task
    # quote(): the register is passed as it is, not walked by Prefect looking for futures.
    futures = [
        build_trust_pack.submit(job, meeting, pdf, when_due, quote(register))  # type: ignore[call-overload]
        for job in jobs
    ]
    wait(futures)
    built, failed = [], []
    for job, future in zip(jobs, futures, strict=True):
        try:
            built.append(future.result())
        except Exception as exc:
            failed.append(f"{job.name}: {exc}")
    if failed:
        raise TrackerError(f"{len(failed)} of {len(jobs)} trusts' packs failed: " + "; ".join(failed))
    return built


def _digests(ws: Workspace, jobs: list[PackJob], packs: list[dict]) -> str | None:
    """Each trust whose pack was built gets its own digest, sent to its own secretary."""
    # Entry point: the environment (SMTP settings, password) is read here, for the digests only.
    base = replace(ws, env=dict(os.environ))
    built = {p["trust"] for p in packs if "pack" in p}
    lines = []
    for job in jobs:
        if job.name not in built:
            continue
        one = base.for_trust(job.ws.trust_id) if job.ws.trust_id else base
        try:
            detail = run_digest(one).detail
        except TrackerError as exc:
            detail = f"not sent: {exc}"
        lines.append(f"{job.name}: {detail}" if job.ws.trust_id else detail)
        print(f"Digest: {lines[-1]}")
    return "\n".join(lines) if lines else None
