"""`tracker validate`: every problem in every config file, as file:line: field: what is wrong."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.base import (
    TrustChoice,
    cli,
    command,
    trust_option,
    warn,
    workspace,
    workspace_options,
)
from tracker.config.workspace import Workspace
from tracker.core.errors import TrackerError

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
            warn(
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
            warn(f"{unused} is not read: with trusts in {ws.trusts_dir}/, each trust has its own files there")
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
