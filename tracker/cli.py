"""The `tracker` command. Entry point: reads the environment, turns errors into exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import click

from tracker.config.validate import ConfigPaths, validate
from tracker.core.errors import TrackerError

CONFIG_DIR = Path("config")


class TrackerGroup(click.Group):
    """Lists each command with an example, and turns TrackerError into one line and exit 2."""

    def invoke(self, ctx: click.Context):
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


meeting_option = click.option(
    "--meeting",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DATE",
    help="Meeting date (default: the next one in trust.yaml on or after today).",
)


def command(group: click.Group, name: str, example: str, **kw):
    """Register a command with the example that `tracker --help` shows for it."""

    def wrap(fn):
        cmd = group.command(name, **kw)(fn)
        cmd.example = example
        return cmd

    return wrap


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nhs-governors-tracker")
def cli() -> None:
    """Track national NHS policy milestones and build council of governors briefing packs."""


@command(cli, "validate", "tracker validate --config config")
@click.option(
    "--config",
    "config_dir",
    type=click.Path(path_type=Path),
    default=CONFIG_DIR,
    show_default=True,
    help="Folder holding register.yaml, trust.yaml, questions.yaml and sources.yaml.",
)
@click.option("--register", type=click.Path(path_type=Path), help="Register file, if not the one in --config.")
@click.option("--trust", type=click.Path(path_type=Path), help="Trust profile, if not the one in --config.")
@click.option("--questions", type=click.Path(path_type=Path), help="Questions file, if not the one in --config.")
def validate_cmd(config_dir: Path, register: Path | None, trust: Path | None, questions: Path | None) -> None:
    """Check every config file and report every problem as file:line: field: what is wrong."""
    d = ConfigPaths.in_dir(config_dir)
    paths = ConfigPaths(register or d.register, trust or d.trust, questions or d.questions, d.sources, d.governors)
    problems = validate(paths)
    for p in problems:
        click.echo(str(p))
    if problems:
        files = len({p.file for p in problems})
        raise TrackerError(
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {files} file{'s' if files > 1 else ''}"
        )
    click.echo(
        f"OK: {paths.register}, {paths.trust}, {paths.questions}"
        + (f", {paths.sources}" if paths.sources.exists() else "")
        + (f", {paths.governors}" if paths.governors and paths.governors.exists() else "")
        + " are valid."
    )


# -- policy tracking ------------------------------------------------------------


@command(cli, "match", "tracker match --json tests/fixtures/feeds/nhs-england.xml")
@click.option("--register", type=click.Path(path_type=Path), default=CONFIG_DIR / "register.yaml", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.argument("sources", nargs=-1, required=True)
def match_cmd(register: Path, as_json: bool, sources: tuple[str, ...]) -> None:
    """Show which milestones each entry of SOURCE (a feed file or http(s) URL) matches; writes nothing."""
    import json

    from tracker.register.parse import load_register
    from tracker.tracking.fetch import read_source
    from tracker.tracking.match import Matcher

    matcher = Matcher(load_register(register))
    entries, errors = [], []
    for source in sources:
        feed, _ = read_source(None, source)
        if feed.error:
            errors.append({"source": source, "error": feed.error})
        for item in feed.items:
            found = [{"milestone": m.milestone, "category": m.category, "rule": m.rule} for m in matcher.match(item)]
            entries.append(
                {
                    "source": source,
                    "link": item.link,
                    "title": item.title,
                    "published": item.published,
                    "matches": found,
                }
            )
    if as_json:
        click.echo(json.dumps({"entries": entries, "errors": errors}, indent=2, ensure_ascii=False))
        return
    for e in entries:
        hits = ", ".join(f"{m['milestone']} (rule {m['rule']})" for m in e["matches"]) or "no match"
        click.echo(f"{e['published'] or 'undated':20}  {e['title'] or '(untitled)'}\n    -> {hits}")
    for err in errors:
        click.secho(f"{err['source']}: {err['error']}", fg="yellow", err=True)
    matched = sum(1 for e in entries if e["matches"])
    click.echo(f"{len(entries)} entries read, {matched} matched, {len(errors)} sources could not be read.")


@command(cli, "track", "tracker track --dry-run")
@click.option(
    "--sources", "sources_path", type=click.Path(path_type=Path), default=CONFIG_DIR / "sources.yaml", show_default=True
)
@click.option("--register", type=click.Path(path_type=Path), default=CONFIG_DIR / "register.yaml", show_default=True)
@click.option("--state-dir", type=click.Path(path_type=Path), default=Path("outputs/state"), show_default=True)
@click.option("--dry-run", is_flag=True, help="Fetch and match, but write neither the register nor the state.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
def track_cmd(sources_path: Path, register: Path, state_dir: Path, dry_run: bool, as_json: bool) -> None:
    """Read every source, update the register with evidence and changes, and summarise the run."""
    import datetime as dt
    import json
    import sys

    from tracker.config.profiles import load_sources
    from tracker.tracking.run import track

    sources = load_sources(sources_path)
    now = dt.datetime.now(dt.UTC)
    if sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("Reading feeds", total=len(sources))
            summary = track(sources, register, state_dir, now, dry_run=dry_run, progress=lambda _: bar.advance(task))
    else:
        summary = track(sources, register, state_dir, now, dry_run=dry_run)
    click.echo(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) if as_json else summary.to_text())


# -- distribution: send, status, digest ------------------------------------------
# Environment variables are read here and nowhere else; the core gets them as a mapping.


def _outputs_options(fn):
    fn = click.option(
        "--outputs", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True,
        help="Folder for generated files (packs/, outbox/, deliveries/, state/).",
    )(fn)  # fmt: skip
    return click.option(
        "--config", "config_dir", type=click.Path(path_type=Path), default=CONFIG_DIR, show_default=True,
        help="Folder holding trust.yaml and the governors file.",
    )(fn)  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _warn(text: str) -> None:
    click.secho(f"Warning: {text}", err=True, fg="yellow")


@command(cli, "send", "tracker send --dry-run")
@meeting_option
@click.option("--dry-run", is_flag=True, help="Write .eml files to outputs/outbox/<meeting>/ instead of sending.")
@click.option("--only", multiple=True, metavar="EMAIL", help="Send only to this governor (repeatable).")
@click.option("--resend", is_flag=True, help="Send again to governors already sent this version.")
@click.option("--allow-draft", is_flag=True, help="Send a pack nobody has approved yet.")
@click.option("--packs", type=click.Path(path_type=Path), help="Folder of built packs (default: OUTPUTS/packs).")
@click.option("--governors", type=click.Path(path_type=Path), help="Governors file (default: config/governors.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_outputs_options
def send_cmd(meeting, dry_run, only, resend, allow_draft, packs, governors, as_json, config_dir, outputs) -> None:
    """Email the approved pack to each active governor, one message each, and log every answer.

    \b
    SMTP: the `email:` block of trust.yaml, or TRACKER_SMTP_HOST, TRACKER_SMTP_PORT,
    TRACKER_SMTP_USER, TRACKER_SMTP_SECURITY (starttls|tls|none), TRACKER_SMTP_FROM;
    the password only from TRACKER_SMTP_PASSWORD. Without a host, this is a dry run.
    """
    from tracker.distribution.send import send_pack

    report = send_pack(
        config_dir=config_dir, outputs=outputs, env=os.environ, now=_now, packs_dir=packs, governors_file=governors,
        meeting=meeting.date() if meeting else None, dry_run=dry_run, only=tuple(only), resend=resend,
        allow_draft=allow_draft, warn=_warn,
    )  # fmt: skip
    for note in report.notes:
        _warn(note)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for r in report.results:
            click.echo(f"{r.status:>12}  {r.name} <{r.email}> ({r.format}): {r.detail}")
        where = f"; .eml files in {report.outbox}" if report.outbox else ""
        click.echo(
            f"Pack version {report.version} ({report.pack_status}) for {report.meeting}: "
            + ", ".join(
                f"{n} {s}" for s in ("sent", "written", "already sent", "skipped", "failed") if (n := report.count(s))
            )
            + where
        )
    if report.failed:
        n = len(report.failed)
        raise TrackerError(
            f"{n} governor{'s' if n > 1 else ''} did not get the pack (see above); run `tracker send` again to retry"
        )


@command(cli, "status", "tracker status")
@meeting_option
@click.option("--governors", type=click.Path(path_type=Path), help="Governors file (default: config/governors.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@_outputs_options
def status_cmd(meeting, governors, as_json, config_dir, outputs) -> None:
    """Show whether the next meeting's pack is built, approved and sent, and to whom."""
    from tracker.config.profiles import load_trust
    from tracker.distribution.send import load_governor_list
    from tracker.distribution.status import describe, load_status

    trust = load_trust(config_dir / "trust.yaml")
    day = trust.meeting_for(_now().date(), meeting.date() if meeting else None)
    status = load_status(
        trust=trust, governors=load_governor_list(config_dir, governors, _warn), packs_dir=outputs / "packs",
        deliveries_dir=outputs / "deliveries", meeting=day,
    )  # fmt: skip
    click.echo(json.dumps(status.to_json(), indent=2) if as_json else "\n".join(describe(status)))


