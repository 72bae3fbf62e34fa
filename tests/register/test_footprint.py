"""Following a trust's place through merges, splits and boundary changes, in the shipped register."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import CONFIG
from tracker.register.footprint import footprint, incoming, systems_named
from tracker.register.parse import load_register

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def register():
    return load_register(CONFIG / "register.yaml")


@pytest.mark.parametrize(
    ("place", "goes_to"),
    [
        ("East Berkshire", "thames-valley"),
        ("Surrey Heath", "surrey-and-sussex"),  # one of the part's other names
        ("north-east hampshire", "hampshire-and-isle-of-wight"),  # names match whatever their case
    ],
)
def test_a_split_sends_each_place_to_its_own_successor(register, place, goes_to):
    fp = footprint(register, "frimley", place)
    assert [m.system.id for m in fp.path] == ["frimley", goes_to]
    assert fp.path[1].planned and fp.unplaced is None


def test_a_planned_move_is_ahead_and_the_trust_stays_where_it_is_until_a_source_confirms_it(register):
    fp = footprint(register, "frimley", "East Berkshire")
    assert fp.current(TODAY).system.id == "frimley"  # the planned date has passed, unconfirmed
    assert [m.system.id for m in fp.ahead(TODAY)] == ["thames-valley"]


def test_without_a_place_a_split_cannot_be_followed_and_says_so(register):
    fp = footprint(register, "frimley", None)
    assert [m.system.id for m in fp.path] == ["frimley"]
    assert fp.unplaced is not None and str(fp.unplaced.date) == "2026-04-01"


def test_a_confirmed_boundary_change_moves_only_the_place_it_names(register):
    harrogate = footprint(register, "west-yorkshire-and-harrogate", "Harrogate")
    assert [m.system.id for m in harrogate.path] == ["west-yorkshire-and-harrogate", "humber-coast-and-vale"]
    assert harrogate.current(TODAY).system.current_name == "Humber and North Yorkshire"
    leeds = footprint(register, "west-yorkshire-and-harrogate", "Leeds")
    assert [m.system.id for m in leeds.path] == ["west-yorkshire-and-harrogate"]
    assert leeds.current(TODAY).system.current_name == "West Yorkshire"  # renamed, same system


def test_a_whole_system_merger_takes_everyone_and_chains_on(register):
    fp = footprint(register, "berkshire-west", None)
    assert [m.system.id for m in fp.path] == [
        "berkshire-west",
        "buckinghamshire-oxfordshire-and-berkshire-west",
        "thames-valley",
    ]
    assert [m.planned for m in fp.path] == [False, False, True]
    assert fp.current(TODAY).system.id == "buckinghamshire-oxfordshire-and-berkshire-west"


def test_a_system_lists_what_joins_it_from_others(register):
    joining = [(other.id, part.area) for other, _, part in incoming(register, "thames-valley")]
    assert joining == [
        ("buckinghamshire-oxfordshire-and-berkshire-west", None),
        ("frimley", "East Berkshire"),
    ]
    assert footprint(register, "atlantis") is None


@pytest.mark.parametrize(
    ("headline", "systems"),
    [
        ("Frimley and Surrey Heartlands integrated care boards to merge", ("frimley", "surrey-heartlands")),
        ("Surrey and Sussex ICB established", ("surrey-and-sussex",)),  # the longer name, not Sussex inside it
        ("NHS West Yorkshire ICB appoints chief executive", ("west-yorkshire-and-harrogate",)),  # a later name
        ("Thames Valley ICB to take on East Berkshire", ("thames-valley",)),
        ("Integrated care boards to cut running costs by half", ()),  # names no system
        ("Essexford council news", ()),  # a name inside a longer word is not that name
    ],
)
def test_a_headline_names_the_systems_it_is_about(register, headline, systems):
    assert systems_named(register, headline) == systems
