"""What a tracking run did, for a person (text, markdown) and for tools (JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from tracker.tracking.apply import EvidenceAdded, FieldChanged, MilestoneCreated


class Outcome(StrEnum):
    """What reading one source gave."""

    READ = "read"
    NOT_MODIFIED = "not modified"
    FAILED = "failed"


@dataclass(frozen=True)
class SourceReport:
    name: str
    title: str
    outcome: Outcome
    entries: int
    matched: int
    error: str | None


@dataclass(frozen=True)
class Summary:
    when: str
    dry_run: bool
    register: str
    register_written: bool
    sources: tuple[SourceReport, ...]
    evidence: tuple[EvidenceAdded, ...]
    changes: tuple[FieldChanged, ...]
    new_milestones: tuple[MilestoneCreated, ...]
    stale: tuple[tuple[str, str], ...]  # (source name, reason)

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(s for s in self.sources if s.outcome == Outcome.FAILED)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for c in data["changes"]:  # the JSON keeps the register's own words for a change
            c["from"], c["to"] = c.pop("old"), c.pop("new")
        data["stale"] = [{"source": n, "reason": r} for n, r in self.stale]
        data["failed"] = [{"source": s.name, "error": s.error} for s in self.failed]
        return data

    def lines(self) -> list[tuple[str, list[str]]]:
        """Sections of plain sentences, shared by the text and markdown forms."""
        counts = {o: sum(1 for s in self.sources if s.outcome == o) for o in Outcome}
        head = (
            f"{len(self.sources)} sources at {self.when}: {counts[Outcome.READ]} read, "
            f"{counts[Outcome.NOT_MODIFIED]} unchanged since last time, {counts[Outcome.FAILED]} failed."
        )
        if self.dry_run:
            head += " Dry run: nothing was written."
        elif not self.register_written:
            head += f" {self.register} was not changed."
        else:
            head += f" {self.register} was updated."
        sections = [("Summary", [head])]
        sections.append((
            "New milestones (need a person's review)",
            [f"{m.milestone}: {m.title} ({m.url}, rule {m.rule})" for m in self.new_milestones],
        ))  # fmt: skip
        sections.append((
            "Status and date changes",
            [f"{c.milestone}: {c.field} {c.old or '(none)'} -> {c.new} ({c.why}, {c.evidence})" for c in self.changes],
        ))  # fmt: skip
        sections.append((
            "New evidence",
            [f"{e.milestone}: {e.title} ({e.url}, from {e.source}, rule {e.rule})" for e in self.evidence],
        ))  # fmt: skip
        sections.append(("Failing sources", [f"{s.name}: {s.error}" for s in self.failed]))
        sections.append(("Stale sources", [f"{name}: {reason}" for name, reason in self.stale]))
        return sections

    def to_text(self) -> str:
        out = []
        for title, rows in self.lines():
            if title == "Summary":
                out.extend(rows)
                continue
            out.append(f"\n{title}: {len(rows) if rows else 'none'}")
            out.extend(f"  - {r}" for r in rows)
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        out = ["# Policy tracking run", ""]
        for title, rows in self.lines():
            if title == "Summary":
                out += [*rows, ""]
                continue
            out += [f"## {title}", ""]
            out += [f"- {_md(r)}" for r in rows] if rows else ["None."]
            out.append("")
        return "\n".join(out)


def _md(text: str) -> str:
    """Feed text is untrusted: keep it from becoming markdown links, images or HTML."""
    for ch in "\\`*_[]<>!|":
        text = text.replace(ch, "\\" + ch)
    return text
