"""`tracker review`: a person accepts or rejects what the tracker proposed for the register."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from tracker.cli.base import (
    cli,
    json_option,
    sub_workspace_options,
    workspace,
    workspace_options,
)
from tracker.core.commands import TRACKER
from tracker.core.dates import stamp_day, utc_stamp

# -- review: a person decides on what the tracker found -----------------------------


@cli.group("review", invoke_without_command=True)
@workspace_options
@json_option
@click.pass_context
def review_cmd(ctx: click.Context, config_dir: Path, outputs_dir: Path, as_json: bool) -> None:
    """List what the tracker found that nobody has checked yet, newest first; accept or reject it.

    Nothing the tracker finds changes a milestone until a person accepts it here: a new
    milestone, a status or date change, a milestone overdue for confirmation.
    """
    ctx.obj = (config_dir, outputs_dir)
    if ctx.invoked_subcommand:
        return
    from tracker.config.profiles import load_sources
    from tracker.register.parse import load_register
    from tracker.register.proposals import review_queue
    from tracker.register.words import finding

    ws = workspace(config_dir, outputs_dir)
    register = load_register(ws.register)
    publishers = {s.name: s.publisher for s in load_sources(ws.sources)} if ws.sources.exists() else {}
    milestones = {m.id: m for m in register.milestones}
    now = ws.now()
    queue = review_queue(register, now.date(), utc_stamp(now))
    if as_json:
        rows = [
            {
                **asdict(p),
                "in_words": finding(p, milestones, publishers),
                "computed": p.id not in {q.id for q in register.proposals},
            }
            for p in queue
        ]
        click.echo(json.dumps({"proposals": rows}, indent=2, ensure_ascii=False, default=str))
        return
    if not queue:
        click.echo("Nothing is waiting for review.")
        return
    click.echo(f"{len(queue)} finding{'s wait' if len(queue) != 1 else ' waits'} for review, newest first:")
    for p in queue:
        click.echo(f"\n{p.id}  found {stamp_day(p.found)}")
        click.echo(f"  {finding(p, milestones, publishers)}")
        if p.why:
            click.echo(f"  Why: {p.why}.")
        if p.evidence:
            click.echo(f"  Item: {p.evidence.url}")
        # Each on a line of its own, ready to copy: the form the README uses, not on PATH.
        click.echo(f'  Accept: {TRACKER} review accept {p.id} --by "NAME"')
        click.echo(f'  Reject: {TRACKER} review reject {p.id} --by "NAME" --why "..."')


review_cmd.example = "tracker review accept 3f9a2c1d --by 'Alex Morgan'"  # type: ignore[attr-defined]


def _decide(
    ctx: click.Context,
    ids: tuple[str, ...],
    everything: bool,
    by: str,
    why: str | None,
    accepted: bool,
    dirs: tuple[Path | None, Path | None],
) -> None:
    from tracker.register.review import decide

    config_dir, outputs_dir = (mine or group for mine, group in zip(dirs, ctx.obj, strict=True))
    ws = workspace(config_dir, outputs_dir)
    decisions = decide(ws.register, ids, accepted=accepted, by=by, now=ws.now(), everything=everything, reason=why)
    verb = "accepted" if accepted else "rejected"
    if not decisions:  # --all with an empty queue: nothing decided, nothing written
        click.echo(f"Nothing was waiting for review; {ws.register} is unchanged.")
        return
    for d in decisions:
        click.echo(f"{d.proposal.id}: {verb}.")
    click.echo(f"{len(decisions)} proposal{'s' if len(decisions) != 1 else ''} {verb} by {by}; {ws.register} updated.")


@review_cmd.command("accept")
@click.argument("ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Accept every proposal waiting for review.")
@click.option("--by", required=True, help="Who accepts it (recorded in the milestone's history).")
@sub_workspace_options
@click.pass_context
def review_accept_cmd(
    ctx: click.Context,
    ids: tuple[str, ...],
    everything: bool,
    by: str,
    sub_config: Path | None,
    sub_outputs: Path | None,
) -> None:
    """Apply proposals to the register (ID from `tracker review`; a unique start of one will do)."""
    _decide(ctx, ids, everything, by, None, accepted=True, dirs=(sub_config, sub_outputs))


@review_cmd.command("reject")
@click.argument("ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Reject every proposal waiting for review.")
@click.option("--by", required=True, help="Who rejects it.")
@click.option("--why", required=True, help="Why (kept with the proposal, which is never proposed again).")
@sub_workspace_options
@click.pass_context
def review_reject_cmd(
    ctx: click.Context,
    ids: tuple[str, ...],
    everything: bool,
    by: str,
    why: str,
    sub_config: Path | None,
    sub_outputs: Path | None,
) -> None:
    """Keep proposals out of the register for good, with who and why."""
    _decide(ctx, ids, everything, by, why, accepted=False, dirs=(sub_config, sub_outputs))
