"""The governor's email: headers that cannot be injected, a body that cannot inject HTML."""

from __future__ import annotations

import dataclasses
import json
import re
from email import message_from_bytes, policy
from email.headerregistry import Address

import pytest

from tests.mailhelpers import MEETING, NOW, make_pack
from tracker.config.governors import Governor
from tracker.core.errors import TrackerError
from tracker.core.text import one_line
from tracker.distribution.message import pack_message
from tracker.pack.manifest import Manifest

SENDER = Address("Alex Morgan", addr_spec="company.secretary@example.org")


@pytest.fixture
def pack(tmp_path):
    make_pack(tmp_path / "packs")
    return Manifest.for_meeting(tmp_path / "packs", MEETING)


def build(pack, governor, fmt="docx"):
    return pack_message(
        pack, governor, sender=SENDER, attachment=b"PK\x03\x04 not really", attachment_name=pack.pack,
        fmt=fmt, now=NOW, signature="Alex Morgan\nCompany secretary",
    )  # fmt: skip


def reparse(msg):
    return message_from_bytes(msg.as_bytes(), policy=policy.default)


def test_a_newline_in_a_governors_name_is_refused_not_turned_into_a_header(pack):
    evil = Governor(name="Eve\r\nBcc: everyone@example.org", email="eve@example.org", type="public")
    with pytest.raises(TrackerError, match="holds a line break"):
        build(pack, evil)


def test_a_newline_in_the_subject_is_folded_into_one_line_and_adds_no_header(pack):
    pack = dataclasses.replace(pack, trust_name="Fernbrook\r\nBcc: spy@evil.example\nX-Injected: yes")
    msg = reparse(build(pack, Governor("Priya Example", "priya@example.org", "public")))
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg["Subject"].startswith("Fernbrook Bcc: spy@evil.example X-Injected: yes: council of governors")
    assert [a.addr_spec for a in msg["To"].addresses] == ["priya@example.org"]


def test_a_name_with_quotes_and_accents_is_encoded_not_broken(pack):
    g = Governor('Siân "Jo" O\'Brien, MBE', "sian@example.org", "staff")
    msg = reparse(build(pack, g))
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ('Siân "Jo" O\'Brien, MBE', "sian@example.org")
    assert msg.get_body(("plain",)).get_content().startswith('Dear Siân "Jo" O\'Brien, MBE,')


def test_html_in_a_name_or_change_is_escaped(tmp_path):
    folder = make_pack(tmp_path / "packs")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["changes"] = [{"date": "2026-10-01", "text": "<script>alert(1)</script>", "url": None}]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    msg = build(Manifest.for_meeting(tmp_path / "packs", MEETING), Governor("<b>Bold</b>", "b@example.org", "public"))
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Dear &lt;b&gt;Bold&lt;/b&gt;," in html


def test_the_attachment_has_the_right_type_and_name(pack):
    msg = build(pack, Governor("P", "p@example.org", "public"))
    (part,) = msg.iter_attachments()
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert part.get_filename() == "fernbrook-governors-briefing-2026-12-10.docx"
    assert part.get_content() == b"PK\x03\x04 not really"


def test_one_line_folds_every_kind_of_break():
    assert one_line("a\r\nb\nc\rd\te\x00f") == "a b c d e f"


def test_only_public_web_links_in_the_changes_become_links(tmp_path):
    folder = make_pack(tmp_path / "packs")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["changes"] = [
        {"date": "2026-10-01", "text": "Credentials", "url": "https://user:pw@www.gov.uk/a"},
        {"date": "2026-10-02", "text": "Loopback", "url": "http://127.0.0.1:8080/admin"},
        {"date": "2026-10-03", "text": "Disguised", "url": "https://www.gov.uk/\u202egnp.exe"},
        {"date": "2026-10-04", "text": "Fine", "url": "https://www.gov.uk/fine"},
    ]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    msg = build(Manifest.for_meeting(tmp_path / "packs", MEETING), Governor("P", "p@example.org", "public"))
    text, html = (msg.get_body((kind,)).get_content() for kind in ("plain", "html"))
    for body in (text, html):
        assert "user:pw" not in body and "127.0.0.1" not in body and "\u202e" not in body
        assert "https://www.gov.uk/fine" in body


EVIL = "=?utf-8?q?Evil=0D=0ABcc=3A_evil=40example.net?="


def header_block(msg) -> bytes:
    return msg.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n", 1)[0]


