"""The `tracker` command: the one place that reads the environment and the clock.

Every command takes `--config` and `--outputs`, builds one Workspace from them, and
passes it down. Any TrackerError becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from tracker.config.workspace import Workspace
from tracker.core.dates import stamp_day, utc_now, utc_stamp
from tracker.core.errors import TrackerError

CONFIG_DIR = Path("config")
OUTPUTS_DIR = Path("outputs")


class TrackerGroup(click.Group):
    """Lists each command with an example, and turns TrackerError into one line and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            click.secho(f"Error: {exc}", err=True, fg="red")
            ctx.exit(exc.exit_code)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            example = getattr(self.get_command(ctx, name), "example", None)
            if example:
                rows.append((name, example))
        if rows:
            with formatter.section("Examples"):
                formatter.write_dl(rows)
        super().format_epilog(ctx, formatter)


def command(group: click.Group, name: str, example: str, **kw: Any) -> Callable:
    """Register a command with the example that `tracker --help` shows for it."""

    def wrap(fn: Callable) -> click.Command:
        cmd = group.command(name, **kw)(fn)
        cmd.example = example  # type: ignore[attr-defined]
        return cmd

    return wrap


def _warn(text: str) -> None:
    click.secho(f"Warning: {text}", err=True, fg="yellow")


def workspace_options(fn: Callable) -> Callable:
    """--config and --outputs, the same on every command."""
    fn = click.option(
        "--outputs", "outputs_dir", type=click.Path(path_type=Path), default=OUTPUTS_DIR, show_default=True,
        help="Folder for generated files (packs/, outbox/, deliveries/, state/, prefect/).",
    )(fn)  # fmt: skip
    return click.option(
        "--config", "config_dir", type=click.Path(path_type=Path), default=CONFIG_DIR, show_default=True,
        help="Folder holding register.yaml, trust.yaml, questions.yaml, sources.yaml and the governors file.",
    )(fn)  # fmt: skip


