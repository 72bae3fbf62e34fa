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
    ],
)
def test_only_http_links_are_kept(link, safe):
    assert safe_link(link) == safe