def test_encoded_words_in_every_name_that_reaches_a_header_cannot_add_a_header(pack):
    # Python 3.11.7's email package decodes =?...?= words in names and writes what they
    # decode to (CVE-2024-6923): each of these once produced a Bcc or X-Evil line.
    from tracker.distribution.message import address

    sender = address("=?utf-8?q?Alex=0D=0AX-Evil=3A_1?=", "company.secretary@example.org")
    pack = dataclasses.replace(
        pack,
        trust_name="=?utf-8?q?Fernbrook=0D=0ABcc=3A_spy=40example.net?=",
        session="part-2",  # a part 2 pack puts its protective marking in the subject too
        marking="=?utf-8?q?OFFICIAL=0D=0AX-Evil=3A_2?=",
    )
    # The attachment's file name comes from the manifest, a file a person could edit.
    msg = pack_message(
        pack, Governor(EVIL, "gov@example.org", "public"), sender=sender, attachment=b"x",
        attachment_name="=?utf-8?q?pack=0D=0ABcc=3A_spy=40example.net?=.docx", fmt="docx", now=NOW, signature="Alex",
    )  # fmt: skip
    headers = header_block(msg)
    assert not re.search(rb"^(bcc|x-evil):", headers, re.M | re.I), headers.decode()
    for part in msg.walk():  # the attachment's own headers (its file name) too
        block = part.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n", 1)[0]
        assert not re.search(rb"^(bcc|x-evil):", block, re.M | re.I), block.decode()
    (attached,) = msg.iter_attachments()
    assert attached.get_filename().endswith(".docx") and "\n" not in attached.get_filename()
    again = reparse(msg)
    assert again["Bcc"] is None and again["X-Evil"] is None
    assert [a.addr_spec for a in again["To"].addresses] == ["gov@example.org"]
    assert [a.addr_spec for a in again["From"].addresses] == ["company.secretary@example.org"]
    assert [a.addr_spec for a in again["Reply-To"].addresses] == ["company.secretary@example.org"]
    assert "Bcc: spy@example.net" in again["Subject"]  # shown as the words it is, on the one line


def test_encoded_words_in_the_digest_names_cannot_add_a_header():
    import datetime as dt

    from tests.conftest import CONFIG
    from tracker.config.profiles import load_trust
    from tracker.distribution.digest import Digest, digest_message

    trust = dataclasses.replace(
        load_trust(CONFIG / "trust.yaml"), name="=?utf-8?q?T=0D=0ABcc=3A_spy=40example.net?=", secretary_name=EVIL
    )
    from tracker.register.parse import load_register

    register = load_register(CONFIG / "register.yaml")
    msg = digest_message(Digest(NOW - dt.timedelta(days=7), NOW), trust, "tracker@example.org", NOW, register)
    assert not re.search(rb"^bcc:", header_block(msg), re.M | re.I)
    assert reparse(msg)["Bcc"] is None


def test_the_html_part_has_one_bullet_per_item_however_long(pack):
    msg = build(pack, Governor("P", "p@example.org", "public"))
    html = msg.get_body(("html",)).get_content()
    in_pack = html.split("<p>In the pack:</p>", 1)[1].split("</ul>", 1)[0]
    items = in_pack.count("<li>")
    assert items == 2
    assert "our integrated care system, and the trust&#x27;s current position on the eight questions" in in_pack
    text = msg.get_body(("plain",)).get_content()
    assert text.count("\n  - ") == items + len(pack.changes)  # the same items, one line each, in the text part


def test_a_new_version_says_in_its_subject_and_first_line_which_version_it_replaces(pack):
    from tracker.distribution.message import Earlier

    v2 = dataclasses.replace(pack, version=2, replaces=1)
    others_had_it = pack_message(
        v2, Governor("P", "p@example.org", "public"), sender=SENDER, attachment=b"x", attachment_name=pack.pack,
        fmt="docx", now=NOW, signature="A", earlier=Earlier(1, None),
    )  # fmt: skip
    msg = reparse(others_had_it)
    assert msg["Subject"].startswith("Version 2, replaces version 1: Fernbrook NHS Foundation Trust")
    first = msg.get_body(("plain",)).get_content().splitlines()[0]
    assert first == "This is version 2 of the pack and replaces version 1."
    had = pack_message(
        v2, Governor("P", "p@example.org", "public"), sender=SENDER, attachment=b"x", attachment_name=pack.pack,
        fmt="docx", now=NOW, signature="A", earlier=Earlier(1, "2026-11-28T16:05:00Z"),
    )  # fmt: skip
    first = had.get_body(("plain",)).get_content().splitlines()[0]
    assert (
        first
        == "This is version 2 of the pack and replaces version 1, which you were sent on 28 November 2026. Please read this one instead."
    )
    assert "<strong>This is version 2 of the pack and replaces version 1" in had.get_body(("html",)).get_content()
    assert "replaces" not in reparse(build(pack, Governor("P", "p@example.org", "public")))["Subject"]


def test_a_version_that_replaces_only_drafts_nobody_was_sent_says_nothing_of_replacing(pack):
    v4 = dataclasses.replace(pack, version=4, replaces=3)  # versions 1 to 3 were drafts, rebuilt before sending
    msg = reparse(build(v4, Governor("P", "p@example.org", "public")))
    assert msg["Subject"].startswith("Fernbrook NHS Foundation Trust (fictional example): council of governors")
    text, html = (msg.get_body((part,)).get_content() for part in ("plain", "html"))
    assert text.startswith("Dear P,") and "replaces" not in text and "replaces" not in html


def test_a_part_2_pack_is_marked_in_the_subject(pack):
    part2 = dataclasses.replace(pack, session="part-2", marking="OFFICIAL-SENSITIVE – CONFIDENTIAL, PART 2")
    subject = reparse(build(part2, Governor("P", "p@example.org", "public")))["Subject"]
    assert subject.startswith("OFFICIAL-SENSITIVE – CONFIDENTIAL, PART 2: Fernbrook")