def renamed(old: str, role: str, instead: str) -> Callable:
    """A hidden option kept for one release: the old per-file or per-folder spelling, with a warning."""

    def note(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        if value is not None:
            _warn(f"{old} is deprecated and will be removed in the next release; {instead}")
        return value

    return click.option(old, f"old_{role}", type=click.Path(path_type=Path), hidden=True, callback=note)


def workspace(config_dir: Path, outputs_dir: Path, **overrides: Path | None) -> Workspace:
    """The one Workspace of a command: the environment and the real clock are read here."""
    return Workspace(Path(config_dir), Path(outputs_dir), env=os.environ, clock=utc_now).with_overrides(**overrides)


meeting_option = click.option(
    "--meeting",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DATE",
    help="Meeting date (default: the next one in trust.yaml on or after today).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of text.")


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nhs-governors-tracker")
def cli() -> None:
    """Track national NHS policy milestones and build council of governors briefing packs."""


# -- config -----------------------------------------------------------------------


@command(cli, "validate", "tracker validate --config config")
@workspace_options
@click.option("--register", type=click.Path(path_type=Path), help="Register file, if not the one in --config.")
@click.option("--trust", type=click.Path(path_type=Path), help="Trust profile, if not the one in --config.")
@click.option("--questions", type=click.Path(path_type=Path), help="Questions file, if not the one in --config.")
def validate_cmd(
    config_dir: Path, outputs_dir: Path, register: Path | None, trust: Path | None, questions: Path | None
) -> None:
    """Check every config file and report every problem as file:line: field: what is wrong."""
    from tracker.config.loading import validate

    ws = workspace(config_dir, outputs_dir, register=register, trust=trust, questions=questions)
    problems = validate(ws)
    for p in problems:
        click.echo(str(p))
    if problems:
        files = len({p.file for p in problems})
        raise TrackerError(
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {files} file{'s' if files > 1 else ''}"
        )
    checked = [ws.register, ws.trust, ws.questions] + [p for p in (ws.sources, ws.matching, ws.governors) if p.exists()]
    click.echo(f"OK: {', '.join(map(str, checked))} are valid.")


# -- policy tracking ------------------------------------------------------------


@command(cli, "match", "tracker match --explain tests/fixtures/feeds/nhs-england.xml")
@workspace_options
@click.option(
    "--register", type=click.Path(path_type=Path), help="Register whose rules to try, if not the one in --config."
)
@click.option("--explain", is_flag=True, help="Say in one sentence why each entry matched, or why it did not.")
@json_option
@click.argument("sources", nargs=-1, required=True)
def match_cmd(
    config_dir: Path, outputs_dir: Path, register: Path | None, explain: bool, as_json: bool, sources: tuple[str, ...]
) -> None:
    """Show which milestones each entry of SOURCE (a feed file or http(s) URL) matches, and why; writes nothing."""
    from tracker.config.loading import load_vocabulary
    from tracker.register.parse import load_register
    from tracker.tracking.fetch import read_source
    from tracker.tracking.match import Matcher

    ws = workspace(config_dir, outputs_dir, register=register)
    matcher = Matcher(load_register(ws.register), load_vocabulary(ws))
    entries: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for source in sources:
        feed, _ = read_source(None, source)
        if feed.error:
            errors.append({"source": source, "error": feed.error})
        for item in feed.items:
            explained = matcher.explain(item)
            found = [
                {
                    "milestone": m.milestone,
                    "category": m.category,
                    "rule": m.rule,
                    "event": m.event,
                    "new": m.milestone not in matcher.known,
                    "explanation": m.explanation,
                }
                for m in explained.matches
            ]
            entries.append(
                {
                    "source": source,
                    "link": item.link,
                    "title": item.title,
                    "published": item.published,
                    "matches": found,
                    "why": explained.sentences(),
                }
            )
    if as_json:
        click.echo(json.dumps({"entries": entries, "errors": errors}, indent=2, ensure_ascii=False))
        return
    for e in entries:
        hits = ", ".join(f"{m['milestone']} ({m['event']})" for m in e["matches"]) or "no match"
        click.echo(f"{e['published'] or 'undated':20}  {e['title'] or '(untitled)'}\n    -> {hits}")
        if explain:
            for sentence in e["why"]:
                click.echo(f"       why: {sentence}")
    for err in errors:
        click.secho(f"{err['source']}: {err['error']}", fg="yellow", err=True)
    matched = sum(1 for e in entries if e["matches"])
    click.echo(f"{len(entries)} entries read, {matched} matched, {len(errors)} sources could not be read.")


@command(cli, "track", "tracker track --dry-run")
@workspace_options
@click.option("--dry-run", is_flag=True, help="Fetch and match, but write neither the register nor the state.")
@json_option
@renamed("--sources", "sources", "put the feeds in CONFIG/sources.yaml")
@renamed("--register", "register", "use --config")
@renamed("--state-dir", "state", "use --outputs (the state is OUTPUTS/state)")
def track_cmd(
    config_dir: Path,
    outputs_dir: Path,
    dry_run: bool,
    as_json: bool,
    old_sources: Path | None,
    old_register: Path | None,
    old_state: Path | None,
) -> None:
    """Read every source, update the register with evidence and changes, and summarise the run."""
    from tracker.config.profiles import load_sources
    from tracker.tracking.run import track

    ws = workspace(config_dir, outputs_dir, sources=old_sources, register=old_register, state=old_state)
    sources = load_sources(ws.sources)
    if sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("Reading feeds", total=len(sources))
            summary = track(ws, sources, dry_run=dry_run, progress=lambda _: bar.advance(task))
    else:
        summary = track(ws, sources, dry_run=dry_run)
    click.echo(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) if as_json else summary.to_text())


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
        click.echo(f'  Accept: tracker review accept {p.id} --by "NAME"')
        click.echo(f'  Reject: tracker review reject {p.id} --by "NAME" --why "..."')


review_cmd.example = "tracker review accept 3f9a2c1d --by 'Alex Morgan'"  # type: ignore[attr-defined]


def _decide(
    ctx: click.Context, ids: tuple[str, ...], everything: bool, by: str, why: str | None, accepted: bool
) -> None:
    from tracker.register.review import decide

    config_dir, outputs_dir = ctx.obj
    ws = workspace(config_dir, outputs_dir)
    decisions = decide(ws.register, ids, accepted=accepted, by=by, now=ws.now(), everything=everything, reason=why)
    verb = "accepted" if accepted else "rejected"
    for d in decisions:
        click.echo(f"{d.proposal.id}: {verb}.")
    click.echo(f"{len(decisions)} proposal{'s' if len(decisions) != 1 else ''} {verb} by {by}; {ws.register} updated.")


@review_cmd.command("accept")
@click.argument("ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Accept every proposal waiting for review.")
@click.option("--by", required=True, help="Who accepts it (recorded in the milestone's history).")
@click.pass_context
def review_accept_cmd(ctx: click.Context, ids: tuple[str, ...], everything: bool, by: str) -> None:
    """Apply proposals to the register (ID from `tracker review`; a unique start of one will do)."""
    _decide(ctx, ids, everything, by, None, accepted=True)


@review_cmd.command("reject")
@click.argument("ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Reject every proposal waiting for review.")
@click.option("--by", required=True, help="Who rejects it.")
@click.option("--why", required=True, help="Why (kept with the proposal, which is never proposed again).")
@click.pass_context
def review_reject_cmd(ctx: click.Context, ids: tuple[str, ...], everything: bool, by: str, why: str) -> None:
    """Keep proposals out of the register for good, with who and why."""
    _decide(ctx, ids, everything, by, why, accepted=False)


