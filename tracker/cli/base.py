"""What every command shares: the group (TrackerError becomes one line and exit 2), the options
(`--config`, `--outputs`, `--trust`, `--meeting`, `--json`), the one Workspace a command builds
from them, and the choice of trusts it works on."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

import click

from tracker.config.workspace import Workspace
from tracker.core.dates import utc_now
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


def warn(text: str) -> None:
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
            warn(f"{old} is deprecated and will be removed in the next release; {instead}")
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
                warn(
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


def day_of(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nhs-governors-tracker")
def cli() -> None:
    """Track national NHS policy milestones and build council of governors briefing packs."""
