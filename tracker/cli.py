"""The `tracker` command: the one place that reads the environment and the clock.

Every command takes `--config` and `--outputs`, builds one Workspace from them, and
passes it down. Any TrackerError becomes one line on stderr and exit status 2.

Every command that reads or writes one trust's data (its pack, approval, governors,
deliveries, digest) takes `@trust_option()`: `--trust NAME`, and with
`trust_option(all_trusts=True)` also `--all-trusts`. The command receives a
`TrustChoice` and works on `choice.workspaces(ws)`, one Workspace per trust chosen;
with many trusts, nothing is ever done for a trust nobody named.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import wraps
from pathlib import Path
from typing import Any

import click

from tracker.config.profiles import QuestionStatus, StepOutcome
from tracker.config.workspace import Workspace
from tracker.core.commands import TRACKER, run_command
from tracker.core.dates import stamp_day, utc_now, utc_stamp
from tracker.core.errors import TrackerError
from tracker.core.text import plural

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


def sub_workspace_options(fn: Callable) -> Callable:
    """--config and --outputs on a group's subcommand too: `tracker review accept ID --config X`
    works as well as `tracker review --config X accept ID` (given after, it wins)."""
    fn = click.option(
        "--outputs", "sub_outputs", type=click.Path(path_type=Path), default=None,
        help=f"Folder for generated files (default: {OUTPUTS_DIR}).",
    )(fn)  # fmt: skip
    return click.option(
        "--config", "sub_config", type=click.Path(path_type=Path), default=None,
        help=f"Folder holding register.yaml and the other config files (default: {CONFIG_DIR}).",
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


@dataclass(frozen=True)
class TrustChoice:
    """What `--trust NAME` / `--all-trusts` chose."""

    name: str | None = None
    every: bool = False
    old_file: Path | None = None  # `--trust FILE` of earlier releases (pack and validate), for one more release
    offers_all: bool = False  # the command also takes --all-trusts

    def workspaces(self, ws: Workspace) -> list[Workspace]:
        """One Workspace per trust chosen; with many trusts and no choice, a clear error (never a guess)."""
        from tracker.config.trusts import select_trusts

        if self.old_file is not None:
            return [ws.with_overrides(trust=self.old_file)]
        return select_trusts(
            ws, self.name, self.every, "--trust NAME or --all-trusts" if self.offers_all else "--trust NAME"
        )


def _is_path(value: str) -> bool:
    return value.endswith((".yaml", ".yml")) or "/" in value or os.sep in value


def trust_option(*, all_trusts: bool = False, old_file: bool = False) -> Callable:
    """`--trust NAME` (and `--all-trusts`): which trust's data the command reads or writes.

    The decorated command gets `trusts: TrustChoice`. NAME is the trust's short name,
    which is also its file name in config/trusts/. `old_file` keeps the earlier
    `--trust FILE` (a path to a trust profile) working for one more release, with a warning.
    """

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def wrapper(*args: Any, trust: str | None = None, all_trusts_flag: bool = False, **kw: Any) -> Any:
            if trust is not None and all_trusts_flag:
                raise click.UsageError("--trust and --all-trusts cannot be used together")
            choice = TrustChoice(every=all_trusts_flag, offers_all=all_trusts)
            if trust is not None and _is_path(trust):
                if not old_file:
                    raise click.BadParameter(
                        f"{trust!r} looks like a file: give the trust's name (its file name in CONFIG/trusts/, "
                        "without .yaml)",
                        param_hint="--trust",
                    )
                _warn(
                    "--trust FILE is deprecated and will be removed in the next release; use --config, or --trust NAME"
                )
                choice = TrustChoice(old_file=Path(trust))
            elif trust is not None:
                choice = TrustChoice(name=trust, offers_all=all_trusts)
            return fn(*args, trusts=choice, **kw)

        if all_trusts:
            wrapper = click.option(
                "--all-trusts", "all_trusts_flag", is_flag=True,
                help="Every trust in CONFIG/trusts/ (or the one trust of CONFIG/trust.yaml).",
            )(wrapper)  # fmt: skip
        return click.option(
            "--trust", "trust", metavar="NAME",
            help="The trust, by its name in CONFIG/trusts/ (needed when there are several).",
        )(wrapper)  # fmt: skip

    return decorate


def each_trust(choice: TrustChoice, ws: Workspace, run: Callable[[Workspace], None]) -> None:
    """Run `run` for each trust chosen; with --all-trusts one trust's failure is reported and the rest go on."""
    chosen = choice.workspaces(ws)
    failed: list[str] = []
    for one in chosen:
        try:
            run(one)
        except TrackerError as exc:
            if not choice.every:
                raise
            name = one.trust_id or "trust"
            click.secho(f"{name}: Error: {exc}", err=True, fg="red")
            failed.append(name)
    if failed:
        raise TrackerError(f"{len(failed)} of {len(chosen)} trusts failed: {', '.join(failed)}")


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
@trust_option(old_file=True)
@click.option("--register", type=click.Path(path_type=Path), help="Register file, if not the one in --config.")
@click.option("--questions", type=click.Path(path_type=Path), help="Questions file, if not the one in --config.")
@click.option("--before", type=click.Choice(["track", "send"]), hidden=True)
@click.argument("command_args", nargs=-1, type=click.UNPROCESSED, metavar="")
@click.pass_context
def validate_cmd(
    ctx: click.Context,
    config_dir: Path,
    outputs_dir: Path,
    trusts: TrustChoice,
    register: Path | None,
    questions: Path | None,
    before: str | None,
    command_args: tuple[str, ...],
) -> None:
    """Check every config file, every trust's included, and report every problem as file:line: field: what is wrong."""
    if before is not None:  # `make track/send ARGS=...`: check what that command will read
        return _validate_before(ctx, before, command_args)
    if command_args:
        raise click.UsageError(f"validate takes no arguments, got {' '.join(command_args)!r}")
    _validate(workspace(config_dir, outputs_dir, register=register, questions=questions), trusts)


