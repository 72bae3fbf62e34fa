"""The pack's "Our system": where the trust is, and where it is due to go, in plain words."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.conftest import CONFIG
from tracker.config.profiles import load_trust
from tracker.core.files import parse_yaml
from tracker.core.schema import Checker
from tracker.pack.system import system_view
from tracker.register.parse import load_register, parse_register

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def shipped():
    return load_register(CONFIG / "register.yaml"), load_trust(CONFIG / "trust.yaml")


def confirmed(text: str) -> str:
    """The shipped register as if a source had confirmed Frimley's split and Thames Valley's new board."""
    for old, new in (
        ("kind: split\n        status: planned", "kind: split\n        status: confirmed"),
        ("status: planned\n        what: >-\n          NHS Thames Valley", "status: confirmed\n        what: >-\n          NHS Thames Valley"),
        ("icb: NHS Frimley Integrated Care Board\n    current_stage: icb", "icb: NHS Frimley Integrated Care Board\n    current_stage: dissolved"),
    ):  # fmt: skip
        assert old in text
        text = text.replace(old, new, 1)
    return text


def parsed(text: str):
    c = Checker("register.yaml")
    register = parse_register(parse_yaml(text, "register.yaml"), c)
    return register, c.problems


def test_the_example_trust_sees_the_planned_split_and_the_board_it_moves_to(shipped):
    register, trust = shipped
    s = system_view(register, trust, TODAY)
    assert (s.name, s.place, s.icb) == (
        "Frimley Health and Care",
        "East Berkshire",
        "NHS Frimley Integrated Care Board",
    )
    assert s.change.startswith("NHS Frimley Integrated Care Board to be dissolved and its area split three ways:")
    assert "East Berkshire, where the trust is, is to move to Thames Valley." in s.change
    assert s.change_status.startswith("Planned for 1 April 2026: overdue, not yet confirmed.")
    assert "still treats NHS Frimley Integrated Care Board as the trust's integrated care board" in s.change_status
    assert s.after.endswith("with NHS Thames Valley Integrated Care Board.")
    planned = [h for h in s.history if h.planned]
    assert planned and all(h.when == "Planned for 1 April 2026: overdue, not yet confirmed" for h in planned)
    assert [h.when for h in s.history if not h.planned] == ["2016", "June 2017", "2 February 2018", "1 July 2022"]


def test_before_its_date_the_change_is_planned_and_not_overdue(shipped):
    register, trust = shipped
    s = system_view(register, trust, dt.date(2026, 1, 10))
    assert s.change_status == (
        "Planned for 1 April 2026. Until it happens, the trust's integrated care board is "
        "NHS Frimley Integrated Care Board."
    )


def test_once_a_source_confirms_the_change_the_trust_is_in_its_new_system(shipped):
    register, problems = parsed(confirmed((CONFIG / "register.yaml").read_text(encoding="utf-8")))
    assert problems == []
    s = system_view(register, shipped[1], TODAY)
    assert (s.name, s.icb) == ("Thames Valley", "NHS Thames Valley Integrated Care Board")
    assert s.change == ""  # nothing further ahead
    whats = [h.what for h in s.history]
    assert whats[0].startswith("One of the 44 STP footprints")  # Frimley's history comes first
    assert any(w.startswith("NHS Frimley Integrated Care Board to be dissolved") for w in whats)
    assert whats[-1] == "Buckinghamshire, Oxfordshire and Berkshire West to join Thames Valley"


def test_another_place_in_the_same_system_follows_its_own_part(shipped):
    register, trust = shipped
    s = system_view(register, dataclasses.replace(trust, place="Surrey Heath and Farnham"), TODAY)
    assert "Surrey Heath and Farnham, where the trust is, is to move to Surrey and Sussex." in s.change


def test_a_trust_whose_place_is_not_recorded_is_told_the_pack_cannot_say_where_it_goes(shipped):
    register, trust = shipped
    s = system_view(register, dataclasses.replace(trust, place=None), TODAY)
    assert s.name == "Frimley Health and Care"
    assert "cannot say which system it moves to" in s.after


def test_every_document_the_section_cites_is_carried_for_the_sources_section(shipped):
    register, trust = shipped
    s = system_view(register, trust, TODAY)
    titles = {ref.title for ref in s.cited}
    assert {h.source for h in s.history if h.source} <= titles
    assert "NHS reorganisation for north-east Hampshire Frimley Park patients" in titles  # a change's other source
