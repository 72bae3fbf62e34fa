"""A pack that already exists: hand edits, what changed since it was built, and older versions.

A secretary edits the draft in Word or LibreOffice before approving it, so a rebuild
must never overwrite those edits without being asked: `hand_edited` notices them, and
`what_changed` says in words what changed in the register and the positions since the
draft was built. The paragraphs a person added can be carried into a rebuilt draft
(`compare` and `carry`), and `retire` moves an older version's files, with their
manifest, into `superseded/`, so nothing is lost and no stale file sits beside the
current pack.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.document import Document as DocumentObject
from docx.oxml.ns import qn

from tracker.config.loading import Config
from tracker.core.dates import PartialDate, day_month_year, parse_stamp
from tracker.core.errors import TrackerError
from tracker.core.files import sha256_file, write_json
from tracker.pack.manifest import MANIFEST, Manifest

SUPERSEDED = "superseded"
BUILT = ".built"  # the draft exactly as the tool built it, to tell a person's edits from the tool's text
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class HandEdited(TrackerError):
    """The draft was edited by hand after it was built: a rebuild needs --keep-edits or --force."""


# -- what the pack was built from -----------------------------------------------------------


def snapshot(config: Config) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each milestone's title, status and date, and each question's status and review day."""
    milestones = {m.id: [m.title, str(m.status), str(m.date) if m.date else ""] for m in config.register.milestones}
    positions = {
        str(q.number): [
            str(q.position.status),
            q.position.last_reviewed.isoformat() if q.position.last_reviewed else "",
        ]
        for q in config.questions.questions
    }
    return milestones, positions


def what_changed(old: Manifest, config: Config, limit: int = 6) -> str:
    """What changed in the register and the positions since `old` was built, as one sentence."""
    if not old.milestones:  # a manifest from before milestones were recorded: only the digest can tell
        if old.register_digest and old.register_digest != config.parsed.sha256:
            return "the register file has changed (this pack's manifest is too old to say how)"
        return "the register file has not changed"
    milestones, positions = snapshot(config)
    said: list[str] = []
    for mid, (title, status, date) in milestones.items():
        before = old.milestones.get(mid)
        if before is None:
            said.append(f"new milestone ‘{title}’, {status}")
            continue
        if before[1] != status:
            said.append(f"‘{title}’ is now {status}; it was {before[1]}")
        elif before[2] != date:
            said.append(f"‘{title}’ is now dated {_when(date)}; it was {_when(before[2])}")
    said += [f"‘{before[0]}’ was removed" for mid, before in old.milestones.items() if mid not in milestones]
    for number, (status, reviewed) in positions.items():
        before = old.positions.get(number)
        if before is not None and before != [status, reviewed]:
            day = day_month_year(PartialDate.parse(reviewed).first_day()) if reviewed else "an unrecorded day"
            said.append(f"question {number} has a new position, {status}, reviewed {day}")
    if not said:
        if old.register_digest and old.register_digest != config.parsed.sha256:
            return "the register file has been edited (its wording, sources or evidence: no status or date changed)"
        return "nothing in the register or the positions has changed"
    more = f"; and {len(said) - limit} more" if len(said) > limit else ""
    return "; ".join(said[:limit]) + more


def _when(date: str) -> str:
    return PartialDate.parse(date).human() if date else "no date"


def built_on(old: Manifest) -> str:
    moment = parse_stamp(old.generated_at)
    return day_month_year(moment) if moment else "an unrecorded day"


# -- hand edits -------------------------------------------------------------------------------------


def built_copy(m: Manifest) -> Path:
    """Where the draft is kept exactly as built (hidden, beside it), to tell a person's edits from the tool's."""
    return m.folder / BUILT / m.pack


def hand_edited(m: Manifest) -> bool:
    """The .docx is there but is not the file the manifest describes: a person has changed it."""
    return m.docx_path.is_file() and sha256_file(m.docx_path) != m.sha256


