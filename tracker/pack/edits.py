"""A person's edits to a draft: what they added, changed or removed, and carrying what they added.

The draft as the tool built it is kept (pack.revisions.BUILT); comparing it block by
block (paragraphs and tables, their text) with the draft as a person saved it, in Word
or in LibreOffice (which rewrites the whole file but keeps the text), shows their edits.
Added paragraphs and tables can be carried into a rebuilt draft, each after the same
text as before; a change to the tool's own text cannot be (the register says what the
pack must say), so it is only reported.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from docx.document import Document as DocumentObject
from docx.oxml.ns import qn

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


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
