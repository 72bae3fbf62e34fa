"""`tracker serve` and `tracker stop`: a local Prefect server and its workers."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.base import (
    cli,
    command,
    renamed,
    workspace,
    workspace_options,
)
from tracker.core.commands import run_command

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