def _validate(ws: Workspace, trusts: TrustChoice) -> None:
    from tracker.config.loading import validate
    from tracker.config.trusts import trust_names, unused_single_trust_files

    if trusts.name is not None:
        (ws,) = trusts.workspaces(ws)
    elif trusts.old_file is not None:
        ws = ws.with_overrides(trust=trusts.old_file)
    problems = validate(ws)
    names = [ws.trust_id] if ws.trust_id else trust_names(ws)
    for one in [ws.for_trust(n) for n in names] if names and not ws.trust_id else [ws]:
        if one.governors_is_example and one.governors.exists():  # as send and status say
            _warn(
                f"{one.governors_file} not found: using the fictional {one.governors} (copy it and add your governors)"
            )
    for p in problems:
        click.echo(str(p))
    if problems:
        files = len({p.file for p in problems})
        raise TrackerError(
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {files} file{'s' if files > 1 else ''}"
        )
    shared = [p for p in (ws.register, ws.sources, ws.matching) if p.exists()]
    if names:
        for unused in unused_single_trust_files(ws):
            _warn(f"{unused} is not read: with trusts in {ws.trusts_dir}/, each trust has its own files there")
        n = len(names)
        click.echo(
            f"OK: {', '.join(map(str, shared))} and the files of {n} trust{'s' if n > 1 else ''}"
            f" in {ws.trusts_dir} ({', '.join(names)}) are valid."
        )
        return
    checked = [ws.register, ws.trust, ws.questions] + [p for p in (ws.sources, ws.matching, ws.governors) if p.exists()]
    click.echo(f"OK: {', '.join(map(str, checked))} are valid.")