@dataclass
class HandEdits:
    """What a person changed in a draft, compared with the draft as built."""

    added: list[tuple[str | None, str | None, Any]] = field(default_factory=list)  # (anchor, heading, block)
    changed: list[str] = field(default_factory=list)  # the first words of each tool-written block they changed
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            _count(len(self.added), "paragraph or table added", "paragraphs or tables added"),
            _count(len(self.changed), "changed", "changed"),
            _count(len(self.removed), "removed", "removed"),
        ]
        shown = [p for p in parts if not p.startswith("0 ")]
        return ", ".join(shown) if shown else "formatting or layout only"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def blocks(body) -> list[Any]:
    """The body's paragraphs and tables in order, looking inside content controls (LibreOffice wraps the contents)."""
    found = []
    for el in body:
        if el.tag == qn("w:sdt"):
            content = el.find(qn("w:sdtContent"))
            found += blocks(content) if content is not None else []
        elif el.tag in (qn("w:p"), qn("w:tbl")):
            found.append(el)
    return found


def _paragraph_key(p) -> str:
    text = []
    for el in p.iter(qn("w:t"), qn("w:tab")):
        text.append("\t" if el.tag == qn("w:tab") else el.text or "")
    joined = re.sub(r"\t\s*\d+\s*$", "", "".join(text))  # a contents entry's page number is not an edit
    return " ".join(joined.split())


def key(block) -> str:
    if block.tag == qn("w:tbl"):
        return "TABLE: " + " | ".join(_paragraph_key(p) for p in block.iter(qn("w:p")))
    return _paragraph_key(block)


def _is_heading(block) -> bool:
    style = block.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return block.tag == qn("w:p") and style is not None and "heading" in (style.get(qn("w:val")) or "").lower()


def _in_contents(block) -> bool:
    return any((h.get(qn("w:anchor")) or "").startswith("_Toc") for h in block.iter(qn("w:hyperlink")))


def compare(built: DocumentObject, edited: DocumentObject) -> HandEdits:
    """The blocks a person added, changed or removed, each added one with the tool's block before it."""
    old, new = blocks(built.element.body), blocks(edited.element.body)
    old_keys, new_keys = [key(b) for b in old], [key(b) for b in new]
    edits = HandEdits()
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        anchor = next((k for k in reversed(old_keys[:i1]) if k), None)
        heading = next((key(b) for b in reversed(old[:i1]) if _is_heading(b)), None)
        replaced = old_keys[i1:i2]
        for j in range(j1, j2):
            k = new_keys[j]
            if not k or _in_contents(new[j]):
                continue
            near = max((difflib.SequenceMatcher(None, k, r).ratio() for r in replaced), default=0.0)
            if near >= 0.6:
                edits.changed.append(_first_words(k))
            else:
                edits.added.append((new_keys[j - 1] if j > j1 else anchor, heading, new[j]))
        matched = {
            i
            for i in range(i1, i2)
            if any(difflib.SequenceMatcher(None, old_keys[i], k).ratio() >= 0.6 for k in new_keys[j1:j2])
        }
        edits.removed += [_first_words(old_keys[i]) for i in range(i1, i2) if i not in matched and old_keys[i]]
    return edits


