"""Word building blocks python-docx lacks: header rows, fills, fields, bookmarks, alt text.

Everything that touches raw WordprocessingML lives here, so tracker.pack reads as
the order of the pack's sections.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from tracker.core.errors import TrackerError
from tracker.core.text import display, safe_link

REQUIRED_STYLES = (
    "Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption",
    "Intense Quote", "List Bullet", "TOC Heading", "TOC 1", "Pack Table", "Header", "Footer",
)  # fmt: skip


def open_template(path: Path) -> DocumentObject:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    path = Path(path)
    if not path.is_file():
        raise TrackerError(f"{path}: the Word template is missing (set pack.template in trust.yaml)")
    try:
        doc = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TrackerError(f"{path}: not a Word .docx template ({exc})") from None
    names = {s.name for s in doc.styles}
    for style in REQUIRED_STYLES:
        if style not in names:
            raise TrackerError(f"{path}: the template has no style named {style!r}; add it in Word or LibreOffice")
    body = doc.element.body
    for child in list(body):  # keep the template's page set-up, drop any sample text
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def style(doc: DocumentObject, name: str):
    """A style by name, looked up once per document (python-docx searches all styles each time)."""
    cache = doc.__dict__.setdefault("_pack_styles", {})
    if not cache:
        cache.update((s.name, s) for s in doc.styles)
    return cache[name]


def set_language(doc: DocumentObject, lang: str = "en-GB") -> None:
    """The default proofing language, in styles.xml docDefaults."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        doc.styles.element.insert(0, defaults)
    rpr_default = _child(defaults, "w:rPrDefault")
    rpr = _child(rpr_default, "w:rPr")
    el = _child(rpr, "w:lang")
    el.set(qn("w:val"), lang)


def _child(parent, tag: str):
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)
    return el


def paragraph(doc: DocumentObject, style_name: str | None = None) -> Paragraph:
    """A new paragraph; the style is set by id (python-docx's setter scans every style)."""
    p = doc.add_paragraph()
    if style_name:
        p._p.style = style(doc, style_name).style_id
    return p


def text(paragraph: Paragraph, value: object, bold: bool = False, colour: str | None = None):
    run = paragraph.add_run(display(value))
    run.bold = bold or None
    if colour:
        from docx.shared import RGBColor

        run.font.color.rgb = RGBColor.from_string(colour)
    return run


def keep(paragraph: Paragraph, with_next: bool) -> None:
    """Keep the paragraph's lines together (and with the next paragraph): w:keepLines, w:keepNext.

    Written as XML: python-docx's paragraph_format setters cost a style lookup each.
    """
    ppr = paragraph._p.get_or_add_pPr()
    ppr.keepLines_val = True
    if with_next:
        ppr.keepNext_val = True


def shaded(paragraph: Paragraph, value: object, fill: str, ink: str):
    """A run on a coloured background (a status chip): the word is always there as well as the colour."""
    run = text(paragraph, value, bold=True, colour=ink)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    run._r.get_or_add_rPr().append(shd)
    return run


