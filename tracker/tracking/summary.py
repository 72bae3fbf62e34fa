"""What a tracking run did, for a person (text, markdown) and for tools (JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from tracker.core.text import plural
from tracker.register.model import Proposal
from tracker.tracking.apply import EvidenceAdded


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
    proposals: tuple[Proposal, ...]  # queued by this run for a person's review
    findings: tuple[str, ...]  # each proposal in plain words, in the same order
    stale: tuple[tuple[str, str, str], ...]  # (source name, title, reason)

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(s for s in self.sources if s.outcome == Outcome.FAILED)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["findings"]
        for p, words in zip(data["proposals"], self.findings, strict=True):
            p["in_words"] = words
        data["stale"] = [{"source": n, "title": t, "reason": r} for n, t, r in self.stale]
        data["failed"] = [{"source": s.name, "error": s.error} for s in self.failed]
        return data

    def lines(self) -> list[tuple[str, list[str]]]:
        """Sections of plain sentences, shared by the text and markdown forms."""
        counts = {o: sum(1 for s in self.sources if s.outcome == o) for o in Outcome}
        head = (
            f"{plural(len(self.sources), 'source')} at {self.when}: {counts[Outcome.READ]} read, "
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
            "Found, waiting for review (tracker review)",
            [f"{p.id}: {words}" for p, words in zip(self.proposals, self.findings, strict=True)],
        ))  # fmt: skip
        sections.append((
            "New evidence",
            [f"“{e.title}” ({e.publisher or e.source}), about {e.milestone_title or e.milestone}: {e.url}" for e in self.evidence],
        ))  # fmt: skip
        sections.append(("Failing sources", [f"{s.title}: {s.error}" for s in self.failed]))
        sections.append(("Stale sources", [f"{title}: {reason}" for _, title, reason in self.stale]))
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