def _validate_before(ctx: click.Context, name: str, args: tuple[str, ...]) -> None:
    """`tracker validate --before track -- ARGS`: the Makefile's check before `tracker track ARGS`.

    ARGS are parsed as that command parses them (so a bad option fails here, before a real
    run), and the config and trust they name are validated.
    """
    target = cli.commands[name]
    with target.make_context(name, list(args), parent=ctx.parent) as parsed:
        p = parsed.params
    trust = p.get("trust")
    ws = workspace(
        p["config_dir"], p["outputs_dir"], register=p.get("old_register"), sources=p.get("old_sources"),
        governors=p.get("governors"),
    )  # fmt: skip
    _validate(ws, TrustChoice(name=trust))


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
    from tracker.config.loading import load_vocabulary, need_vocabulary
    from tracker.register.parse import load_register
    from tracker.tracking.fetch import read_source
    from tracker.tracking.match import Matcher
    from tracker.tracking.model import Model

    ws = workspace(config_dir, outputs_dir, register=register)
    need_vocabulary(ws, "match")
    matcher = Matcher(load_register(ws.register), load_vocabulary(ws), Model.load())
    entries: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for source in sources:
        feed, _ = read_source(None, source, now=ws.now())
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
        if errors:
            click.get_current_context().exit(2)
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
    unread = f"{plural(len(errors), 'source')} could not be read" if errors else "every source was read"
    click.echo(f"{plural(len(entries), 'entry', 'entries')} read, {matched} matched, {unread}.")
    if errors:  # a missing or broken feed is the user's to fix: status 2, as for every such problem
        click.get_current_context().exit(2)


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
    from tracker.config.loading import need_vocabulary
    from tracker.config.profiles import load_sources
    from tracker.tracking.run import track

    ws = workspace(config_dir, outputs_dir, sources=old_sources, register=old_register, state=old_state)
    need_vocabulary(ws, "track")
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
            job, meeting=_day(meeting), pdf=pdf, force=force, keep_edits=keep_edits, unscheduled=unscheduled,
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
        pack = ws.pack_folder(trust.meeting_for(ws.now().date(), _day(meeting)))
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
        ws.questions, number, by=by, day=_day(day) or ws.now().date(),
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
        ws, meeting=_day(meeting), dry_run=dry_run, only=tuple(only), resend=resend, allow_draft=allow_draft,
        resend_in_doubt=resend_in_doubt, mark_sent=tuple(mark_sent), warn=_warn,
    )  # fmt: skip
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
        day = trust.meeting_for(ws.now().date(), _day(meeting), unscheduled=built_for(ws, _day(meeting)))
        status = load_status(ws, trust.short_name, load_governor_list(ws, trust, _warn), day)
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


# -- orchestration -------------------------------------------------------------


@command(cli, "serve", "tracker serve --port 4200")
@workspace_options
@click.option("--port", default=4200, show_default=True, help="Port for the local Prefect server (127.0.0.1 only).")
@click.option("--ui/--no-ui", default=True, show_default=True, help="Serve the Prefect UI.")
@renamed("--home", "home", "use --outputs (Prefect's files are in OUTPUTS/prefect)")
def serve_cmd(config_dir: Path, outputs_dir: Path, port: int, ui: bool, old_home: Path | None) -> None:
    """Start a local Prefect server and workers, and deploy the scheduled flows in prefect.yaml.

    One worker takes the scheduled runs; another, one at a time (a run builds on every
    core of the machine), takes the helper runs a multi-trust build-pack starts on other
    machines' behalf (asking every 2 s, so that they join the build early). Their
    database, logs and pid files are in OUTPUTS/prefect. With PREFECT_API_URL set, no server is started: the
    workers and the deployments use that one.
    """
    from tracker.orchestration.local import DEFAULT_QUEUE, TRUSTS_QUEUE, LocalPrefect

    ws = workspace(config_dir, outputs_dir)
    home = old_home or ws.prefect_home
    local = LocalPrefect(home=home, port=port, api_url=ws.env.get("PREFECT_API_URL"))
    if local.api_url:
        click.echo(f"Using the Prefect server at {local.url}")
    elif local.healthy():  # a second `make serve`: nothing new starts, so say so
        click.echo(f"The Prefect server at {local.url} is already running; checking its workers and deployments ...")
    else:
        click.echo(f"Starting the Prefect server at {local.url} ...")
    local.start_server(ui=ui)
    local.create_pool()
    local.deploy(Path.cwd())
    local.start_worker(Path.cwd(), queue=DEFAULT_QUEUE)
    local.start_worker(Path.cwd(), limit=1, queue=TRUSTS_QUEUE, name="trusts-worker", poll=2)
    click.echo(
        f"Deployed track-policy, build-pack and distribute-pack to work pool {local.pool!r}; its workers are running."
    )
    if ui and not local.api_url:
        click.echo(f"Prefect UI: {local.ui_url}")
    click.echo(f"Logs: {home}/server.log, {home}/worker.log, {home}/trusts-worker.log. Stop with: make stop")


@command(cli, "stop", "tracker stop")
@workspace_options
@renamed("--home", "home", "use --outputs (Prefect's files are in OUTPUTS/prefect)")
def stop_cmd(config_dir: Path, outputs_dir: Path, old_home: Path | None) -> None:
    """Stop the Prefect server and workers that `tracker serve` started."""
    from tracker.orchestration.local import LocalPrefect

    stopped = LocalPrefect(home=old_home or workspace(config_dir, outputs_dir).prefect_home).stop()
    click.echo(
        f"Stopped: {', '.join(stopped)}."
        if stopped
        else f"Nothing to stop: no server or worker started by {run_command('serve')} is running."
    )


def main() -> None:
    cli(prog_name="tracker")
