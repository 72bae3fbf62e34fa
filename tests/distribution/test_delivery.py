"""The delivery log: one record per (pack sha256, governor), written at once and atomically."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tracker.core.errors import RegisterLocked, TrackerError
from tracker.distribution.delivery import already_sent, open_log, read_log

MEETING = dt.date(2026, 12, 10)
AT = dt.datetime(2026, 11, 30, 9, 0, 5, 123, tzinfo=dt.UTC)


def test_each_record_is_on_disk_as_soon_as_it_is_made(tmp_path):
    path = tmp_path / f"{MEETING.isoformat()}.json"
    with open_log(path, MEETING) as log:
        log.record(sha256="a" * 64, version=1, email="p@example.org", name="P", status="sent", answer="250 ok", at=AT)
        on_disk = json.loads(path.read_text())  # before the run ends
    assert on_disk["meeting"] == "2026-12-10"
    (rec,) = on_disk["records"]
    assert (rec["status"], rec["sends"], rec["at"]) == ("sent", 1, "2026-11-30T09:00:05Z")


def test_a_failure_after_a_success_is_the_governors_state_and_keeps_when_it_was_accepted(tmp_path):
    path = tmp_path / f"{MEETING.isoformat()}.json"
    later = AT + dt.timedelta(hours=1)
    with open_log(path, MEETING) as log:
        log.record(sha256="a" * 64, version=1, email="p@example.org", name="P", status="sent", answer="250", at=AT)
        log.record(sha256="a" * 64, version=1, email="P@example.org", name="P", status="failed", answer="550", at=later)
        log.record(sha256="b" * 64, version=2, email="p@example.org", name="P", status="failed", answer="550", at=AT)
    records = read_log(path)
    assert not already_sent(records, "a" * 64, "p@example.org")  # the latest attempt failed: they may not have it
    (first,) = [r for r in records if r.sha256 == "a" * 64]
    assert (first.status, first.sends, first.sent_at, first.at) == (
        "failed", 1, "2026-11-30T09:00:05Z", "2026-11-30T10:00:05Z"
    )  # fmt: skip
    assert not already_sent(records, "b" * 64, "p@example.org")  # a new version is a new record
    assert len(records) == 2


def test_skipping_an_inactive_governor_never_hides_what_was_sent_to_them(tmp_path):
    path = tmp_path / f"{MEETING.isoformat()}.json"
    with open_log(path, MEETING) as log:
        log.record(sha256="a" * 64, version=1, email="p@example.org", name="P", status="sent", answer="250", at=AT)
        log.record(sha256="a" * 64, version=1, email="p@example.org", name="P", status="skipped", answer="-", at=AT)
    assert already_sent(read_log(path), "a" * 64, "p@example.org")


def test_a_log_written_before_sent_at_existed_still_reads_and_says_when_it_was_sent(tmp_path):
    path = tmp_path / f"{MEETING.isoformat()}.json"
    old = {"sha256": "a" * 64, "version": 1, "email": "p@example.org", "name": "P", "status": "sent",
           "at": "2026-11-30T09:00:05Z", "answer": "250", "format": "docx", "attempts": 1, "sends": 1}  # fmt: skip
    path.write_text(json.dumps({"meeting": MEETING.isoformat(), "records": [old]}))
    (record,) = read_log(path)
    assert record.last_sent == "2026-11-30T09:00:05Z" and already_sent([record], "a" * 64, "p@example.org")


def test_only_one_run_holds_the_log(tmp_path):
    path = tmp_path / f"{MEETING.isoformat()}.json"
    with (
        open_log(path, MEETING),
        pytest.raises(RegisterLocked, match="another tracker run"),
        open_log(path, MEETING, 0.1),
    ):
        pass


def test_a_damaged_log_stops_the_send_with_one_sentence(tmp_path):
    path = tmp_path / f"{MEETING.isoformat()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    with pytest.raises(TrackerError, match="the delivery log cannot be read"):
        read_log(path)
