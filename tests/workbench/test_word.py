"""The Word building blocks: house styles, structure, fields, and reproducible bytes.

Every check opens the produced .docx with python-docx (as Word would read the XML), never the
builder's own objects.
"""

import io
import zipfile
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn

from workbench.word import (
    FONT, HEADING_SIZES, NUMBERED_STYLE, TABLE_STYLE, WordDocument, emphasis, strong,
)


def _open(document: WordDocument):
    return docx.Document(io.BytesIO(document.to_bytes()))


def _sample() -> WordDocument:
    word = WordDocument("Decision", created=date(2026, 2, 9), subject="Complaint 25 901 001")
    word.header("OFFICIAL")
    word.footer("Ombudsman Workbench")
    word.letter_block(["Jo Bloggs", "Link officer", "Hampshire County Council"], date(2026, 2, 9), "25 901 001",
                      their_reference="HCC/123")
    word.heading("Final decision", 1)
    word.heading("Summary", 2)
    word.heading("What happened", 3)
    word.paragraph(["The council ", strong("must"), " apologise ", emphasis("in writing"), ".\nWithin a month."])
    word.numbered("Mrs X complained about care charges.")
    word.numbered("The council did not consider disability-related expenditure.")
    word.bullet("An apology")
    word.bullet("A payment of £300", level=1)
    word.table(["Recommendation", "Due"], [["Apologise", "9 March 2026"], ["Pay £300", ["9 ", strong("April")]]])
    word.key_values([("Our reference", "25 901 001")])
    return word


def test_house_styles_are_arial_with_real_heading_styles():
    opened = _open(_sample())
    normal = opened.styles["Normal"]
    assert normal.font.name == FONT
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:asciiTheme")) is None  # a theme font would override Arial in Word
    for level, size in HEADING_SIZES.items():
        style = opened.styles[f"Heading {level}"]
        assert style.font.name == FONT
        assert style.font.size == size
        assert style.font.bold
        assert style.element.rPr.find(qn("w:rFonts")).get(qn("w:asciiTheme")) is None
        # a real heading: its outline level is what the navigation pane and a TOC use
        assert style.element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == str(level - 1)
    defaults = opened.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:ascii")) == FONT


def test_headings_paragraphs_and_lists_use_the_house_styles():
    opened = _open(_sample())
    by_text = {p.text: p.style.name for p in opened.paragraphs}
    assert by_text["Final decision"] == "Heading 1"
    assert by_text["Summary"] == "Heading 2"
    assert by_text["What happened"] == "Heading 3"
    assert by_text["Mrs X complained about care charges."] == NUMBERED_STYLE
    assert by_text["An apology"] == "List Bullet"
    assert by_text["A payment of £300"] == "List Bullet 2"
    paragraph = next(p for p in opened.paragraphs if p.text.startswith("The council"))
    runs = {r.text: r for r in paragraph.runs}
    assert runs["must"].bold and not runs["The council "].bold
    assert runs["in writing"].italic
    assert paragraph.text == "The council must apologise in writing.\nWithin a month."  # a line break, same paragraph


def test_numbered_paragraphs_are_word_numbering_not_typed_numbers():
    opened = _open(_sample())
    style = opened.styles[NUMBERED_STYLE]
    num_id = style.element.pPr.find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))
    numbering = opened.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(a for a in numbering.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id)
    level = abstract.find(qn("w:lvl"))
    assert level.find(qn("w:numFmt")).get(qn("w:val")) == "decimal"
    assert level.find(qn("w:lvlText")).get(qn("w:val")) == "%1."
    numbered = [p for p in opened.paragraphs if p.style.name == NUMBERED_STYLE]
    assert [p.text[:3] for p in numbered] == ["Mrs", "The"]  # no typed "1." in the text


def test_tables_have_the_house_style_and_a_repeating_header_row():
    opened = _open(_sample())
    table = opened.tables[0]
    assert table.style.name == TABLE_STYLE
    assert [c.text for c in table.rows[0].cells] == ["Recommendation", "Due"]
    assert [c.text for c in table.rows[2].cells] == ["Pay £300", "9 April"]
    header_props = table.rows[0]._tr.trPr
    assert header_props.find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr is None or table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)
    first_row = opened.styles[TABLE_STYLE].element.find(qn("w:tblStylePr"))
    assert first_row.get(qn("w:type")) == "firstRow"
    assert [c.text for c in opened.tables[1].rows[0].cells] == ["Our reference", "25 901 001"]


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="2 cells; the header has 3"):
        WordDocument().table(["a", "b", "c"], [["1", "2"]])


def test_letter_block_addresses_then_references_and_date():
    opened = _open(_sample())
    texts = [p.text for p in opened.paragraphs[:9]]
    assert texts[:3] == ["Jo Bloggs", "Link officer", "Hampshire County Council"]
    assert "Our reference: 25 901 001" in texts
    assert "Your reference: HCC/123" in texts
    assert "Date: 9 February 2026" in texts


