"""Word documents in the house style: the one set of building blocks every .docx is made from.

Letters, decision statements and reports all start from ``WordDocument``, which sets the house
styles once (Arial; real Heading 1-3 styles so Word's navigation pane and tables of contents work;
a numbered-paragraph style for decision statements; one table style; A4 with 2.5 cm margins) and
offers the few things documents are made of: headings, paragraphs, numbered paragraphs, bullets,
tables, a letter block, a header and a footer with "Page X of Y".

``to_bytes()`` is deterministic: the same content gives the same bytes (the document's dates are
the ones you pass, and the zip entries carry a fixed timestamp), so a letter can be regenerated
from its stored facts and compared, and never needs to be kept as a file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.opc.pkgwriter import PackageWriter
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.oxml.table import CT_Tbl
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

__all__ = [
    "DOCX_CONTENT_TYPE",
    "FONT",
    "HEADING_SIZES",
    "NUMBERED_STYLE",
    "TABLE_STYLE",
    "Span",
    "WordDocument",
    "emphasis",
    "strong",
]

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Arial"
BODY_SIZE = Pt(11)
HEADING_SIZES = {1: Pt(16), 2: Pt(13), 3: Pt(11)}
NUMBERED_STYLE = "Numbered Paragraph"
TABLE_STYLE = "Workbench Table"
ADDRESS_STYLE = "Letter Address"
SMALL_STYLE = "Small Print"
CAPTION_STYLE = "Caption"
BLACK = RGBColor(0x0B, 0x0C, 0x0C)  # GOV.UK text colour
HEADER_FILL = "F3F2F1"  # GOV.UK light grey, for table header rows
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: fixed, so bytes repeat
_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


@dataclass(frozen=True)
class Span:
    """A run of text inside a paragraph, bold and/or italic."""

    text: str
    bold: bool = False
    italic: bool = False


def strong(text: str) -> Span:
    return Span(text, bold=True)


def emphasis(text: str) -> Span:
    return Span(text, italic=True)


Content = str | Span | Sequence[str | Span]


class WordDocument:
    """A .docx in the house style. Build it top to bottom, then call ``to_bytes()``.

    ``created`` stamps the document's properties (default: midnight UTC today); pass the date the
    document is *about* (a letter's date) to make the output reproducible.
    """

    def __init__(self, title: str = "", *, author: str = "Ombudsman Workbench",
                 created: date | datetime | None = None, subject: str = "") -> None:
        # The house template is built once per process (the chase scan writes hundreds of letters).
        self.doc = docx.Document(io.BytesIO(_house_template()))
        self._properties(title, author, subject, created)
        self._body = self.doc._body
        self._end = self.doc.element.body.sectPr  # new content goes just before it
        self._width = self.doc._block_width

    @classmethod
    def _build_template(cls) -> bytes:
        """The blank document in the house style: page, styles, numbering; unused table styles dropped."""
        builder = cls.__new__(cls)
        builder.doc = docx.Document()
        builder._numbering_id = None
        builder._page_setup()
        builder._house_styles()
        _drop_unused_table_styles(builder.doc)
        out = io.BytesIO()
        builder.doc.save(out)
        return out.getvalue()

    # -- set-up ----------------------------------------------------------------------------------

    def _page_setup(self) -> None:
        for section in self.doc.sections:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
            section.left_margin = section.right_margin = Cm(2.5)
            section.top_margin = section.bottom_margin = Cm(2.5)
            section.header_distance = section.footer_distance = Cm(1.25)

    def _house_styles(self) -> None:
        styles = self.doc.styles
        _set_font(self.doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")))
        normal = styles["Normal"]
        normal.font.size = BODY_SIZE
        normal.font.color.rgb = BLACK
        _set_font(normal.element.get_or_add_rPr())
        normal.paragraph_format.space_after = Pt(8)
        normal.paragraph_format.line_spacing = 1.15
        for level, size in HEADING_SIZES.items():
            heading = styles[f"Heading {level}"]
            _set_font(heading.element.get_or_add_rPr())
            heading.font.size = size
            heading.font.bold = True
            heading.font.color.rgb = BLACK
            heading.paragraph_format.space_before = Pt(18 if level == 1 else 12)
            heading.paragraph_format.space_after = Pt(6)
            heading.paragraph_format.keep_with_next = True
        for name in ("Header", "Footer", "List Bullet", "List Bullet 2", "Title", CAPTION_STYLE):
            _set_font(styles[name].element.get_or_add_rPr())
        styles["Header"].font.size = styles["Footer"].font.size = Pt(9)
        caption = styles[CAPTION_STYLE]
        caption.font.size, caption.font.italic, caption.font.bold = Pt(9), True, False
        caption.font.color.rgb = BLACK
        caption.paragraph_format.space_after = Pt(12)
        title = styles["Title"]
        title.font.size, title.font.bold, title.font.color.rgb = Pt(20), True, BLACK
        self._numbered_style()
        address = styles.add_style(ADDRESS_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        address.base_style = normal
        address.paragraph_format.space_after = Pt(0)
        small = styles.add_style(SMALL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        small.base_style = normal
        small.font.size = Pt(9)
        self._table_style()

    def _numbered_style(self) -> None:
        """Paragraphs numbered 1, 2, 3 ... through the document, as decision statements are."""
        numbering = self.doc.part.numbering_part.element
        abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
        abstract_id = max(abstract_ids, default=0) + 1
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(abstract_id))
        multi = OxmlElement("w:multiLevelType")
        multi.set(qn("w:val"), "singleLevel")
        abstract.append(multi)
        level = OxmlElement("w:lvl")
        level.set(qn("w:ilvl"), "0")
        for tag, value in (("w:start", "1"), ("w:numFmt", "decimal"), ("w:pStyle", _style_id(NUMBERED_STYLE)),
                           ("w:lvlText", "%1."), ("w:lvlJc", "left")):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            level.append(element)
        ppr = OxmlElement("w:pPr")
        ind = OxmlElement("w:ind")
        ind.set(qn("w:left"), "567")  # 1 cm, in twentieths of a point
        ind.set(qn("w:hanging"), "567")
        ppr.append(ind)
        level.append(ppr)
        abstract.append(level)
        # abstractNum elements must precede every num element
        first_num = numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
        self._numbering_id = numbering.add_num(abstract_id).numId
        style = self.doc.styles.add_style(NUMBERED_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = self.doc.styles["Normal"]
        style.quick_style = True
        num_pr = OxmlElement("w:numPr")
        num_id = OxmlElement("w:numId")
        num_id.set(qn("w:val"), str(self._numbering_id))
        num_pr.append(num_id)
        style.element.get_or_add_pPr().insert(0, num_pr)

    def _table_style(self) -> None:
        style = self.doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
        style.base_style = self.doc.styles["Table Grid"]
        style.font.size = Pt(10)
        header = OxmlElement("w:tblStylePr")
        header.set(qn("w:type"), "firstRow")
        rpr = OxmlElement("w:rPr")
        rpr.append(OxmlElement("w:b"))
        header.append(rpr)
        tcpr = OxmlElement("w:tcPr")
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), HEADER_FILL)
        tcpr.append(shading)
        header.append(tcpr)
        style.element.append(header)

    def _properties(self, title: str, author: str, subject: str, created: date | datetime | None) -> None:
        stamp = _as_datetime(created or datetime.now(timezone.utc).date())
        props = self.doc.core_properties
        props.title, props.author, props.subject = title, author, subject
        props.last_modified_by = author
        props.created = props.modified = stamp
        props.last_printed = stamp
        props.revision = 1

    # -- content ---------------------------------------------------------------------------------

    def title(self, text: str) -> Paragraph:
        return self.paragraph(text, style="Title")

    def heading(self, text: str, level: int = 1) -> Paragraph:
        if level not in HEADING_SIZES:
            raise ValueError(f"heading level must be 1, 2 or 3, not {level}")
        return self.paragraph(text, style=f"Heading {level}")

    def paragraph(self, content: Content = "", *, style: str | None = None,
                  align: str = "left", keep_with_next: bool = False) -> Paragraph:
        """A paragraph of text; ``content`` is a string, a Span, or a list mixing both."""
        paragraph = self._new_paragraph()
        if style is not None:
            paragraph._p.style = _house_style_id(style)  # by id: python-docx's lookup by name is slow
        _add_runs(paragraph, content)
        paragraph.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                               "centre": WD_ALIGN_PARAGRAPH.CENTER, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
        if keep_with_next:
            paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def small(self, content: Content) -> Paragraph:
        return self.paragraph(content, style=SMALL_STYLE)

    def numbered(self, content: Content) -> Paragraph:
        """The next numbered paragraph (1., 2., ... across the whole document)."""
        return self.paragraph(content, style=NUMBERED_STYLE)

    def bullet(self, content: Content, level: int = 0) -> Paragraph:
        if level not in (0, 1):
            raise ValueError("bullets nest one level at most")
        return self.paragraph(content, style="List Bullet" if level == 0 else "List Bullet 2")

    def bullets(self, items: Iterable[Content]) -> list[Paragraph]:
        return [self.bullet(item) for item in items]

    def table(self, header: Sequence[str], rows: Iterable[Sequence[Content]],
              widths_cm: Sequence[float] | None = None) -> Table:
        """A table whose header row repeats on every page it runs onto."""
        rows = list(rows)
        for values in rows:
            if len(values) != len(header):
                raise ValueError(f"a row has {len(values)} cells; the header has {len(header)}")
        table = self._new_table(1 + len(rows), len(header))
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        _table_look(table)
        trs = table._tbl.tr_lst
        _repeat_as_header(_Row(trs[0], table))
        for tc, text in zip(trs[0].tc_lst, header):
            _add_runs(_Cell(tc, table).paragraphs[0], strong(text))
        for tr, values in zip(trs[1:], rows):
            for tc, value in zip(tr.tc_lst, values):
                _add_runs(_Cell(tc, table).paragraphs[0], value)
        if widths_cm is not None:
            # Word reads the cells' widths, LibreOffice the grid's: set both, and stop autofit undoing them.
            table.autofit = False
            for column, width in zip(table.columns, widths_cm):
                column.width = Cm(width)
            for tr in trs:
                for tc, width in zip(tr.tc_lst, widths_cm):
                    tc.width = Cm(width)
        self._new_paragraph()  # Word needs a paragraph between consecutive tables
        return table

    def key_values(self, pairs: Iterable[tuple[str, Content]]) -> Table:
        """A two-column table of labels and values (Word's answer to a summary list)."""
        pairs = list(pairs)
        table = self._new_table(len(pairs), 2)
        _table_look(table, header_row=False)  # every row is a label and its value: none is a header
        for tr, (label, value) in zip(table._tbl.tr_lst, pairs):
            label_tc, value_tc = tr.tc_lst
            _add_runs(_Cell(label_tc, table).paragraphs[0], strong(label))
            _add_runs(_Cell(value_tc, table).paragraphs[0], value)
            label_tc.width, value_tc.width = Cm(5), Cm(11)
        table.autofit = False  # and the grid, which LibreOffice reads
        table.columns[0].width, table.columns[1].width = Cm(5), Cm(11)
        self._new_paragraph()
        return table

    def letter_block(self, address: Sequence[str], on: date, reference: str,
                     their_reference: str = "", date_text: str | None = None) -> None:
        """The top of a letter: the addressee's lines, then our reference, theirs, and the date."""
        for line in address:
            if line:
                self.paragraph(line, style=ADDRESS_STYLE)
        self.paragraph("", style=ADDRESS_STYLE)
        self.paragraph([strong("Our reference: "), reference], style=ADDRESS_STYLE)
        if their_reference:
            self.paragraph([strong("Your reference: "), their_reference], style=ADDRESS_STYLE)
        self.paragraph([strong("Date: "), date_text or f"{on.day} {on:%B %Y}"], style=ADDRESS_STYLE)
        self.paragraph("", style=ADDRESS_STYLE)

    def page_break(self) -> None:
        self._new_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def image(self, png: bytes, width_cm: float = 16.0, *, alt_text: str, caption: str = "") -> Paragraph:
        """A picture (a chart) on its own line, with the text a screen reader says for it, and an
        optional caption beneath ("Figure 1: ..."). ``alt_text`` is required: a chart must say what
        it shows to someone who cannot see it."""
        if not alt_text.strip():
            raise ValueError("an image needs alt text saying what it shows")
        paragraph = self._new_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = bool(caption)
        inline = paragraph.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
        doc_pr = inline._inline.docPr
        doc_pr.set("descr", alt_text.strip())
        doc_pr.set("title", caption.strip() or alt_text.strip()[:100])
        if caption:
            self.caption(caption)
        return paragraph

    def caption(self, text: str) -> Paragraph:
        """A caption under a figure or table, in Word's own Caption style (so a list of figures works)."""
        return self.paragraph(text, style=CAPTION_STYLE)

    # -- appending -------------------------------------------------------------------------------
    # python-docx's own add_paragraph and add_table look for the body's section properties among all
    # of its children (and add_table for every section in the document) on each call: quadratic in a
    # long report (a compliance report of 2,000 recommendations spent minutes there). These insert
    # the same elements just before the section properties found once.

    def _new_paragraph(self) -> Paragraph:
        p = OxmlElement("w:p")
        self._end.addprevious(p)
        return Paragraph(p, self._body)

    def _new_table(self, rows: int, cols: int) -> Table:
        tbl = CT_Tbl.new_tbl(rows, cols, self._width)
        self._end.addprevious(tbl)
        table = Table(tbl, self._body)
        tbl.tblPr.style = _house_style_id(TABLE_STYLE)
        return table

    # -- header and footer -----------------------------------------------------------------------

    def header(self, text: str) -> None:
        paragraph = self.doc.sections[0].header.paragraphs[0]
        paragraph.text = ""
        _add_runs(paragraph, text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    def footer(self, text: str = "", page_numbers: bool = True) -> None:
        """The footer: ``text`` on the left line, then "Page X of Y" as Word fields."""
        footer = self.doc.sections[0].footer
        paragraph = footer.paragraphs[0]
        paragraph.text = ""
        if text:
            _add_runs(paragraph, text)
            if page_numbers:
                paragraph = footer.add_paragraph()
        if page_numbers:
            paragraph.add_run("Page ")
            _field(paragraph, "PAGE")
            paragraph.add_run(" of ")
            _field(paragraph, "NUMPAGES")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    # -- output ----------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The .docx; the same content always gives the same bytes.

        What ``Document.save`` does, with a zip writer that stamps every entry with a fixed time
        (python-docx's stamps the current time), so the parts are compressed once.
        """
        package = self.doc.part.package
        for part in package.parts:
            part.before_marshal()
        out = io.BytesIO()
        writer = _ReproducibleZipWriter(out)
        PackageWriter._write_content_types_stream(writer, package.parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, package.parts)
        writer.close()
        return out.getvalue()


# ---------------------------------------------------------------------------------------------
# XML details python-docx has no API for


class _ReproducibleZipWriter:
    """python-docx's physical package writer (``write(pack_uri, blob)``, ``close()``), fixed time."""

    def __init__(self, stream: io.BytesIO) -> None:
        self._zip = zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED)

    def write(self, pack_uri, blob: bytes) -> None:
        entry = zipfile.ZipInfo(pack_uri.membername, date_time=ZIP_TIMESTAMP)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        self._zip.writestr(entry, blob)

    def close(self) -> None:
        self._zip.close()


@cache
def _house_template() -> bytes:
    return WordDocument._build_template()


@cache
def _house_style_ids() -> dict[str, str]:
    return {style.name: style.style_id for style in docx.Document(io.BytesIO(_house_template())).styles}


def _house_style_id(name: str) -> str:
    try:
        return _house_style_ids()[name]
    except KeyError:
        raise ValueError(f"no style {name!r} in the house template") from None


def _drop_unused_table_styles(document) -> None:
    """The default template carries ~130 table styles; only ours and its base are used."""
    keep = {"Normal Table", "Table Grid", TABLE_STYLE}
    root = document.styles.element
    for style in root.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        if style.get(qn("w:type")) == "table" and (name is None or _display_name(name.get(qn("w:val"))) not in keep):
            root.remove(style)


def _display_name(raw: str) -> str:
    """Word stores some built-in names in lower case ("heading 1", "Normal Table" as "Normal Table")."""
    from docx.styles import BabelFish

    return BabelFish.internal2ui(raw)


def _style_id(name: str) -> str:
    return name.replace(" ", "")


def _set_font(rpr) -> None:
    """Arial for every script, overriding the template's theme fonts (which otherwise win)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None)
    return datetime(value.year, value.month, value.day)


def _spans(content: Content) -> list[Span]:
    if isinstance(content, (str, Span)):
        content = [content]
    return [Span(part) if isinstance(part, str) else part for part in content]


def _add_runs(paragraph: Paragraph, content: Content) -> None:
    """Runs for the spans, made as XML directly: python-docx's run API costs ~0.2 ms a run, which a
    report of thousands of table cells feels. The same elements it would make (a run, its bold and
    italic, its text, a break per line-end), without the empty run properties it adds."""
    p = paragraph._p
    for span in _spans(content):
        if not span.text:
            continue
        # A line break inside a value stays inside the paragraph (an address, a description).
        lines = span.text.split("\n")
        for i, line in enumerate(lines):
            r = OxmlElement("w:r")
            if span.bold or span.italic:
                rpr = OxmlElement("w:rPr")
                if span.bold:
                    rpr.append(OxmlElement("w:b"))
                if span.italic:
                    rpr.append(OxmlElement("w:i"))
                r.append(rpr)
            p.append(r)
            if "\t" in line or "\r" in line:
                Run(r, paragraph).text = line  # python-docx turns tabs into Word's tab elements
            elif line:
                text = OxmlElement("w:t")
                text.text = line
                if line != line.strip():
                    text.set(qn("xml:space"), "preserve")
                r.append(text)
            if i < len(lines) - 1:
                r.append(OxmlElement("w:br"))


def _repeat_as_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    cant_split = OxmlElement("w:cantSplit")
    tr_pr.append(cant_split)


def _table_look(table: Table, header_row: bool = True) -> None:
    """Tell Word whether to apply the style's first-row formatting (and no banding)."""
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    for attribute, value in (("w:firstRow", "1" if header_row else "0"), ("w:lastRow", "0"), ("w:firstColumn", "0"),
                             ("w:lastColumn", "0"), ("w:noHBand", "1"), ("w:noVBand", "1"),
                             ("w:val", "0420" if header_row else "0400")):  # the same flags as a bit mask
        look.set(qn(attribute), value)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / result / end runs."""
    def run_with(element) -> None:
        run = paragraph.add_run()
        run._r.append(element)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")  # Word recomputes it on opening
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run_with(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run("1")  # shown until the field is updated
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)
