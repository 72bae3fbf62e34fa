"""The track-policy flow on a real (temporary) Prefect server: retries, one write, an artifact."""

from __future__ import annotations

import pytest

from tests.conftest import FEEDS, write_sources
from tests.feedserver import Route
from tracker.register.parse import load_register
from tracker.tracking.feedstate import load_state

pytestmark = pytest.mark.slow


def test_the_flow_retries_a_busy_source_writes_the_register_once_and_publishes_a_summary(
    feed_server, config_dir, tmp_path, prefect_api
):
    import httpx
    from prefect.settings import PREFECT_API_URL

    from flows.track import track_policy

    urls = {
        "busy": feed_server.add("/busy.atom", Route((FEEDS / "gov-uk-dhsc.atom").read_bytes(), fail_first=1)),
        "down": feed_server.add("/down.xml", Route(b"", status=500)),
        "gone": feed_server.add("/gone.xml", Route(b"", status=404)),
    }
    write_sources(config_dir / "sources.yaml", urls)
    state = tmp_path / "state"
    comments = [
        line for line in (config_dir / "register.yaml").read_text().splitlines() if line.lstrip().startswith("#")
    ]
    summary = track_policy(str(config_dir), str(tmp_path), timeout=1.0, retry_delay=0.0)
    # Read it back over the server's REST API, as the UI does.
    query = {"artifacts": {"key": {"any_": ["track-policy-summary"]}}, "sort": "CREATED_DESC", "limit": 1}
    (artifact,) = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", json=query).json()
    attempts = [path for path, _ in feed_server.requests]
    assert attempts.count("/busy.atom") == 2  # a 503, retried, then read
    assert attempts.count("/down.xml") == 3  # tried, retried twice, then reported
    assert attempts.count("/gone.xml") == 1  # a 404 is not worth retrying
    assert [f["source"] for f in summary["failed"]] == ["down", "gone"]
    assert "planning-guidance-2027-28" in {p.milestone for p in load_register(config_dir / "register.yaml").pending}
    # The tree parsed before the fetches is the one written: every comment survives the trip through Prefect.
    after = (config_dir / "register.yaml").read_text().splitlines()
    assert comments and [line for line in after if line.lstrip().startswith("#")] == comments
    assert (state / ".register-checked").is_file()  # the next run may skip parsing an unchanged register
    assert load_state(state, "down").last_error == "the server answered 500 Internal Server Error."
    assert "NHS planning guidance 2027/28" in artifact["data"] and "waiting for review" in artifact["data"]
    assert "## Failing sources" in artifact["data"]


def test_the_flow_refuses_to_run_without_the_matching_vocabulary_as_tracker_track_does(config_dir, tmp_path):
    from flows.track import track_policy
    from tracker.core.errors import TrackerError

    (config_dir / "matching.yaml").unlink()
    before = (config_dir / "register.yaml").read_bytes()
    with pytest.raises(TrackerError, match=r"matching.yaml: file not found: `.venv/bin/tracker track` needs it"):
        track_policy.fn(str(config_dir), str(tmp_path))  # the flow's own code, before any task is submitted
    assert (config_dir / "register.yaml").read_bytes() == before
    assert not (tmp_path / "state").exists()  # no feed was read
