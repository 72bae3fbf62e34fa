"""Which system a trust belongs to, before and after its footprint changes.

A trust names its system and its place in it (`footprint.place`, e.g. East Berkshire).
When a system is split, the place decides which successor the trust follows; when it
merges, everyone follows. A change that is only planned is followed too, and marked
planned, so the pack can say both where the trust is and where it is due to go.
Pure: no clock; the caller says what today is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.register.model import Certainty, ChangeKind, FootprintChange, Register, Successor, System


@dataclass(frozen=True)
class Membership:
    """One system the trust's place belongs to, from the change that brought it there."""

    system: System
    via: FootprintChange | None = None  # None: where the footprint starts
    planned: bool = False  # reached through a change no source has confirmed yet

    def began_by(self, today: dt.date) -> bool:
        """Whether this membership has begun for certain: confirmed, and dated on or before today."""
        return self.via is None or (not self.planned and self.via.date.first_day() <= today)


@dataclass(frozen=True)
class Footprint:
    place: str | None
    path: tuple[Membership, ...]
    unplaced: FootprintChange | None = None  # a split the place does not resolve: no place, or not one of its areas

    def current(self, today: dt.date) -> Membership:
        """The latest membership that has begun for certain."""
        return [m for m in self.path if m.began_by(today)][-1]

    def ahead(self, today: dt.date) -> tuple[Membership, ...]:
        """Memberships after the current one: planned, or confirmed for a later date."""
        return self.path[self.path.index(self.current(today)) + 1 :]


def successor_for(change: FootprintChange, place: str | None) -> Successor | None:
    """The successor a trust in `place` follows through `change`; None if it stays (or cannot be told)."""
    return next((s for s in change.successors if s.covers(place)), None)


def footprint(register: Register, system_id: str, place: str | None = None) -> Footprint | None:
    """Follow the trust's place from `system_id` through every change that moves it; None if no such system."""
    system = register.system(system_id)
    if system is None:
        return None
    path = [Membership(system)]
    seen, after, planned = {system.id}, None, False
    while True:
        later = [c for c in system.changes if after is None or c.date.first_day() > after.first_day()]
        change = next((c for c in later if _moves(c, place) or c.kind.ends), None)
        if change is None:
            return Footprint(place, tuple(path))
        target_ref = successor_for(change, place)
        if target_ref is None:  # the system ends, and the place does not say where the trust goes
            return Footprint(place, tuple(path), change if change.successors else None)
        target = register.system(target_ref.system)
        if target is None or target.id in seen:
            return Footprint(place, tuple(path))
        planned = planned or change.status == Certainty.PLANNED
        path.append(Membership(target, change, planned))
        seen.add(target.id)
        system, after = target, change.date


def _moves(change: FootprintChange, place: str | None) -> bool:
    """Whether `change` takes a trust in `place` to another system."""
    if change.kind == ChangeKind.RENAMED:
        return False
    return successor_for(change, place) is not None


def incoming(register: Register, system_id: str) -> tuple[tuple[System, FootprintChange, Successor], ...]:
    """Changes in other systems that bring (part of) their area into `system_id`, oldest first."""
    found = [
        (other, change, s)
        for other in register.systems
        for change in other.changes
        for s in change.successors
        if s.system == system_id
    ]
    return tuple(sorted(found, key=lambda x: (x[1].date.first_day(), x[0].name)))


def areas(change: FootprintChange) -> tuple[str, ...]:
    """The parts a change names, for telling a user which `footprint.place` to write."""
    return tuple(s.area for s in change.successors if s.area)


# What is left of a system's or board's name once the words every one of them shares are
# gone: "NHS Frimley Integrated Care Board" and "Frimley Health and Care" are both "Frimley".
_SHARED = re.compile(
    r"\b(?:nhs|integrated care (?:board|system|partnership)s?|health and (?:social )?care(?: partnership)?"
    r"|icbs?|icss?|stps?|partnership)\b|\(.*?\)",
    re.IGNORECASE,
)


def _place_names(system: System) -> set[str]:
    names = {system.id.replace("-", " ")}
    for name in (system.name, system.current_name, system.icb or ""):
        names.add(" ".join(_SHARED.sub(" ", name).replace(",", " ").split()))
    return {n.lower() for n in names if len(n) >= 4}


def systems_named(register: Register, text: str) -> tuple[str, ...]:
    """The ids of the register's systems a headline names, longest name first, so that
    "Surrey and Sussex ICB" is Surrey and Sussex, not Sussex too; in the order they appear."""
    words = " ".join(text.replace(",", " ").split()).lower()
    names = sorted(((n, s.id) for s in register.systems for n in _place_names(s)), key=lambda p: -len(p[0]))
    found: list[tuple[int, str]] = []
    for name, sid in names:
        for hit in re.finditer(rf"\b{re.escape(name)}\b", words):
            found.append((hit.start(), sid))
            words = words[: hit.start()] + "\0" * len(name) + words[hit.end() :]  # taken: no shorter name inside it
    ids: list[str] = []
    for _, sid in sorted(found):
        if sid not in ids:
            ids.append(sid)
    return tuple(ids)
