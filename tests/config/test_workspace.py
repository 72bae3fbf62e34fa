"""The Workspace: one place that knows where every file and folder is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tracker.config.workspace import Workspace
from tracker.core.dates import FixedClock


def test_every_path_derives_from_the_config_and_outputs_folders():
    ws = Workspace(Path("cfg"), Path("out"))
    assert (ws.register, ws.trust, ws.questions, ws.sources) == (
        Path("cfg/register.yaml"), Path("cfg/trust.yaml"), Path("cfg/questions.yaml"), Path("cfg/sources.yaml"),
    )  # fmt: skip
    meeting = dt.date(2026, 12, 10)
    assert ws.pack_folder(meeting) == Path("out/packs/2026-12-10")
    assert ws.outbox(meeting) == Path("out/outbox/2026-12-10")
    assert ws.delivery_log(meeting) == Path("out/deliveries/2026-12-10.json")
    assert (ws.state_dir, ws.digest_state, ws.prefect_home) == (
        Path("out/state"), Path("out/state/digest.json"), Path("out/prefect"),
    )  # fmt: skip


def test_an_override_replaces_one_file_and_leaves_the_rest():
    ws = Workspace(Path("cfg"), Path("out")).with_overrides(
        register=Path("elsewhere/r.yaml"), packs=Path("p"), trust=None
    )
    assert ws.register == Path("elsewhere/r.yaml") and ws.trust == Path("cfg/trust.yaml")
    assert ws.pack_folder(dt.date(2026, 12, 10)) == Path("p/2026-12-10") and ws.state_dir == Path("out/state")


def test_an_unknown_override_is_a_programming_error_not_a_silent_no_op():
    with pytest.raises(ValueError, match="unknown workspace paths"):
        Workspace().with_overrides(regsiter=Path("r.yaml"))


def test_the_governors_file_is_the_real_one_when_it_exists_else_the_fictional_example(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.governors == tmp_path / "governors.example.yaml" and ws.governors_is_example
    (tmp_path / "governors.yaml").write_text("governors: []\n")
    assert ws.governors == tmp_path / "governors.yaml" and not ws.governors_is_example
    given = ws.with_overrides(governors=tmp_path / "private" / "g.yaml")
    assert given.governors == tmp_path / "private" / "g.yaml" and not given.governors_is_example


def test_the_clock_is_the_one_the_entry_point_chose():
    moment = dt.datetime(2026, 11, 22, 7, 0, tzinfo=dt.UTC)
    assert Workspace(clock=FixedClock(moment)).now() == moment


MEETING = dt.date(2026, 12, 10)


@pytest.mark.parametrize(
    ("link", "path"),
    [
        ("packs", lambda ws: ws.pack_folder(MEETING)),
        ("packs/2026-12-10", lambda ws: ws.pack_folder(MEETING)),
        ("outbox", lambda ws: ws.outbox(MEETING)),
        ("outbox/2026-12-10", lambda ws: ws.outbox(MEETING)),
        ("deliveries", lambda ws: ws.delivery_log(MEETING)),
        ("deliveries/2026-12-10.json", lambda ws: ws.delivery_log(MEETING)),
        ("state", lambda ws: ws.state_dir),
        ("state/digest.json", lambda ws: ws.digest_state),
        ("prefect", lambda ws: ws.prefect_home),
    ],
)
def test_no_path_under_outputs_may_lead_outside_it_through_a_link(tmp_path, link, path):
    from tracker.core.errors import TrackerError

    outputs, outside = tmp_path / "outputs", tmp_path / "outside"
    outside.mkdir()
    (outputs / link).parent.mkdir(parents=True, exist_ok=True)
    (outputs / link).symlink_to(outside)
    with pytest.raises(TrackerError, match=r"leads outside .*outputs.* through a symbolic link"):
        path(Workspace(tmp_path / "config", outputs))


def test_links_that_stay_inside_outputs_and_an_outputs_folder_that_is_a_link_are_fine(tmp_path):
    real = tmp_path / "disk" / "outputs"
    (real / "archive").mkdir(parents=True)
    (tmp_path / "outputs").symlink_to(real, target_is_directory=True)  # outputs/ kept on another disk
    (real / "packs").symlink_to(real / "archive", target_is_directory=True)
    ws = Workspace(tmp_path / "config", tmp_path / "outputs")
    assert ws.pack_folder(MEETING) == tmp_path / "outputs" / "packs" / "2026-12-10"
