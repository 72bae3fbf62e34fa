"""`tracker send`, `tracker status` and `tracker digest`: the approved pack to governors, and the secretary's view."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from tracker.cli.base import (
    TrustChoice,
    cli,
    command,
    day_of,
    each_trust,
    json_option,
    meeting_option,
    renamed,
    trust_option,
    warn,
    workspace,
    workspace_options,
)
from tracker.config.workspace import Workspace
from tracker.core.errors import TrackerError

# -- distribution: send, status, digest ------------------------------------------


@command(cli, "send", "tracker send --dry-run")
@workspace_options
@trust_option()
@meeting_option
@click.option("--dry-run", is_flag=True, help="Write .eml files to OUTPUTS/outbox/<meeting>/ instead of sending.")
@click.option("--only", multiple=True, metavar="EMAIL", help="Send only to this governor (repeatable).")
@click.option("--resend", is_flag=True, help="Send again to governors already sent this version.")
@click.option("--resend-in-doubt", is_flag=True, help="Send again to governors in doubt (see `tracker status`).")
@click.option(
    "--mark-sent", multiple=True, metavar="EMAIL", help="Record that a governor in doubt has the pack; sends nothing."
)
@click.option("--allow-draft", is_flag=True, help="Send a pack nobody has approved yet.")
@click.option("--governors", type=click.Path(path_type=Path), help="Governors file (default: the trust's own).")
@json_option
@renamed("--packs", "packs", "use --outputs (packs are in OUTPUTS/packs)")
def send_cmd(
    config_dir: Path,
    outputs_dir: Path,
    trusts: TrustChoice,
    meeting: dt.datetime | None,
    dry_run: bool,
    only: tuple[str, ...],
    resend: bool,
    resend_in_doubt: bool,
    mark_sent: tuple[str, ...],
    allow_draft: bool,
    governors: Path | None,
    as_json: bool,
    old_packs: Path | None,
) -> None:
    """Email the approved pack to each active governor, one message each, and log every answer.

    \b
    Only the trust's own pack goes to the trust's own governors: a pack whose manifest
    names another trust is refused. With several trusts, --trust NAME is required.
    A governor whose message was handed to the server with no answer recorded (the run
    was killed, the connection lost) is "in doubt" and is not sent it again unasked:
    --mark-sent EMAIL if they have it, --resend-in-doubt to send it again.
    SMTP: the `email:` block of the trust's profile, or TRACKER_SMTP_HOST, TRACKER_SMTP_PORT,
    TRACKER_SMTP_USER, TRACKER_SMTP_SECURITY (starttls|tls|none), TRACKER_SMTP_FROM;
    the password only from TRACKER_SMTP_PASSWORD. Without a host, this is a dry run.
    """
    from tracker.distribution.delivery import DeliveryStatus
    from tracker.distribution.send import send_pack
    from tracker.distribution.status import send_command

    (ws,) = trusts.workspaces(workspace(config_dir, outputs_dir, governors=governors, packs=old_packs))
    report = send_pack(
        ws, meeting=day_of(meeting), dry_run=dry_run, only=tuple(only), resend=resend, allow_draft=allow_draft,
        resend_in_doubt=resend_in_doubt, mark_sent=tuple(mark_sent), warn=warn,
    )  # fmt: skip
    for note in report.notes:
        warn(note)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for r in report.results:
            click.echo(f"{r.status:>12}  {r.name} <{r.email}> ({r.format}): {r.detail}")
        where = f"; .eml files in {report.outbox}" if report.outbox else ""
        counts = ", ".join(f"{n} {s}" for s in DeliveryStatus if (n := report.count(s)))
        click.echo(f"Pack version {report.version} ({report.pack_status}) for {report.meeting}: {counts}{where}")
    if report.failed:
        n = len(report.failed)
        again = send_command(report.meeting, ws.trust_id)  # retries whoever's latest attempt failed
        raise TrackerError(
            f"{n} governor{'s' if n > 1 else ''} did not get the pack (see above); run {again} again to retry them"
        )
    if report.in_doubt:
        n = len(report.in_doubt)
        raise TrackerError(
            f"{n} governor{'s are' if n > 1 else ' is'} in doubt (see above): ask them, then"
            f" {send_command(report.meeting, ws.trust_id, '--mark-sent EMAIL')} or `--resend-in-doubt`"
        )


@command(cli, "status", "tracker status --all-trusts")
@workspace_options
@trust_option(all_trusts=True)
@meeting_option
@click.option("--governors", type=click.Path(path_type=Path), help="Governors file (default: the trust's own).")
@json_option
def status_cmd(
    config_dir: Path,
    outputs_dir: Path,
    trusts: TrustChoice,
    meeting: dt.datetime | None,
    governors: Path | None,
    as_json: bool,
) -> None:
    """Show whether the next meeting's pack is built, approved and sent, and to whom.

    With --all-trusts, one line per trust.
    """
    from tracker.config.profiles import load_trust
    from tracker.distribution.send import load_governor_list
    from tracker.distribution.status import describe, load_status, summary_line
    from tracker.pack.manifest import built_for

    everyone: dict[str, Any] = {}

    def show(ws: Workspace) -> None:
        trust = load_trust(ws.trust)
        day = trust.meeting_for(ws.now().date(), day_of(meeting), unscheduled=built_for(ws, day_of(meeting)))
        status = load_status(ws, trust.short_name, load_governor_list(ws, trust, warn), day)
        if trusts.every:
            everyone[trust.short_name] = status.to_json()
            if not as_json:
                click.echo(f"{trust.short_name}: {summary_line(status)}")
        else:
            click.echo(json.dumps(status.to_json(), indent=2) if as_json else "\n".join(describe(status)))

    try:
        each_trust(trusts, workspace(config_dir, outputs_dir, governors=governors), show)
    finally:
        if as_json and trusts.every:
            click.echo(json.dumps({"trusts": everyone}, indent=2))


@command(cli, "digest", "tracker digest --dry-run")
@workspace_options
@trust_option(all_trusts=True)
@click.option("--dry-run", is_flag=True, help="Write the .eml to OUTPUTS/outbox/digest/ instead of sending.")
@click.option("--always", is_flag=True, help="Send a short 'nothing new' message when there is nothing to report.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    metavar="DATE",
    help="Cover from this time (UTC), not the last digest.",
)
def digest_cmd(
    config_dir: Path, outputs_dir: Path, trusts: TrustChoice, dry_run: bool, always: bool, since: dt.datetime | None
) -> None:
    """Send the company secretary one message: what the tracker found since the last digest.

    Each trust's secretary gets their own digest (--all-trusts: every trust's).
    """
    from tracker.distribution.digest import run_digest

    def one(ws: Workspace) -> None:
        result = run_digest(ws, dry_run=dry_run, always=always, since=since.replace(tzinfo=dt.UTC) if since else None)
        click.echo(f"{ws.trust_id}: {result.detail}" if trusts.every and ws.trust_id else result.detail)

    each_trust(trusts, workspace(config_dir, outputs_dir), one)