# -- the briefing pack ---------------------------------------------------------


@command(cli, "pack", "tracker pack --meeting 2026-12-10 --pdf")
@workspace_options
@meeting_option
@click.option("--pdf", is_flag=True, default=None, help="Also write a PDF copy (needs LibreOffice).")
@click.option(
    "--force", is_flag=True, help="Rebuild over a pack already approved as FINAL (starts a new draft version)."
)
@click.option(
    "--all-trusts",
    is_flag=True,
    help="Build one pack per trust in CONFIG/trusts/*.yaml (each in OUTPUTS/packs/<name>/).",
)
@json_option
@renamed("--trust", "trust", "use --config")
@renamed("--register", "register", "use --config")
@renamed("--questions", "questions", "use --config")
@renamed("--sources", "sources", "use --config")
@renamed("--state-dir", "state", "use --outputs (the state is OUTPUTS/state)")
@renamed("--out", "packs", "use --outputs (packs go in OUTPUTS/packs)")
def pack_cmd(
    config_dir: Path,
    outputs_dir: Path,
    meeting: dt.datetime | None,
    pdf: bool | None,
    force: bool,
    all_trusts: bool,
    as_json: bool,
    **old: Path | None,
) -> None:
    """Build the council of governors briefing pack (.docx) and its manifest."""
    from tracker.config.loading import check_register
    from tracker.orchestration.schedule import PackJob, PackSkipped, pack_jobs, run_pack_job

    ws = workspace(config_dir, outputs_dir, **{k.removeprefix("old_"): v for k, v in old.items()})
    jobs = pack_jobs(ws) if all_trusts else [PackJob(ws.trust.stem, ws)]
    register, _ = check_register(ws)  # once, for every trust (any problem is reported with the rest below)
    built = []
    for job in jobs:
        result = run_pack_job(job, meeting=_day(meeting), pdf=pdf, force=force, register=register)
        assert not isinstance(result, PackSkipped)  # only a scheduled run (when_due) skips
        for note in result.notes:
            click.echo(f"{job.name}: {note}" if all_trusts else note, err=True)
        built.append({"trust": job.name, "pack": str(result.docx), "manifest": str(result.manifest_path)})
    if as_json:
        one = {k: built[0][k] for k in ("pack", "manifest")}
        click.echo(json.dumps({"packs": built} if all_trusts else one))
    else:
        click.echo("\n".join(b["pack"] for b in built))


@command(cli, "approve", "tracker approve outputs/packs/2026-12-10 --by 'Alex Morgan'")
@workspace_options
@click.argument("pack", type=click.Path(path_type=Path))
@click.option("--by", required=True, help="Who approves the pack (usually the company secretary).")
@json_option
def approve_cmd(config_dir: Path, outputs_dir: Path, pack: Path, by: str, as_json: bool) -> None:
    """Mark a reviewed pack FINAL (PACK is the .docx or its meeting folder); nothing else in it changes."""
    from tracker.pack.approve import approve

    result = approve(pack, by, workspace(config_dir, outputs_dir).now())
    for note in result.notes:
        click.echo(note, err=True)
    if as_json:
        click.echo(json.dumps({"pack": str(result.docx), "manifest": str(result.manifest_path)}))
    else:
        click.echo(f"{result.docx}: approved as FINAL by {result.manifest.approved_by}")


# -- distribution: send, status, digest ------------------------------------------


@command(cli, "send", "tracker send --dry-run")
@workspace_options
@meeting_option
@click.option("--dry-run", is_flag=True, help="Write .eml files to OUTPUTS/outbox/<meeting>/ instead of sending.")
@click.option("--only", multiple=True, metavar="EMAIL", help="Send only to this governor (repeatable).")
@click.option("--resend", is_flag=True, help="Send again to governors already sent this version.")
@click.option("--allow-draft", is_flag=True, help="Send a pack nobody has approved yet.")
@click.option("--governors", type=click.Path(path_type=Path), help="Governors file (default: CONFIG/governors.yaml).")
@json_option
@renamed("--packs", "packs", "use --outputs (packs are in OUTPUTS/packs)")
def send_cmd(
    config_dir: Path,
    outputs_dir: Path,
    meeting: dt.datetime | None,
    dry_run: bool,
    only: tuple[str, ...],
    resend: bool,
    allow_draft: bool,
    governors: Path | None,
    as_json: bool,
    old_packs: Path | None,
) -> None:
    """Email the approved pack to each active governor, one message each, and log every answer.

    \b
    SMTP: the `email:` block of trust.yaml, or TRACKER_SMTP_HOST, TRACKER_SMTP_PORT,
    TRACKER_SMTP_USER, TRACKER_SMTP_SECURITY (starttls|tls|none), TRACKER_SMTP_FROM;
    the password only from TRACKER_SMTP_PASSWORD. Without a host, this is a dry run.
    """
    from tracker.distribution.delivery import DeliveryStatus
    from tracker.distribution.send import send_pack

    ws = workspace(config_dir, outputs_dir, governors=governors, packs=old_packs)
    report = send_pack(
        ws, meeting=_day(meeting), dry_run=dry_run, only=tuple(only), resend=resend, allow_draft=allow_draft, warn=_warn
    )
    for note in report.notes:
        _warn(note)
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
        raise TrackerError(
            f"{n} governor{'s' if n > 1 else ''} did not get the pack (see above); run `tracker send` again to retry"
        )


