"""Build templates/governors-briefing.docx once; the pack code only ever reads it.

Run from the repository root: `.venv/bin/python templates/build_template.py`.
After that, restyle the .docx in Word or LibreOffice (fonts, colours, spacing,
header and footer) and the next pack follows. Keep the style names listed in
tracker.pack.word.REQUIRED_STYLES and the {placeholders} in the header and footer.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

NHS_BLUE = RGBColor(0x00, 0x5E, 0xB8)
NHS_DARK_BLUE = RGBColor(0x00, 0x30, 0x87)
DARK_GREY = RGBColor(0x42, 0x55, 0x63)
FONT = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans

TABLE_STYLE = f"""
<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="PackTable">
  <w:name w:val="Pack Table"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="40" w:after="40" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="single" w:sz="4" w:space="0" w:color="AEB7BD"/>
      <w:left w:val="single" w:sz="4" w:space="0" w:color="AEB7BD"/>
      <w:bottom w:val="single" w:sz="4" w:space="0" w:color="AEB7BD"/>
      <w:right w:val="single" w:sz="4" w:space="0" w:color="AEB7BD"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="AEB7BD"/>
      <w:insideV w:val="single" w:sz="4" w:space="0" w:color="AEB7BD"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="40" w:type="dxa"/><w:left w:w="90" w:type="dxa"/>
      <w:bottom w:w="40" w:type="dxa"/><w:right w:w="90" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:color w:val="FFFFFF"/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="003087"/></w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="band1Horz">
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="F0F4F5"/></w:tcPr>
  </w:tblStylePr>
</w:style>
"""


def style_fonts(doc: Document) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")

    normal = styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(11)
    normal.font.color.rgb = RGBColor(0x21, 0x2B, 0x32)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    for name, size, colour, before in (
        ("Title", 30, NHS_DARK_BLUE, 0),
        ("Subtitle", 16, NHS_BLUE, 0),
        ("Heading 1", 18, NHS_DARK_BLUE, 18),
        ("Heading 2", 14, NHS_BLUE, 12),
        ("Heading 3", 12, NHS_DARK_BLUE, 10),
    ):
        s = styles[name]
        s.font.name, s.font.size, s.font.color.rgb = FONT, Pt(size), colour
        s.font.bold = name != "Subtitle"
        s.font.italic = False
        s.paragraph_format.space_before = Pt(before)
        s.paragraph_format.space_after = Pt(6)
        s.paragraph_format.keep_with_next = True
        rpr = s.element.get_or_add_rPr()
        for el in rpr.findall(qn("w:rFonts")):
            for attr in list(el.attrib):
                if attr.endswith("Theme"):
                    del el.attrib[attr]
    title_ppr = styles["Title"].element.get_or_add_pPr()
    for border in title_ppr.findall(qn("w:pBdr")):  # the default template underlines the title
        title_ppr.remove(border)

    caption = styles["Caption"]
    caption.font.size, caption.font.bold, caption.font.italic = Pt(9.5), False, True
    caption.font.color.rgb = DARK_GREY
    quote = styles["Intense Quote"]
    quote.font.size, quote.font.italic = Pt(12), False
    quote.font.color.rgb = NHS_DARK_BLUE
    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(9)
        styles[name].font.color.rgb = DARK_GREY

    toc = styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)
    toc.base_style = normal
    toc.font.size = Pt(12)
    toc.paragraph_format.space_after = Pt(4)
    toc.paragraph_format.tab_stops.add_tab_stop(Cm(16.5), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb, link.font.underline = NHS_BLUE, True
    styles.element.append(parse_xml(TABLE_STYLE))


def add_field(paragraph, instruction: str, shown: str) -> None:
    """A PAGE or NUMPAGES field, with a cached result so no reader sees an empty field."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", shown), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
            run._r.append(el)
        elif kind == "text":
            run.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


def header_footer(doc: Document) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.4), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.0)

    # Centred lines, as protective markings usually are; no tab stops for a renderer to misplace.
    head = section.header.paragraphs[0]
    head.style = doc.styles["Header"]
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marking = head.add_run("{protective_marking} – {status}")
    marking.bold = True
    name = section.header.add_paragraph(style=doc.styles["Header"])
    name.alignment = WD_ALIGN_PARAGRAPH.CENTER
    name.add_run("{trust_name}")

    foot = section.footer.paragraphs[0]
    foot.style = doc.styles["Footer"]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("Council of Governors, {meeting} · Page ")
    add_field(foot, "PAGE", "1")
    foot.add_run(" of ")
    add_field(foot, "NUMPAGES", "1")
    mark = section.footer.add_paragraph(style=doc.styles["Footer"])
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.add_run("{protective_marking}").bold = True


def main() -> None:
    doc = Document()
    style_fonts(doc)
    header_footer(doc)
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    props = doc.core_properties
    props.title, props.author, props.language = "Council of Governors briefing pack template", "", "en-GB"
    props.comments = "Restyle freely; keep the style names and the {placeholders} in the header and footer."
    out = Path(__file__).resolve().parent / "governors-briefing.docx"
    doc.save(str(out))
    print(out)


if __name__ == "__main__":
    main()
