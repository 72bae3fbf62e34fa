"""Normalising feed text for matching, and sanitising it before it is stored."""

from __future__ import annotations

import pytest

from tracker.tracking.normalise import clean_text, normalise, safe_link


@pytest.mark.parametrize(
    "text",
    [
        "2025/26 priorities and operational planning guidance",
        "2025-26 Priorities and Operational Planning Guidance",
        "2025–26 priorities and operational planning guidance",
        "2025 to 2026 priorities and operational planning guidance",
        "2025/2026 priorities &amp; operational planning guidance".replace("&amp;", "and"),
        "<b>2025/26</b> priorities and operational planning guidance",
    ],
)
def test_every_spelling_of_a_financial_year_is_one_form(text):
    assert normalise(text) == "2025-26 priorities and operational planning guidance"


def test_years_that_are_not_a_financial_year_are_left_alone():
    assert normalise("NHS Operational Planning and Contracting Guidance 2017 – 2019").endswith("2017 2019")
    assert normalise("Published 2025-10-24") == "published 2025 10 24"


def test_quotes_dashes_entities_and_case_are_normalised():
    assert normalise("NHS England’s “Long&nbsp;Term” Plan — update") == "nhs englands long term plan update"
    assert normalise("Kent &amp; Medway") == "kent and medway"


def test_clean_text_strips_markup_entities_and_control_characters():
    dirty = "<p>Hello&nbsp;<script>alert(1)</script>&lt;b&gt;world&lt;/b&gt;\x00\x1b[31m</p>"
    assert clean_text(dirty) == "Hello world [31m"
    assert clean_text("x" * 3000, limit=10) == "xxxxxxxxx…"
    assert clean_text(None) == ""


@pytest.mark.parametrize(
    ("link", "safe"),
    [
        ("https://www.gov.uk/x", "https://www.gov.uk/x"),
        ("  http://example.org/a  ", "http://example.org/a"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>", None),
        ("/relative/path", None),
        ("https://exa mple.org/", None),
        (None, None),
        # credentials: a disguise (the host is evil.example) or a leak
        ("https://user:pass@www.gov.uk/x", None),
        ("https://www.gov.uk@evil.example/", None),
        # the reader's own machine or network
        ("http://localhost/admin", None),
        ("http://127.0.0.1:8080/", None),
        ("http://[::1]/", None),
        ("http://[::ffff:127.0.0.1]/", None),
        ("http://10.1.2.3/", None),
        ("http://172.16.0.1/", None),
        ("http://192.168.1.1/router", None),
        ("http://169.254.169.254/latest/meta-data/", None),
        ("http://0.0.0.0/", None),
        ("http://2130706433/", None),
        ("http://0x7f.1/", None),
        ("http://intranet/", None),
        ("http://printer.local/", None),
        ("http://api.internal/", None),
        # invisible or direction-changing characters
        ("https://www.gov.uk/\u202egnp.exe", None),
        ("https://www.gov.uk/a\u200bb", None),
        ("https://www.gov.uk/a\u061cb", None),
        ("https://www.gov.uk/\x00", None),
        ("https://" + "a" * 2000 + ".example/", None),
        # public addresses, IP or named, stay
        ("http://8.8.8.8/feed", "http://8.8.8.8/feed"),
        ("https://www.england.nhs.uk:443/long-read/x?a=1#b", "https://www.england.nhs.uk:443/long-read/x?a=1#b"),
    ],
)
def test_only_public_http_links_are_kept(link, safe):
    assert safe_link(link) == safe


def test_clean_text_strips_every_bidi_and_invisible_control():
    hostile = "a\u202eb\u2067c\u2069d\u061ce\u200ef\u180eg\U000e0041h\ufff9i\u2066j"
    assert clean_text(hostile) == "abcdefghij"