@command(cli, "status", "tracker status")
@workspace_options
@meeting_option
@click.option("--governors", type=click.Path(path_type=Path), help="Governors file (default: CONFIG/governors.yaml).")
@json_option
def status_cmd(
    config_dir: Path, outputs_dir: Path, meeting: dt.datetime | None, governors: Path | None, as_json: bool
) -> None:
    """Show whether the next meeting's pack is built, approved and sent, and to whom."""
    from tracker.config.profiles import load_trust
    from tracker.distribution.send import load_governor_list
    from tracker.distribution.status import describe, load_status

    ws = workspace(config_dir, outputs_dir, governors=governors)
    trust = load_trust(ws.trust)
    day = trust.meeting_for(ws.now().date(), _day(meeting))
    status = load_status(ws, load_governor_list(ws, _warn), day)
    click.echo(json.dumps(status.to_json(), indent=2) if as_json else "\n".join(describe(status)))


@command(cli, "digest", "tracker digest --dry-run")
@workspace_options
@click.option("--dry-run", is_flag=True, help="Write the .eml to OUTPUTS/outbox/digest/ instead of sending.")
@click.option("--always", is_flag=True, help="Send a short 'nothing new' message when there is nothing to report.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    metavar="DATE",
    help="Cover from this time (UTC), not the last digest.",
)
def digest_cmd(config_dir: Path, outputs_dir: Path, dry_run: bool, always: bool, since: dt.datetime | None) -> None:
    """Send the company secretary one message: what the tracker found since the last digest."""
    from tracker.distribution.digest import run_digest

    result = run_digest(
        workspace(config_dir, outputs_dir),
        dry_run=dry_run,
        always=always,
        since=since.replace(tzinfo=dt.UTC) if since else None,
    )
    click.echo(result.detail)


# -- orchestration -------------------------------------------------------------


@command(cli, "serve", "tracker serve --port 4200")
@workspace_options
@click.option("--port", default=4200, show_default=True, help="Port for the local Prefect server (127.0.0.1 only).")
@click.option("--ui/--no-ui", default=True, show_default=True, help="Serve the Prefect UI.")
@renamed("--home", "home", "use --outputs (Prefect's files are in OUTPUTS/prefect)")
def serve_cmd(config_dir: Path, outputs_dir: Path, port: int, ui: bool, old_home: Path | None) -> None:
    """Start a local Prefect server and worker, and deploy the scheduled flows in prefect.yaml.

    Its database, logs and pid files are in OUTPUTS/prefect. With PREFECT_API_URL set, no
    server is started: the worker and the deployments use that one.
    """
    from tracker.orchestration.local import LocalPrefect

    ws = workspace(config_dir, outputs_dir)
    home = old_home or ws.prefect_home
    local = LocalPrefect(home=home, port=port, api_url=ws.env.get("PREFECT_API_URL"))
    click.echo(
        f"Starting the Prefect server at {local.url} ..."
        if not local.api_url
        else f"Using the Prefect server at {local.url}"
    )
    local.start_server(ui=ui)
    local.create_pool()
    local.deploy(Path.cwd())
    local.start_worker(Path.cwd())
    click.echo(
        f"Deployed track-policy, build-pack and distribute-pack to work pool {local.pool!r}; a worker is running."
    )
    if ui and not local.api_url:
        click.echo(f"Prefect UI: {local.ui_url}")
    click.echo(f"Logs: {home}/server.log, {home}/worker.log. Stop with: make stop")


@command(cli, "stop", "tracker stop")
@workspace_options
@renamed("--home", "home", "use --outputs (Prefect's files are in OUTPUTS/prefect)")
def stop_cmd(config_dir: Path, outputs_dir: Path, old_home: Path | None) -> None:
    """Stop the Prefect server and worker that `tracker serve` started."""
    from tracker.orchestration.local import LocalPrefect

    stopped = LocalPrefect(home=old_home or workspace(config_dir, outputs_dir).prefect_home).stop()
    click.echo(
        f"Stopped: {', '.join(stopped)}."
        if stopped
        else "Nothing to stop: no server or worker started by `tracker serve` is running."
    )


def main() -> None:
    cli(prog_name="tracker")
