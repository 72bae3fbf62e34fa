"""`tracker serve` and `tracker stop` as commands (the full server run is in test_orchestration.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import run
from tracker.orchestration.local import LocalPrefect, free_port


def test_stop_with_nothing_started_says_so(tmp_path):
    result = run("stop", "--home", tmp_path)
    assert result.exit_code == 0
    assert "Nothing to stop" in result.output


def test_stop_ends_a_process_it_started_and_everything_that_process_started(tmp_path):
    # A stand-in "server" that starts a child of its own: stop must end both.
    script = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    (tmp_path / "server.pid").write_text(str(proc.pid))
    result = run("stop", "--home", tmp_path)
    assert result.exit_code == 0 and "Stopped: server." in result.output
    assert proc.wait(timeout=10) is not None
    assert not (tmp_path / "server.pid").exists()
    for _ in range(50):  # the grandchild got the same signal; give it a moment to go
        alive = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.strip()
        if not alive:
            break
        time.sleep(0.1)
    assert alive == ""


def test_stop_ends_every_worker_it_started_and_then_the_server(tmp_path):
    names = ["server", "worker", "trusts-worker"]
    procs = {}
    for name in names:
        procs[name] = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
        (tmp_path / f"{name}.pid").write_text(str(procs[name].pid))
    result = run("stop", "--home", tmp_path)
    assert result.exit_code == 0 and "Stopped: trusts-worker, worker, server." in result.output
    assert all(p.wait(timeout=10) is not None for p in procs.values())
    assert not list(tmp_path.glob("*.pid"))


def test_serve_against_an_existing_server_that_does_not_answer_is_one_line(tmp_path, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    result = run("serve", "--home", tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == f"Error: the Prefect server at {url} does not answer"


def test_children_get_a_private_prefect_home_and_api_url(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_API_KEY", "not-for-children")
    env = LocalPrefect(home=tmp_path, port=4321).env()
    assert env["PREFECT_HOME"] == str(tmp_path.resolve())
    assert env["PREFECT_API_URL"] == "http://127.0.0.1:4321/api"
    assert "PREFECT_API_KEY" not in env


def test_the_rest_helper_retries_a_busy_server_and_gives_up_after_a_bound(feed_server):
    from tests.feedserver import Route

    busy = feed_server.add("/api/busy", Route(b"[1, 2]", content_type="application/json", fail_first=2))
    local = LocalPrefect(home=Path("/nonexistent"), api_url=busy.removesuffix("/busy"))
    assert local.api("GET", "/busy") == [1, 2]  # two 503s, then the answer
    feed_server.add("/api/down", Route(b"", status=503))
    with pytest.raises(httpx.HTTPStatusError):
        local.api("GET", "/down", attempts=2)
    assert [p for p, _ in feed_server.requests].count("/api/down") == 2


def test_serve_when_a_server_already_answers_on_its_port_says_it_is_running_not_starting(tmp_path, feed_server):
    from tests.feedserver import Route

    feed_server.add("/api/health", Route(b"true", content_type="application/json"))
    port = feed_server.base.rsplit(":", 1)[1]
    result = run("serve", "--port", port, "--outputs", tmp_path)
    first = result.output.splitlines()[0]
    assert (
        first
        == f"The Prefect server at http://127.0.0.1:{port}/api is already running; checking its workers and deployments ..."
    )
    assert not (tmp_path / "prefect" / "server.pid").exists()  # no second server was started
