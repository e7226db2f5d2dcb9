"""Reading reports: .txt (UTF-8, GBK), .md, .docx (paragraphs and tables) and .pdf (text layer), sniffed by bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from qidong_audit.io.documents import DocumentError, read_document


def write_pdf(path: Path, lines: list[str], text: bool = True) -> Path:
    """A one-page PDF whose text layer holds `lines`: a Type0 font (Identity-H, CID = Unicode code point) with a
    ToUnicode map so readers can extract it. The font is not embedded: only the text layer matters here."""
    highs = sorted({ord(c) >> 8 for line in lines for c in line})
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Q-UCS def /CMapType 2 def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange "
            f"{len(highs)} beginbfrange " + " ".join(f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>" for h in highs)
            + " endbfrange endcmap CMapName currentdict /CMap defineresource pop end end")
    if text:
        body = "BT /F1 11 Tf 14 TL 40 800 Td " + " ".join(
            "<" + "".join(f"{ord(c):04X}" for c in line) + "> Tj T*" for line in lines) + " ET"
    else:
        body = "0 0 m 100 100 l S"  # a drawing, no text: what a scanned page looks like to a text extractor
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H /DescendantFonts [5 0 R] /ToUnicode 7 0 R >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(body.encode())} >>\nstream\n{body}\nendstream",
        f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None, after: list[str] = ()) -> Path:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    for p in after:
        d.add_paragraph(p)
    d.save(path)
    return path


def lines(doc) -> list[tuple[int, str]]:
    return [(p.line, p.text) for p in doc.paragraphs]


def test_text_in_utf8_with_bom_and_in_gbk(tmp_path):
    (tmp_path / "a.txt").write_bytes("\ufeff一、总体情况\n\n收入总计10万元。\n".encode("utf-8"))
    assert lines(read_document(str(tmp_path / "a.txt"))) == [(1, "一、总体情况"), (3, "收入总计10万元。")]
    (tmp_path / "b.txt").write_bytes("收入总计10万元。".encode("gbk"))
    assert lines(read_document(str(tmp_path / "b.txt"))) == [(1, "收入总计10万元。")]


def test_markdown_markup_is_dropped(tmp_path):
    (tmp_path / "a.md").write_text("# 一、总体情况\n\n**收入总计**10万元。\n\n| 项目 | 金额 |\n|---|---|\n| 基本支出 | 6万元 |\n", "utf-8")
    assert lines(read_document(str(tmp_path / "a.md"))) == [(1, "一、总体情况"), (3, "收入总计10万元。"), (5, "项目  金额"), (7, "基本支出  6万元")]


def test_docx_paragraphs_and_table_rows_in_document_order(tmp_path):
    path = write_docx(tmp_path / "a.docx", ["标题", "收入总计10万元。"], [["项目", "金额"], ["基本支出", "6万元"]], ["结尾"])
    assert lines(read_document(str(path))) == [(1, "标题"), (2, "收入总计10万元。"), (3, "项目  金额"), (4, "基本支出  6万元"), (5, "结尾")]


def test_docx_merged_cells_are_read_once(tmp_path):
    import docx

    d = docx.Document()
    t = d.add_table(rows=1, cols=3)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "三公经费"
    t.cell(0, 2).text = "0.87万元"
    d.save(tmp_path / "m.docx")
    assert lines(read_document(str(tmp_path / "m.docx"))) == [(1, "三公经费  0.87万元")]


def test_pdf_text_layer_with_wrapped_lines_joined(tmp_path):
    path = write_pdf(tmp_path / "a.pdf", ["一、总体情况", "2021年度支出总计947.59万元，其中：基本支出", "940.12万元、项目支出7.46万元。", "1、项目支出7.46万元。"])
    doc = read_document(str(path))
    assert lines(doc) == [(1, "一、总体情况"), (2, "2021年度支出总计947.59万元，其中：基本支出940.12万元、项目支出7.46万元。"), (4, "1、项目支出7.46万元。")]
    joined = doc.paragraphs[1]
    assert joined.line_at(joined.text.index("947.59")) == 2 and joined.line_at(joined.text.index("7.46")) == 3


def test_format_is_sniffed_from_the_bytes_not_the_name(tmp_path):
    pdf = write_pdf(tmp_path / "a.txt", ["收入总计10万元。"])
    assert read_document(str(pdf)).kind == "pdf"
    docx = write_docx(tmp_path / "b.pdf", ["收入总计10万元。"])
    assert read_document(str(docx)).kind == "docx"


@pytest.mark.parametrize("name, data, message", [
    ("missing.txt", None, "文件不存在"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "另存为 .docx"),
    ("bin.txt", b"\x00\x01\x02\x03" * 50, "不是文本、Word（.docx）或 PDF 文件"),
    ("empty.txt", b"  \n\n", "没有文字"),
    ("broken.docx", b"PK\x03\x04garbage", "不是可读的 Word（.docx）文档"),
    ("broken.pdf", b"%PDF-1.4\ngarbage", "PDF"),
])
def test_unreadable_files_raise_one_clear_error_naming_the_file(tmp_path, name, data, message):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(DocumentError) as err:
        read_document(str(path))
    assert str(path) in str(err.value) and message in str(err.value)


def test_scanned_pdf_without_a_text_layer(tmp_path):
    path = write_pdf(tmp_path / "scan.pdf", [], text=False)
    with pytest.raises(DocumentError, match="没有文字层"):
        read_document(str(path))
