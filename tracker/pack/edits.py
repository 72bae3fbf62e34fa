"""A person's edits to a draft: what they added, changed or removed, and carrying what they added.

The draft as the tool built it is kept (pack.revisions.BUILT); comparing it block by
block (paragraphs and tables, their text) with the draft as a person saved it, in Word
or in LibreOffice (which rewrites the whole file but keeps the text), shows their edits.
Added paragraphs and tables can be carried into a rebuilt draft, each after the same
text as before (never after a contents entry or other field text, which can read exactly
like a heading); a change to the tool's own text cannot be (the register says what the
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


@dataclass(frozen=True)
class Place:
    """Where a block was added in the draft as built: after which of the tool's blocks, under which heading.

    Both are indexes into `HandEdits.anchors`, not texts: the same words can stand in
    several places (a contents entry reads like its heading, "Linked milestones: None"
    ends several questions), and the addition belongs after the one it followed.
    """

    after: int | None
    heading: int | None
    past_generated: bool = False  # contents entries or other field text stood between it and `after`


@dataclass
class HandEdits:
    """What a person changed in a draft, compared with the draft as built."""

    anchors: list[str] = field(default_factory=list)  # the built draft's blocks that can be anchors, in order
    added: list[tuple[Place, Any]] = field(default_factory=list)  # (where, block)
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


def _in_gallery(block) -> bool:
    """Inside a content control that holds a building block (LibreOffice wraps the contents in one)."""
    parent = block.getparent()
    while parent is not None:
        if parent.tag == qn("w:sdt") and parent.find(f"{qn('w:sdtPr')}/{qn('w:docPartObj')}") is not None:
            return True
        parent = parent.getparent()
    return False


def generated(found: list[Any]) -> list[bool]:
    """Which blocks hold text a program writes and rewrites: contents entries, any field's result.

    Such text is never an anchor: a contents entry reads exactly like its heading, and
    Word or LibreOffice may rewrite it. A field can span paragraphs (the contents does),
    so its depth is carried from block to block.
    """
    flags, depth = [], 0
    for b in found:
        gen = _in_contents(b) or _in_gallery(b) or b.find(f".//{qn('w:fldSimple')}") is not None
        for el in b.iter(qn("w:fldChar"), qn("w:t")):
            if el.tag == qn("w:t"):
                gen = gen or (depth > 0 and bool((el.text or "").strip()))
            elif el.get(qn("w:fldCharType")) == "begin":
                depth += 1
            elif el.get(qn("w:fldCharType")) == "end":
                depth = max(0, depth - 1)
        flags.append(gen)
    return flags


def compare(built: DocumentObject, edited: DocumentObject) -> HandEdits:
    """The blocks a person added, changed or removed, each added one with the tool's block before it."""
    old, new = blocks(built.element.body), blocks(edited.element.body)
    old_keys, new_keys = [key(b) for b in old], [key(b) for b in new]
    old_gen = generated(old)
    index: dict[int, int] = {}  # a block of the built draft -> its place among the anchors
    edits = HandEdits()
    for i, (k, gen) in enumerate(zip(old_keys, old_gen, strict=True)):
        if k and not gen:
            index[i] = len(edits.anchors)
            edits.anchors.append(k)
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        prev = next((i for i in reversed(range(i1)) if i in index), None)
        heading = next((index[i] for i in reversed(range(i1)) if i in index and _is_heading(old[i])), None)
        upto = i1  # the built draft's block the next addition comes before
        for j in range(j1, j2):
            k = new_keys[j]
            if not k or _in_contents(new[j]):  # Word's update of the contents is not the person's text
                continue
            scores = {i: difflib.SequenceMatcher(None, k, old_keys[i]).ratio() for i in range(i1, i2)}
            best = max(scores, key=scores.__getitem__, default=None)
            if best is not None and scores[best] >= 0.6:
                edits.changed.append(_first_words(k))
                if best in index:  # what they add after a block they reworded follows that block
                    prev, upto = best, best + 1
            else:
                past = any(old_gen[(-1 if prev is None else prev) + 1 : upto])
                place = Place(None if prev is None else index[prev], heading, past)
                edits.added.append((place, new[j]))
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

    "The same text" is the same block of the tool's, found by lining up the built
    draft's anchors with the new draft's (contents entries and other field text are
    never anchors), so of two paragraphs with the same words the right one is taken.
    Where that text is gone, after the same heading; where that is gone too, at the
    end of the main body. Pictures cannot be carried (their files live in the old
    draft). Returns what the secretary should hear.
    """
    from tracker.pack.reading import main_body

    notes: list[str] = []
    body = doc.element.body
    current = blocks(body)
    gen = generated(current)
    spots = [i for i, b in enumerate(current) if not gen[i] and key(b)]
    found = _line_up(edits.anchors, [key(current[i]) for i in spots])
    tails: dict[Any, Any] = {}  # a block -> the last addition put after it, so additions keep their order
    for place, block in edits.added:
        el = _portable(copy.deepcopy(block), doc, source, notes)
        if el is None:
            continue
        if place.after is not None and place.after in found:
            i = spots[found[place.after]]
            while place.past_generated and i + 1 < len(current) and gen[i + 1]:
                i += 1  # it followed the contents (say): it still does
            after = current[i]
        elif place.heading is not None and place.heading in found:
            after = current[spots[found[place.heading]]]
            notes.append(
                f"“{_first_words(key(el))}” was put after the heading “{edits.anchors[place.heading]}”: "
                "the text it followed is gone"
            )
        else:
            main = main_body(body)
            after = main[-1] if main else current[-1]
            notes.append(f"“{_first_words(key(el))}” was put at the end of the main body: its place is gone")
        tails.get(after, after).addnext(el)
        tails[after] = el
    return notes


def _line_up(old: list[str], new: list[str]) -> dict[int, int]:
    """Each old anchor that is still there -> where it is now.

    Lined up in order, so repeated words map to the same occurrence; a text that has
    moved is still found if it is the only one of its words in both drafts.
    """
    found: dict[int, int] = {}
    for a, b, size in difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks():
        found.update((a + t, b + t) for t in range(size))
    once_old, once_new = _once(old), _once(new)
    taken = set(found.values())
    for text, i in once_old.items():
        if i not in found and text in once_new and once_new[text] not in taken:
            found[i] = once_new[text]
            taken.add(once_new[text])
    return found


def _once(keys: list[str]) -> dict[str, int]:
    seen: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        seen.setdefault(k, []).append(i)
    return {k: at[0] for k, at in seen.items() if len(at) == 1}


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
