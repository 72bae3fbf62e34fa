"""Start and stop a local Prefect server and process workers, and deploy prefect.yaml.

For one machine: SQLite under outputs/prefect. For more, point PREFECT_API_URL at an
existing server (PostgreSQL-backed: PREFECT_API_DATABASE_CONNECTION_URL) and start
workers elsewhere; see the README.

The work pool has two queues: `default` for the scheduled flows, and `trusts` for the
helper runs a multi-trust build-pack starts to share its trusts (flows/pack.py).
`tracker serve` starts one worker for each, so helpers never queue behind the
scheduled flows, nor those behind helpers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tracker.core.errors import TrackerError

POOL = "tracker-local"
DEFAULT_QUEUE = "default"
TRUSTS_QUEUE = "trusts"  # the helper runs of a multi-trust build-pack
PREFECT = str(Path(sys.executable).with_name("prefect"))  # the CLI installed beside this Python


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class LocalPrefect:
    home: Path
    host: str = "127.0.0.1"
    port: int = 4200
    pool: str = POOL
    api_url: str | None = None  # an existing server: start no server of our own
    extra_env: dict[str, str] = field(default_factory=dict)
    _children: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)

    @property
    def url(self) -> str:
        return self.api_url or f"http://{self.host}:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return self.url.removesuffix("/api")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(
            PREFECT_HOME=str(self.home.resolve()),
            PREFECT_API_URL=self.url,
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_API_HOST=self.host,
            PREFECT_SERVER_API_PORT=str(self.port),
        )
        env.update(self.extra_env)
        return env

    def _prefect(self, *args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [PREFECT, "--no-prompt", *args], env=self.env(), cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
        if proc.returncode != 0:
            lines = [ln.strip(" │") for ln in (proc.stderr + proc.stdout).strip().splitlines() if ln.strip(" │")]
            raise TrackerError(f"prefect {' '.join(args[:2])} failed: {' '.join(lines[-3:]) or 'no output'}")
        return proc

    def _spawn(
        self,
        name: str,
        args: list[str],
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        cpus: set[int] | None = None,
    ) -> int:
        self.home.mkdir(parents=True, exist_ok=True)
        # A session of its own, so `stop` can end the process and every child it started.
        # The child keeps its own handle on the log; ours is closed at once.
        with open(self.home / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                [PREFECT, *args],
                env={**self.env(), **(env or {})},
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Only these cores, for it and every process it starts (as on a smaller machine).
                preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
            )
        (self.home / f"{name}.pid").write_text(str(proc.pid))
        self._children[name] = proc  # reaped in stop() when this process started it
        return proc.pid

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def start_server(self, ui: bool = True, timeout: float = 180) -> None:
        if self.api_url:
            if not self.healthy():
                raise TrackerError(f"the Prefect server at {self.url} does not answer")
            return
        if self.healthy():
            return
        self.extra_env.setdefault("PREFECT_UI_ENABLED", "true" if ui else "false")
        pid = self._spawn("server", ["server", "start", "--host", self.host, "--port", str(self.port)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return
            if not _alive(pid):
                raise TrackerError(f"the Prefect server stopped while starting; see {self.home / 'server.log'}")
            time.sleep(0.5)
        raise TrackerError(f"the Prefect server did not answer within {timeout:.0f} s; see {self.home / 'server.log'}")

    def create_pool(self) -> None:
        """The process work pool, with its `trusts` queue beside the default one."""
        self._prefect("work-pool", "create", self.pool, "--type", "process", "--overwrite")
        try:
            self.api("POST", f"/work_pools/{self.pool}/queues", json={"name": TRUSTS_QUEUE})
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 409:  # 409: it is there already
                raise

    def start_worker(
        self,
        project_dir: Path,
        limit: int = 4,
        queue: str | None = None,
        name: str = "worker",
        poll: int | None = None,
        cpus: set[int] | None = None,
    ) -> None:
        """A process worker taking runs from `queue` (default: every queue of the pool), at most
        `limit` at once, asking for runs every `poll` seconds (default: Prefect's, 10), and
        (given `cpus`) running its runs on those cores only; its pid and log are
        OUTPUTS/prefect/<name>.pid and <name>.log."""
        if _alive(self._pid(name)):
            return
        args = ["worker", "start", "--pool", self.pool, "--type", "process", "--limit", str(limit)]
        args += ["--name", f"{socket.gethostname()}-{name}"] + (["--work-queue", queue] if queue else [])
        env = {"PREFECT_WORKER_QUERY_SECONDS": str(poll)} if poll else None
        self._spawn(name, args, cwd=project_dir, env=env, cpus=cpus)

    def processes(self) -> list[str]:
        """The names of the processes started here (workers first, the server last)."""
        names = sorted(p.stem for p in self.home.glob("*.pid")) if self.home.is_dir() else []
        return [n for n in names if n != "server"] + (["server"] if "server" in names else [])

    def deploy(self, project_dir: Path) -> str:
        self.extra_env["TRACKER_PROJECT_DIR"] = str(project_dir.resolve())
        return self._prefect("deploy", "--all", cwd=project_dir).stdout

    def stop(self) -> list[str]:
        """Stop every worker started here, then the server; return the names of those that were running."""
        return [name for name in self.processes() if self.stop_process(name)]

    def stop_process(self, name: str) -> bool:
        """Stop one process started here (and its children); True if it was running."""
        pid = self._pid(name)
        running = pid is not None and _alive(pid)
        if pid is not None and running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            for _ in range(100):
                if not _alive(pid):
                    break
                time.sleep(0.1)
            else:
                os.killpg(pid, signal.SIGKILL)
        if name in self._children:
            self._children.pop(name).wait(timeout=30)
        (self.home / f"{name}.pid").unlink(missing_ok=True)
        return running

    # -- the server's REST API (what the UI uses), independent of in-process Prefect settings --

    def api(self, method: str, path: str, attempts: int = 6, **kw: Any) -> Any:
        # Like Prefect's own client, retry what the server says is passing: 503 when its
        # SQLite database is busy (the scheduler inserting runs, say) and 429.
        for attempt in range(attempts):
            response = httpx.request(method, f"{self.url}{path}", timeout=30, **kw)
            if response.status_code not in (429, 503) or attempt == attempts - 1:
                break
            wait = response.headers.get("retry-after", "")
            time.sleep(min(float(wait), 10.0) if wait.replace(".", "", 1).isdigit() else 0.5 * 2**attempt)
        response.raise_for_status()
        return response.json()

    def deployment_id(self, name: str, flow: str | None = None) -> str:
        return self.api("GET", f"/deployments/name/{flow or name}/{name}")["id"]

    def run_deployment(self, name: str, parameters: dict, timeout: float = 600, poll: float = 0.5) -> dict:
        """Start a run of deployment `name` and wait (bounded) for a final state; return the run."""
        run = self.api(
            "POST", f"/deployments/{self.deployment_id(name)}/create_flow_run", json={"parameters": parameters}
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.api("GET", f"/flow_runs/{run['id']}")
            if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return run
            time.sleep(poll)
        raise TrackerError(
            f"{name} did not finish within {timeout:.0f} s (state {run['state']['type']}); see {self.home}/worker.log"
        )

    def table(self, flow_run_id: str, key: str) -> list[dict]:
        """The rows of the table artifact `key` that flow run `flow_run_id` published."""
        query = {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}, "key": {"any_": [key]}}, "limit": 1}
        found = self.api("POST", "/artifacts/filter", json=query)
        return json.loads(found[0]["data"]) if found else []

    def scheduled_runs(self, name: str) -> list[dict]:
        """Runs the scheduler has created for deployment `name`, soonest first."""
        query = {
            "deployments": {"id": {"any_": [self.deployment_id(name)]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            "sort": "EXPECTED_START_TIME_ASC",
            "limit": 50,
            "offset": 0,
        }
        return [r for r in self.api("POST", "/flow_runs/filter", json=query) if r["auto_scheduled"]]

    def _pid(self, name: str) -> int | None:
        try:
            return int((self.home / f"{name}.pid").read_text())
        except (OSError, ValueError):
            return None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not reaped) is not alive
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True