def _first_words(text: str, n: int = 8) -> str:
    words = text.removeprefix("TABLE: ").split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def carry(doc: DocumentObject, edits: HandEdits, source: DocumentObject) -> list[str]:
    """Put the paragraphs and tables a person added into a rebuilt draft, after the same text as before.

    Where that text is gone, after the same heading; where that is gone too, at the end
    of the main body. Pictures cannot be carried (their files live in the old draft).
    Returns what the secretary should hear.
    """
    from tracker.pack.reading import main_body

    notes: list[str] = []
    body = doc.element.body
    last_anchor: tuple[str | None, Any] = (None, None)
    for anchor, heading, block in edits.added:
        el = _portable(copy.deepcopy(block), doc, source, notes)
        if el is None:
            continue
        current = blocks(body)
        keys = [key(b) for b in current]
        if anchor is not None and last_anchor[0] == anchor and last_anchor[1] is not None:
            after = last_anchor[1]  # several paragraphs added together stay in their order
        elif anchor in keys:
            after = current[keys.index(anchor)]
        elif heading in keys:
            after = current[keys.index(heading)]
            notes.append(
                f"“{_first_words(key(el))}” was put after the heading “{heading}”: the text it followed is gone"
            )
        else:
            main = main_body(body)
            after = main[-1] if main else current[-1]
            notes.append(f"“{_first_words(key(el))}” was put at the end of the main body: its place is gone")
        after.addnext(el)
        last_anchor = (anchor, el)
    return notes


def _portable(el, doc: DocumentObject, source: DocumentObject, notes: list[str]):
    """A copy of a block that means the same in `doc`: links re-made, bookmarks, pictures and unknown styles dropped."""
    for tag in ("w:bookmarkStart", "w:bookmarkEnd"):
        for b in list(el.iter(qn(tag))):
            b.getparent().remove(b)
    pictures = [p for p in el.iter(qn("w:drawing"), qn("w:pict"))]
    for p in pictures:
        p.getparent().remove(p)
    if pictures:
        notes.append("a picture you added could not be carried into the new draft (it is in the superseded one)")
    for node in el.iter():
        for attr in [a for a in node.attrib if a.startswith(f"{{{R_NS}}}")]:
            rel = source.part.rels.get(node.get(attr))
            if rel is not None and rel.is_external:
                node.set(attr, doc.part.relate_to(rel.target_ref, rel.reltype, is_external=True))
            else:
                del node.attrib[attr]
    styles = {s.style_id for s in doc.styles}
    for ps in list(el.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))):
        if ps.get(qn("w:val")) not in styles:
            ps.getparent().remove(ps)
    return el if key(el) else None


# -- older versions ----------------------------------------------------------------------------------


def retire(old: Manifest, edited: bool) -> Path:
    """Move an older version's files and manifest out of the pack folder into superseded/.

    The manifest is written there first and the files moved after, each by a rename,
    so a crash part way leaves every file in one folder or the other, never lost.
    """
    folder = old.folder
    name = f"v{old.version}-{old.status.lower()}" + ("-edited" if edited else "")
    target = folder / SUPERSEDED / name
    n = 2
    while target.exists():
        target = folder / SUPERSEDED / f"{name}-{n}"
        n += 1
    target.mkdir(parents=True)
    write_json(target / MANIFEST, old.to_json())
    stem = Path(old.pack).stem
    names = {old.pack, *(n for n in [old.pdf] if n)} | {p.name for p in folder.glob(f"{stem}.*") if p.is_file()}
    for each in sorted(names):
        if (folder / each).is_file():
            os.replace(folder / each, target / each)
    built = built_copy(old)
    if built.is_file():
        os.replace(built, target / f"{stem}.as-built.docx")
    (folder / MANIFEST).unlink(missing_ok=True)
    return target


def retire_unknown(docx: Path) -> Path:
    """A pack file with no readable manifest beside it: moved to superseded/, never overwritten."""
    target = docx.parent / SUPERSEDED / "no-manifest"
    n = 2
    while target.exists():
        target = docx.parent / SUPERSEDED / f"no-manifest-{n}"
        n += 1
    target.mkdir(parents=True)
    for each in docx.parent.glob(f"{docx.stem}.*"):
        if each.is_file():
            os.replace(each, target / each.name)
    return target


def clear_stale_pdf(old: Manifest, keep: str | None) -> None:
    """A rebuild of the same draft version: a PDF of the earlier build no longer matches the .docx."""
    stem = Path(old.pack).stem
    for pdf in old.folder.glob(f"{stem}.pdf"):
        if pdf.name != keep:
            pdf.unlink(missing_ok=True)