def test_header_and_footer_with_page_x_of_y_fields():
    opened = _open(_sample())
    section = opened.sections[0]
    assert section.header.paragraphs[0].text == "OFFICIAL"
    footer = section.footer
    assert footer.paragraphs[0].text == "Ombudsman Workbench"
    page_line = footer.paragraphs[-1]
    instructions = [t.text.strip() for t in page_line._p.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert page_line.text.startswith("Page ") and " of " in page_line.text
    kinds = [f.get(qn("w:fldCharType")) for f in page_line._p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2


def test_a4_with_margins_and_document_properties():
    opened = _open(_sample())
    section = opened.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.left_margin.cm, 1) == 2.5
    props = opened.core_properties
    assert props.title == "Decision"
    assert props.subject == "Complaint 25 901 001"
    assert props.author == "Ombudsman Workbench"
    assert props.created.date() == date(2026, 2, 9)


def test_the_same_content_gives_the_same_bytes():
    first, second = _sample().to_bytes(), _sample().to_bytes()
    assert first == second
    assert zipfile.ZipFile(io.BytesIO(first)).testzip() is None
    other = _sample()
    other.paragraph("one more line")
    assert other.to_bytes() != first


def test_heading_levels_beyond_three_are_refused():
    with pytest.raises(ValueError, match="1, 2 or 3"):
        WordDocument().heading("Too deep", 4)


def test_an_image_has_alt_text_and_a_caption_in_the_caption_style():
    from workbench.charts import bar_chart

    word = WordDocument("Charts", created=date(2026, 2, 9))
    word.paragraph("Before")
    png = bar_chart(["Upheld", "Not upheld"], [30, 10], value_label="Decisions")
    word.image(png, 12, alt_text="Bar chart: upheld 30, not upheld 10.", caption="Figure 1: Decisions")
    word.paragraph("After")
    opened = _open(word)
    assert [p.text for p in opened.paragraphs] == ["Before", "", "Figure 1: Decisions", "After"]
    assert opened.paragraphs[2].style.name == "Caption"
    shape = opened.inline_shapes[0]
    assert round(shape.width.cm, 1) == 12.0
    doc_pr = shape._inline.docPr
    assert doc_pr.get("descr") == "Bar chart: upheld 30, not upheld 10."
    image_part = opened.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed]
    assert image_part.blob == png and image_part.blob.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="alt text"):
        word.image(png, alt_text="  ")


def test_charts_are_reproducible_pngs():
    from workbench.charts import bar_chart, grouped_bar_chart

    first = bar_chart(["a", "b"], [1, 2], percent=True)
    assert first == bar_chart(["a", "b"], [1, 2], percent=True)
    assert first != bar_chart(["a", "b"], [1, 3], percent=True)
    grouped = grouped_bar_chart(["Councils", "Providers"], [("Investigated", [10, 4]), ("Upheld", [8, 3])])
    assert grouped.startswith(b"\x89PNG") and grouped == grouped_bar_chart(
        ["Councils", "Providers"], [("Investigated", [10, 4]), ("Upheld", [8, 3])])
    with pytest.raises(ValueError):
        bar_chart(["a"], [1, 2])


def test_column_widths_reach_the_grid_that_libreoffice_reads():
    word = WordDocument()
    word.table(["Outcome", "Decisions"], [["Upheld", "3"]], widths_cm=[12, 4])
    table = _open(word).tables[0]
    grid = [round(int(c.get(qn("w:w"))) / 567, 1) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid == [12.0, 4.0]
    assert [round(c.width.cm, 1) for c in table.rows[1].cells] == [12.0, 4.0]


def test_a_long_report_builds_in_linear_time():
    """Thousands of paragraphs and tables (a compliance report of 2,000 recommendations): content goes in
    order, and the build does not slow down as the document grows (python-docx's own appenders do)."""
    import time

    def build(n: int) -> tuple[float, WordDocument]:
        word = WordDocument()
        started = time.perf_counter()
        for i in range(n):
            word.heading(f"Recommendation {i}", 2)
            word.key_values([("Status", "Overdue"), ("Due", "9 April 2026")])
            word.table(["Date", "What happened"], [["1 Jan 2026", "Made"], ["2 Feb 2026", "Chased"]])
        return time.perf_counter() - started, word

    small, _ = build(100)
    large, word = build(800)
    assert large < 8 * small * 3  # linear (8x the content) with room for a noisy machine; quadratic is ~64x
    opened = _open(word)
    headings = [p.text for p in opened.paragraphs if p.style.name == "Heading 2"]
    assert headings[:2] == ["Recommendation 0", "Recommendation 1"] and len(headings) == 800
    assert len(opened.tables) == 1600
    body = opened.element.body
    assert body[-1].tag == qn("w:sectPr")  # the section properties stay last