@command(cli, "digest", "tracker digest --dry-run")
@click.option("--dry-run", is_flag=True, help="Write the .eml to outputs/outbox/digest/ instead of sending.")
@click.option("--always", is_flag=True, help="Send a short 'nothing new' message when there is nothing to report.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    metavar="DATE",
    help="Cover from this time (UTC), not the last digest.",
)
@_outputs_options
def digest_cmd(dry_run, always, since, config_dir, outputs) -> None:
    """Send the company secretary one message: what the tracker found since the last digest."""
    from tracker.distribution.digest import run_digest

    result = run_digest(
        config_dir=config_dir, outputs=outputs, env=os.environ, now=_now(), dry_run=dry_run, always=always,
        since=since.replace(tzinfo=dt.UTC) if since else None,
    )  # fmt: skip
    click.echo(result.detail)


# -- orchestration -------------------------------------------------------------

PREFECT_HOME = Path("outputs/prefect")


@command(cli, "serve", "tracker serve --port 4200")
@click.option("--port", default=4200, show_default=True, help="Port for the local Prefect server (127.0.0.1 only).")
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    default=PREFECT_HOME,
    show_default=True,
    help="Where the server keeps its SQLite database, logs and pid files.",
)
@click.option("--ui/--no-ui", default=True, show_default=True, help="Serve the Prefect UI.")
def serve_cmd(port: int, home: Path, ui: bool) -> None:
    """Start a local Prefect server and worker, and deploy the scheduled flows in prefect.yaml.

    With PREFECT_API_URL set, no server is started: the worker and the deployments use that one.
    """
    from tracker.orchestration.local import LocalPrefect

    local = LocalPrefect(home=home, port=port, api_url=os.environ.get("PREFECT_API_URL"))
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
@click.option("--home", type=click.Path(path_type=Path), default=PREFECT_HOME, show_default=True)
def stop_cmd(home: Path) -> None:
    """Stop the Prefect server and worker that `tracker serve` started."""
    from tracker.orchestration.local import LocalPrefect

    stopped = LocalPrefect(home=home).stop()
    click.echo(
        f"Stopped: {', '.join(stopped)}."
        if stopped
        else "Nothing to stop: no server or worker started by `tracker serve` is running."
    )


