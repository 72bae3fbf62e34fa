"""`tracker pack`, `tracker approve` and `tracker position`: the briefing pack and the positions it reports."""

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
    workspace,
    workspace_options,
)
from tracker.config.profiles import QuestionStatus, StepOutcome
from tracker.config.workspace import Workspace
from tracker.core.errors import TrackerError

# -- the briefing pack ---------------------------------------------------------


@command(cli, "pack", "tracker pack --meeting 2026-12-10 --pdf")
@workspace_options
@trust_option(all_trusts=True, old_file=True)
@meeting_option
@click.option("--pdf", is_flag=True, default=None, help="Also write a PDF copy (needs LibreOffice).")
@click.option(
    "--force",
    is_flag=True,
    help="Start a new draft version even over an approved or hand-edited pack (the old one goes to superseded/).",
)
@click.option(
    "--keep-edits",
    is_flag=True,
    help="Rebuild a hand-edited draft as a new version that keeps the paragraphs added to it.",
)
@click.option(
    "--unscheduled", is_flag=True, help="--meeting is an extraordinary meeting, not one listed in trust.yaml."
)
@json_option
@renamed("--register", "register", "use --config")
@renamed("--questions", "questions", "use --config")
@renamed("--sources", "sources", "use --config")
@renamed("--state-dir", "state", "use --outputs (the state is OUTPUTS/state)")
@renamed("--out", "packs", "use --outputs (packs go in OUTPUTS/packs)")
def pack_cmd(
    config_dir: Path,
    outputs_dir: Path,
    trusts: TrustChoice,
    meeting: dt.datetime | None,
    pdf: bool | None,
    force: bool,
    keep_edits: bool,
    unscheduled: bool,
    as_json: bool,
    **old: Path | None,
) -> None:
    """Build the council of governors briefing pack (.docx) and its manifest.

    With several trusts (CONFIG/trusts/), name one with --trust NAME or build every
    trust's with --all-trusts; each trust's packs go in OUTPUTS/trusts/NAME/packs/.
    """
    from tracker.config.loading import check_shared
    from tracker.orchestration.schedule import PackJob, PackSkipped, run_pack_job

    ws = workspace(config_dir, outputs_dir, **{k.removeprefix("old_"): v for k, v in old.items()})
    shared = check_shared(ws)  # once, for every trust (any problem is reported with the rest below)
    built = []

    def build(one: Workspace) -> None:
        job = PackJob(one.trust_id or "", one)
        result = run_pack_job(
            job, meeting=day_of(meeting), pdf=pdf, force=force, keep_edits=keep_edits, unscheduled=unscheduled,
            shared=shared,
        )  # fmt: skip
        assert not isinstance(result, PackSkipped)  # only a scheduled run (when_due) skips
        name = result.manifest.trust
        for note in result.notes:
            click.echo(f"{name}: {note}" if trusts.every else note, err=True)
        copy = str(result.pdf) if result.pdf else None
        built.append({"trust": name, "pack": str(result.docx), "manifest": str(result.manifest_path), "pdf": copy})
        if not as_json:
            click.echo(str(result.docx))
            if copy:  # `make pdf` asked for it: say where it is
                click.echo(copy)

    try:
        each_trust(trusts, ws, build)
    finally:
        if as_json and built:
            one = {k: built[0][k] for k in ("pack", "manifest", "pdf")}
            click.echo(json.dumps({"packs": built} if trusts.every else one))


