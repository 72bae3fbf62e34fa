"""`tracker match` and `tracker track`: reading feeds and matching their items to milestones."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from tracker.cli.base import (
    cli,
    command,
    json_option,
    renamed,
    workspace,
    workspace_options,
)
from tracker.core.text import plural

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