# -- the briefing pack ---------------------------------------------------------


@command(cli, "pack", "tracker pack --meeting 2026-12-10 --pdf")
@meeting_option
@click.option("--trust", type=click.Path(path_type=Path), default=CONFIG_DIR / "trust.yaml", show_default=True)
@click.option("--register", type=click.Path(path_type=Path), default=CONFIG_DIR / "register.yaml", show_default=True)
@click.option("--questions", type=click.Path(path_type=Path), default=CONFIG_DIR / "questions.yaml", show_default=True)
@click.option("--sources", type=click.Path(path_type=Path), default=CONFIG_DIR / "sources.yaml", show_default=True)
@click.option("--state-dir", type=click.Path(path_type=Path), default=Path("outputs/state"), show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=Path("outputs/packs"), show_default=True)
@click.option("--pdf", is_flag=True, default=None, help="Also write a PDF copy (needs LibreOffice).")
@click.option(
    "--force", is_flag=True, help="Rebuild over a pack already approved as FINAL (starts a new draft version)."
)
@click.option("--json", "as_json", is_flag=True, help='Print {"pack": ..., "manifest": ...}.')
@click.option(
    "--all-trusts", is_flag=True, help="Build one pack per trust in config/trusts/*.yaml (each in <out>/<short name>/)."
)
def pack_cmd(meeting, trust, register, questions, sources, state_dir, out, pdf, force, as_json, all_trusts) -> None:
    """Build the council of governors briefing pack (.docx) and its manifest."""
    import datetime as dt
    import json

    from tracker.orchestration.schedule import PackJob, pack_jobs, run_pack_job

    now = dt.datetime.now(dt.UTC)
    options = dict(now=now, state_dir=state_dir, meeting=meeting.date() if meeting else None, pdf=pdf, force=force)
    if all_trusts:
        built = []
        for job in pack_jobs(Path(register).parent, out):
            result = run_pack_job(job, **options)
            for note in result.notes:
                click.echo(f"{job.name}: {note}", err=True)
            built.append({"trust": job.name, "pack": str(result.docx), "manifest": str(result.manifest_path)})
        click.echo(json.dumps({"packs": built}) if as_json else "\n".join(b["pack"] for b in built))
        return

    result = run_pack_job(PackJob(Path(trust).stem, ConfigPaths(register, trust, questions, sources), out), **options)
    for note in result.notes:
        click.echo(note, err=True)
    if as_json:
        click.echo(json.dumps({"pack": str(result.docx), "manifest": str(result.manifest_path)}))
    else:
        click.echo(str(result.docx))


@command(cli, "approve", "tracker approve outputs/packs/2026-12-10 --by 'Alex Morgan'")
@click.argument("pack", type=click.Path(path_type=Path))
@click.option("--by", required=True, help="Who approves the pack (usually the company secretary).")
@click.option("--json", "as_json", is_flag=True, help='Print {"pack": ..., "manifest": ...}.')
def approve_cmd(pack: Path, by: str, as_json: bool) -> None:
    """Mark a reviewed pack FINAL (PACK is the .docx or its meeting folder); nothing else in it changes."""
    import datetime as dt
    import json

    from tracker.pack.approve import approve

    result = approve(pack, by, dt.datetime.now(dt.UTC))
    for note in result.notes:
        click.echo(note, err=True)
    if as_json:
        click.echo(json.dumps({"pack": str(result.docx), "manifest": str(result.manifest_path)}))
    else:
        click.echo(f"{result.docx}: approved as FINAL by {result.manifest['approved_by']}")


def main() -> None:
    cli(prog_name="tracker")