@command(cli, "approve", "tracker approve outputs/packs/2026-12-10 --by 'Alex Morgan'")
@workspace_options
@trust_option()
@meeting_option
@click.argument("pack", type=click.Path(path_type=Path), required=False)
@click.option("--by", required=True, help="Who approves the pack (usually the company secretary).")
@click.option("--pdf", is_flag=True, help="Also make the PDF copy (needs LibreOffice), even with pack.pdf: false.")
@json_option
def approve_cmd(
    config_dir: Path,
    outputs_dir: Path,
    trusts: TrustChoice,
    meeting: dt.datetime | None,
    pack: Path | None,
    by: str,
    pdf: bool,
    as_json: bool,
) -> None:
    """Mark a reviewed pack FINAL; nothing else in it changes.

    PACK is the .docx or its meeting folder; without it, the pack for --meeting (default:
    the next meeting) of the trust (--trust NAME when there are several). With --trust,
    a PACK that is another trust's is refused. The PDF copy is made again from the
    approved file if the draft had one, and made for the first time if the trust's
    pack.pdf is true or --pdf is given.
    """
    from tracker.config.profiles import load_trust
    from tracker.pack.approve import approve

    ws = workspace(config_dir, outputs_dir)
    trust = None
    if pack is None or trusts.name is not None:
        (ws,) = trusts.workspaces(ws)
        trust = load_trust(ws.trust)
    if pack is None:
        assert trust is not None
        pack = ws.pack_folder(trust.meeting_for(ws.now().date(), day_of(meeting)))
    wants_pdf = pdf or (trust.pdf if trust else _pack_pdf_setting(ws, pack))
    result = approve(pack, by, ws.now(), trust=trust.short_name if trust else None, pdf=wants_pdf)
    for note in result.notes:
        click.echo(note, err=True)
    copy = str(result.pdf) if result.pdf else None
    if as_json:
        click.echo(json.dumps({"pack": str(result.docx), "manifest": str(result.manifest_path), "pdf": copy}))
    else:
        click.echo(f"{result.docx}: approved as FINAL by {result.manifest.approved_by}")
        if copy:
            click.echo(copy)


def _pack_pdf_setting(ws: Workspace, pack: Path) -> bool:
    """pack.pdf of the trust whose pack this is; False if its profile cannot be read (approval needs no config)."""
    from tracker.config.profiles import load_trust
    from tracker.config.trusts import select_trusts
    from tracker.pack.approve import locate

    try:
        (one,) = select_trusts(ws, locate(pack).trust)
        return load_trust(one.trust).pdf
    except TrackerError:
        return False


@command(cli, "position", "tracker position 6 --status 'in progress' --answer-file note.txt --by 'Alex Morgan'")
@workspace_options
@trust_option()
@click.argument("number", type=int)
@click.option(
    "--status", type=click.Choice([s.value for s in QuestionStatus]), help="The new status (default: as it was)."
)
@click.option("--answer", help="The trust's new position, in words (default: as it was).")
@click.option(
    "--answer-file", type=click.File("r", encoding="utf-8"), help="Read the new position from this file ('-': stdin)."
)
@click.option("--next-step", help="What will be done next (default: as it was).")
@click.option(
    "--previous-step",
    type=click.Choice([s.value for s in StepOutcome]),
    help="What became of the next step promised at the last review.",
)
@click.option("--owner", help="Who owns the question (default: as it was).")
@click.option("--by", required=True, help="Who reviewed the position (a person or a committee).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), metavar="DATE", help="Day reviewed (default: today).")
def position_cmd(
    config_dir: Path,
    outputs_dir: Path,
    trusts: TrustChoice,
    number: int,
    status: str | None,
    answer: str | None,
    answer_file: Any,
    next_step: str | None,
    previous_step: str | None,
    owner: str | None,
    by: str,
    day: dt.datetime | None,
) -> None:
    """Record a new position on question NUMBER; the current one moves to its history, nothing is lost."""
    from tracker.config.positions import record_position
    from tracker.core.dates import day_month_year

    if answer is not None and answer_file is not None:
        raise TrackerError("position: give the answer with --answer or --answer-file, not both")
    (ws,) = trusts.workspaces(workspace(config_dir, outputs_dir))
    q = record_position(
        ws.questions, number, by=by, day=day_of(day) or ws.now().date(),
        status=QuestionStatus(status) if status else None,
        answer=answer_file.read() if answer_file is not None else answer,
        next_step=next_step, previous_step=StepOutcome(previous_step) if previous_step else None, owner=owner,
    )  # fmt: skip
    p = q.position
    click.echo(
        f"{ws.questions}: question {q.number} is now {p.status} ({p.status.rag}), reviewed "
        f"{day_month_year(p.last_reviewed) if p.last_reviewed else 'today'} by {p.reviewed_by}; "
        f"{len(q.history)} earlier position{'s' if len(q.history) != 1 else ''} kept in its history."
    )