def table(
    doc: DocumentObject,
    header: list[str],
    rows: list[list[str]],
    widths_cm: list[float],
    colours: dict[tuple[int, int], tuple[str, str]] | None = None,
    links: dict[tuple[int, int], str] | None = None,
) -> Table:
    """A table in the template's table style whose header row repeats on every page.

    `colours` fills cells (row, column) with (background, text) colours; the word stays
    in the cell, so colour is never the only cue. `links` makes a cell's text a link.
    Built as one piece of XML: python-docx's cell-by-cell API is ten times slower.
    """
    colours, links = colours or {}, links or {}
    background, foreground = header_colours(doc)
    twips = [int(w * 567) for w in widths_cm]  # 567 twips to the centimetre
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
    out = [
        f"<w:tbl {nsdecls('w', 'r')}><w:tblPr>"
        f'<w:tblStyle w:val="{style(doc, "Pack Table").style_id}"/><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    head = '<w:trPr><w:cantSplit w:val="true"/><w:tblHeader w:val="true"/></w:trPr>'
    keep = '<w:trPr><w:cantSplit w:val="true"/></w:trPr>'  # a row never breaks across pages
    out.append(_row(head, header, twips, {i: (background, foreground or "000000") for i in range(len(header))}
                    if background else {}, {}, bold=True))  # fmt: skip
    for r, values in enumerate(rows, start=1):
        row_colours = {c: colours[(r, c)] for c in range(len(values)) if (r, c) in colours}
        # Only a public http(s) address becomes a link (the register's checks say the same; this is the last word).
        row_links = {c: _link_id(doc, links[(r, c)]) for c in range(len(values)) if safe_link(links.get((r, c)))}
        out.append(_row(keep, values, twips, row_colours, row_links))
    out.append("</w:tbl>")
    tbl = parse_xml("".join(out))
    doc.element.body.sectPr.addprevious(tbl)
    before = tbl.getprevious()
    if before is not None and before.tag == qn("w:p"):  # an introduction stays with its table
        before.get_or_add_pPr().keepNext_val = True
    return Table(tbl, doc._body)


def _link_id(doc: DocumentObject, url: str) -> str:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    return doc.part.relate_to(url, RT.HYPERLINK, is_external=True)


def _row(trpr: str, values, twips, colours, links, bold: bool = False) -> str:
    cells = []
    for c, (value, width) in enumerate(zip(values, twips, strict=True)):
        fill_colour, ink = colours.get(c, (None, None))
        shd = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill_colour}"/>' if fill_colour else ""
        rpr = ("<w:b/>" if bold or fill_colour else "") + (f'<w:color w:val="{ink}"/>' if ink else "")
        run = f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{escape(display(value))}</w:t></w:r>'
        if c in links:
            run = (
                f'<w:hyperlink r:id="{links[c]}"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/>'
                f'<w:color w:val="005EB8"/><w:u w:val="single"/></w:rPr>'
                f'<w:t xml:space="preserve">{escape(display(value))}</w:t></w:r></w:hyperlink>'
            )
        cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shd}</w:tcPr><w:p>{run}</w:p></w:tc>')
    return f"<w:tr>{trpr}{''.join(cells)}</w:tr>"


def header_colours(doc: DocumentObject) -> tuple[str | None, str | None]:
    """The header-row fill and text colour from the template's table style.

    Applied to the cells directly as well, because LibreOffice ignores the text colour
    of a table style's first row, which would leave dark text on a dark fill.
    """
    cache = doc.__dict__.setdefault("_pack_header_colours", [])
    if cache:
        return cache[0]
    fill_colour = text_colour = None
    for pr in style(doc, "Pack Table").element.findall(qn("w:tblStylePr")):
        if pr.get(qn("w:type")) == "firstRow":
            shd = pr.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
            colour = pr.find(f"{qn('w:rPr')}/{qn('w:color')}")
            fill_colour = shd.get(qn("w:fill")) if shd is not None else None
            text_colour = colour.get(qn("w:val")) if colour is not None else None
    cache.append((fill_colour, text_colour))
    return fill_colour, text_colour


def bookmark(paragraph: Paragraph, name: str, ident: int) -> None:
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(ident))
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), str(ident))
    paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
    paragraph._p.append(end)


def internal_link(paragraph: Paragraph, label: str, anchor: str) -> None:
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = display(label)
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def field_chars(paragraph: Paragraph, kind: str, instruction: str | None = None) -> None:
    run = paragraph.add_run()
    if instruction is not None:
        el = OxmlElement("w:instrText")
        el.set(qn("xml:space"), "preserve")
        el.text = f" {instruction} "
    else:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
    run._r.append(el)


def picture_alt_text(doc: DocumentObject, descr: str, title: str) -> None:
    """Alt text on every picture (wp:docPr descr), which python-docx leaves empty."""
    for pr in doc.element.body.iter(qn("wp:docPr")):
        pr.set("descr", display(descr))
        pr.set("title", display(title))


def save_deterministic(doc: DocumentObject, when: tuple[int, int, int, int, int, int]) -> bytes:
    """The .docx bytes with fixed zip timestamps: same content, same sha256."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    # Level 1: the parts are small XML; the difference in size is a few per cent, in time a half.
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
